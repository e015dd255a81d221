#pragma once
// Shared by the device tests (label "gpu"): named checks with a normalized-MSE measure, a -f NAME filter, the
// device probe that turns "no device" into exit 77 (SKIPPED), and the plugin's single ops behind a small RAII handle.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cuda/cuda_backend.h"
#include "cuda/plugin_loader.h"

namespace hogwild::gpu_test {

inline int g_failures = 0, g_checks = 0;
inline std::string g_filter;
inline std::mt19937 g_rng(1234);

inline bool selected(const std::string& name) { return g_filter.empty() || name.find(g_filter) != std::string::npos; }

inline std::vector<float> randn(size_t n, float scale = 1.f) {
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> x(n);
  for (auto& e : x) e = d(g_rng);
  return x;
}

// Σ(a − ref)² / Σ ref²; NaN or inf never passes.
inline double nmse(const float* a, const float* ref, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(a[i])) return INFINITY;
    const double d = static_cast<double>(a[i]) - ref[i];
    num += d * d;
    den += static_cast<double>(ref[i]) * ref[i];
  }
  return den > 0 ? num / den : num;
}

inline void report(const std::string& name, double err, double tol) {
  ++g_checks;
  const bool ok = err <= tol;
  if (!ok) ++g_failures;
  std::printf("  %-70s nmse %9.3e  tol %8.1e  %s\n", name.c_str(), err, tol, ok ? "OK" : "FAIL");
}

inline void check_bool(const std::string& name, bool ok, const std::string& detail) {
  ++g_checks;
  if (!ok) ++g_failures;
  std::printf("  %-70s %s %s\n", name.c_str(), ok ? "OK" : "FAIL", detail.c_str());
}

// Parses "-f NAME" and "perf"; returns 77 when no device is usable (the caller returns it), else 0.
inline int start(int argc, char** argv, bool* perf_mode) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "perf" && perf_mode) *perf_mode = true;
    else if (a == "-f" && i + 1 < argc) g_filter = argv[++i];
  }
  const auto s = cuda::probe_device();
  if (!s.usable) {
    std::printf("SKIPPED: no usable CUDA device: %s\n", s.reason.c_str());
    return 77;
  }
  std::printf("device: %s (plugin %s)\n", s.device_name.c_str(), s.plugin_path.c_str());
  return 0;
}

inline int finish() {
  std::printf("%d checks, %d failed\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}

inline std::string models_dir() {
  if (const char* e = std::getenv("HOGWILD_MODELS_DIR"); e && *e) return e;
  return HOGWILD_MODELS_DIR;
}

// The plugin's single ops (HwcOps) over host arrays; every failure throws BackendError.
class Ops {
 public:
  Ops() : api_(*cuda::plugin_api()) {
    HwcStatus st{};
    ops_ = api_.ops_create(&st);
    if (!ops_) CudaBackend::check(st.code ? st.code : HWC_ERR_DEVICE, st, "ops_create");
  }
  ~Ops() { api_.ops_destroy(ops_); }
  Ops(const Ops&) = delete;
  Ops& operator=(const Ops&) = delete;

  void rmsnorm(const float* x, const float* w, int64_t n, int dim, float eps, float* out) {
    HwcStatus st{};
    CudaBackend::check(api_.op_rmsnorm(ops_, x, w, n, dim, eps, out, &st), st, "rmsnorm");
  }
  void embed(const HwcTensor& table, const int32_t* tokens, int64_t n, float* out) {
    HwcStatus st{};
    CudaBackend::check(api_.op_embed(ops_, &table, tokens, n, out, &st), st, "embed");
  }
  void matmul(const HwcTensor& w, const float* x, int64_t n, int path, float* y) {
    HwcStatus st{};
    CudaBackend::check(api_.op_matmul(ops_, &w, x, n, path, y, &st), st, "matmul");
  }
  void swiglu(float* gate, const float* up, int64_t count) {
    HwcStatus st{};
    CudaBackend::check(api_.op_swiglu(ops_, gate, up, count, &st), st, "swiglu");
  }
  void add(float* y, const float* x, int64_t count) {
    HwcStatus st{};
    CudaBackend::check(api_.op_add(ops_, y, x, count, &st), st, "add");
  }
  void rope(float* x, int64_t rows, int n_heads, int head_dim, int rope_dim, bool neox, const std::vector<double>& inv_freq,
            const int64_t* positions) {
    HwcStatus st{};
    CudaBackend::check(api_.op_rope(ops_, x, rows, n_heads, head_dim, rope_dim, neox ? 1 : 0, inv_freq.data(), positions, &st), st, "rope");
  }
  void round_trip(int32_t type, float* x, int64_t count) {
    HwcStatus st{};
    CudaBackend::check(api_.op_round_trip(ops_, type, x, count, &st), st, "round_trip");
  }
  double copy_bandwidth_gbs(size_t bytes, int iters) {
    double gbs = 0;
    HwcStatus st{};
    CudaBackend::check(api_.op_copy_bandwidth(ops_, bytes, iters, &gbs, &st), st, "copy_bandwidth");
    return gbs;
  }

 private:
  const HwcApi& api_;
  HwcOps* ops_ = nullptr;
};

}  // namespace hogwild::gpu_test
