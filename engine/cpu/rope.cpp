#include "cpu/rope.h"

#include <cmath>
#include <vector>

#include "common/error.h"

namespace hogwild {

Rope::Rope(int head_dim, int rope_dim, double theta, RopeStyle style)
    : head_dim_(head_dim), rope_dim_(rope_dim), style_(style) {
  if (head_dim <= 0 || rope_dim <= 0 || rope_dim > head_dim || rope_dim % 2 != 0)
    throw ConfigError("invalid RoPE shape: head_dim " + std::to_string(head_dim) + ", rope_dim " + std::to_string(rope_dim));
  inv_freq_.resize(static_cast<size_t>(rope_dim / 2));
  // theta_d = base^(-2d/rope_dim), same for both pairings (llama2.c: 10000^-(i/head_size) with i = 2d).
  for (int d = 0; d < rope_dim / 2; ++d) inv_freq_[static_cast<size_t>(d)] = std::pow(theta, -2.0 * d / rope_dim);
}

Rope Rope::for_model(const ModelConfig& c) {
  return Rope(c.head_dim, c.rope_dim > 0 ? c.rope_dim : c.head_dim, c.rope_theta, c.rope_style);
}

void Rope::cos_sin(int64_t pos, float* cos_out, float* sin_out) const {
  for (size_t d = 0; d < inv_freq_.size(); ++d) {
    const double a = static_cast<double>(pos) * inv_freq_[d];
    cos_out[d] = static_cast<float>(std::cos(a));
    sin_out[d] = static_cast<float>(std::sin(a));
  }
}

void Rope::rotate(float* x, int n_heads, const float* cos, const float* sin) const {
  const int np = pairs();
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<size_t>(h) * head_dim_;
    if (style_ == RopeStyle::Interleaved) {
      for (int d = 0; d < np; ++d) {
        const float a = v[2 * d], b = v[2 * d + 1];
        v[2 * d] = a * cos[d] - b * sin[d];
        v[2 * d + 1] = b * cos[d] + a * sin[d];
      }
    } else {
      for (int d = 0; d < np; ++d) {
        const float a = v[d], b = v[d + np];
        v[d] = a * cos[d] - b * sin[d];
        v[d + np] = b * cos[d] + a * sin[d];
      }
    }
  }
}

void Rope::rotate(float* x, int n_heads, int64_t pos) const {
  std::vector<float> c(static_cast<size_t>(pairs())), s(static_cast<size_t>(pairs()));
  cos_sin(pos, c.data(), s.data());
  rotate(x, n_heads, c.data(), s.data());
}

}  // namespace hogwild
