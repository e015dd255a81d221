#pragma once
// Independent double-precision references for the attention tests: RoPE straight from its definition
// (hogwild-method.md §5.1) and a plain softmax attention, no code shared with the engine.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "model/model.h"

namespace hogwild::test {

// Sanitizer builds (CI runs the threaded tests under ThreadSanitizer, the engine tests under ASan) run the long
// cases with the best attention loops only: the quadratic prefills cost 10-40x there.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
constexpr bool kSanitizedBuild = true;
#else
constexpr bool kSanitizedBuild = false;
#endif
#else
constexpr bool kSanitizedBuild = false;
#endif

// R(pos) in double: pair (2d, 2d+1) (interleaved) or (d, d+E/2) (NeoX), angle pos·θ^(−2d/E), E = rotated dims.
inline void rotate_ref(double* x, int rope_dim, RopeStyle style, double theta, int64_t pos) {
  const int np = rope_dim / 2;
  for (int d = 0; d < np; ++d) {
    const double a = static_cast<double>(pos) * std::pow(theta, -2.0 * d / rope_dim);
    const double c = std::cos(a), s = std::sin(a);
    const int i0 = style == RopeStyle::Interleaved ? 2 * d : d;
    const int i1 = style == RopeStyle::Interleaved ? 2 * d + 1 : d + np;
    const double u = x[i0], v = x[i1];
    x[i0] = u * c - v * s;
    x[i1] = v * c + u * s;
  }
}

// softmax(scale·q·k_j) over j < n, then Σ p_j·v_j. keys/values: n rows of hd doubles. Returns the output;
// probs (optional) receives the n probabilities.
inline std::vector<double> softmax_attention_ref(const std::vector<double>& q, const std::vector<double>& keys,
                                                 const std::vector<double>& values, int64_t n, int hd, double scale,
                                                 std::vector<double>* probs = nullptr) {
  std::vector<double> s(static_cast<size_t>(n));
  double m = -1e300;
  for (int64_t j = 0; j < n; ++j) {
    double a = 0;
    for (int d = 0; d < hd; ++d) a += q[static_cast<size_t>(d)] * keys[static_cast<size_t>(j) * hd + d];
    s[static_cast<size_t>(j)] = a * scale;
    m = std::max(m, s[static_cast<size_t>(j)]);
  }
  double sum = 0;
  for (auto& e : s) sum += (e = std::exp(e - m));
  std::vector<double> out(static_cast<size_t>(hd), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    s[static_cast<size_t>(j)] /= sum;
    for (int d = 0; d < hd; ++d) out[static_cast<size_t>(d)] += s[static_cast<size_t>(j)] * values[static_cast<size_t>(j) * hd + d];
  }
  if (probs) *probs = std::move(s);
  return out;
}

// ‖got − want‖ / ‖want‖ over hd entries.
inline double relative_error(const float* got, const std::vector<double>& want) {
  double num = 0, den = 0;
  for (size_t d = 0; d < want.size(); ++d) {
    num += (got[d] - want[d]) * (got[d] - want[d]);
    den += want[d] * want[d];
  }
  return std::sqrt(num / std::max(den, 1e-30));
}

}  // namespace hogwild::test
