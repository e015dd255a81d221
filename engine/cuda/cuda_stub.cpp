// Built when nvcc is absent: the CUDA backend reports why it is unavailable.
#include "cuda/cuda_backend.h"

namespace hogwild::cuda {

DeviceStatus probe_device() {
  DeviceStatus s;
  s.compiled = false;
  s.usable = false;
  s.reason = "this build has no CUDA backend (nvcc was not found at configure time)";
  return s;
}

}  // namespace hogwild::cuda
