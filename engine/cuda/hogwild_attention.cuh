#pragma once
// The Hogwild attention of one layer (hogwild-method.md §5.4, §10, §12e), over the device block store:
//
//   score(w,t,X,j) = scale · ⟨ R(loc[X,w,t])·q_{w,t} , K_X[j] ⟩,   visible iff j ≤ loc,   ONE softmax over all blocks
//
// Fast kernel (head_dim 8/16/32/64/128): grid (query tiles, splits, KV heads). One CTA owns one KV head and a
// tile of up to 32 queries = every (worker, real slot, grouped query head) that reads this KV head, so each K/V row
// is read ONCE per KV head for all workers and grouped heads (the official kernel re-reads it per worker). The
// key index space is all visible blocks concatenated; split s takes an equal range of it whatever the block sizes.
// Queries are rotated per block inside the kernel (shared memory, never materialised in global memory); base-2
// online softmax in fp32; block masses accumulated in the same pass. A second small kernel merges the splits by
// their log-sum-exp and combines the block masses with the same weights.
// Simple kernel (any head_dim ≤ 256): one CTA per query, same semantics, no splits; the on-device reference.
#include <vector>

#include "cuda/pass_setup.cuh"

namespace hogwild::cuda {

// The split-K kernel (default) or the simple one-CTA-per-query kernel (any head_dim ≤ 256; the on-device reference).
enum class AttentionKernel : int32_t { Fast = 0, Simple = 1 };

struct AttentionArgs {
  const DeviceSetup* setup = nullptr;  // device copy of the pass setup
  int layer = 0, n_layers = 1, n_heads = 0, n_kv_heads = 0, head_dim = 0, rope_dim = 0;
  bool neox = false;
  DevType kv_type = DevType::F32;
  float scale = 1.f;               // softmax scale (natural base); the kernels fold in 1/ln 2
  const float* q = nullptr;        // [rows*len][n_heads*head_dim] unrotated
  const float2* qtab = nullptr;    // [n_entries][len][rope_dim/2]
  float* out = nullptr;            // [rows*len][n_heads*head_dim]; real slots written (pads untouched)
  float* stats_mass = nullptr;     // [rows][n_layers][n_heads][F] when host setup plan.stats
  bool rotate = true;              // false: plain causal attention (no query rotation; benchmarks)
  // The split count depends only on the launch shape, not on the number of keys (a CUDA graph replays one launch
  // shape while the cache grows): splits past the keys find nothing and are skipped by the merge.
  bool fixed_splits = false;
  float* lse_out = nullptr;        // [real slots·n_heads] base-2 log-sum-exp of each newest query (drill-down rows)
};

class AttentionRunner {
 public:
  // host: the same setup as args.setup, read on the host for the launch shape.
  void run(const AttentionArgs& args, const DeviceSetup& host, AttentionKernel kind, cudaStream_t stream);
  // Splits chosen by the last run (0: simple kernel).
  int last_splits() const { return last_splits_; }
  // The split workspaces (part of a captured graph's signature).
  std::vector<const void*> workspaces() const { return {ws_out_.get(), ws_lse_.get(), ws_stats_.get()}; }

 private:
  DeviceBuffer ws_out_, ws_lse_, ws_stats_;
  int sms_ = 0;
  int last_splits_ = 0;
};

}  // namespace hogwild::cuda
