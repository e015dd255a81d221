#include "hogwild/hogwild_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "common/error.h"
#include "hogwild/events.h"

namespace hogwild {

namespace {

// Dot product with four partial sums: lets the compiler vectorise without -ffast-math.
inline float dot(const float* a, const float* b, int n) {
  float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

// Per-thread scratch reused across layers and passes (one attention task = one KV head × a chunk of queries).
struct Scratch {
  std::vector<float> scores;  // [chunk][view stride] scores, then probabilities, at view positions
  std::vector<float> q;       // [chunk][head_dim] queries rotated (and scaled) for the current block
  std::vector<float> acc;     // [chunk][head_dim] output accumulators
  std::vector<int64_t> vis;   // [chunk][F] visible keys of each block (prefix [0, vis))
  std::vector<int64_t> off;   // [chunk][F] view offset of each block (where its scores sit in the row)
};
thread_local Scratch t_scratch;

// Queries per task: all of them read one KV head's keys once per key tile. 32 bounds the score buffer
// (32 × view length floats per thread) while sharing each key among all workers and grouped heads.
constexpr int64_t kQueryChunk = 32;
// Keys per tile: 64 keys × head_dim floats stay in L1 while every query of the chunk uses them.
constexpr int64_t kKeyTile = 64;

}  // namespace

HogwildAttention::HogwildAttention(int n_layers, int n_kv_heads, int n_heads, int head_dim, const Rope& rope,
                                   const Layout& layout, int workers, int64_t max_context, ThreadPool* pool)
    : n_layers_(n_layers), n_kv_heads_(n_kv_heads), n_heads_(n_heads), head_dim_(head_dim),
      max_context_(max_context), rope_(rope), layout_(layout), pool_(pool),
      scale_(1.0f / std::sqrt(static_cast<float>(head_dim))) {
  if (n_layers <= 0 || n_heads <= 0 || n_kv_heads <= 0 || head_dim <= 0 || n_heads % n_kv_heads != 0)
    throw ConfigError("hogwild attention: invalid shape (" + std::to_string(n_heads) + " query heads, " +
                      std::to_string(n_kv_heads) + " KV heads, head_dim " + std::to_string(head_dim) + ")");
  if (rope.head_dim() != head_dim) throw ConfigError("hogwild attention: RoPE head_dim does not match the model");
  if (workers != layout.workers())
    throw ConfigError("hogwild attention: " + std::to_string(workers) + " workers but the layout has " +
                      std::to_string(layout.workers()));
  if (max_context <= 0) throw ConfigError("hogwild attention: the context length must be positive");
  blocks_.reserve(static_cast<size_t>(layout.num_blocks()));
  for (int f = 0; f < layout.num_blocks(); ++f) blocks_.emplace_back(n_layers, n_kv_heads, head_dim, rope);
  stats_.configure(workers, n_layers, n_heads, layout.num_blocks());
}

std::vector<int64_t> HogwildAttention::block_lengths() const {
  std::vector<int64_t> out(blocks_.size());
  for (size_t f = 0; f < blocks_.size(); ++f) out[f] = blocks_[f].length();
  return out;
}

void HogwildAttention::reserve(int block, int64_t tokens) { blocks_.at(static_cast<size_t>(block)).reserve(tokens); }

int64_t HogwildAttention::view_length(int worker) const {
  int64_t n = 0;
  for (int id : layout_.view(worker)) n += blocks_[static_cast<size_t>(id)].length();
  return n;
}

void HogwildAttention::check_idle(const char* what) const {
  if (in_pass_) throw std::logic_error(std::string("hogwild attention: ") + what + " during a forward pass");
}

void HogwildAttention::set_prefill(int block) {
  check_idle("set_prefill");
  if (block < 0 || block >= num_blocks()) throw std::out_of_range("hogwild attention: no block " + std::to_string(block));
  worker_mode_ = false;
  prefill_block_ = block;
}

void HogwildAttention::set_worker_pass() {
  check_idle("set_worker_pass");
  worker_mode_ = true;
  prefill_block_ = -1;
}

void HogwildAttention::begin_pass(const ForwardBatch& batch) {
  if (in_pass_) abort_pass();
  const int W = workers();
  const int rows = batch.rows, L = batch.len;
  // ---- validate the batch (nothing changes before the context check below)
  if (worker_mode_ && rows != W)
    throw ConfigError("hogwild attention: a worker pass needs " + std::to_string(W) + " rows, got " + std::to_string(rows));
  if (!worker_mode_ && rows != 1)
    throw ConfigError("hogwild attention: a prefill pass needs 1 row, got " + std::to_string(rows));
  if (L <= 0 || batch.tokens.size() != static_cast<size_t>(rows) * L)
    throw ConfigError("hogwild attention: malformed batch (" + std::to_string(rows) + " rows × " + std::to_string(L) +
                      " slots, " + std::to_string(batch.tokens.size()) + " tokens)");
  std::vector<int> n_real(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    int n = batch.real_count(r);
    // Left padding: the real tokens are the last n slots, so the last column is always real.
    for (int t = L - n; t < L; ++t)
      if (!batch.real(r, t)) n = -1;
    if (n <= 0) throw ConfigError("hogwild attention: row " + std::to_string(r) + " must end with real tokens (left padding only)");
    n_real[static_cast<size_t>(r)] = n;
  }

  // ---- lengths after the pass and the context check
  std::vector<int64_t> old_len = block_lengths(), new_len = old_len;
  std::vector<int> target(static_cast<size_t>(rows));
  std::vector<std::vector<int>> views(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    target[r] = worker_mode_ ? layout_.own_block(r) : prefill_block_;
    new_len[static_cast<size_t>(target[r])] += n_real[r];
    views[r] = worker_mode_ ? layout_.view(r) : std::vector<int>{prefill_block_};
  }
  // Every worker's view after the pass (a prefill of common grows them all), and the pass's own views.
  const auto total = [&](const std::vector<int>& v) {
    int64_t n = 0;
    for (int id : v) n += new_len[static_cast<size_t>(id)];
    return n;
  };
  for (int w = 0; w < W; ++w) {
    const int64_t n = total(layout_.view(w));
    if (n > max_context_)
      throw ConfigError("context full: worker " + std::to_string(w + 1) + "'s view would reach " + std::to_string(n) +
                        " tokens, the model's context is " + std::to_string(max_context_));
  }
  if (!worker_mode_ && new_len[static_cast<size_t>(prefill_block_)] > max_context_)
    throw ConfigError("context full: block '" + block_name(prefill_block_) + "' would reach " +
                      std::to_string(new_len[static_cast<size_t>(prefill_block_)]) + " tokens, the model's context is " +
                      std::to_string(max_context_));
  // Room for the new tokens (may throw bad_alloc; contents are kept either way).
  for (int r = 0; r < rows; ++r) blocks_[static_cast<size_t>(target[r])].reserve(new_len[static_cast<size_t>(target[r])]);

  // ---- commit the pass plan
  rows_ = rows;
  len_ = L;
  n_real_ = std::move(n_real);
  target_ = std::move(target);
  old_len_ = std::move(old_len);
  new_len_ = std::move(new_len);
  views_ = std::move(views);

  // ---- locations (§5.5): walk each view from the end; after adding block X the running sum `pos` is the
  // length from X to the end of the view, and loc[X,t] = pos − L + t. The last slot (always real) gets
  // p − S[X]; padded slots get smaller, possibly negative locations (their output is discarded).
  const int np = rope_.pairs();
  view_base_.assign(static_cast<size_t>(rows), 0);
  view_len_.assign(static_cast<size_t>(rows), 0);
  int entries = 0;
  for (int r = 0; r < rows; ++r) {
    view_base_[r] = entries;
    entries += static_cast<int>(views_[r].size());
  }
  loc_.assign(static_cast<size_t>(entries) * L, 0);
  cos_.assign(static_cast<size_t>(entries) * L * np, 0.f);
  sin_.assign(static_cast<size_t>(entries) * L * np, 0.f);
  // Real slots (row, t) of the pass, the view entry of each (row, block) and each entry's view offset.
  const int F = num_blocks();
  slots_.clear();
  for (int r = 0; r < rows; ++r)
    for (int t = L - n_real_[r]; t < L; ++t) slots_.emplace_back(r, t);
  entry_.assign(static_cast<size_t>(rows) * F, -1);
  view_off_.assign(static_cast<size_t>(entries), 0);
  for (int r = 0; r < rows; ++r) {
    int64_t off = 0;
    for (size_t k = 0; k < views_[r].size(); ++k) {
      entry_[static_cast<size_t>(r) * F + views_[r][k]] = static_cast<int>(k);
      view_off_[static_cast<size_t>(view_base_[r]) + k] = off;
      off += new_len_[static_cast<size_t>(views_[r][k])];
    }
  }
  for (int r = 0; r < rows; ++r) {
    const auto& v = views_[r];
    int64_t pos = 0;
    for (int k = static_cast<int>(v.size()) - 1; k >= 0; --k) {
      pos += new_len_[static_cast<size_t>(v[k])];
      const size_t e = static_cast<size_t>(view_base_[r] + k);
      for (int t = 0; t < L; ++t) {
        const int64_t loc = pos - L + t;
        loc_[e * L + t] = loc;
        // Query rotation for this block: R(loc), angles in double (Rope::cos_sin, §12f). Only real slots.
        if (t >= L - n_real_[r]) rope_.cos_sin(loc, &cos_[(e * L + t) * np], &sin_[(e * L + t) * np]);
      }
    }
    view_len_[r] = pos;
  }

  stats_this_pass_ = worker_mode_ && stats_enabled_;
  if (stats_this_pass_) stats_.begin_pass(new_len_);
  in_pass_ = true;
}

void HogwildAttention::attend(int layer, float* q, float* k, const float* v, float* out) {
  if (!in_pass_) throw std::logic_error("hogwild attention: attend() outside begin_pass/end_pass");
  if (layer < 0 || layer >= n_layers_) throw std::out_of_range("hogwild attention: layer out of range");
  const int kv_dim = n_kv_heads_ * head_dim_;
  const int L = len_;

  // 1. Append the new K/V of ALL rows to their blocks before any attention (instant sync, §7.3). The block
  //    rotates each key to its block-local position old_len + r (§7.2). Distinct rows write distinct blocks.
  for (int r = 0; r < rows_; ++r) {
    const int n = n_real_[r];
    const size_t slot0 = static_cast<size_t>(r) * L + (L - n);
    CacheBlock& b = blocks_[static_cast<size_t>(target_[r])];
    if (b.length(layer) != old_len_[static_cast<size_t>(target_[r])])
      throw std::logic_error("hogwild attention: layer " + std::to_string(layer) + " attended twice in one pass");
    b.append(layer, n, k + slot0 * kv_dim, v + slot0 * kv_dim, kv_dim);
  }

  // Padded slots: zeros (the transformer discards them).
  const int qd = n_heads_ * head_dim_;
  for (int r = 0; r < rows_; ++r)
    std::fill(out + static_cast<size_t>(r) * L * qd, out + (static_cast<size_t>(r) * L + (L - n_real_[r])) * qd, 0.f);

  // 2. Attention. The queries that share one KV head are all (real slot, query head of its GQA group)
  //    pairs: index a = slot_index·group + (h − g·group). Tasks = KV head × chunk of those queries, so a key
  //    tile is read once for every worker and every grouped head (the cache is far larger than the queries).
  const int group = n_heads_ / n_kv_heads_;
  const int64_t nq = static_cast<int64_t>(slots_.size()) * group;
  const int64_t chunks = (nq + kQueryChunk - 1) / kQueryChunk;
  const auto body = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int g = static_cast<int>(i / chunks);
      const int64_t c = i % chunks;
      attend_chunk(layer, g, c * kQueryChunk, std::min(nq, (c + 1) * kQueryChunk), q, out);
    }
  };
  if (pool_) pool_->parallel_for(n_kv_heads_ * chunks, body, 1);
  else body(0, n_kv_heads_ * chunks);
}

// Queries [a0, a1) of KV head g (see attend()) against every visible key of every block of their views,
// with ONE max-subtracted softmax per query over all its blocks.
void HogwildAttention::attend_chunk(int layer, int g, int64_t a0, int64_t a1, const float* q, float* out) {
  const int hd = head_dim_, L = len_, np = rope_.pairs(), F = num_blocks(), group = n_heads_ / n_kv_heads_;
  const int n = static_cast<int>(a1 - a0);
  const size_t qd = static_cast<size_t>(n_heads_) * hd;
  // Query a (0-based in the chunk) → row, slot, head.
  const auto row_of = [&](int a) { return slots_[static_cast<size_t>((a0 + a) / group)].first; };
  const auto slot_of = [&](int a) { return slots_[static_cast<size_t>((a0 + a) / group)].second; };
  const auto head_of = [&](int a) { return g * group + static_cast<int>((a0 + a) % group); };

  Scratch& s = t_scratch;
  int64_t stride = 1;
  for (int a = 0; a < n; ++a) stride = std::max(stride, view_len_[static_cast<size_t>(row_of(a))]);
  s.scores.resize(static_cast<size_t>(n) * stride);
  s.q.resize(static_cast<size_t>(n) * hd);
  s.acc.assign(static_cast<size_t>(n) * hd, 0.f);
  s.vis.assign(static_cast<size_t>(n) * F, 0);
  s.off.assign(static_cast<size_t>(n) * F, 0);

  // Visible prefix and view offset of every block for every query: vis = clamp(loc + 1, 0, |X|) (mask j ≤ loc).
  for (int a = 0; a < n; ++a) {
    const int r = row_of(a), t = slot_of(a);
    const auto& view = views_[static_cast<size_t>(r)];
    for (size_t k = 0; k < view.size(); ++k) {
      const size_t e = static_cast<size_t>(view_base_[r]) + k;
      const int X = view[k];
      s.vis[static_cast<size_t>(a) * F + X] = std::clamp<int64_t>(loc_[e * L + t] + 1, 0, new_len_[static_cast<size_t>(X)]);
      s.off[static_cast<size_t>(a) * F + X] = view_off_[e];
    }
  }

  // Pass 1: scores, block by block, key tile by key tile.
  for (int X = 0; X < F; ++X) {
    int64_t max_vis = 0;
    for (int a = 0; a < n; ++a) {
      const int64_t vis = s.vis[static_cast<size_t>(a) * F + X];
      if (vis == 0) continue;
      max_vis = std::max(max_vis, vis);
      // Rotate the query once for this block: R(loc)·q (table from begin_pass), then fold in the scale.
      const int r = row_of(a), t = slot_of(a);
      const size_t e = static_cast<size_t>(view_base_[r]) + static_cast<size_t>(entry_[static_cast<size_t>(r) * F + X]);
      float* qa = s.q.data() + static_cast<size_t>(a) * hd;
      std::memcpy(qa, q + (static_cast<size_t>(r) * L + t) * qd + static_cast<size_t>(head_of(a)) * hd, hd * sizeof(float));
      rope_.rotate(qa, 1, &cos_[(e * L + t) * np], &sin_[(e * L + t) * np]);
      for (int d = 0; d < hd; ++d) qa[d] *= scale_;
    }
    const float* K = blocks_[static_cast<size_t>(X)].keys(layer, g);  // [capacity][hd], rotated at block-local j
    for (int64_t j0 = 0; j0 < max_vis; j0 += kKeyTile) {
      for (int a = 0; a < n; ++a) {
        const int64_t j1 = std::min(j0 + kKeyTile, s.vis[static_cast<size_t>(a) * F + X]);
        const float* qa = s.q.data() + static_cast<size_t>(a) * hd;
        float* sc = s.scores.data() + static_cast<size_t>(a) * stride + s.off[static_cast<size_t>(a) * F + X];
        for (int64_t j = j0; j < j1; ++j) sc[j] = dot(qa, K + j * hd, hd);
      }
    }
  }

  // Softmax per query over all its visible keys (max-subtracted, fp32), plus the statistics (§12e).
  for (int a = 0; a < n; ++a) {
    float* row = s.scores.data() + static_cast<size_t>(a) * stride;
    const int64_t* vis = &s.vis[static_cast<size_t>(a) * F];
    const int64_t* off = &s.off[static_cast<size_t>(a) * F];
    float m = -std::numeric_limits<float>::infinity();
    for (int X = 0; X < F; ++X)
      for (int64_t j = 0; j < vis[X]; ++j) m = std::max(m, row[off[X] + j]);
    float sum = 0.f;
    for (int X = 0; X < F; ++X)
      for (int64_t j = 0; j < vis[X]; ++j) sum += (row[off[X] + j] = std::exp(row[off[X] + j] - m));
    const float inv = sum > 0.f ? 1.0f / sum : 0.f;  // sum ≥ 1 for a real query: it sees itself
    for (int X = 0; X < F; ++X)
      for (int64_t j = 0; j < vis[X]; ++j) row[off[X] + j] *= inv;
    const int r = row_of(a);
    if (stats_this_pass_ && slot_of(a) == L - 1) {  // the worker's newest query
      float* mass = stats_.mass_row(r, layer, head_of(a));
      const bool drill = stats_.drilling(layer);
      for (int X = 0; X < F; ++X) {
        float total = 0.f;
        for (int64_t j = 0; j < vis[X]; ++j) total += row[off[X] + j];
        mass[X] = total;
        if (drill && vis[X] > 0) stats_.add_drill(r, X, 0, row + off[X], vis[X], 1.0f / static_cast<float>(n_heads_));
      }
    }
  }

  // Pass 2: out = Σ p·V, block by block, value tile by value tile.
  for (int X = 0; X < F; ++X) {
    int64_t max_vis = 0;
    for (int a = 0; a < n; ++a) max_vis = std::max(max_vis, s.vis[static_cast<size_t>(a) * F + X]);
    const float* V = blocks_[static_cast<size_t>(X)].values(layer, g);
    for (int64_t j0 = 0; j0 < max_vis; j0 += kKeyTile) {
      for (int a = 0; a < n; ++a) {
        const int64_t j1 = std::min(j0 + kKeyTile, s.vis[static_cast<size_t>(a) * F + X]);
        const float* p = s.scores.data() + static_cast<size_t>(a) * stride + s.off[static_cast<size_t>(a) * F + X];
        float* o = s.acc.data() + static_cast<size_t>(a) * hd;
        for (int64_t j = j0; j < j1; ++j) {
          const float pj = p[j];
          const float* vj = V + j * hd;
          for (int d = 0; d < hd; ++d) o[d] += pj * vj[d];
        }
      }
    }
  }
  for (int a = 0; a < n; ++a)
    std::memcpy(out + (static_cast<size_t>(row_of(a)) * L + slot_of(a)) * qd + static_cast<size_t>(head_of(a)) * hd,
                s.acc.data() + static_cast<size_t>(a) * hd, hd * sizeof(float));
}

void HogwildAttention::end_pass() {
  if (!in_pass_) throw std::logic_error("hogwild attention: end_pass() without begin_pass()");
  for (int r = 0; r < rows_; ++r) {
    const int X = target_[r];
    if (blocks_[static_cast<size_t>(X)].length() != new_len_[static_cast<size_t>(X)]) {
      abort_pass();
      throw std::logic_error("hogwild attention: end_pass() before every layer was attended");
    }
  }
  in_pass_ = false;
}

void HogwildAttention::abort_pass() {
  if (!in_pass_) return;
  for (int r = 0; r < rows_; ++r)
    blocks_[static_cast<size_t>(target_[r])].truncate(old_len_[static_cast<size_t>(target_[r])]);
  in_pass_ = false;
  stats_this_pass_ = false;
}

int64_t HogwildAttention::location(int block, int row, int t) const {
  if (row < 0 || row >= rows_ || t < 0 || t >= len_) throw std::out_of_range("hogwild attention: no such query slot");
  const auto& v = views_[row];
  for (size_t k = 0; k < v.size(); ++k)
    if (v[k] == block) return loc_[(static_cast<size_t>(view_base_[row]) + k) * len_ + t];
  return -len_ + t;  // absent: nothing visible
}

void HogwildAttention::merge_step(int worker, int64_t n_head_tokens) {
  check_idle("merge_step");
  if (!layout_.has_steps())
    throw ConfigError(std::string("merge_step: the ") + layout_name(layout_.kind()) + " layout has no steps to merge");
  CacheBlock& own = blocks_.at(static_cast<size_t>(layout_.own_block(worker)));
  CacheBlock& common = blocks_[static_cast<size_t>(layout_.first_block())];
  if (n_head_tokens < 0 || n_head_tokens > own.length())
    throw std::out_of_range("merge_step: worker " + std::to_string(worker + 1) + " has " + std::to_string(own.length()) +
                            " step tokens, cannot merge " + std::to_string(n_head_tokens));
  // Head [0, n) at block-local j → common position C + j: one constant rotation R(C) (§6).
  common.append_rotated_from(own, 0, n_head_tokens, common.length());
  // Tail [n, len) → own block positions 0..: one constant rotation R(−n) (§12b).
  own.drop_head(n_head_tokens);
}

void HogwildAttention::copy_block(int dst, int src) {
  check_idle("copy_block");
  if (dst == src) return;
  CacheBlock& d = blocks_.at(static_cast<size_t>(dst));
  const CacheBlock& s = blocks_.at(static_cast<size_t>(src));
  d.reserve(s.length());
  d.clear();
  d.append_rotated_from(s, 0, s.length(), 0);  // R(0) = identity: same block-local positions
}

void HogwildAttention::clear_block(int id) {
  check_idle("clear_block");
  blocks_.at(static_cast<size_t>(id)).clear();
}

void HogwildAttention::reset() {
  if (in_pass_) abort_pass();
  for (auto& b : blocks_) b.clear();
}

void HogwildAttention::fill_stats(StatsEvent& e) const {
  e.block_names.clear();
  e.block_owner.clear();
  for (const auto& b : layout_.blocks()) {
    e.block_names.push_back(b.name);
    e.block_owner.push_back(b.owner);
  }
  stats_.fill(e);  // lengths as the statistics saw them (after the pass, before any merge since)
}

}  // namespace hogwild
