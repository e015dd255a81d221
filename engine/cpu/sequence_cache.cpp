#include "cpu/sequence_cache.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"

namespace hogwild::cpu {

SequenceCache::SequenceCache(const ModelConfig& c, int rows, int max_positions, ThreadPool* pool)
    : n_layers_(c.n_layers), n_heads_(c.n_heads), n_kv_heads_(c.n_kv_heads), head_dim_(c.head_dim),
      kv_dim_(c.n_kv_heads * c.head_dim), rows_(rows), max_positions_(max_positions), rope_(Rope::for_model(c)),
      pool_(pool), length_(static_cast<size_t>(rows), 0) {}

void SequenceCache::clear() { std::fill(length_.begin(), length_.end(), 0); }

void SequenceCache::reserve(int64_t positions) {
  if (positions <= capacity_) return;
  const int64_t cap = std::max<int64_t>(positions, std::min<int64_t>(max_positions_, std::max<int64_t>(64, capacity_ * 2)));
  std::vector<float> nk(static_cast<size_t>(n_layers_) * rows_ * n_kv_heads_ * cap * head_dim_);
  std::vector<float> nv(nk.size());
  for (int l = 0; l < n_layers_; ++l)
    for (int r = 0; r < rows_; ++r)
      for (int h = 0; h < n_kv_heads_; ++h) {
        const size_t block = (static_cast<size_t>(l) * rows_ + r) * n_kv_heads_ + h;  // one [capacity][head_dim] run
        const size_t n = static_cast<size_t>(length_[static_cast<size_t>(r)]) * head_dim_;
        std::copy_n(keys_.begin() + block * capacity_ * head_dim_, n, nk.begin() + block * cap * head_dim_);
        std::copy_n(values_.begin() + block * capacity_ * head_dim_, n, nv.begin() + block * cap * head_dim_);
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
  real_slots_.clear();
  chunks_.clear();
  const int group = n_heads_ / n_kv_heads_;
  const int per_chunk = std::max(1, QueryTile::kQueries / group);  // slots per query tile
  for (int r = 0; r < rows_; ++r) {
    int64_t p = length_[static_cast<size_t>(r)];
    const int first = static_cast<int>(real_slots_.size());
    for (int t = 0; t < batch.len; ++t) {
      if (!batch.real(r, t)) continue;
      const size_t s = static_cast<size_t>(r) * batch.len + t;
      slot_pos_[s] = p;
      rope_.cos_sin(p, slot_cos_.data() + s * np, slot_sin_.data() + s * np);
      max_pos_ = std::max(max_pos_, p);
      real_slots_.push_back(static_cast<int>(s));
      ++p;
    }
    for (int b = first; b < static_cast<int>(real_slots_.size()); b += per_chunk)
      chunks_.push_back({r, b, std::min(b + per_chunk, static_cast<int>(real_slots_.size()))});
  }
  // Heaviest first: a tile costs about its last position (causal), so the thread that starts last gets a light one.
  std::stable_sort(chunks_.begin(), chunks_.end(), [&](const Chunk& a, const Chunk& b) {
    return slot_pos_[static_cast<size_t>(real_slots_[a.end - 1])] > slot_pos_[static_cast<size_t>(real_slots_[b.end - 1])];
  });
}

void SequenceCache::attend_tile(int layer, int c, int g, int64_t k0, int64_t k1, const float* q, QueryTile& tile) const {
  const Chunk& ch = chunks_[static_cast<size_t>(c)];
  const int group = n_heads_ / n_kv_heads_, hd = head_dim_, np = rope_.pairs();
  const size_t qdim = static_cast<size_t>(n_heads_) * hd;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int n = (ch.end - ch.begin) * group;
  tile.reset(n, hd);
  thread_local std::vector<int64_t> vis;
  vis.resize(static_cast<size_t>(n));
  for (int i = 0; i < ch.end - ch.begin; ++i) {
    const size_t s = static_cast<size_t>(real_slots_[static_cast<size_t>(ch.begin + i)]);
    for (int hh = 0; hh < group; ++hh) {
      const int a = i * group + hh;
      float* qa = tile.query(a);
      std::memcpy(qa, q + s * qdim + static_cast<size_t>(g * group + hh) * hd, sizeof(float) * hd);
      rope_.rotate(qa, 1, slot_cos_.data() + s * np, slot_sin_.data() + s * np);
      for (int d = 0; d < hd; ++d) qa[d] *= scale;
      vis[static_cast<size_t>(a)] = slot_pos_[s] + 1;  // causal: positions 0..p
    }
  }
  // The row's keys of KV head g, contiguous.
  const KeyRun run{key(layer, ch.row, g, 0), value(layer, ch.row, g, 0), hd};
  tile.attend(run, k0, k1, vis.data());
}

void SequenceCache::write_tile(int c, int g, const QueryTile* const* parts, int n_parts, float* out) const {
  const Chunk& ch = chunks_[static_cast<size_t>(c)];
  const int group = n_heads_ / n_kv_heads_, hd = head_dim_;
  const size_t qdim = static_cast<size_t>(n_heads_) * hd;
  for (int i = 0; i < ch.end - ch.begin; ++i) {
    const size_t s = static_cast<size_t>(real_slots_[static_cast<size_t>(ch.begin + i)]);
    for (int hh = 0; hh < group; ++hh)
      combine_parts(parts, n_parts, i * group + hh, out + s * qdim + static_cast<size_t>(g * group + hh) * hd);
  }
}

void SequenceCache::attend(int layer, float* q, float* k, const float* v, float* out) {
  const ForwardBatch& b = *batch_;
  const int len = b.len;
  const int qdim = n_heads_ * head_dim_;
  // 1. Rotate and store the new keys/values of every real slot (all rows) before any attention.
  for (int r = 0; r < rows_; ++r)
    for (int t = 0; t < len; ++t) {
      const size_t s = static_cast<size_t>(r) * len + t;
      const int64_t p = slot_pos_[s];
      if (p < 0) {
        std::fill(out + s * qdim, out + (s + 1) * qdim, 0.f);  // padding
        continue;
      }
      float* ks = k + s * kv_dim_;
      rope_.rotate(ks, n_kv_heads_, slot_cos_.data() + s * rope_.pairs(), slot_sin_.data() + s * rope_.pairs());
      for (int h = 0; h < n_kv_heads_; ++h) {
        std::memcpy(key(layer, r, h, p), ks + static_cast<size_t>(h) * head_dim_, sizeof(float) * head_dim_);
        std::memcpy(value(layer, r, h, p), v + s * kv_dim_ + static_cast<size_t>(h) * head_dim_, sizeof(float) * head_dim_);
      }
    }
  // 2. Causal attention: tasks = query tile × KV head (× key range when there are too few tiles for the threads).
  const int64_t groups = static_cast<int64_t>(chunks_.size()) * n_kv_heads_;
  const int parts = key_parts(groups, max_pos_ + 1, pool_ ? pool_->size() : 1);
  if (parts == 1) {
    for_each_task(pool_, groups, [&](int64_t i) {
      thread_local QueryTile tile;
      const int c = static_cast<int>(i / n_kv_heads_), g = static_cast<int>(i % n_kv_heads_);
      attend_tile(layer, c, g, 0, max_pos_ + 1, q, tile);
      const QueryTile* parts_of[] = {&tile};
      write_tile(c, g, parts_of, 1, out);
    });
    return;
  }
  // Each tile's keys [0, its last position] in `parts` ranges, then the partial softmaxes combined.
  part_tiles_.resize(static_cast<size_t>(groups * parts));
  for_each_task(pool_, groups * parts, [&](int64_t i) {
    const int64_t grp = i / parts;
    const int c = static_cast<int>(grp / n_kv_heads_), g = static_cast<int>(grp % n_kv_heads_), p = static_cast<int>(i % parts);
    const Chunk& ch = chunks_[static_cast<size_t>(c)];
    const int64_t keys = slot_pos_[static_cast<size_t>(real_slots_[static_cast<size_t>(ch.end - 1)])] + 1;
    attend_tile(layer, c, g, keys * p / parts, keys * (p + 1) / parts, q, part_tiles_[static_cast<size_t>(i)]);
  });
  for_each_task(pool_, groups, [&](int64_t grp) {
    std::vector<const QueryTile*> parts_of(static_cast<size_t>(parts));
    for (int p = 0; p < parts; ++p) parts_of[static_cast<size_t>(p)] = &part_tiles_[static_cast<size_t>(grp * parts + p)];
    write_tile(static_cast<int>(grp / n_kv_heads_), static_cast<int>(grp % n_kv_heads_), parts_of.data(), parts, out);
  });
}

void SequenceCache::end_pass() {
  for (int r = 0; r < rows_; ++r) length_[static_cast<size_t>(r)] += batch_->real_count(r);
  batch_ = nullptr;
}

}  // namespace hogwild::cpu
