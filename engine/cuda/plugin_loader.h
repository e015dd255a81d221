#pragma once
// Finds and loads the CUDA plugin libhogwild_cuda.so at run time (dlopen) and hands out its C ABI (plugin_abi.h).
// Binaries never link the CUDA runtime, so the same program starts and runs on the CPU on machines without CUDA
// libraries (a .deb installs the plugin as an optional file). Qt-free, no CUDA types.
#include <string>

#include "cuda/plugin_abi.h"

namespace hogwild::cuda {

struct DeviceStatus {
  bool compiled = false;    // a compatible plugin was found and loaded
  bool usable = false;      // a device is present and the runtime works
  int device_count = 0;
  std::string device_name;  // of device 0 when usable
  std::string reason;       // why not usable (missing plugin, error name and text), empty when usable
  std::string plugin_path;  // where the plugin was loaded from
};

// Loads the plugin (once per process) and probes the CUDA runtime; never throws, never crashes without a driver.
// Where it looks: $HOGWILD_CUDA_PLUGIN alone when set (the user's explicit choice); else beside the executable, in
// ../lib/hogwild-studio, in the build tree's engine/cuda.
DeviceStatus probe_device();

// Loads one plugin file and probes it, without caching (tests; probe_device() uses it for each candidate).
// `api` receives the plugin's function table when the plugin is compatible.
DeviceStatus probe_plugin(const std::string& path, const HwcApi** api = nullptr);

// The function table of the plugin probe_device() loaded; nullptr when none was loaded (a plugin without a usable
// device still returns its table).
const HwcApi* plugin_api();

// One line about CUDA availability for logs and dialogs: "CUDA available: NVIDIA H100 (…)" or
// "CUDA not available: <reason>". It says nothing about what computes: BackendInfo::describe() does.
std::string describe_availability(const DeviceStatus& s);

}  // namespace hogwild::cuda
