#include "cpu/sequence_cache.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "cpu/ops.h"

namespace hogwild::cpu {

SequenceCache::SequenceCache(const ModelConfig& c, int rows, int max_positions, ThreadPool* pool)
    : n_layers_(c.n_layers), n_heads_(c.n_heads), n_kv_heads_(c.n_kv_heads), head_dim_(c.head_dim),
      kv_dim_(c.n_kv_heads * c.head_dim), rows_(rows), max_positions_(max_positions), rope_(Rope::for_model(c)),
      pool_(pool), length_(static_cast<size_t>(rows), 0) {}

void SequenceCache::clear() { std::fill(length_.begin(), length_.end(), 0); }

void SequenceCache::reserve(int64_t positions) {
  if (positions <= capacity_) return;
  const int64_t cap = std::max<int64_t>(positions, std::min<int64_t>(max_positions_, std::max<int64_t>(64, capacity_ * 2)));
  std::vector<float> nk(static_cast<size_t>(n_layers_) * rows_ * cap * kv_dim_);
  std::vector<float> nv(nk.size());
  for (int l = 0; l < n_layers_; ++l)
    for (int r = 0; r < rows_; ++r) {
      const size_t src = (static_cast<size_t>(l) * rows_ + r) * capacity_ * kv_dim_;
      const size_t dst = (static_cast<size_t>(l) * rows_ + r) * cap * kv_dim_;
      const size_t n = static_cast<size_t>(length_[static_cast<size_t>(r)]) * kv_dim_;
      std::copy_n(keys_.begin() + src, n, nk.begin() + dst);
      std::copy_n(values_.begin() + src, n, nv.begin() + dst);
    }
  keys_.swap(nk);
  values_.swap(nv);
  capacity_ = cap;
}

void SequenceCache::begin_pass(const ForwardBatch& batch) {
  if (batch.rows != rows_) throw ConfigError("sequence cache: batch has " + std::to_string(batch.rows) + " rows, cache has " + std::to_string(rows_));
  int64_t need = 0;
  for (int r = 0; r < rows_; ++r) need = std::max(need, length_[static_cast<size_t>(r)] + batch.real_count(r));
  if (need > max_positions_)
    throw ConfigError("context full: the sequence would reach " + std::to_string(need) + " tokens, the model's context is " +
                      std::to_string(max_positions_));
  reserve(need);
  batch_ = &batch;
  slot_pos_.assign(static_cast<size_t>(rows_) * batch.len, -1);
  const int np = rope_.pairs();
  slot_cos_.resize(slot_pos_.size() * np);
  slot_sin_.resize(slot_pos_.size() * np);
  max_pos_ = 0;
  for (int r = 0; r < rows_; ++r) {
    int64_t p = length_[static_cast<size_t>(r)];
    for (int t = 0; t < batch.len; ++t) {
      if (!batch.real(r, t)) continue;
      const size_t s = static_cast<size_t>(r) * batch.len + t;
      slot_pos_[s] = p;
      rope_.cos_sin(p, slot_cos_.data() + s * np, slot_sin_.data() + s * np);
      max_pos_ = std::max(max_pos_, p);
      ++p;
    }
  }
}

void SequenceCache::attend(int layer, float* q, float* k, const float* v, float* out) {
  const ForwardBatch& b = *batch_;
  const int len = b.len;
  const int qdim = n_heads_ * head_dim_;
  const int group = n_heads_ / n_kv_heads_;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim_));
  // 1. Rotate and store the new keys/values of every real slot (all rows) before any attention.
  for (int r = 0; r < rows_; ++r)
    for (int t = 0; t < len; ++t) {
      const size_t s = static_cast<size_t>(r) * len + t;
      const int64_t p = slot_pos_[s];
      if (p < 0) continue;
      float* ks = k + s * kv_dim_;
      rope_.rotate(ks, n_kv_heads_, slot_cos_.data() + s * rope_.pairs(), slot_sin_.data() + s * rope_.pairs());
      std::memcpy(key(layer, r, p), ks, sizeof(float) * kv_dim_);
      std::memcpy(value(layer, r, p), v + s * kv_dim_, sizeof(float) * kv_dim_);
    }
  // 2. Causal attention per (row, head, slot).
  const int64_t tasks = static_cast<int64_t>(rows_) * n_heads_;
  pool_->parallel_for(tasks, [&](int64_t t0, int64_t t1) {
    std::vector<float> scores;
    for (int64_t task = t0; task < t1; ++task) {
      const int r = static_cast<int>(task / n_heads_), h = static_cast<int>(task % n_heads_);
      const int kvh = h / group;
      for (int t = 0; t < len; ++t) {
        const size_t s = static_cast<size_t>(r) * len + t;
        float* o = out + s * qdim + static_cast<size_t>(h) * head_dim_;
        const int64_t p = slot_pos_[s];
        if (p < 0) {
          std::fill(o, o + head_dim_, 0.f);
          continue;
        }
        float* qh = q + s * qdim + static_cast<size_t>(h) * head_dim_;
        rope_.rotate(qh, 1, slot_cos_.data() + s * rope_.pairs(), slot_sin_.data() + s * rope_.pairs());
        scores.resize(static_cast<size_t>(p + 1));
        if (head_dim_ <= 16) {
          // Tiny heads (stories260K: 8): an inline loop; a call into the vector kernel costs more than the work.
          for (int64_t j = 0; j <= p; ++j) {
            const float* kj = key(layer, r, j) + kvh * head_dim_;
            float sum = 0.f;
            for (int d = 0; d < head_dim_; ++d) sum += qh[d] * kj[d];
            scores[static_cast<size_t>(j)] = sum * scale;
          }
        } else {
          for (int64_t j = 0; j <= p; ++j) scores[static_cast<size_t>(j)] = dot(qh, key(layer, r, j) + kvh * head_dim_, head_dim_) * scale;
        }
        softmax(scores.data(), p + 1);
        std::fill(o, o + head_dim_, 0.f);
        for (int64_t j = 0; j <= p; ++j) {
          const float a = scores[static_cast<size_t>(j)];
          const float* vj = value(layer, r, j) + kvh * head_dim_;
          for (int d = 0; d < head_dim_; ++d) o[d] += a * vj[d];
        }
      }
    }
  }, std::max<int64_t>(1, 65536 / ((max_pos_ + 1) * head_dim_ * len)));
}

void SequenceCache::end_pass() {
  for (int r = 0; r < rows_; ++r) length_[static_cast<size_t>(r)] += batch_->real_count(r);
  batch_ = nullptr;
}

}  // namespace hogwild::cpu
