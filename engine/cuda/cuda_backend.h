#pragma once
// CUDA backend entry points behind a plain C++ header (no CUDA types). The CUDA code lives in a plugin,
// libhogwild_cuda.so, loaded at run time with dlopen: binaries never link the CUDA runtime, so the same
// program starts and runs on the CPU on machines without CUDA libraries (a .deb installs it as optional).
#include <string>

namespace hogwild::cuda {

struct DeviceStatus {
  bool compiled = false;    // the CUDA plugin was found and loaded
  bool usable = false;      // a device is present and the runtime works
  int device_count = 0;
  std::string device_name;  // of device 0 when usable
  std::string reason;       // why not usable (missing plugin, error name and text), empty when usable
  std::string plugin_path;  // where the plugin was loaded from
};

// Loads the plugin (once) and probes the CUDA runtime; never throws, never crashes without a driver.
DeviceStatus probe_device();

// Loads the plugin (once) and looks up one of its exported symbols; nullptr without the plugin or symbol.
void* plugin_symbol(const char* name);

// A one-line description for status bars and logs: "CUDA: NVIDIA H100 (…)" or "CPU (CUDA not used: …)".
std::string describe(const DeviceStatus& s);

}  // namespace hogwild::cuda

// The C ABI the plugin exports (plugin_api.h documents it); version-suffixed so that a stale plugin is refused.
extern "C" {
struct HogwildCudaProbeV1 {
  int usable;
  int device_count;
  char device_name[256];
  char reason[512];
};
}
