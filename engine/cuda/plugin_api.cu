// The C entry points of libhogwild_cuda.so, looked up with dlsym by plugin_loader.cpp.
#include <cstring>

#include <cuda_runtime.h>

#include "cuda/cuda_backend.h"

namespace {
void copy_text(char* dst, size_t cap, const char* src) {
  std::strncpy(dst, src, cap - 1);
  dst[cap - 1] = '\0';
}
}  // namespace

// Runtime GPU check: cudaGetDeviceCount with its error recorded (no driver, no device) — never fatal.
extern "C" __attribute__((visibility("default"))) int hogwild_cuda_probe_v1(HogwildCudaProbeV1* out) {
  std::memset(out, 0, sizeof *out);
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    const std::string why = std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
    copy_text(out->reason, sizeof out->reason, why.c_str());
    cudaGetLastError();
    return 0;
  }
  out->device_count = count;
  if (count <= 0) {
    copy_text(out->reason, sizeof out->reason, "no CUDA device found");
    return 0;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) copy_text(out->device_name, sizeof out->device_name, prop.name);
  out->usable = 1;
  return 0;
}
