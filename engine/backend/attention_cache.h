#pragma once
// The seam between the transformer and a KV cache. The transformer computes q, k, v for every slot of a
// batch of `rows` × `len` tokens (left-padded) and hands them, UNROTATED, to the cache for each layer;
// the cache owns positions: it rotates keys/queries as its layout requires, appends the K/V of all real
// slots (all rows) before any attention (instant sync), and writes the attention output.
// Implementations: SequenceCache (plain per-row causal cache, cpu/sequence_cache.h) and
// HogwildAttention (shared block cache, hogwild/). The CUDA backend has its own device-side attention.
#include "backend/forward_batch.h"

namespace hogwild {

class AttentionCache {
 public:
  virtual ~AttentionCache() = default;
  // Once per pass, before layer 0. Throws ConfigError when the pass would exceed the cache's capacity.
  virtual void begin_pass(const ForwardBatch& batch) = 0;
  // One layer. Shapes (row-major, slot = row*len + t):
  //   q   [rows*len, n_heads*head_dim]     unrotated; the cache may rotate it in place
  //   k,v [rows*len, n_kv_heads*head_dim]  unrotated; the cache may rotate k in place
  //   out [rows*len, n_heads*head_dim]     attention output (padding slots: anything finite)
  virtual void attend(int layer, float* q, float* k, const float* v, float* out) = 0;
  // After the last layer.
  virtual void end_pass() = 0;
};

}  // namespace hogwild
