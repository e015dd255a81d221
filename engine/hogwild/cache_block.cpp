#include "hogwild/cache_block.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/error.h"

namespace hogwild {

CacheBlock::CacheBlock(int n_layers, int n_kv_heads, int head_dim, const Rope& rope, int64_t capacity)
    : n_layers_(n_layers), n_kv_heads_(n_kv_heads), head_dim_(head_dim), rope_(rope) {
  if (n_layers <= 0 || n_kv_heads <= 0 || head_dim <= 0 || rope.head_dim() != head_dim)
    throw ConfigError("cache block: invalid shape (layers " + std::to_string(n_layers) + ", kv heads " +
                      std::to_string(n_kv_heads) + ", head_dim " + std::to_string(head_dim) + ")");
  k_.resize(static_cast<size_t>(n_layers));
  v_.resize(static_cast<size_t>(n_layers));
  len_.assign(static_cast<size_t>(n_layers), 0);
  if (capacity > 0) reserve(capacity);
}

int64_t CacheBlock::length() const {
  int64_t n = len_.empty() ? 0 : len_[0];
  for (int64_t l : len_) n = std::min(n, l);
  return n;
}

void CacheBlock::require_uniform(const char* what) const {
  for (int64_t l : len_)
    if (l != len_[0]) throw std::logic_error(std::string("cache block: ") + what + " while a pass is half-written");
}

void CacheBlock::reserve(int64_t n) {
  if (n <= capacity_) return;
  const int64_t new_cap = std::max({n, 2 * capacity_, int64_t{16}});
  const size_t hd = static_cast<size_t>(head_dim_);
  // Build every new buffer first, then swap: an allocation failure leaves the block untouched.
  std::vector<std::vector<float>> nk(k_.size()), nv(v_.size());
  for (size_t l = 0; l < k_.size(); ++l) {
    nk[l].assign(static_cast<size_t>(n_kv_heads_) * new_cap * hd, 0.f);
    nv[l].assign(static_cast<size_t>(n_kv_heads_) * new_cap * hd, 0.f);
    const size_t rows = static_cast<size_t>(len_[l]);
    for (int h = 0; h < n_kv_heads_; ++h) {
      if (rows == 0) continue;
      const size_t src = static_cast<size_t>(h) * capacity_ * hd, dst = static_cast<size_t>(h) * new_cap * hd;
      std::memcpy(nk[l].data() + dst, k_[l].data() + src, rows * hd * sizeof(float));
      std::memcpy(nv[l].data() + dst, v_[l].data() + src, rows * hd * sizeof(float));
    }
  }
  k_.swap(nk);
  v_.swap(nv);
  capacity_ = new_cap;
}

void CacheBlock::position_table(int64_t pos0, int64_t n) {
  if (table_n_ > 0 && pos0 >= table_pos0_ && pos0 + n <= table_pos0_ + table_n_) return;
  const size_t np = static_cast<size_t>(rope_.pairs());
  table_cos_.resize(static_cast<size_t>(n) * np);
  table_sin_.resize(static_cast<size_t>(n) * np);
  for (int64_t i = 0; i < n; ++i) rope_.cos_sin(pos0 + i, &table_cos_[i * np], &table_sin_[i * np]);
  table_pos0_ = pos0;
  table_n_ = n;
}

void CacheBlock::append(int layer, int64_t n, const float* k, const float* v, int64_t stride) {
  if (layer < 0 || layer >= n_layers_) throw std::out_of_range("cache block: layer out of range");
  if (n <= 0) return;
  const int64_t pos0 = len_[static_cast<size_t>(layer)];
  reserve(pos0 + n);
  position_table(pos0, n);
  const size_t np = static_cast<size_t>(rope_.pairs()), hd = static_cast<size_t>(head_dim_);
  for (int64_t i = 0; i < n; ++i) {
    const float* cos = &table_cos_[static_cast<size_t>(pos0 + i - table_pos0_) * np];
    const float* sin = &table_sin_[static_cast<size_t>(pos0 + i - table_pos0_) * np];
    for (int h = 0; h < n_kv_heads_; ++h) {
      float* kd = mkey(layer, h, pos0 + i);
      std::memcpy(kd, k + i * stride + h * hd, hd * sizeof(float));
      rope_.rotate(kd, 1, cos, sin);  // K[j] = R(j)·k_j at block-local j
      std::memcpy(mvalue(layer, h, pos0 + i), v + i * stride + h * hd, hd * sizeof(float));
    }
  }
  len_[static_cast<size_t>(layer)] = pos0 + n;
}

void CacheBlock::append_rotated_from(const CacheBlock& src, int64_t begin, int64_t n, int64_t delta) {
  if (&src == this) throw std::logic_error("cache block: append_rotated_from needs two different blocks (use drop_head)");
  if (src.n_layers_ != n_layers_ || src.n_kv_heads_ != n_kv_heads_ || src.head_dim_ != head_dim_)
    throw std::logic_error("cache block: append_rotated_from between blocks of different shapes");
  require_uniform("append_rotated_from");
  src.require_uniform("append_rotated_from (source)");
  if (begin < 0 || n < 0 || begin + n > src.length()) throw std::out_of_range("cache block: source range out of range");
  if (n == 0) return;
  const int64_t pos0 = length();
  reserve(pos0 + n);
  // One constant table for the whole copy: every token, head and layer gets the same R(delta).
  const size_t np = static_cast<size_t>(rope_.pairs()), hd = static_cast<size_t>(head_dim_);
  std::vector<float> cos(np), sin(np);
  rope_.cos_sin(delta, cos.data(), sin.data());
  for (int l = 0; l < n_layers_; ++l) {
    for (int h = 0; h < n_kv_heads_; ++h) {
      float* kd = mkey(l, h, pos0);
      std::memcpy(kd, src.key(l, h, begin), static_cast<size_t>(n) * hd * sizeof(float));
      if (delta != 0)  // R(0) is the identity: a copy at the same positions keeps the keys bit for bit
        for (int64_t i = 0; i < n; ++i) rope_.rotate(kd + i * hd, 1, cos.data(), sin.data());
      std::memcpy(mvalue(l, h, pos0), src.value(l, h, begin), static_cast<size_t>(n) * hd * sizeof(float));
    }
    len_[static_cast<size_t>(l)] = pos0 + n;
  }
}

void CacheBlock::drop_head(int64_t n) {
  require_uniform("drop_head");
  const int64_t len = length();
  if (n < 0 || n > len) throw std::out_of_range("cache block: drop_head beyond the block length");
  if (n == 0) return;
  const int64_t keep = len - n;
  const size_t np = static_cast<size_t>(rope_.pairs()), hd = static_cast<size_t>(head_dim_);
  std::vector<float> cos(np), sin(np);
  rope_.cos_sin(-n, cos.data(), sin.data());  // R(-n)·R(n+i)·k = R(i)·k
  for (int l = 0; l < n_layers_; ++l) {
    for (int h = 0; h < n_kv_heads_; ++h) {
      // memmove: source rows [n, len) and destination rows [0, keep) may overlap.
      float* kd = mkey(l, h, 0);
      std::memmove(kd, mkey(l, h, n), static_cast<size_t>(keep) * hd * sizeof(float));
      for (int64_t i = 0; i < keep; ++i) rope_.rotate(kd + i * hd, 1, cos.data(), sin.data());
      std::memmove(mvalue(l, h, 0), mvalue(l, h, n), static_cast<size_t>(keep) * hd * sizeof(float));
    }
    len_[static_cast<size_t>(l)] = keep;
  }
}

void CacheBlock::truncate(int64_t n) {
  for (auto& l : len_) l = std::min(l, std::max<int64_t>(n, 0));
}

}  // namespace hogwild
