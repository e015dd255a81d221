#pragma once
// Attention statistics for the heatmaps (hogwild-method.md §12e), filled by HogwildAttention inside its
// attention loop (no second pass). For each worker's NEWEST real query (the last column of the batch,
// real thanks to left padding; its logits are the ones sampled):
//   mass  [W][layers][heads][F]  softmax mass per block: Σ over the block's visible keys of the
//                                probabilities; Σ over blocks = 1; absent blocks 0.
//   drill [W][Σ block lengths]   optional, one layer: the probability of every key, averaged over query
//                                heads, concatenated over blocks in block-id order (0 where not visible).
//                                Skipped (empty) when Σ block lengths exceeds drill_cap().
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace hogwild {

struct StatsEvent;

class AttentionStats {
 public:
  static constexpr int64_t kDefaultDrillCap = int64_t{1} << 20;

  AttentionStats() = default;
  void configure(int workers, int layers, int heads, int blocks);

  int workers() const { return workers_; }
  int layers() const { return layers_; }
  int heads() const { return heads_; }
  int blocks() const { return blocks_; }
  bool valid() const { return valid_; }  // a worker pass filled the arrays

  // Drill-down layer (-1: off) and the largest total number of tokens for which it is kept.
  void set_drill_layer(int layer) { drill_layer_ = layer; }
  int drill_layer() const { return drill_layer_; }
  void set_drill_cap(int64_t tokens) { drill_cap_ = tokens; }
  int64_t drill_cap() const { return drill_cap_; }

  // Called by the cache at the start of a worker pass with the block lengths AFTER the pass
  // (the drill row covers the new tokens too). Zeroes the arrays.
  void begin_pass(const std::vector<int64_t>& block_lengths);
  // True when this pass records a drill row for `layer`.
  bool drilling(int layer) const { return drill_on_ && layer == drill_layer_; }

  // Mass row of (w, layer, head): F floats, written by exactly one attention task.
  float* mass_row(int w, int layer, int head) {
    return mass_.data() + ((static_cast<size_t>(w) * layers_ + layer) * heads_ + head) * blocks_;
  }
  // Adds weight·probs[0..n) to the drill row of worker w at the tokens [begin, begin+n) of `block`.
  // Thread-safe (several heads of one worker add concurrently).
  void add_drill(int w, int block, int64_t begin, const float* probs, int64_t n, float weight);

  const std::vector<float>& mass() const { return mass_; }
  float at(int w, int layer, int head, int block) const {
    return mass_[((static_cast<size_t>(w) * layers_ + layer) * heads_ + head) * blocks_ + block];
  }
  // Empty when drilling is off or was skipped for size.
  const std::vector<std::vector<float>>& drill() const { return drill_; }
  int64_t drill_offset(int block) const { return drill_offset_[static_cast<size_t>(block)]; }

  // Block lengths of the pass the arrays describe (drill rows follow them).
  const std::vector<int64_t>& block_lengths() const { return lengths_; }

  // Copies workers/layers/heads, block_lengths, mass, drill_layer and drill into the event (the cache fills
  // the block names and owners).
  void fill(StatsEvent& e) const;

 private:
  int workers_ = 0, layers_ = 0, heads_ = 0, blocks_ = 0;
  bool valid_ = false;
  int drill_layer_ = -1;
  int64_t drill_cap_ = kDefaultDrillCap;
  bool drill_on_ = false;                  // this pass records a drill row
  std::vector<float> mass_;                // [W][layers][heads][F]
  std::vector<std::vector<float>> drill_;  // [W][total tokens]
  std::vector<int64_t> drill_offset_;      // [F] start of each block in a drill row
  std::vector<int64_t> lengths_;           // [F] block lengths of the pass
  std::unique_ptr<std::mutex[]> drill_mutex_;  // [W]
};

}  // namespace hogwild
