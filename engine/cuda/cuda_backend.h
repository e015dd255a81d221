#pragma once
// The CUDA backend, engine side (plain C++, no CUDA types): implements Backend/BackendCache (backend/backend.h) by
// calling the plugin libhogwild_cuda.so through its C ABI (cuda/plugin_abi.h). The plugin holds the weights in
// their file layout on the device and runs the whole forward pass there; this side plans each pass with the shared
// PassPlanner, converts the plan to the plugin's C struct, and keeps the statistics of the last worker pass.
//
// Creation returns nullptr with a one-line reason (no plugin, no device, out of memory, an unsupported tensor type):
// select_backend() then falls back to the CPU. A failure during a pass throws BackendError("CUDA: …").
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend/attention_cache.h"
#include "backend/backend.h"
#include "common/tensor.h"
#include "cuda/plugin_abi.h"
#include "model/rope.h"

namespace hogwild {

enum class CudaAttentionKernel : uint8_t { Fast, Simple };

struct CudaOptions {
  DType kv_type = DType::F16;  // KV cache element type: F16 (default), BF16 or F32
  CudaAttentionKernel kernel = CudaAttentionKernel::Fast;
  bool graphs = true;          // decode passes (one token per row) replay a CUDA graph per pass shape
  int max_rows = Layout::kMaxWorkers;
};

struct CudaTimings {
  double device_ms = 0;  // last forward on the device (events)
  double host_us = 0;    // host work of the last forward until its launch (plan upload, tables, graph launch)
  int graph = 0;         // 0 eager, 1 graph replayed, 2 graph captured
  int graphs_cached = 0;
};

class CudaCache;

class CudaBackend final : public Backend {
 public:
  using Progress = std::function<void(int done, int total)>;
  // The model's weights uploaded tensor by tensor from the mapped file, in their file types.
  static std::unique_ptr<CudaBackend> create(const Model& model, const CudaOptions& options, std::string* why,
                                             const Progress& progress = {});
  // A random-weight model of the given shape generated on the device (benchmarks; weights of type `weights`).
  static std::unique_ptr<CudaBackend> create_random(const ModelConfig& shape, DType weights, const CudaOptions& options,
                                                    uint64_t seed, std::string* why);
  // Block stores and attention only (no weights): CudaAttention drives them from a host forward (parity tests).
  static std::unique_ptr<CudaBackend> create_attention_only(int n_layers, int n_kv_heads, int n_heads, int head_dim,
                                                            const Rope& rope, int64_t max_context, const CudaOptions& options,
                                                            std::string* why);
  ~CudaBackend() override;

  BackendInfo info() const override;
  std::unique_ptr<BackendCache> create_cache(const Layout& layout) override;
  std::unique_ptr<CudaCache> create_cuda_cache(const Layout& layout);
  void forward(BackendCache& cache, const PassTarget& target, const ForwardBatch& batch, float* logits, LogitsMode mode) override;

  const std::string& device_name() const { return device_name_; }
  size_t weight_bytes() const { return weight_bytes_; }
  const CudaOptions& options() const { return options_; }
  CudaTimings last_timings() const;
  void set_attention_kernel(CudaAttentionKernel k);
  void set_graphs(bool on);
  // Mean ms of the attention alone of the pass `batch` would run over `cache` (nothing appended or committed);
  // plain: no query rotation (ordinary single-block causal attention, the benchmark's reference).
  double time_attention(CudaCache& cache, const PassTarget& target, const ForwardBatch& batch, int iters, bool plain);

  // ---- for CudaCache / CudaAttention
  const HwcApi& api() const { return *api_; }
  HwcModel* handle() const { return model_; }
  CudaCache& own(BackendCache& cache) const;
  // Throws BackendError("CUDA: …") for a failed plugin call.
  static void check(int32_t rc, const HwcStatus& st, const char* what);

 private:
  CudaBackend(const HwcApi* api, HwcModel* model, const ModelConfig& config, const CudaOptions& options);
  static std::unique_ptr<CudaBackend> finish_create(HwcModelDesc& desc, const ModelConfig& config, const CudaOptions& o,
                                                    std::string* why);

  const HwcApi* api_;
  HwcModel* model_;
  CudaOptions options_;
  std::string device_name_;
  size_t weight_bytes_ = 0;
};

class CudaCache final : public BackendCache {
 public:
  ~CudaCache() override;

  int64_t block_length(int block) const override;
  void merge_step(int worker, int64_t n_head_tokens) override;
  void copy_block(int dst, int src) override;
  void truncate_block(int block, int64_t n) override;
  void reserve(int block, int64_t n) override;
  void set_stats_enabled(bool on) override { stats_enabled_ = on; }
  bool stats_enabled() const override { return stats_enabled_; }
  void set_drill_layer(int layer) override { drill_layer_ = layer; }
  bool stats_valid() const override { return stats_valid_; }
  void fill_stats(StatsEvent& e) const override;

  // ---- device extras (tests, benchmarks)
  size_t kv_bytes_per_token() const;
  // Keys (rotated at block-local positions) and values of one layer and KV head, fp32 [length][head_dim].
  void read_block(int block, int layer, int kv_head, float* k, float* v) const;
  // Sets a block to n tokens of random K/V (a long context without prefill).
  void fill_block_random(int block, int64_t n, uint64_t seed);
  // Block masses [rows][layers][heads][F] of the last worker pass with statistics on.
  const std::vector<float>& stats_mass() const { return mass_; }
  const PassPlanner& planner() const { return planner_; }

 private:
  friend class CudaBackend;
  friend class CudaAttention;
  CudaCache(CudaBackend& backend, HwcCache* handle, const Layout& layout, int64_t max_context);
  // The plugin's plan of `plan`, and where its statistics go (sized here).
  HwcPassPlan device_plan(const PassPlan& plan, HwcStatsOut* stats);
  void stats_done(const PassPlan& plan, bool recorded);

  CudaBackend& backend_;
  HwcCache* handle_;
  PassPlanner planner_;
  int layers_, heads_;
  bool stats_enabled_ = false, stats_valid_ = false;
  int drill_layer_ = -1;
  // Statistics of the last worker pass (§12e): masses, drill rows [rows][total] (empty when off), the lengths.
  std::vector<float> mass_, drill_;
  std::vector<int64_t> stats_lengths_;
  int stats_rows_ = 0, stats_drill_layer_ = -1;
  // The pass being recorded (written by the plugin before stats_done()).
  std::vector<float> pending_mass_, pending_drill_;
};

// A CudaCache behind the AttentionCache seam: a host forward (cpu::Transformer) computes q/k/v, the device appends
// and attends (parity tests of the device attention against HogwildAttention).
class CudaAttention final : public AttentionCache {
 public:
  CudaAttention(CudaBackend& backend, CudaCache& cache) : backend_(backend), cache_(cache) {}
  void set_target(const PassTarget& target) { target_ = target; }
  void begin_pass(const ForwardBatch& batch) override;
  void attend(int layer, float* q, float* k, const float* v, float* out) override;
  void end_pass() override;
  void abort_pass();
  bool in_pass() const { return in_pass_; }

 private:
  CudaBackend& backend_;
  CudaCache& cache_;
  PassTarget target_;
  PassPlan plan_;
  bool in_pass_ = false, stats_ = false;
};

// The plugin's element type of a host type (HWC_Q4_K for DType::Q4_K, …); throws ConfigError for a type the plugin
// ABI has no id for.
int32_t hwc_type(DType t);

}  // namespace hogwild
