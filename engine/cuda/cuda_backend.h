#pragma once
// CUDA backend entry points, behind a plain C++ header (no CUDA types), so that binaries link the same
// API whether or not nvcc existed at build time.
#include <string>

namespace hogwild::cuda {

struct DeviceStatus {
  bool compiled = false;    // built with nvcc
  bool usable = false;      // a device is present and the runtime works
  int device_count = 0;
  std::string device_name;  // of device 0 when usable
  std::string reason;       // why not usable (error name and text), empty when usable
};

// Probes the CUDA runtime once; never throws, never crashes without a driver.
DeviceStatus probe_device();

}  // namespace hogwild::cuda
