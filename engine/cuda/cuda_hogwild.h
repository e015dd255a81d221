#pragma once
// Engine side of the CUDA Hogwild backend (plain C++; the plugin does the device work through cuda_api.h).
//
// CudaHogwild mirrors HogwildAttention's API and semantics (hogwild/hogwild_attention.h): the same layout, the
// same pass modes (set_prefill / set_worker_pass), the same per-pass bookkeeping and errors ("context full: …"),
// merges and block copies — but the blocks live on the device. Two ways to run a pass:
//   * forward(batch, logits): the whole model on the device (weights uploaded at creation);
//   * as an AttentionCache: cpu::Transformer computes q/k/v on the host and the device appends and attends
//     (parity tests, and the seam that lets any CPU forward use the device cache).
// The host-side plan (views, lengths, locations) is built by PassPlanner exactly like HogwildAttention::begin_pass.
//
// Creation returns nullptr with a reason (no plugin, no device, out of memory, unsupported shape): the caller then
// uses the CPU backend.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cpu/attention_cache.h"
#include "cpu/rope.h"
#include "cuda/cuda_api.h"
#include "hogwild/layout.h"
#include "model/model.h"

namespace hogwild {

struct StatsEvent;

struct CudaOptions {
  cuda::DevType kv_type = cuda::DevType::F16;
  // Quantized weight types are dequantized at load: to F16 by default, to F32 when exact (parity runs).
  bool exact = false;
  cuda::AttentionKernel kernel = cuda::AttentionKernel::Fast;
};

// Builds a cuda::PassPlan from a batch and the block lengths (HogwildAttention::begin_pass, §5.5, §7).
class PassPlanner {
 public:
  PassPlanner(const Layout& layout, int64_t max_context) : layout_(layout), max_context_(max_context) {}
  const Layout& layout() const { return layout_; }
  void set_prefill(int block);
  void set_worker_pass() { worker_mode_ = true, prefill_block_ = -1; }
  bool worker_mode() const { return worker_mode_; }
  // Throws ConfigError for malformed batches and "context full: …" before anything changes.
  cuda::PassPlan plan(const ForwardBatch& batch, const std::vector<int64_t>& lengths, bool stats) const;

 private:
  Layout layout_;
  int64_t max_context_;
  bool worker_mode_ = true;
  int prefill_block_ = -1;
};

class CudaHogwild : public AttentionCache {
 public:
  // Full model on the device. workers = layout.workers().
  static std::unique_ptr<CudaHogwild> create(const Model& model, const Layout& layout, const CudaOptions& options,
                                             std::string* why);
  // A random-weight model of the given shape generated on the device (benchmarks; weights in `weights`).
  static std::unique_ptr<CudaHogwild> create_random(const ModelConfig& shape, cuda::DevType weights, const Layout& layout,
                                                    const CudaOptions& options, uint64_t seed, std::string* why);
  // Block store and attention only (no weights): drives the device cache from a CPU forward or a test.
  static std::unique_ptr<CudaHogwild> create_attention_only(int n_layers, int n_kv_heads, int n_heads, int head_dim,
                                                            const Rope& rope, const Layout& layout, int64_t max_context,
                                                            const CudaOptions& options, std::string* why);
  ~CudaHogwild() override;

  const Layout& layout() const { return planner_.layout(); }
  int workers() const { return layout().workers(); }
  int num_blocks() const { return layout().num_blocks(); }
  int n_layers() const { return n_layers_; }
  int n_heads() const { return n_heads_; }
  std::string device_name() const;
  cuda::DeviceHogwild& device() { return *dev_; }

  // ---- pass modes and passes (HogwildAttention semantics)
  void set_prefill(int block);
  void set_worker_pass();
  // Whole model on the device; logits as cpu::Transformer::forward.
  void forward(const ForwardBatch& batch, float* logits, bool all_slots = false);
  // AttentionCache: q/k/v from a host forward.
  void begin_pass(const ForwardBatch& batch) override;
  void attend(int layer, float* q, float* k, const float* v, float* out) override;
  void end_pass() override;
  void abort_pass();
  bool in_pass() const { return in_pass_; }

  // Benchmarks: mean ms of the attention alone for the pass `batch` would run (nothing appended or committed).
  double time_attention(const ForwardBatch& batch, int iters, bool plain);
  double last_forward_ms() const { return dev_->last_forward_ms(); }
  size_t weight_bytes() const { return dev_->weight_bytes(); }
  size_t kv_bytes_per_token() const { return dev_->kv_bytes_per_token(); }
  void fill_block_random(int block, int64_t n, uint64_t seed);

  // ---- blocks (between passes)
  int64_t block_length(int id) const;
  std::vector<int64_t> block_lengths() const;
  int64_t view_length(int worker) const;
  void merge_step(int worker, int64_t n_head_tokens);
  void copy_block(int dst, int src);
  void clear_block(int id);
  void reset();
  void reserve(int block, int64_t tokens);

  // ---- statistics (§12e): block masses of the last worker pass with stats on; no per-token drill rows.
  void set_stats_enabled(bool on) { stats_enabled_ = on; }
  bool stats_enabled() const { return stats_enabled_; }
  bool stats_valid() const { return stats_valid_; }
  // [W][layers][heads][F]
  const std::vector<float>& stats_mass() const { return dev_->stats_mass(); }
  float stats_at(int w, int layer, int head, int block) const;
  void fill_stats(StatsEvent& e) const;

 private:
  CudaHogwild(std::unique_ptr<cuda::DeviceHogwild> dev, const Layout& layout, int64_t max_context, int n_layers, int n_heads);
  // The common end of the three factories: per-layout sizes, the device object, the attention kernel.
  static std::unique_ptr<CudaHogwild> finish_create(cuda::DeviceModelDesc& d, const Layout& layout, const CudaOptions& o,
                                                    int64_t max_context, int n_layers, int n_heads, std::string* why);
  cuda::PassPlan make_plan(const ForwardBatch& batch);
  void check_idle(const char* what) const;
  // Runs f; a plugin exception becomes hogwild::Error("CUDA …").
  template <typename F> auto guarded(F&& f) -> decltype(f());

  std::unique_ptr<cuda::DeviceHogwild> dev_;
  PassPlanner planner_;
  int n_layers_, n_heads_;
  bool in_pass_ = false;
  bool stats_enabled_ = false, stats_valid_ = false;
  std::vector<int64_t> stats_lengths_;
};

}  // namespace hogwild
