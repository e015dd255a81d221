// The C entry points of libhogwild_cuda.so, looked up with dlsym by plugin_loader.cpp.
#include <cstring>
#include <exception>
#include <string>

#include <cuda_runtime.h>

#include "cuda/cuda_api.h"
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

// ---- Factories of the C++ interface (cuda_api.h). Errors (no device, out of memory, bad shapes) → nullptr + reason.
namespace hogwild::cuda {
DeviceHogwild* create_hogwild_model(const DeviceModelDesc& d);
DeviceOps* create_device_ops();
}  // namespace hogwild::cuda

extern "C" __attribute__((visibility("default"))) hogwild::cuda::DeviceHogwild* hogwild_cuda_create_model_v1(
    const hogwild::cuda::DeviceModelDesc* desc, char* err, unsigned long err_cap) {
  try {
    return hogwild::cuda::create_hogwild_model(*desc);
  } catch (const std::exception& e) {
    if (err && err_cap) copy_text(err, err_cap, e.what());
  }
  return nullptr;
}

extern "C" __attribute__((visibility("default"))) hogwild::cuda::DeviceOps* hogwild_cuda_create_ops_v1(char* err,
                                                                                                       unsigned long err_cap) {
  try {
    return hogwild::cuda::create_device_ops();
  } catch (const std::exception& e) {
    if (err && err_cap) copy_text(err, err_cap, e.what());
  }
  return nullptr;
}
