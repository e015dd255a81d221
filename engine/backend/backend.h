#pragma once
// The backend seam (docs/ARCHITECTURE.md, "Backends"): the model and the Hogwild scheduler are written once; each
// device implements these two interfaces.
//
//   Backend       one loaded model on one device (weights, the forward pass). Created once per model load and
//                 shared by every run: the weights are uploaded once.
//   BackendCache  the Hogwild block cache of one layout on that device (a session's cache, a finisher's plain
//                 sequence). Any number per backend.
//
// A pass: Backend::forward(cache, target, batch, logits) — a prefill of one block (1 row) or a worker pass of W
// rows (row w writes its own block and sees its view). The pass planner (backend/pass_planner.h) does the
// bookkeeping for both backends. Between passes the session merges finished steps, copies marker blocks, reads
// lengths and statistics through BackendCache.
//
// Implementations: CpuBackend (backend/cpu_backend.h: cpu::Transformer + HogwildAttention) and CudaBackend
// (cuda/cuda_backend.h: the plugin libhogwild_cuda.so through its C ABI). select_backend() (backend_select.h)
// picks one with fallback.
//
// Errors: ConfigError("context full: …") before anything changes; BackendError for a device failure (the pass is
// rolled back where the device allows it; the run should end). Not thread-safe: one thread drives a backend.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backend/forward_batch.h"
#include "backend/pass_planner.h"
#include "hogwild/layout.h"
#include "model/model.h"

namespace hogwild {

struct StatsEvent;

enum class BackendKind : uint8_t { Cpu, Cuda };
// "cpu", "cuda".
const char* backend_kind_name(BackendKind k);

// What actually computes the tokens (every report of "backend" names this).
struct BackendInfo {
  BackendKind kind = BackendKind::Cpu;
  std::string device;  // "16 threads" (CPU) or the CUDA device name ("NVIDIA H100 80GB HBM3")
  // "CPU (16 threads)" or "CUDA: NVIDIA H100 80GB HBM3".
  std::string describe() const;
};

enum class LogitsMode : uint8_t {
  None,      // no classifier (prefill of text whose continuation is not sampled)
  LastSlot,  // [rows][vocab]: the last slot of every row (always real: padding is on the left)
  AllSlots,  // [rows*len][vocab]
};

// The Hogwild block cache of one layout (hogwild-method.md §5.3, §6, §12): blocks never move; a worker's view is the
// ordered list of blocks it attends to. Lengths and merges between passes; statistics of the last worker pass.
class BackendCache {
 public:
  explicit BackendCache(const Layout& layout) : layout_(layout) {}
  virtual ~BackendCache() = default;
  BackendCache(const BackendCache&) = delete;
  BackendCache& operator=(const BackendCache&) = delete;

  const Layout& layout() const { return layout_; }
  int num_blocks() const { return layout_.num_blocks(); }
  const std::string& block_name(int id) const { return layout_.block(id).name; }

  virtual int64_t block_length(int block) const = 0;
  std::vector<int64_t> block_lengths() const;
  // Tokens in the view of worker w (its newest token sits at view_length − 1).
  int64_t view_length(int worker) const;

  // §6/§12b: the first n tokens of worker's own block (a finished step ending with its separator) join common at
  // positions |common|..; the tail moves to the start of the own block. Keys are never re-rounded (CUDA: from fp32
  // master keys; docs/CUDA.md). Throws ConfigError for the contiguous layout, std::out_of_range for a bad n.
  virtual void merge_step(int worker, int64_t n_head_tokens) = 0;
  // dst's contents = src's (same block-local positions): the markers of the combined layout.
  virtual void copy_block(int dst, int src) = 0;
  // dst's contents = the first n tokens of block src_block of `src`, another cache of this backend (same block-local
  // positions, bit for bit): PromptCache's prompt heads. Returns false, changing nothing, when this backend cannot
  // copy between its caches (the caller prefills instead; the default). std::out_of_range for n > that length.
  virtual bool assign_block(int dst, const BackendCache& src, int src_block, int64_t n) {
    (void)dst, (void)src, (void)src_block, (void)n;
    return false;
  }
  // Keeps the first n tokens (n ≤ length).
  virtual void truncate_block(int block, int64_t n) = 0;
  void clear_block(int block) { truncate_block(block, 0); }
  // Every block emptied (capacities kept).
  void reset();
  // Room for n tokens (optional; blocks grow geometrically).
  virtual void reserve(int block, int64_t n) = 0;

  // ---- statistics (§12e) of worker passes: block masses every pass; per-token drill rows for one layer.
  virtual void set_stats_enabled(bool on) = 0;
  virtual bool stats_enabled() const = 0;
  virtual void set_drill_layer(int layer) = 0;  // -1: off
  // True once a worker pass with statistics on has run.
  virtual bool stats_valid() const = 0;
  // Every field of the event but `pass`: block names/owners/lengths, masses, drill rows.
  virtual void fill_stats(StatsEvent& e) const = 0;

 private:
  Layout layout_;
};

class Backend {
 public:
  virtual ~Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  virtual BackendInfo info() const = 0;
  const ModelConfig& config() const { return config_; }

  // A cache for `layout` (views no longer than the model's context).
  virtual std::unique_ptr<BackendCache> create_cache(const Layout& layout) = 0;

  // One forward pass over `cache` (created by this backend). logits: see LogitsMode (nullptr with None).
  virtual void forward(BackendCache& cache, const PassTarget& target, const ForwardBatch& batch, float* logits,
                       LogitsMode mode) = 0;

  // Several caches in ONE pass — P sessions × W workers as one batch of rows, every weight read once for all of
  // them (hogwild-lab). Each entry is a pass as forward() takes it. The CPU backend fuses them (one transformer
  // pass over the concatenated rows, attention per cache); the default runs them one after the other.
  struct CachePass {
    BackendCache* cache = nullptr;
    PassTarget target;
    const ForwardBatch* batch = nullptr;
    float* logits = nullptr;
    LogitsMode mode = LogitsMode::LastSlot;
  };
  virtual void forward_many(std::span<const CachePass> passes);
  // True when forward_many fuses `p` with other such passes into ONE pass that is all-or-nothing (when it throws, no
  // cache changed) and computes p's rows exactly as forward() of p alone would. The default (forward_many = one
  // forward after the other, a failure leaves the earlier ones applied): false.
  virtual bool fuses(const CachePass& p) const {
    (void)p;
    return false;
  }

  // Where the time of the forward passes went since the last reset_ledger() (hogwild-lab bench): passes the backend
  // fuses (fuses(): decode steps; a fused forward_many counts once with all its slots) and the others (prefill
  // chunks). A backend that does not keep one reports zeros.
  struct PassLedger {
    struct Kind {
      int64_t passes = 0, slots = 0;
      double seconds = 0;
    };
    Kind small, large;
  };
  virtual PassLedger ledger() const { return {}; }
  virtual void reset_ledger() {}

  // Prefills `ids` into `block` (1 row) in chunks of `chunk` tokens; the logits of the last token go to
  // last_logits ([vocab]) unless it is nullptr.
  void prefill(BackendCache& cache, int block, const std::vector<int32_t>& ids, int64_t chunk, float* last_logits);

 protected:
  explicit Backend(const ModelConfig& config) : config_(config) {}

 private:
  ModelConfig config_;
};

// The layout of a plain causal sequence (Generator, the §8.8 finisher): block 0 holds it; every pass is a prefill
// of block 0, so block-local positions are absolute positions.
Layout sequence_layout();
inline constexpr int kSequenceBlock = 0;

}  // namespace hogwild
