#pragma once
// The shared Hogwild KV cache behind the AttentionCache seam (hogwild-method.md §5, §6, §7, §12).
//
// W workers generate in lock-step over ONE set of blocks (layout.h). Keys are stored rotated at
// block-local positions (cache_block.h); each worker's query is rotated, per visible block, to the
// location of that block in the worker's own view:
//
//   loc[X,w,t] = p(w,t) − S[X,w]         (query position in w's view minus the offset of block X)
//   score      = scale·⟨R(loc)·q, K_X[j]⟩   visible iff 0 ≤ j ≤ loc
//   out        = Σ_{visible X,j} softmax(score)·V_X[j]      ONE softmax over all blocks of the view
//
// A pass runs in one of two modes, chosen before begin_pass():
//   set_prefill(block)  rows = 1; the view is that block alone (prompt chunks, headers, markers, split)
//   set_worker_pass()   rows = W; row w writes its real tokens into its own block (step:w / ws:w)
// The mode persists across passes. begin_pass() computes, once per pass, the locations and their cos/sin
// for every (view entry, row, query slot), shared by all layers. attend() appends the new K/V of ALL rows
// before any attention (instant sync, §7.3), then attends in parallel over tasks = KV head × tile of the
// queries that use it (every worker's real slots × the GQA group), so each key tile is read from memory once
// per layer for all workers, not once per worker and head. A task walks the blocks in block-id order with one
// online softmax per query (cpu/attention_kernels.h), rotating its queries for each block. When there are too
// few query tiles to keep the threads busy (decode), the keys of the pass (its visible blocks, concatenated)
// are split into ranges and the partial softmaxes combined; block masses and drill rows come out exact either way.
//
// Between passes the session calls merge_step() (§6, §12b) for finished steps, in ascending worker order.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/thread_pool.h"
#include "backend/attention_cache.h"
#include "backend/pass_planner.h"
#include "cpu/attention_kernels.h"
#include "model/rope.h"
#include "hogwild/attention_stats.h"
#include "hogwild/cache_block.h"
#include "hogwild/layout.h"

namespace hogwild {

struct StatsEvent;

class HogwildAttention : public AttentionCache {
 public:
  // rope: the model's rotation (pure cos/sin, §12f); layout.workers() must equal `workers`;
  // max_context: the longest view allowed (the model's context length); pool may be null (serial).
  HogwildAttention(int n_layers, int n_kv_heads, int n_heads, int head_dim, const Rope& rope, const Layout& layout,
                   int workers, int64_t max_context, ThreadPool* pool = nullptr);

  // ---- shape and blocks
  int n_layers() const { return n_layers_; }
  int n_heads() const { return n_heads_; }
  int n_kv_heads() const { return n_kv_heads_; }
  int head_dim() const { return head_dim_; }
  int workers() const { return layout_.workers(); }
  int64_t max_context() const { return max_context_; }
  const Layout& layout() const { return layout_; }
  int num_blocks() const { return layout_.num_blocks(); }
  const std::string& block_name(int id) const { return layout_.block(id).name; }
  int block_owner(int id) const { return layout_.block(id).owner; }
  int64_t block_length(int id) const { return blocks_.at(static_cast<size_t>(id)).length(); }
  std::vector<int64_t> block_lengths() const;
  int block_id(BlockRole role, int worker = -1) const { return layout_.block_id(role, worker); }
  const CacheBlock& block(int id) const { return blocks_.at(static_cast<size_t>(id)); }
  // Preallocates room for `tokens` tokens in a block (optional; blocks grow geometrically anyway).
  void reserve(int block, int64_t tokens);

  // ---- views
  const std::vector<int>& view_order(int worker) const { return layout_.view(worker); }
  // Tokens in the view of worker w (its newest token sits at view_length − 1).
  int64_t view_length(int worker) const;

  // ---- pass modes (not while a pass is in flight)
  void set_prefill(int block);
  void set_worker_pass();
  bool worker_mode() const { return worker_mode_; }

  // ---- AttentionCache
  // Throws ConfigError("context full: worker 2's view would reach N tokens, the model's context is M")
  // before changing anything when a view would exceed max_context. A pass still in flight is rolled back.
  void begin_pass(const ForwardBatch& batch) override;
  // q [rows*len, n_heads*head_dim], k/v [rows*len, n_kv_heads*head_dim] unrotated; out like q.
  // q and k are left unchanged; padded slots of out are written with zeros.
  void attend(int layer, float* q, float* k, const float* v, float* out) override;
  // attend() with every task on the calling thread: the same split into tasks (it follows the pool's size, so the
  // numbers are attend()'s to the bit), for a caller that runs several caches' attention at once on the pool
  // (CpuBackend::forward_many).
  void attend_on_this_thread(int layer, float* q, float* k, const float* v, float* out);
  // Requires that every layer was attended; otherwise rolls back and throws std::logic_error.
  void end_pass() override;
  // Drops the K/V written by an unfinished pass (e.g. after an exception in the transformer).
  void abort_pass();
  bool in_pass() const { return in_pass_; }

  // Location of query slot t of row w for `block` in the current (or last) pass; −L+t when the block is
  // absent from the row's view. Diagnostic; the attention uses the same table.
  int64_t location(int block, int row, int t) const;

  // ---- between passes
  // §6/§12b (interleaved, combined): the first n tokens of worker's own block (the finished step, ending
  // with its separator) are appended to common with R(|common|); the tail [n, len) moves to position 0 of
  // the own block with R(−n). n = length merges the whole block. Throws ConfigError for contiguous, and
  // ConfigError("context full: …") before changing anything when the merge would make a view (in interleaved,
  // another worker's: common + its step) longer than max_context.
  void merge_step(int worker, int64_t n_head_tokens);
  // Replaces dst's contents with src's (same block-local positions). Markers hold the same text: prefill
  // marker:0 once and copy it to the others.
  void copy_block(int dst, int src);
  // Replaces dst's contents with the first n tokens of block `src_block` of another cache of the same model shape
  // (same block-local positions, keys and values bit for bit): a prompt head kept by PromptCache.
  void assign_block(int dst, const HogwildAttention& src, int src_block, int64_t n);
  void clear_block(int id);
  // Keeps the first n tokens of a block (n ≤ its length).
  void truncate_block(int id, int64_t n);
  // Clears every block (headers included); keeps the mode and capacities.
  void reset();

  // Softmax scale, default 1/sqrt(head_dim). YaRN-style attention factors multiply it (§12f).
  void set_softmax_scale(float scale) { scale_ = scale; }
  float softmax_scale() const { return scale_; }

  // ---- statistics (§12e), worker passes only
  void set_stats_enabled(bool on) { stats_enabled_ = on; }
  bool stats_enabled() const { return stats_enabled_; }
  void set_drill_layer(int layer) { stats_.set_drill_layer(layer); }  // -1: off
  void set_drill_cap(int64_t tokens) { stats_.set_drill_cap(tokens); }
  // Arrays of the last worker pass with stats enabled (stats().valid()).
  const AttentionStats& stats() const { return stats_; }
  // Fills every field of the event except `pass`: block names/owners/lengths, mass, drill.
  void fill_stats(StatsEvent& e) const;

 private:
  void check_idle(const char* what) const;
  // attend() with its tasks run on `runner` (nullptr: the calling thread); the split into tasks follows pool_.
  void attend_with(int layer, float* q, float* k, const float* v, float* out, ThreadPool* runner);
  // Queries [a0, a1) of KV head g (a = real slot index·group + head offset) against the keys [k0, k1) of the
  // pass's concatenated visible blocks: fills `tile`.
  void attend_tile(int layer, int g, int64_t a0, int64_t a1, int64_t k0, int64_t k1, const float* q, cpu::QueryTile& tile);
  // Outputs (and statistics) of those queries from the tiles of their key ranges.
  void finish_tile(int layer, int g, int64_t a0, int64_t a1, const cpu::QueryTile* const* parts, int n_parts, float* out);
  // Keys of block X visible to query slot t of row r.
  int64_t visible(int r, int t, int X) const;
  // Drill capture row of (row, head): raw scores at the stats' drill offsets.
  float* drill_scores(int r, int h) { return drill_scores_.data() + (static_cast<size_t>(r) * n_heads_ + h) * drill_total_; }

  int n_layers_, n_kv_heads_, n_heads_, head_dim_;
  int64_t max_context_;
  Rope rope_;
  Layout layout_;
  PassPlanner planner_;  // validation, context check, views and locations of every pass (shared with CUDA)
  ThreadPool* pool_;
  float scale_;
  std::vector<CacheBlock> blocks_;  // [F]

  bool worker_mode_ = true;
  int prefill_block_ = -1;

  // Current pass (valid between begin_pass and end_pass; kept afterwards for location()).
  bool in_pass_ = false;
  int rows_ = 0, len_ = 0;              // rows (1 or W) × padded length L
  std::vector<int> n_real_;             // [rows] real tokens (the last n_real_ slots of the row)
  std::vector<int> target_;             // [rows] block receiving the row's tokens
  std::vector<int64_t> old_len_;        // [F] lengths before the pass
  std::vector<int64_t> new_len_;        // [F] lengths after the pass
  std::vector<std::vector<int>> views_; // [rows] block ids in view order
  std::vector<int> view_base_;          // [rows] first view entry of the row in loc_/tables
  std::vector<int64_t> view_len_;       // [rows] view length after the pass
  std::vector<std::pair<int, int>> slots_;  // real query slots (row, t), row-major
  std::vector<int> entry_;              // [rows][F] index of block X in the row's view, -1 when absent
  std::vector<int64_t> view_off_;       // [entries] offset S of the entry's block in the row's view
  // Per view entry e (row's base + index in its view) and slot t:
  std::vector<int64_t> loc_;            // [entries][L]
  std::vector<float> cos_, sin_;        // [entries][L][pairs] rotation of the query for that block
  std::vector<int64_t> key_off_;        // [F] offset of each block in the pass's key concatenation, -1: unseen
  int64_t pass_keys_ = 0;               // keys in that concatenation
  std::vector<cpu::QueryTile> part_tiles_;  // [tile][kv head][part] when the keys are split
  std::vector<float> drill_scores_;     // [rows][heads][drill_total_] the drill layer's raw scores
  int64_t drill_total_ = 0;

  bool stats_enabled_ = false;
  bool stats_this_pass_ = false;
  AttentionStats stats_;
};

}  // namespace hogwild
