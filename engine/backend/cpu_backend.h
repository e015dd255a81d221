#pragma once
// The CPU backend: cpu::Transformer (the readable fp32 reference, made fast) over HogwildAttention caches.
// forward_many() fuses several caches into one transformer pass: every weight row is read once for the rows of all
// of them, and each cache attends to its own rows (hogwild-lab: P sessions × W workers).
#include <chrono>
#include <memory>

#include "backend/backend.h"
#include "cpu/transformer.h"
#include "hogwild/hogwild_attention.h"

namespace hogwild {

class CpuCache final : public BackendCache {
 public:
  CpuCache(const ModelConfig& c, const Layout& layout, ThreadPool* pool);

  int64_t block_length(int block) const override { return attention_.block_length(block); }
  void merge_step(int worker, int64_t n) override { attention_.merge_step(worker, n); }
  void copy_block(int dst, int src) override { attention_.copy_block(dst, src); }
  void truncate_block(int block, int64_t n) override;
  // From another CpuCache of the same model shape (false for a cache of another backend kind).
  bool assign_block(int dst, const BackendCache& src, int src_block, int64_t n) override;
  void reserve(int block, int64_t n) override { attention_.reserve(block, n); }
  void set_stats_enabled(bool on) override { attention_.set_stats_enabled(on); }
  bool stats_enabled() const override { return attention_.stats_enabled(); }
  void set_drill_layer(int layer) override { attention_.set_drill_layer(layer); }
  bool stats_valid() const override { return attention_.stats().valid(); }
  void fill_stats(StatsEvent& e) const override { attention_.fill_stats(e); }

  // The CPU cache itself (tests compare it with the oracles).
  HogwildAttention& attention() { return attention_; }
  const HogwildAttention& attention() const { return attention_; }
  // Selects the pass mode of `target` (prefill of one block or worker pass).
  void set_target(const PassTarget& target);

 private:
  HogwildAttention attention_;
};

class CpuBackend final : public Backend {
 public:
  // threads <= 0: all hardware threads. The model must outlive the backend.
  CpuBackend(const Model& model, int threads);

  BackendInfo info() const override;
  std::unique_ptr<BackendCache> create_cache(const Layout& layout) override;
  void forward(BackendCache& cache, const PassTarget& target, const ForwardBatch& batch, float* logits, LogitsMode mode) override;
  void forward_many(std::span<const CachePass> passes) override;
  // Passes of fewer than cpu::kBlasMinSlots slots (decode steps of up to 15 workers): alone they run on the row
  // kernels, and a fused pass of only such passes runs on the row kernels too (no SGEMM however many rows).
  bool fuses(const CachePass& p) const override;
  PassLedger ledger() const override { return ledger_; }
  void reset_ledger() override { ledger_ = {}; }

  cpu::Transformer& transformer() { return transformer_; }
  int threads() const { return threads_; }

 private:
  CpuCache& own(BackendCache& cache) const;
  cpu::Transformer transformer_;
  int threads_;
  std::vector<float> logits_;  // forward_many: all rows' logits before they are handed out
  PassLedger ledger_;
  void account(int64_t slots, bool small, std::chrono::steady_clock::time_point t0);
};

}  // namespace hogwild
