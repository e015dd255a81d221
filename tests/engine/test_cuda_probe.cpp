// The CUDA plugin probe (cuda/plugin_loader.h) tells the truth about this machine and explains itself:
//   * a build without the plugin says the plugin was not found;
//   * a build with the plugin loads it; it is usable exactly when the machine has an NVIDIA device node — a GPU
//     machine on which the plugin cannot run FAILS here, as does a machine without one on which it claims a device;
//   * every way a plugin file can be wrong (missing, not a library, not a Hogwild plugin) gives its own reason;
//   * the fake plugin of the tests loads through the same path and reports its device.
#include <filesystem>
#include <fstream>
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>

#include <gtest/gtest.h>

#include "cuda/plugin_loader.h"

namespace fs = std::filesystem;
using namespace hogwild;

namespace {
bool has_nvidia_device() { return fs::exists("/dev/nvidiactl") || fs::exists("/dev/nvidia0"); }
}  // namespace

TEST(CudaProbe, TellsTheTruthAboutThisMachine) {
  ASSERT_EQ(std::getenv("HOGWILD_CUDA_PLUGIN"), nullptr) << "this test probes the build's own plugin";
  const cuda::DeviceStatus s = cuda::probe_device();
#if HOGWILD_HAVE_CUDA_PLUGIN
  ASSERT_TRUE(s.compiled) << "this build has libhogwild_cuda.so but the probe did not load it: " << s.reason;
  EXPECT_EQ(fs::path(s.plugin_path).filename(), "libhogwild_cuda.so");
  if (has_nvidia_device()) {
    EXPECT_TRUE(s.usable) << "an NVIDIA device is present but CUDA is not usable: " << s.reason;
    EXPECT_FALSE(s.device_name.empty());
    EXPECT_GE(s.device_count, 1);
  } else {
    EXPECT_FALSE(s.usable) << "no NVIDIA device node, yet the plugin reports " << s.device_name;
    EXPECT_NE(s.reason.find("cuda"), std::string::npos) << "the reason names the CUDA runtime's error: " << s.reason;
  }
#else
  EXPECT_FALSE(s.compiled);
  EXPECT_FALSE(s.usable);
  EXPECT_NE(s.reason.find("libhogwild_cuda.so was not found"), std::string::npos) << s.reason;
#endif
  EXPECT_EQ(cuda::describe_availability(s).rfind(s.usable ? "CUDA available: " : "CUDA not available: ", 0), 0u);
  // Probing twice gives the same answer (loaded once).
  EXPECT_EQ(cuda::probe_device().reason, s.reason);
  EXPECT_EQ(cuda::plugin_api() != nullptr, s.compiled);
}

TEST(CudaProbe, EveryBrokenPluginFileHasItsOwnReason) {
  const fs::path dir = fs::temp_directory_path() / ("hogwild-probe-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const cuda::DeviceStatus missing = cuda::probe_plugin((dir / "nope.so").string());
  EXPECT_FALSE(missing.compiled);
  EXPECT_NE(missing.reason.find("does not exist"), std::string::npos) << missing.reason;

  std::ofstream(dir / "text.so") << "not a library\n";
  const cuda::DeviceStatus text = cuda::probe_plugin((dir / "text.so").string());
  EXPECT_FALSE(text.compiled);
  EXPECT_NE(text.reason.find("cannot load the CUDA plugin"), std::string::npos) << text.reason;

  Dl_info libc{};
  ASSERT_NE(dladdr(reinterpret_cast<void*>(&std::printf), &libc), 0);
  const cuda::DeviceStatus other = cuda::probe_plugin(libc.dli_fname);  // a real library without the entry point
  EXPECT_FALSE(other.compiled);
  EXPECT_NE(other.reason.find("is not a compatible Hogwild CUDA plugin"), std::string::npos) << other.reason;
  fs::remove_all(dir);

  const HwcApi* api = nullptr;
  const cuda::DeviceStatus fake = cuda::probe_plugin(FAKE_CUDA_PLUGIN_PATH, &api);
  EXPECT_TRUE(fake.compiled);
  EXPECT_TRUE(fake.usable) << fake.reason;
  EXPECT_EQ(fake.device_name, "Fake CUDA device (tests)");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->abi_version, HWC_ABI_VERSION);
}
