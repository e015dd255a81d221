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

HogwildAttention::HogwildAttention(int n_layers, int n_kv_heads, int n_heads, int head_dim, const Rope& rope,
                                   const Layout& layout, int workers, int64_t max_context, ThreadPool* pool)
    : n_layers_(n_layers), n_kv_heads_(n_kv_heads), n_heads_(n_heads), head_dim_(head_dim),
      max_context_(max_context), rope_(rope), layout_(layout), planner_(layout, max_context), pool_(pool),
      scale_(1.0f / std::sqrt(static_cast<float>(head_dim))) {
  if (n_layers <= 0 || n_heads <= 0 || n_kv_heads <= 0 || head_dim <= 0 || n_heads % n_kv_heads != 0)
    throw ConfigError("hogwild attention: invalid shape (" + std::to_string(n_heads) + " query heads, " +
                      std::to_string(n_kv_heads) + " KV heads, head_dim " + std::to_string(head_dim) + ")");
  if (rope.head_dim() != head_dim) throw ConfigError("hogwild attention: RoPE head_dim does not match the model");
  if (workers != layout.workers())
    throw ConfigError("hogwild attention: " + std::to_string(workers) + " workers but the layout has " +
                      std::to_string(layout.workers()));
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
  // Validation, the context check (before anything changes), views and locations: the shared pass planner.
  PassPlan plan = planner_.plan(worker_mode_ ? PassTarget::workers() : PassTarget::prefill(prefill_block_), batch, block_lengths());
  const int rows = plan.rows, L = plan.len;
  // Room for the new tokens (may throw bad_alloc; contents are kept either way).
  for (int r = 0; r < rows; ++r)
    blocks_[static_cast<size_t>(plan.target[r])].reserve(plan.new_len[static_cast<size_t>(plan.target[r])]);

  // ---- commit the pass plan
  rows_ = rows;
  len_ = L;
  n_real_ = plan.n_real;
  target_ = plan.target;
  old_len_ = plan.old_len;
  new_len_ = plan.new_len;
  view_len_ = plan.view_len;
  view_off_ = plan.entry_offset;
  const int F = num_blocks();
  views_.assign(static_cast<size_t>(rows), {});
  view_base_.assign(static_cast<size_t>(rows), 0);
  entry_.assign(static_cast<size_t>(rows) * F, -1);
  for (int r = 0; r < rows; ++r) {
    view_base_[r] = plan.entry_base[static_cast<size_t>(r)];
    for (int e = plan.entry_base[static_cast<size_t>(r)]; e < plan.entry_base[static_cast<size_t>(r) + 1]; ++e) {
      entry_[static_cast<size_t>(r) * F + plan.entry_block[static_cast<size_t>(e)]] = e - view_base_[r];
      views_[r].push_back(plan.entry_block[static_cast<size_t>(e)]);
    }
  }
  // Real slots (row, t) of the pass.
  slots_.clear();
  for (int r = 0; r < rows; ++r)
    for (int t = L - n_real_[r]; t < L; ++t) slots_.emplace_back(r, t);

  // ---- locations (§5.5) and the query rotation R(loc) of each real slot, angles in double (Rope::cos_sin, §12f);
  // padded slots get smaller, possibly negative locations (their output is discarded).
  const int np = rope_.pairs();
  const int entries = plan.entries();
  loc_.assign(static_cast<size_t>(entries) * L, 0);
  cos_.assign(static_cast<size_t>(entries) * L * np, 0.f);
  sin_.assign(static_cast<size_t>(entries) * L * np, 0.f);
  for (int r = 0; r < rows; ++r)
    for (int e = plan.entry_base[static_cast<size_t>(r)]; e < plan.entry_base[static_cast<size_t>(r) + 1]; ++e)
      for (int t = 0; t < L; ++t) {
        const int64_t loc = plan.location(e, t);
        loc_[static_cast<size_t>(e) * L + t] = loc;
        if (t >= L - n_real_[r]) rope_.cos_sin(loc, &cos_[(static_cast<size_t>(e) * L + t) * np], &sin_[(static_cast<size_t>(e) * L + t) * np]);
      }

  // The keys of the pass: every block some row sees, concatenated in block-id order (split across threads in
  // ranges when there are few queries).
  key_off_.assign(static_cast<size_t>(F), -1);
  pass_keys_ = 0;
  for (int X = 0; X < F; ++X) {
    bool seen = false;
    for (int r = 0; r < rows; ++r) seen = seen || entry_[static_cast<size_t>(r) * F + X] >= 0;
    if (!seen) continue;
    key_off_[static_cast<size_t>(X)] = pass_keys_;
    pass_keys_ += new_len_[static_cast<size_t>(X)];
  }

  stats_this_pass_ = worker_mode_ && stats_enabled_;
  if (stats_this_pass_) stats_.begin_pass(new_len_);
  in_pass_ = true;
}

void HogwildAttention::attend(int layer, float* q, float* k, const float* v, float* out) { attend_with(layer, q, k, v, out, pool_); }

void HogwildAttention::attend_on_this_thread(int layer, float* q, float* k, const float* v, float* out) {
  attend_with(layer, q, k, v, out, nullptr);
}

void HogwildAttention::attend_with(int layer, float* q, float* k, const float* v, float* out, ThreadPool* runner) {
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
  //    pairs: index a = slot_index·group + (h − g·group). Tasks = KV head × tile of those queries (× key range
  //    when the tiles are too few for the threads), so a key tile is read once for every worker and grouped head.
  const int group = n_heads_ / n_kv_heads_;
  const int64_t nq = static_cast<int64_t>(slots_.size()) * group;
  const int64_t per_tile = cpu::QueryTile::kQueries;
  const int64_t tiles = (nq + per_tile - 1) / per_tile;
  const int64_t groups = tiles * n_kv_heads_;
  // Task group → (KV head, query range); later tiles first: their queries sit later in a prefill chunk and see more.
  const auto range = [&](int64_t grp, int& g, int64_t& a0, int64_t& a1) {
    const int64_t c = tiles - 1 - grp / n_kv_heads_;
    g = static_cast<int>(grp % n_kv_heads_);
    a0 = c * per_tile;
    a1 = std::min(nq, a0 + per_tile);
  };
  if (stats_this_pass_ && stats_.drilling(layer)) {
    drill_total_ = 0;
    for (int64_t n : new_len_) drill_total_ += n;
    drill_scores_.resize(static_cast<size_t>(rows_) * n_heads_ * drill_total_);
  }
  const int parts = cpu::key_parts(groups, pass_keys_, pool_ ? pool_->size() : 1);
  if (parts == 1) {
    cpu::for_each_task(runner, groups, [&](int64_t grp) {
      thread_local cpu::QueryTile tile;
      int g;
      int64_t a0, a1;
      range(grp, g, a0, a1);
      attend_tile(layer, g, a0, a1, 0, pass_keys_, q, tile);
      const cpu::QueryTile* parts_of[] = {&tile};
      finish_tile(layer, g, a0, a1, parts_of, 1, out);
    });
    return;
  }
  part_tiles_.resize(static_cast<size_t>(groups * parts));
  cpu::for_each_task(runner, groups * parts, [&](int64_t i) {
    int g;
    int64_t a0, a1;
    range(i / parts, g, a0, a1);
    const int64_t p = i % parts;
    attend_tile(layer, g, a0, a1, pass_keys_ * p / parts, pass_keys_ * (p + 1) / parts, q, part_tiles_[static_cast<size_t>(i)]);
  });
  cpu::for_each_task(runner, groups, [&](int64_t grp) {
    int g;
    int64_t a0, a1;
    range(grp, g, a0, a1);
    std::vector<const cpu::QueryTile*> parts_of(static_cast<size_t>(parts));
    for (int p = 0; p < parts; ++p) parts_of[static_cast<size_t>(p)] = &part_tiles_[static_cast<size_t>(grp * parts + p)];
    finish_tile(layer, g, a0, a1, parts_of.data(), parts, out);
  });
}

int64_t HogwildAttention::visible(int r, int t, int X) const {
  const int k = entry_[static_cast<size_t>(r) * num_blocks() + X];
  if (k < 0) return 0;
  const size_t e = static_cast<size_t>(view_base_[r] + k);
  return std::clamp<int64_t>(loc_[e * len_ + t] + 1, 0, new_len_[static_cast<size_t>(X)]);  // mask j ≤ loc
}

void HogwildAttention::attend_tile(int layer, int g, int64_t a0, int64_t a1, int64_t k0, int64_t k1, const float* q,
                                   cpu::QueryTile& tile) {
  const int hd = head_dim_, L = len_, np = rope_.pairs(), F = num_blocks(), group = n_heads_ / n_kv_heads_;
  const int n = static_cast<int>(a1 - a0);
  const size_t qd = static_cast<size_t>(n_heads_) * hd;
  const bool drill = stats_this_pass_ && stats_.drilling(layer);
  tile.reset(n, hd, F);
  // Visible keys of every block for every query: vis[X][a].
  thread_local std::vector<int64_t> vis;
  vis.assign(static_cast<size_t>(F) * n, 0);
  for (int a = 0; a < n; ++a) {
    const auto [r, t] = slots_[static_cast<size_t>((a0 + a) / group)];
    for (int X : views_[static_cast<size_t>(r)]) vis[static_cast<size_t>(X) * n + a] = visible(r, t, X);
  }
  for (int X = 0; X < F; ++X) {
    const int64_t off = key_off_[static_cast<size_t>(X)], len = new_len_[static_cast<size_t>(X)];
    if (off < 0) continue;
    const int64_t j0 = std::clamp<int64_t>(k0 - off, 0, len), j1 = std::clamp<int64_t>(k1 - off, 0, len);
    const int64_t* vx = &vis[static_cast<size_t>(X) * n];
    if (j0 >= j1 || *std::max_element(vx, vx + n) <= j0) continue;
    // Each query that sees keys of this range, rotated to the block's place in its view: R(loc)·q (tables from
    // begin_pass), times the softmax scale.
    for (int a = 0; a < n; ++a) {
      if (vx[a] <= j0) continue;
      const auto [r, t] = slots_[static_cast<size_t>((a0 + a) / group)];
      const int h = g * group + static_cast<int>((a0 + a) % group);
      const size_t e = static_cast<size_t>(view_base_[r]) + static_cast<size_t>(entry_[static_cast<size_t>(r) * F + X]);
      float* qa = tile.query(a);
      std::memcpy(qa, q + (static_cast<size_t>(r) * L + t) * qd + static_cast<size_t>(h) * hd, hd * sizeof(float));
      rope_.rotate(qa, 1, &cos_[(e * L + t) * np], &sin_[(e * L + t) * np]);
      for (int d = 0; d < hd; ++d) qa[d] *= scale_;
      // The newest query's raw scores go to its drill row (this range's keys only; other ranges write theirs).
      if (drill && t == L - 1) tile.capture_scores(a, drill_scores(r, h) + stats_.drill_offset(X));
    }
    const CacheBlock& b = blocks_[static_cast<size_t>(X)];
    tile.attend(cpu::KeyRun{b.keys(layer, g), b.values(layer, g), hd}, j0, j1, vx, X);
  }
}

void HogwildAttention::finish_tile(int layer, int g, int64_t a0, int64_t a1, const cpu::QueryTile* const* parts,
                                   int n_parts, float* out) {
  const int hd = head_dim_, L = len_, F = num_blocks(), group = n_heads_ / n_kv_heads_;
  const size_t qd = static_cast<size_t>(n_heads_) * hd;
  const bool drill = stats_this_pass_ && stats_.drilling(layer);
  thread_local std::vector<float> probs;
  for (int a = 0; a < static_cast<int>(a1 - a0); ++a) {
    const auto [r, t] = slots_[static_cast<size_t>((a0 + a) / group)];
    const int h = g * group + static_cast<int>((a0 + a) % group);
    const cpu::Normaliser z = cpu::combine_parts(parts, n_parts, a, out + (static_cast<size_t>(r) * L + t) * qd + static_cast<size_t>(h) * hd);
    if (!stats_this_pass_ || t != L - 1) continue;
    // Statistics of the worker's newest query (§12e): the softmax mass of each block, and for the drill layer
    // every key's probability (averaged over the query heads).
    float* mass = stats_.mass_row(r, layer, h);
    for (int X = 0; X < F; ++X) mass[X] = cpu::combined_run_mass(parts, n_parts, a, X, z);
    if (!drill) continue;
    for (int X = 0; X < F; ++X) {
      const int64_t v = visible(r, t, X);
      if (v == 0) continue;
      probs.resize(static_cast<size_t>(v));
      cpu::probabilities(drill_scores(r, h) + stats_.drill_offset(X), v, z, probs.data());
      stats_.add_drill(r, X, 0, probs.data(), v, 1.0f / static_cast<float>(n_heads_));
    }
  }
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
  // A merge grows the views that hold common but not this step (interleaved): none may pass the context.
  if (std::string full = layout_.merge_overflow(block_lengths(), worker, n_head_tokens, max_context_); !full.empty())
    throw ConfigError(full);
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

void HogwildAttention::assign_block(int dst, const HogwildAttention& src, int src_block, int64_t n) {
  check_idle("assign_block");
  src.check_idle("assign_block (source)");
  CacheBlock& d = blocks_.at(static_cast<size_t>(dst));
  const CacheBlock& s = src.blocks_.at(static_cast<size_t>(src_block));
  if (&d == &s) throw std::logic_error("assign_block: source and target are the same block");
  if (n < 0 || n > s.length())
    throw std::out_of_range("assign_block: the source block has " + std::to_string(s.length()) + " tokens, not " + std::to_string(n));
  d.reserve(n);
  d.clear();
  d.append_rotated_from(s, 0, n, 0);  // R(0): the same block-local positions, keys copied bit for bit
}

void HogwildAttention::clear_block(int id) {
  check_idle("clear_block");
  blocks_.at(static_cast<size_t>(id)).clear();
}

void HogwildAttention::truncate_block(int id, int64_t n) {
  check_idle("truncate_block");
  CacheBlock& b = blocks_.at(static_cast<size_t>(id));
  if (n < 0 || n > b.length())
    throw std::out_of_range("truncate_block: block '" + block_name(id) + "' has " + std::to_string(b.length()) + " tokens, cannot keep " +
                            std::to_string(n));
  b.truncate(n);
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
