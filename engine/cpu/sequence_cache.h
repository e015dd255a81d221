#pragma once
// Plain causal KV cache: `rows` independent sequences, each at its own absolute positions.
// The readable reference of attention (llama2.c style): keys rotated at their absolute position,
// queries at theirs, one softmax over positions 0..p. Used for single-stream generation, the finisher
// and as the baseline the Hogwild oracle is compared against.
#include <cstdint>
#include <vector>

#include "common/thread_pool.h"
#include "cpu/attention_cache.h"
#include "cpu/rope.h"
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
  float* key(int layer, int row, int64_t pos) {
    return keys_.data() + ((static_cast<size_t>(layer) * rows_ + row) * capacity_ + pos) * kv_dim_;
  }
  float* value(int layer, int row, int64_t pos) {
    return values_.data() + ((static_cast<size_t>(layer) * rows_ + row) * capacity_ + pos) * kv_dim_;
  }

  int n_layers_, n_heads_, n_kv_heads_, head_dim_, kv_dim_, rows_, max_positions_;
  Rope rope_;
  ThreadPool* pool_;
  std::vector<float> keys_, values_;       // [layer][row][capacity][kv_dim]
  int64_t capacity_ = 0;
  std::vector<int64_t> length_;            // committed tokens per row
  // Current pass.
  const ForwardBatch* batch_ = nullptr;
  std::vector<int64_t> slot_pos_;          // absolute position of each slot, -1 for padding
  std::vector<float> slot_cos_, slot_sin_;  // [slot][pairs] rotation of each slot, computed once per pass
  int64_t max_pos_ = 0;                    // largest position in this pass
};

}  // namespace hogwild::cpu
