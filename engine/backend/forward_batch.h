#pragma once
// One forward pass's input: `rows` token rows (one per worker or sequence), each left-padded to `len` slots, so that
// the last slot of every row is real. Backend-neutral: the CPU transformer, the CUDA plugin and the pass planner read it.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hogwild {

struct ForwardBatch {
  int rows = 1;                 // W: one row per worker/sequence
  int len = 1;                  // L: tokens per row after left padding
  std::vector<int32_t> tokens;  // rows*len token ids, row-major; kPad marks padding (always on the left)
  static constexpr int32_t kPad = -1;

  int32_t at(int r, int t) const { return tokens[static_cast<size_t>(r) * len + t]; }
  bool real(int r, int t) const { return at(r, t) != kPad; }
  int real_count(int r) const {
    int n = 0;
    for (int t = 0; t < len; ++t) n += real(r, t);
    return n;
  }
  // Builds a left-padded batch from per-row token lists (every row must be non-empty).
  static ForwardBatch from_rows(const std::vector<std::vector<int32_t>>& rows);
};

}  // namespace hogwild
