#include "drill_map.h"

#include <algorithm>

#include "hold_or_copy.h"

namespace hogwild::ui {

void DrillMap::reset(int workers) {
  steps_.assign(static_cast<size_t>(std::max(0, workers)), {});
  merged_.assign(steps_.size(), 0);
  common_.clear();
  last_.reset();
  snap_count_.clear();
  snap_common_.clear();
  rows_.clear();
  row_of_.assign(steps_.size(), {});
}

void DrillMap::onEvent(const EngineEvent& e, const std::shared_ptr<const void>& owner) {
  if (const auto* t = std::get_if<TokenEvent>(&e)) {
    if (t->worker >= 0 && t->worker < static_cast<int>(steps_.size())) steps_[static_cast<size_t>(t->worker)].push_back(t->step);
  } else if (const auto* f = std::get_if<StepFinishedEvent>(&e)) {
    if (f->worker < 0 || f->worker >= static_cast<int>(steps_.size())) return;
    const auto& st = steps_[static_cast<size_t>(f->worker)];
    int& merged = merged_[static_cast<size_t>(f->worker)];
    int end = merged;
    while (end < static_cast<int>(st.size()) && st[static_cast<size_t>(end)] <= f->step) ++end;
    common_.push_back({f->worker, merged, end - merged, f->pass});
    merged = end;
  } else if (const auto* s = std::get_if<StatsEvent>(&e)) {
    if (s->drill.empty()) return;
    last_ = hold_or_copy(*s, owner);
    snap_count_.clear();
    for (const auto& st : steps_) snap_count_.push_back(static_cast<int>(st.size()));
    snap_common_.clear();
    for (const Segment& g : common_)
      if (g.pass < s->pass) snap_common_.push_back(g);  // merges of this very pass happened after the statistics
    recordRows(*s);
  }
}

template <class Put>
void DrillMap::mapRuns(const StatsEvent& s, const std::vector<int>& counts, const std::vector<Segment>& common, int64_t row_length,
                       Put put) const {
  // Clips a run to tokens [0, counts[w]) of its worker and to positions [0, row_length), then reports it.
  auto run = [&](int w, int64_t first, int64_t pos, int64_t n) {
    if (w < 0 || w >= static_cast<int>(counts.size())) return;
    const int64_t lo = std::max({int64_t{0}, -first, -pos});
    const int64_t hi = std::min({n, static_cast<int64_t>(counts[static_cast<size_t>(w)]) - first, row_length - pos});
    if (hi > lo) put(w, static_cast<int>(first + lo), pos + lo, hi - lo);
  };
  const int F = static_cast<int>(s.block_lengths.size());
  int64_t offset = 0;
  for (int b = 0; b < F; ++b) {
    const int64_t len = s.block_lengths[static_cast<size_t>(b)];
    const std::string& name = b < static_cast<int>(s.block_names.size()) ? s.block_names[static_cast<size_t>(b)] : std::string();
    const int owner = b < static_cast<int>(s.block_owner.size()) ? s.block_owner[static_cast<size_t>(b)] : -1;
    if (b == 0) {
      // common/prompt: the prompt, then the merged steps.
      int64_t merged = 0;
      for (const Segment& g : common) merged += g.count;
      int64_t pos = offset + std::max<int64_t>(0, len - merged);
      for (const Segment& g : common) {
        run(g.worker, g.first, pos, g.count);
        pos += g.count;
      }
    } else if (owner >= 0 && (name.rfind("step:", 0) == 0 || name.rfind("ws:", 0) == 0) && owner < static_cast<int>(counts.size())) {
      run(owner, counts[static_cast<size_t>(owner)] - len, offset, len);  // the worker's newest len tokens
    }
    offset += len;
  }
}

std::vector<std::vector<float>> DrillMap::tints(int q) const {
  if (!hasDrill() || q < 0 || q >= static_cast<int>(last_->drill.size())) return {};
  std::vector<std::vector<float>> out(steps_.size());
  for (size_t w = 0; w < steps_.size(); ++w) out[w].assign(steps_[w].size(), 0.f);
  const std::vector<float>& row = last_->drill[static_cast<size_t>(q)];
  mapRuns(*last_, snap_count_, snap_common_, static_cast<int64_t>(row.size()), [&](int w, int first, int64_t pos, int64_t n) {
    auto& o = out[static_cast<size_t>(w)];
    for (int64_t i = 0; i < n && first + i < static_cast<int64_t>(o.size()); ++i) o[static_cast<size_t>(first + i)] = row[static_cast<size_t>(pos + i)];
  });
  return out;
}

void DrillMap::recordRows(const StatsEvent& s) {
  const int W = std::min(static_cast<int>(s.drill.size()), static_cast<int>(steps_.size()));
  for (int q = 0; q < W; ++q) {
    const int query = snap_count_[static_cast<size_t>(q)] - 1;  // the newest token the worker fed
    if (query < 0) continue;
    const std::vector<float>& row = s.drill[static_cast<size_t>(q)];
    const int64_t length = static_cast<int64_t>(row.size());
    // Two passes over contiguous runs: the largest pane weight first, then only the entries worth drawing (most
    // of a long row is below the 2 % cut, so nothing is collected only to be dropped).
    TokenRow r;
    r.worker = q;
    r.token = query;
    r.pass = s.pass;
    r.layer = s.drill_layer;
    float hi = 0;
    mapRuns(s, snap_count_, snap_common_, length, [&](int, int, int64_t pos, int64_t n) {
      const float* v = row.data() + pos;
      for (int64_t i = 0; i < n; ++i) hi = std::max(hi, v[i]);
    });
    r.max_weight = hi;
    const float keep = hi * kKeepFraction;
    if (hi > 0)
      mapRuns(s, snap_count_, snap_common_, length, [&](int w, int first, int64_t pos, int64_t n) {
        const float* v = row.data() + pos;
        for (int64_t i = 0; i < n; ++i)
          if (v[i] >= keep && v[i] > 0) r.entries.push_back({w, static_cast<int32_t>(first + i), v[i]});
      });
    if (r.entries.size() > static_cast<size_t>(kMaxEntries)) {  // keep the largest (their order does not matter)
      std::nth_element(r.entries.begin(), r.entries.begin() + kMaxEntries, r.entries.end(),
                       [](const Entry& a, const Entry& b) { return a.weight > b.weight; });
      r.entries.resize(static_cast<size_t>(kMaxEntries));
    }
    r.entries.shrink_to_fit();
    auto& index = row_of_[static_cast<size_t>(q)];
    if (index.size() <= static_cast<size_t>(query)) index.resize(static_cast<size_t>(query) + 1, -1);
    index[static_cast<size_t>(query)] = static_cast<int32_t>(rows_.size());  // a later row of the same token wins
    rows_.push_back(std::move(r));
  }
}

const DrillMap::TokenRow* DrillMap::rowFor(int worker, int token) const {
  if (worker < 0 || worker >= static_cast<int>(row_of_.size()) || token < 0) return nullptr;
  const auto& index = row_of_[static_cast<size_t>(worker)];
  const auto& steps = steps_[static_cast<size_t>(worker)];
  for (size_t i = static_cast<size_t>(token); i < index.size(); ++i) {
    // Only within the same step: a later step's query is another context altogether.
    if (i < steps.size() && static_cast<size_t>(token) < steps.size() && steps[i] != steps[static_cast<size_t>(token)]) break;
    if (index[i] >= 0) return &rows_[static_cast<size_t>(index[i])];
  }
  return nullptr;
}

std::vector<std::vector<float>> DrillMap::tints(const TokenRow& row) const {
  std::vector<std::vector<float>> out(steps_.size());
  for (size_t w = 0; w < steps_.size(); ++w) out[w].assign(steps_[w].size(), 0.f);
  for (const Entry& e : row.entries)
    if (e.worker >= 0 && e.worker < static_cast<int>(out.size()) && e.token >= 0 && e.token < static_cast<int>(out[static_cast<size_t>(e.worker)].size()))
      out[static_cast<size_t>(e.worker)][static_cast<size_t>(e.token)] = e.weight;
  return out;
}

}  // namespace hogwild::ui
