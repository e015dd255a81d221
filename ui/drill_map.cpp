#include "drill_map.h"

#include <algorithm>

namespace hogwild::ui {

void DrillMap::reset(int workers) {
  steps_.assign(static_cast<size_t>(std::max(0, workers)), {});
  merged_.assign(steps_.size(), 0);
  common_.clear();
  last_ = StatsEvent{};
  snap_count_.clear();
  snap_common_.clear();
}

void DrillMap::onEvent(const EngineEvent& e) {
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
    last_ = *s;
    snap_count_.clear();
    for (const auto& st : steps_) snap_count_.push_back(static_cast<int>(st.size()));
    snap_common_.clear();
    for (const Segment& g : common_)
      if (g.pass < s->pass) snap_common_.push_back(g);  // merges of this very pass happened after the statistics
  }
}

std::vector<std::vector<float>> DrillMap::tints(int q) const {
  if (!hasDrill() || q < 0 || q >= static_cast<int>(last_.drill.size())) return {};
  std::vector<std::vector<float>> out(steps_.size());
  for (size_t w = 0; w < steps_.size(); ++w) out[w].assign(steps_[w].size(), 0.f);
  const std::vector<float>& row = last_.drill[static_cast<size_t>(q)];
  const int F = static_cast<int>(last_.block_lengths.size());
  int64_t offset = 0;
  for (int b = 0; b < F; ++b) {
    const int64_t len = last_.block_lengths[static_cast<size_t>(b)];
    const std::string& name = b < static_cast<int>(last_.block_names.size()) ? last_.block_names[static_cast<size_t>(b)] : std::string();
    const int owner = b < static_cast<int>(last_.block_owner.size()) ? last_.block_owner[static_cast<size_t>(b)] : -1;
    auto put = [&](int w, int token, int64_t pos) {
      if (w < 0 || w >= static_cast<int>(out.size()) || token < 0 || token >= static_cast<int>(out[static_cast<size_t>(w)].size())) return;
      if (pos < 0 || pos >= static_cast<int64_t>(row.size())) return;
      out[static_cast<size_t>(w)][static_cast<size_t>(token)] = row[static_cast<size_t>(pos)];
    };
    if (b == 0) {
      // common/prompt: the prompt, then the merged steps.
      int64_t merged = 0;
      for (const Segment& g : snap_common_) merged += g.count;
      int64_t pos = offset + std::max<int64_t>(0, len - merged);
      for (const Segment& g : snap_common_)
        for (int i = 0; i < g.count; ++i) put(g.worker, g.first + i, pos++);
    } else if (owner >= 0 && (name.rfind("step:", 0) == 0 || name.rfind("ws:", 0) == 0) && owner < static_cast<int>(snap_count_.size())) {
      const int count = snap_count_[static_cast<size_t>(owner)];
      for (int64_t i = 0; i < len; ++i) put(owner, static_cast<int>(count - len + i), offset + i);
    }
    offset += len;
  }
  return out;
}

}  // namespace hogwild::ui
