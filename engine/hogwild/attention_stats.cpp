#include "hogwild/attention_stats.h"

#include <algorithm>

#include "hogwild/events.h"

namespace hogwild {

void AttentionStats::configure(int workers, int layers, int heads, int blocks) {
  workers_ = workers;
  layers_ = layers;
  heads_ = heads;
  blocks_ = blocks;
  mass_.assign(static_cast<size_t>(workers) * layers * heads * blocks, 0.f);
  drill_.clear();
  drill_offset_.assign(static_cast<size_t>(blocks), 0);
  drill_mutex_ = std::make_unique<std::mutex[]>(static_cast<size_t>(std::max(workers, 1)));
  valid_ = false;
}

void AttentionStats::begin_pass(const std::vector<int64_t>& block_lengths) {
  std::fill(mass_.begin(), mass_.end(), 0.f);
  lengths_ = block_lengths;
  int64_t total = 0;
  for (int f = 0; f < blocks_; ++f) {
    drill_offset_[static_cast<size_t>(f)] = total;
    total += block_lengths[static_cast<size_t>(f)];
  }
  drill_on_ = drill_layer_ >= 0 && drill_layer_ < layers_ && total <= drill_cap_;
  if (drill_on_) {
    drill_.resize(static_cast<size_t>(workers_));
    for (auto& row : drill_) row.assign(static_cast<size_t>(total), 0.f);
  } else {
    drill_.clear();
  }
  valid_ = true;
}

void AttentionStats::add_drill(int w, int block, int64_t begin, const float* probs, int64_t n, float weight) {
  std::lock_guard lock(drill_mutex_[static_cast<size_t>(w)]);
  float* row = drill_[static_cast<size_t>(w)].data() + drill_offset_[static_cast<size_t>(block)] + begin;
  for (int64_t j = 0; j < n; ++j) row[j] += weight * probs[j];
}

void AttentionStats::fill(StatsEvent& e) const {
  e.workers = workers_;
  e.layers = layers_;
  e.heads = heads_;
  e.block_lengths = lengths_;
  e.mass = mass_;
  e.drill_layer = drill_.empty() ? -1 : drill_layer_;
  e.drill = drill_;
}

}  // namespace hogwild
