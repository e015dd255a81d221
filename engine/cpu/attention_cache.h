#pragma once
// The seam between the transformer and a KV cache. The transformer computes q, k, v for every slot of a
// batch of `rows` × `len` tokens (left-padded) and hands them, UNROTATED, to the cache for each layer;
// the cache owns positions: it rotates keys/queries as its layout requires, appends the K/V of all real
// slots (all rows) before any attention (instant sync), and writes the attention output.
// Implementations: SequenceCache (plain per-row causal cache, cpu/sequence_cache.h) and
// HogwildAttention (shared block cache, hogwild/).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hogwild {

struct ForwardBatch {
  int rows = 1;                 // W: one row per worker/sequence
  int len = 1;                  // L: tokens per row after left padding
  std::vector<int32_t> tokens;  // rows*len token ids, row-major; kPad marks padding (always on the left)
  static constexpr int32_t kPad = -1;

  int32_t at(int r, int t) const { return tokens[static_cast<size_t>(r) * len + t]; }
  bool real(int r, int t) const { return at(r, t) != kPad; }
  int real_count(int r) const {
    int n = 0;
    for (int t = 0; t < len; ++t) n += real(r, t);
    return n;
  }
  // Builds a left-padded batch from per-row token lists (every row must be non-empty).
  static ForwardBatch from_rows(const std::vector<std::vector<int32_t>>& rows);
};

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
