#pragma once
// The bookkeeping of one forward pass over the Hogwild block cache, shared by every backend (docs/ARCHITECTURE.md,
// "The pass planner"). Given the layout, the block lengths before the pass, what the pass writes (a prefill of one
// block, or a worker pass of W rows) and the left-padded batch, it validates the batch, checks the model's context
// BEFORE anything changes ("context full: …"), and computes each row's view and the query locations
// (hogwild-method.md §5.5):
//
//   loc[e, t] = end[e] − len + t       end[e] = tokens from the start of entry e's block to the end of the row's view
//   key j of the entry's block is visible to slot t iff j ≤ loc[e, t]
//
// The CPU cache (HogwildAttention) turns the locations into rotation tables on the host; the CUDA backend copies the
// plan into the plugin's C struct and builds the tables on the device. Nothing here depends on a backend.
#include <cstdint>
#include <vector>

#include "backend/forward_batch.h"
#include "hogwild/layout.h"

namespace hogwild {

// What a pass writes and which blocks it sees.
struct PassTarget {
  int prefill_block = -1;  // -1: a worker pass (row w writes its own block, sees its view); else that block alone
  static PassTarget workers() { return PassTarget{}; }
  static PassTarget prefill(int block) { return PassTarget{block}; }
  bool worker_pass() const { return prefill_block < 0; }
};

struct PassPlan {
  int rows = 0, len = 0, n_blocks = 0;
  bool worker_pass = true;
  std::vector<int> n_real;                 // [rows] real tokens: the last n_real slots of the row
  std::vector<int> target;                 // [rows] block receiving the row's tokens
  std::vector<int64_t> old_len, new_len;   // [F] block lengths before / after the pass
  std::vector<int64_t> view_len;           // [rows] tokens in the row's view after the pass
  // View entries, row-major, each row's entries in view order (the own block last).
  std::vector<int> entry_base;             // [rows + 1] first entry of each row
  std::vector<int> entry_block;            // [entries] block id
  std::vector<int64_t> entry_offset;       // [entries] S: offset of the block in the row's view
  std::vector<int64_t> entry_end;          // [entries] view_len − S: from the block's start to the view's end
  std::vector<int> entry_of;               // [rows][F] entry index of block X in row r's view, −1 when absent

  int entries() const { return static_cast<int>(entry_block.size()); }
  int entry(int row, int block) const { return entry_of[static_cast<size_t>(row) * n_blocks + block]; }
  // Location of query slot t for entry e (see above); the last slot of a row gets p − S.
  int64_t location(int e, int t) const { return entry_end[static_cast<size_t>(e)] - len + t; }
  // Keys of entry e's block visible to slot t: clamp(loc + 1, 0, |block|).
  int64_t visible(int e, int t) const;
  int real_slots() const;
};

class PassPlanner {
 public:
  // max_context: the longest view allowed (the model's context length).
  PassPlanner(const Layout& layout, int64_t max_context);
  const Layout& layout() const { return layout_; }
  int64_t max_context() const { return max_context_; }

  // Throws ConfigError for a malformed batch (wrong row count, right padding, empty rows) and
  // ConfigError("context full: worker 2's view would reach N tokens, the model's context is M") when a view (every
  // worker's, since a prefill of a shared block grows them all) or the prefilled block would exceed max_context.
  // `lengths` are the F block lengths before the pass.
  PassPlan plan(const PassTarget& target, const ForwardBatch& batch, const std::vector<int64_t>& lengths) const;

 private:
  Layout layout_;
  int64_t max_context_;
};

// True when `e` is the error plan() throws for a full context.
bool is_context_full(const std::exception& e);

}  // namespace hogwild
