#pragma once
// One block of the shared Hogwild KV cache (hogwild-method.md §5.3, §6, §12b, §12d).
//
// A block holds the K/V of a contiguous run of tokens for every layer and KV head. Keys are stored
// ROTATED at block-local positions: token j of the block stores K[j] = R(j)·k_j, whatever offset the
// block has in any view (the query carries the offset, §5.4). Values are never rotated.
//
// Storage per layer, per KV head, rows contiguous so that the attention inner loop walks memory:
//   keys   [n_kv_heads][capacity][head_dim]
//   values [n_kv_heads][capacity][head_dim]
// The capacity grows geometrically (×2, one copy); contents and positions are kept.
//
// Lengths are tracked per layer: during a forward pass the transformer appends layer by layer, so a
// block is "half written" between layer 0 and the last layer. length() is the number of tokens stored
// in EVERY layer; merges and moves require all layers to be equal.
#include <cstdint>
#include <vector>

#include "model/rope.h"

namespace hogwild {

class CacheBlock {
 public:
  CacheBlock() = default;
  // rope: the model's rotation (pairing, frequencies); copied.
  CacheBlock(int n_layers, int n_kv_heads, int head_dim, const Rope& rope, int64_t capacity = 0);

  int n_layers() const { return n_layers_; }
  int n_kv_heads() const { return n_kv_heads_; }
  int head_dim() const { return head_dim_; }
  int64_t capacity() const { return capacity_; }
  // Tokens stored in every layer.
  int64_t length() const;
  // Tokens stored in one layer (ahead of length() while a pass is between its first and last layer).
  int64_t length(int layer) const { return len_[static_cast<size_t>(layer)]; }

  // Makes room for at least n tokens per layer. Grows to max(n, 2·capacity, 16) with one copy.
  void reserve(int64_t n);

  // Appends n tokens to ONE layer at block-local positions length(layer) .. length(layer)+n-1.
  //   k, v: n rows of n_kv_heads*head_dim floats, `stride` floats apart (>= n_kv_heads*head_dim).
  // Keys arrive UNROTATED (as the k projection produced them) and are rotated here by R(position).
  // Grows the capacity when needed.
  void append(int layer, int64_t n, const float* k, const float* v, int64_t stride);

  // All layers: appends tokens [begin, begin+n) of `src` (a different block) with every key rotated by the
  // constant R(delta): R(delta)·R(j)·k = R(delta+j)·k. Merge of a step into common: delta = length() (§6).
  // Values are copied. Both blocks must have all layers at equal length.
  void append_rotated_from(const CacheBlock& src, int64_t begin, int64_t n, int64_t delta);

  // All layers: drops the first n tokens; the remaining tail moves to positions 0.. with the constant
  // rotation R(-n) (§12b: the tail of a split step becomes the start of the emptied own block).
  void drop_head(int64_t n);

  // Truncates every layer to at most n tokens (used to roll back an unfinished pass).
  void truncate(int64_t n);
  // Length 0 in every layer; the capacity is kept.
  void clear() { truncate(0); }

  // Raw storage of one layer and KV head: [capacity][head_dim]; the first length(layer) rows are valid.
  const float* keys(int layer, int kv_head) const { return k_[static_cast<size_t>(layer)].data() + head_offset(kv_head); }
  const float* values(int layer, int kv_head) const { return v_[static_cast<size_t>(layer)].data() + head_offset(kv_head); }
  // One stored key / value (head_dim floats).
  const float* key(int layer, int kv_head, int64_t pos) const { return keys(layer, kv_head) + pos * head_dim_; }
  const float* value(int layer, int kv_head, int64_t pos) const { return values(layer, kv_head) + pos * head_dim_; }

 private:
  size_t head_offset(int kv_head) const { return static_cast<size_t>(kv_head) * static_cast<size_t>(capacity_ * head_dim_); }
  float* mkey(int layer, int kv_head, int64_t pos) { return k_[static_cast<size_t>(layer)].data() + head_offset(kv_head) + pos * head_dim_; }
  float* mvalue(int layer, int kv_head, int64_t pos) { return v_[static_cast<size_t>(layer)].data() + head_offset(kv_head) + pos * head_dim_; }
  void require_uniform(const char* what) const;
  // cos/sin of positions [pos0, pos0+n) into table_cos_/table_sin_ ([n][pairs]), memoised: every layer of a
  // pass appends the same positions, so the table is computed once per pass.
  void position_table(int64_t pos0, int64_t n);

  int n_layers_ = 0, n_kv_heads_ = 0, head_dim_ = 0;
  Rope rope_;
  int64_t capacity_ = 0;
  std::vector<std::vector<float>> k_, v_;  // per layer: [n_kv_heads][capacity][head_dim]
  std::vector<int64_t> len_;               // per layer
  int64_t table_pos0_ = 0, table_n_ = 0;   // memoised position table (table_n_ = 0: none)
  std::vector<float> table_cos_, table_sin_;
};

}  // namespace hogwild
