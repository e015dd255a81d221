// Finds and loads libhogwild_cuda.so at run time and calls its probe through the C ABI (plugin_abi.h). Without the
// plugin (built without nvcc, or the CUDA libraries are missing) the status says why and everything runs on the CPU.
#include "cuda/plugin_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

namespace hogwild::cuda {
namespace fs = std::filesystem;

namespace {

const HwcApi* g_api = nullptr;  // the table of the plugin probe_device() loaded (the handle stays loaded)

std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("HOGWILD_CUDA_PLUGIN"); env && *env) return {env};  // explicit: nothing else
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path dir = exe.parent_path();
    out.push_back((dir / "libhogwild_cuda.so").string());
    out.push_back((dir / ".." / "lib" / "hogwild-studio" / "libhogwild_cuda.so").string());
    out.push_back((dir / ".." / "engine" / "cuda" / "libhogwild_cuda.so").string());           // build tree: app/
    out.push_back((dir / ".." / ".." / "engine" / "cuda" / "libhogwild_cuda.so").string());    // build tree: tests/x/
  }
#ifdef HOGWILD_CUDA_PLUGIN_BUILD_PATH
  out.emplace_back(HOGWILD_CUDA_PLUGIN_BUILD_PATH);
#endif
  return out;
}

}  // namespace

DeviceStatus probe_plugin(const std::string& path, const HwcApi** api_out) {
  DeviceStatus s;
  s.plugin_path = path;
  if (api_out) *api_out = nullptr;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    s.reason = "the CUDA plugin " + path + " does not exist";
    return s;
  }
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* e = dlerror();
    s.reason = "cannot load the CUDA plugin " + path + ": " + (e ? e : "unknown error");
    return s;
  }
  auto get = reinterpret_cast<HwcGetApiFn>(dlsym(handle, HWC_GET_API_SYMBOL));
  const HwcApi* api = get ? get(HWC_ABI_VERSION) : nullptr;
  if (!api || api->abi_version != HWC_ABI_VERSION || api->struct_size < sizeof(HwcApi) || !api->probe) {
    s.reason = path + " is not a compatible Hogwild CUDA plugin (ABI version " + std::to_string(HWC_ABI_VERSION) + " expected)";
    dlclose(handle);
    return s;
  }
  HwcProbe r{};
  api->probe(&r);
  r.device_name[sizeof r.device_name - 1] = '\0';
  r.reason[sizeof r.reason - 1] = '\0';
  s.compiled = true;
  s.usable = r.usable != 0;
  s.device_count = r.device_count;
  s.device_name = r.device_name;
  s.reason = s.usable ? "" : (r.reason[0] ? r.reason : "the CUDA plugin found no usable device");
  if (api_out) *api_out = api;
  return s;  // the handle stays loaded for the life of the process
}

DeviceStatus probe_device() {
  static std::once_flag once;
  static DeviceStatus status;
  std::call_once(once, [] {
    std::string failed;  // why a plugin file that exists could not be used
    for (const std::string& path : candidates()) {
      const HwcApi* api = nullptr;
      DeviceStatus s = probe_plugin(path, &api);
      if (s.compiled) {
        g_api = api;
        status = s;
        return;
      }
      std::error_code ec;
      if (fs::exists(path, ec)) failed = s.reason;
    }
    const char* env = std::getenv("HOGWILD_CUDA_PLUGIN");
    if (!failed.empty()) status.reason = failed;
    else if (env && *env) status.reason = std::string("HOGWILD_CUDA_PLUGIN names ") + env + ", which does not exist";
    else status.reason = "the CUDA plugin libhogwild_cuda.so was not found (this build has no CUDA backend, or it is not installed)";
  });
  return status;
}

const HwcApi* plugin_api() {
  probe_device();
  return g_api;
}

std::string describe_availability(const DeviceStatus& s) {
  if (s.usable) return "CUDA available: " + s.device_name;
  return "CUDA not available: " + s.reason;
}

}  // namespace hogwild::cuda
