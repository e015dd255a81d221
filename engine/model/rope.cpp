#include "model/rope.h"

#include <algorithm>
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

Rope::Rope(int head_dim, int rope_dim, double theta, RopeStyle style, const std::vector<float>& freq_factors)
    : Rope(head_dim, rope_dim, theta, style) {
  if (freq_factors.empty()) return;
  if (freq_factors.size() != inv_freq_.size())
    throw ConfigError("RoPE frequency factors: " + std::to_string(freq_factors.size()) + " given, " +
                      std::to_string(inv_freq_.size()) + " expected");
  for (size_t d = 0; d < inv_freq_.size(); ++d) {
    if (!(freq_factors[d] > 0.f) || !std::isfinite(freq_factors[d])) throw ConfigError("RoPE frequency factor is not positive");
    inv_freq_[d] /= static_cast<double>(freq_factors[d]);
  }
}

Rope Rope::for_model(const ModelConfig& c) {
  return Rope(c.head_dim, c.rope_dim > 0 ? c.rope_dim : c.head_dim, c.rope_theta, c.rope_style, c.rope_freq_factors);
}

Rope Rope::from_inv_freq(int head_dim, RopeStyle style, std::vector<double> inv_freq) {
  const int rope_dim = 2 * static_cast<int>(inv_freq.size());
  Rope r(head_dim, rope_dim, 10000.0, style);  // validates the shape; the frequencies are replaced below
  for (double f : inv_freq)
    if (!std::isfinite(f)) throw ConfigError("RoPE frequency is not finite");
  r.inv_freq_ = std::move(inv_freq);
  return r;
}

std::vector<float> llama3_rope_freq_factors(int rope_dim, double theta, double factor, double low_freq_factor,
                                            double high_freq_factor, double original_context) {
  // Same arithmetic as llama.cpp's convert_hf_to_gguf.py (LlamaModel.generate_extra_tensors).
  const double low_wavelen = original_context / low_freq_factor, high_wavelen = original_context / high_freq_factor;
  std::vector<float> f(static_cast<size_t>(rope_dim / 2));
  for (int d = 0; d < rope_dim / 2; ++d) {
    const double freq = std::pow(theta, -2.0 * d / rope_dim);
    const double wavelen = 2.0 * M_PI / freq;
    double r = 1.0;
    if (wavelen < high_wavelen) r = 1.0;
    else if (wavelen > low_wavelen) r = factor;
    else {
      const double smooth = (original_context / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
      r = 1.0 / ((1.0 - smooth) / factor + smooth);
    }
    f[static_cast<size_t>(d)] = static_cast<float>(r);
  }
  return f;
}

std::vector<float> linear_rope_freq_factors(int rope_dim, double factor) {
  return std::vector<float>(static_cast<size_t>(rope_dim / 2), static_cast<float>(factor));
}

std::vector<float> yarn_rope_freq_factors(int rope_dim, double theta, double factor, double original_context,
                                          double beta_fast, double beta_slow, float* attn_factor) {
  auto correction_dim = [&](double rotations) {
    return rope_dim * std::log(original_context / (rotations * 2.0 * M_PI)) / (2.0 * std::log(theta));
  };
  double low = std::max(0.0, std::floor(correction_dim(beta_fast)));
  double high = std::min(static_cast<double>(rope_dim - 1), std::ceil(correction_dim(beta_slow)));
  if (low == high) high += 0.001;
  std::vector<float> f(static_cast<size_t>(rope_dim / 2));
  for (int d = 0; d < rope_dim / 2; ++d) {
    const double ramp = std::clamp((d - low) / (high - low), 0.0, 1.0);
    const double extrapolation = 1.0 - ramp;  // share of the unscaled frequency
    f[static_cast<size_t>(d)] = static_cast<float>(1.0 / ((1.0 - extrapolation) / factor + extrapolation));
  }
  if (attn_factor) *attn_factor = factor <= 1.0 ? 1.f : static_cast<float>(0.1 * std::log(factor) + 1.0);
  return f;
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
