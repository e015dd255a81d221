// GPU test (label "gpu"): the CUDA plugin loads and finds a usable device. Where no device exists it reports
// SKIPPED (exit code 77, ctest's SKIP_RETURN_CODE) with the reason, never PASSED.
#include <cstdio>

#include "cuda/plugin_loader.h"

int main() {
  const auto s = hogwild::cuda::probe_device();
  if (!s.usable) {
    std::printf("SKIPPED: no usable CUDA device: %s\n", s.reason.c_str());
    return 77;
  }
  std::printf("CUDA plugin %s, %d device(s), device 0: %s\n", s.plugin_path.c_str(), s.device_count, s.device_name.c_str());
  return s.device_name.empty() ? 1 : 0;
}
