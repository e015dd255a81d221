#pragma once
// Drill-down rows on the device (hogwild-method.md §12e; the app's click-to-tint): for one layer, each worker's newest
// query's attention probability of every visible key, averaged over the query heads, written at the key's place in
// the concatenation of all blocks in block-id order (0 where not visible):
//
//   drill[r][off(X) + j] = (1/H) · Σ_h 2^(s(r,h,X,j) − LSE(r,h)),   s = scale/ln2 · ⟨R(loc)·q, K_X[j]⟩
//
// LSE is the attention's own log-sum-exp of that query (base 2, AttentionArgs::lse_out), so the rows are the
// probabilities the attention used (up to the order of the fp32 dot products). One CTA per (row, head), a fixed grid
// (CUDA graphs); keys in any order, added with atomics.
#include "cuda/pass_setup.cuh"

namespace hogwild::cuda {

struct DrillArgs {
  const DeviceSetup* setup = nullptr;
  int rows = 0, layer = 0, n_heads = 0, n_kv_heads = 0, head_dim = 0, rope_dim = 0;
  bool neox = false;
  DevType kv_type = DevType::F32;
  float scale = 1.f;              // natural-base softmax scale (as the attention's)
  const float* q = nullptr;       // [rows*len][n_heads*head_dim] unrotated queries of the layer
  const float2* qtab = nullptr;   // [n_entries][len][pairs]
  const float* lse = nullptr;     // [real slots·n_heads]
  float* drill = nullptr;         // [rows][Σ new_len], zeroed before (the row length is read from the setup, so
                                  // that a captured graph stays valid while the cache grows)
};

void drill_rows(const DrillArgs& a, cudaStream_t stream);

}  // namespace hogwild::cuda
