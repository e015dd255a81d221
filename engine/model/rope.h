#pragma once
// Rotary position embedding as a pure rotation R(p). Angles p*theta_d are computed in double precision
// and only then converted to fp32, so that R(a)R(b) matches R(a+b) to fp32 rounding at large positions
// (hogwild-method.md §12f). Positions may be negative (moves rotate by R(-n)).
#include <cstdint>
#include <vector>

#include "model/model.h"

namespace hogwild {

class Rope {
 public:
  Rope() = default;
  // head_dim: per-head size; rope_dim: rotated dims (<= head_dim, even); theta: base.
  Rope(int head_dim, int rope_dim, double theta, RopeStyle style);
  // With frequency scaling: theta_d / freq_factors[d] (rope_dim/2 entries, each > 0; empty = none). Still a pure
  // rotation: only the angles change.
  Rope(int head_dim, int rope_dim, double theta, RopeStyle style, const std::vector<float>& freq_factors);
  // Uses c.rope_freq_factors.
  static Rope for_model(const ModelConfig& c);
  // From the angular frequencies themselves (rope_dim/2 of them, e.g. as a device plugin receives them).
  static Rope from_inv_freq(int head_dim, RopeStyle style, std::vector<double> inv_freq);

  int head_dim() const { return head_dim_; }
  int rope_dim() const { return rope_dim_; }
  int pairs() const { return rope_dim_ / 2; }
  RopeStyle style() const { return style_; }
  const std::vector<double>& inv_freq() const { return inv_freq_; }

  // cos/sin of angle pos*theta_d for the pairs() frequencies.
  void cos_sin(int64_t pos, float* cos_out, float* sin_out) const;
  // Rotates n_heads consecutive heads of x (each head_dim floats) by the given table.
  void rotate(float* x, int n_heads, const float* cos, const float* sin) const;
  // Convenience: rotate by position pos.
  void rotate(float* x, int n_heads, int64_t pos) const;

 private:
  int head_dim_ = 0;
  int rope_dim_ = 0;
  RopeStyle style_ = RopeStyle::Interleaved;
  std::vector<double> inv_freq_;
};

// Per-pair divisors of theta_d for Llama 3 frequency scaling (HF rope_type "llama3", what llama.cpp stores as
// rope_freqs.weight): 1 for short wavelengths, `factor` for long ones, a smooth blend between.
std::vector<float> llama3_rope_freq_factors(int rope_dim, double theta, double factor, double low_freq_factor,
                                            double high_freq_factor, double original_context);
// Linear ("position interpolation") scaling: every divisor equals factor.
std::vector<float> linear_rope_freq_factors(int rope_dim, double factor);
// YaRN's frequency blend (HF _compute_yarn_parameters, beta_fast 32, beta_slow 1) as divisors; attn_factor
// receives its attention factor (0.1 ln(factor) + 1 unless given).
std::vector<float> yarn_rope_freq_factors(int rope_dim, double theta, double factor, double original_context,
                                          double beta_fast, double beta_slow, float* attn_factor);

}  // namespace hogwild
