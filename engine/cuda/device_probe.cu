// Runtime GPU check: cudaGetDeviceCount with its error recorded (no driver, no device) — never fatal.
#include <cuda_runtime.h>

#include "cuda/cuda_backend.h"

namespace hogwild::cuda {

DeviceStatus probe_device() {
  DeviceStatus s;
  s.compiled = true;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    s.reason = std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
    cudaGetLastError();
    return s;
  }
  s.device_count = count;
  if (count <= 0) {
    s.reason = "no CUDA device found";
    return s;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) s.device_name = prop.name;
  s.usable = true;
  return s;
}

}  // namespace hogwild::cuda
