// Finds and loads libhogwild_cuda.so at run time (beside the executable, in ../lib/hogwild-studio, in the build
// tree's engine/cuda, or $HOGWILD_CUDA_PLUGIN) and calls its probe. Without the plugin (built without nvcc, or
// the CUDA libraries are missing) the status says why and everything runs on the CPU.
#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <vector>

#include "cuda/cuda_backend.h"

namespace hogwild::cuda {
namespace fs = std::filesystem;

namespace {

void* g_handle = nullptr;  // the loaded plugin (kept for the life of the process)

std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("HOGWILD_CUDA_PLUGIN"); env && *env) out.emplace_back(env);
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

DeviceStatus load_and_probe() {
  DeviceStatus s;
  std::string last_error = "not found";
  for (const std::string& path : candidates()) {
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* e = dlerror();
      last_error = std::string("cannot load ") + path + ": " + (e ? e : "unknown error");
      continue;
    }
    using Probe = int (*)(HogwildCudaProbeV1*);
    auto probe = reinterpret_cast<Probe>(dlsym(handle, "hogwild_cuda_probe_v1"));
    if (!probe) {
      last_error = path + " is not a compatible Hogwild CUDA plugin";
      continue;
    }
    HogwildCudaProbeV1 r{};
    probe(&r);
    s.compiled = true;
    s.plugin_path = path;
    s.usable = r.usable != 0;
    s.device_count = r.device_count;
    s.device_name = r.device_name;
    s.reason = r.reason;
    g_handle = handle;
    return s;  // the handle stays loaded for the life of the process
  }
  s.reason = "the CUDA plugin libhogwild_cuda.so is " + last_error + " (this build has no CUDA backend, or it is not installed)";
  return s;
}

}  // namespace

DeviceStatus probe_device() {
  static std::once_flag once;
  static DeviceStatus status;
  std::call_once(once, [] { status = load_and_probe(); });
  return status;
}

void* plugin_symbol(const char* name) {
  probe_device();
  return g_handle ? dlsym(g_handle, name) : nullptr;
}

std::string describe(const DeviceStatus& s) {
  if (s.usable) return "CUDA: " + s.device_name;
  return "CPU (CUDA not used: " + s.reason + ")";
}

}  // namespace hogwild::cuda
