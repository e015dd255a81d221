#pragma once
// The per-pass setup the kernels read: the engine's PassPlan plus what the plugin adds (block base pointers and
// capacities, the key index space of the split-K attention, real-slot prefix sums). Built in pinned host memory
// and copied once per pass with one asynchronous copy (a few KiB: microseconds), shared by all layers.
#include "cuda/common.cuh"
#include "cuda/rope.cuh"

namespace hogwild::cuda {

struct DeviceSetup {
  PassPlan plan;
  const void* k[kMaxBlocks];   // block base pointers: [layers][kv_heads][cap][head_dim] in the KV type
  const void* v[kMaxBlocks];
  float* km[kMaxBlocks];       // fp32 master keys of merge sources (kv_store.cuh), nullptr for other blocks
  int64_t cap[kMaxBlocks];
  // Key index space of the attention: the blocks that some row sees and that hold keys after the pass,
  // concatenated in block-id order. Segment i covers keys [seg_start[i], seg_start[i+1]) = block seg_block[i].
  int32_t n_seg;
  int32_t seg_block[kMaxBlocks];
  int64_t seg_start[kMaxBlocks + 1];
  int32_t slot_base[kMaxRows + 1];  // real slots of rows < r
  int32_t n_slots;                  // real slots of the pass
};

// Real slot s (row-major over the rows' real tokens) → row and padded column t.
__device__ __forceinline__ void slot_row_col(const DeviceSetup& S, int s, int& row, int& t) {
  int r = 0;
  while (r + 1 < S.plan.rows && s >= S.slot_base[r + 1]) ++r;
  row = r;
  t = S.plan.len - S.plan.n_real[r] + (s - S.slot_base[r]);
}

// Fills the host part of a setup from a plan (slot prefix sums, key segments); pointers are set by the caller.
void build_setup(const PassPlan& plan, DeviceSetup& s);

// Per-pass rotation tables in double (§12f):
//   qtab [n_entries][len][pairs]: R(loc) of query slot t for view entry e, loc = entry_pos[e] − len + t
//   ktab [n_slots][pairs]:        R(block-local position) of each real slot's new key
void pass_tables(const DeviceSetup* d_setup, const PassPlan& plan, int n_slots, const RopeShape& r, float2* qtab,
                 float2* ktab, cudaStream_t stream);

}  // namespace hogwild::cuda
