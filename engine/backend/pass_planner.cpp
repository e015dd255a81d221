#include "backend/pass_planner.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/error.h"

namespace hogwild {

int64_t PassPlan::visible(int e, int t) const {
  const int64_t loc = location(e, t);
  return std::clamp<int64_t>(loc + 1, 0, new_len[static_cast<size_t>(entry_block[static_cast<size_t>(e)])]);
}

int PassPlan::real_slots() const {
  int n = 0;
  for (int r : n_real) n += r;
  return n;
}

PassPlanner::PassPlanner(const Layout& layout, int64_t max_context) : layout_(layout), max_context_(max_context) {
  if (max_context <= 0) throw ConfigError("pass planner: the context length must be positive");
}

PassPlan PassPlanner::plan(const PassTarget& target, const ForwardBatch& batch, const std::vector<int64_t>& lengths) const {
  const int W = layout_.workers(), F = layout_.num_blocks();
  const int rows = batch.rows, L = batch.len;
  const bool workers = target.worker_pass();
  if (!workers && (target.prefill_block >= F))
    throw std::out_of_range("hogwild attention: no block " + std::to_string(target.prefill_block));
  if (static_cast<int>(lengths.size()) != F)
    throw std::logic_error("pass planner: " + std::to_string(lengths.size()) + " block lengths for " + std::to_string(F) + " blocks");
  // ---- validate the batch (nothing changes before the context check below)
  if (workers && rows != W)
    throw ConfigError("hogwild attention: a worker pass needs " + std::to_string(W) + " rows, got " + std::to_string(rows));
  if (!workers && rows != 1) throw ConfigError("hogwild attention: a prefill pass needs 1 row, got " + std::to_string(rows));
  if (L <= 0 || batch.tokens.size() != static_cast<size_t>(rows) * L)
    throw ConfigError("hogwild attention: malformed batch (" + std::to_string(rows) + " rows × " + std::to_string(L) + " slots, " +
                      std::to_string(batch.tokens.size()) + " tokens)");
  PassPlan p;
  p.rows = rows, p.len = L, p.n_blocks = F, p.worker_pass = workers;
  p.n_real.resize(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    int n = batch.real_count(r);
    // Left padding: the real tokens are the last n slots, so the last column is always real.
    for (int t = L - n; t < L; ++t)
      if (!batch.real(r, t)) n = -1;
    if (n <= 0) throw ConfigError("hogwild attention: row " + std::to_string(r) + " must end with real tokens (left padding only)");
    p.n_real[static_cast<size_t>(r)] = n;
  }

  // ---- lengths after the pass and the context check
  p.old_len = lengths;
  p.new_len = lengths;
  p.target.resize(static_cast<size_t>(rows));
  std::vector<std::vector<int>> views(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    const int X = workers ? layout_.own_block(r) : target.prefill_block;
    p.target[static_cast<size_t>(r)] = X;
    p.new_len[static_cast<size_t>(X)] += p.n_real[static_cast<size_t>(r)];
    views[static_cast<size_t>(r)] = workers ? layout_.view(r) : std::vector<int>{X};
  }
  const auto total = [&](const std::vector<int>& v) {
    int64_t n = 0;
    for (int id : v) n += p.new_len[static_cast<size_t>(id)];
    return n;
  };
  // Every worker's view after the pass (a prefill of common grows them all), and the prefilled block itself.
  for (int w = 0; w < W; ++w) {
    const int64_t n = total(layout_.view(w));
    if (n > max_context_)
      throw ConfigError("context full: worker " + std::to_string(w + 1) + "'s view would reach " + std::to_string(n) +
                        " tokens, the model's context is " + std::to_string(max_context_));
  }
  if (!workers && p.new_len[static_cast<size_t>(target.prefill_block)] > max_context_)
    throw ConfigError("context full: block '" + layout_.block(target.prefill_block).name + "' would reach " +
                      std::to_string(p.new_len[static_cast<size_t>(target.prefill_block)]) + " tokens, the model's context is " +
                      std::to_string(max_context_));

  // ---- view entries: offsets S from the start of the view, ends = view length − S
  p.entry_base.assign(static_cast<size_t>(rows) + 1, 0);
  p.entry_of.assign(static_cast<size_t>(rows) * F, -1);
  p.view_len.assign(static_cast<size_t>(rows), 0);
  for (int r = 0; r < rows; ++r) {
    const auto& v = views[static_cast<size_t>(r)];
    const int64_t vlen = total(v);
    p.view_len[static_cast<size_t>(r)] = vlen;
    p.entry_base[static_cast<size_t>(r)] = p.entries();
    int64_t off = 0;
    for (int X : v) {
      p.entry_of[static_cast<size_t>(r) * F + X] = p.entries();
      p.entry_block.push_back(X);
      p.entry_offset.push_back(off);
      p.entry_end.push_back(vlen - off);
      off += p.new_len[static_cast<size_t>(X)];
    }
  }
  p.entry_base[static_cast<size_t>(rows)] = p.entries();
  return p;
}

bool is_context_full(const std::exception& e) {
  return dynamic_cast<const ConfigError*>(&e) != nullptr && std::strncmp(e.what(), "context full", 12) == 0;
}

}  // namespace hogwild
