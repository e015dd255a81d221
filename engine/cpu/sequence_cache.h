#pragma once
// Plain causal KV cache: `rows` independent sequences, each at its own absolute positions.
// Keys rotated at their absolute position, queries at theirs, one softmax over positions 0..p (llama2.c
// style). Used for single-stream generation, the finisher and as the baseline the Hogwild oracle is compared
// against. The attention runs as tiles of queries (consecutive real slots of one row × the query heads of one
// KV head) over key tiles with an online softmax (cpu/attention_kernels.h), tiles spread over the threads,
// heaviest (latest positions) first; with too few tiles to keep the threads busy (decode), each tile's keys
// are split into ranges whose partial softmaxes are combined.
#include <cstdint>
#include <vector>

#include "cpu/attention_kernels.h"

#include "common/thread_pool.h"
#include "backend/attention_cache.h"
#include "model/rope.h"
#include "model/model.h"

namespace hogwild::cpu {

class SequenceCache : public AttentionCache {
 public:
  // max_positions: the longest sequence allowed (the model's context length).
  SequenceCache(const ModelConfig& config, int rows, int max_positions, ThreadPool* pool);

  void begin_pass(const ForwardBatch& batch) override;
  void attend(int layer, float* q, float* k, const float* v, float* out) override;
  void end_pass() override;

  int rows() const { return rows_; }
  int64_t length(int row) const { return length_[static_cast<size_t>(row)]; }
  void clear();

 private:
  void reserve(int64_t positions);
  // Storage [layer][row][kv head][capacity][head_dim]: the keys one attention task reads are contiguous.
  size_t offset(int layer, int row, int kv_head, int64_t pos) const {
    return (((static_cast<size_t>(layer) * rows_ + row) * n_kv_heads_ + kv_head) * capacity_ + pos) * head_dim_;
  }
  float* key(int layer, int row, int kv_head, int64_t pos) { return keys_.data() + offset(layer, row, kv_head, pos); }
  float* value(int layer, int row, int kv_head, int64_t pos) { return values_.data() + offset(layer, row, kv_head, pos); }
  const float* key(int layer, int row, int kv_head, int64_t pos) const { return keys_.data() + offset(layer, row, kv_head, pos); }
  const float* value(int layer, int row, int kv_head, int64_t pos) const { return values_.data() + offset(layer, row, kv_head, pos); }
  // Tile c × KV head g, keys [k0, k1) of the row: fills `tile` (queries rotated and scaled, keys attended).
  void attend_tile(int layer, int c, int g, int64_t k0, int64_t k1, const float* q, QueryTile& tile) const;
  // Writes the outputs of tile c × KV head g from its key-range parts.
  void write_tile(int c, int g, const QueryTile* const* parts, int n_parts, float* out) const;

  int n_layers_, n_heads_, n_kv_heads_, head_dim_, kv_dim_, rows_, max_positions_;
  Rope rope_;
  ThreadPool* pool_;
  std::vector<float> keys_, values_;       // [layer][row][kv head][capacity][head_dim]
  int64_t capacity_ = 0;
  std::vector<int64_t> length_;            // committed tokens per row
  // Current pass.
  const ForwardBatch* batch_ = nullptr;
  std::vector<int64_t> slot_pos_;          // absolute position of each slot, -1 for padding
  std::vector<float> slot_cos_, slot_sin_;  // [slot][pairs] rotation of each slot, computed once per pass
  int64_t max_pos_ = 0;                    // largest position in this pass
  // Query tiles of the pass, heaviest first: slots [begin, end) of real_slots_ (all of one row).
  struct Chunk {
    int row;
    int begin, end;
  };
  std::vector<int> real_slots_;            // real slots, row by row, in position order
  std::vector<Chunk> chunks_;
  std::vector<QueryTile> part_tiles_;      // [chunk][kv head][part] when the keys are split
};

}  // namespace hogwild::cpu
