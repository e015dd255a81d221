#include "lab/statistics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace hogwild::lab {

Interval wilson_interval(int64_t k, int64_t n, double z) {
  if (n <= 0) return {0.0, 1.0};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double center = (p + z2 / (2.0 * nn)) / denom;
  const double half = z / denom * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double binomial_half_cdf(int64_t k, int64_t n) {
  if (k < 0) return 0.0;
  if (k >= n) return 1.0;
  // Σ_{i<=k} C(n, i) / 2^n with log-sum-exp over lgamma terms (exact to ~1e-13 relative for n up to millions).
  const double ln2n = static_cast<double>(n) * std::log(2.0);
  const double lgn = std::lgamma(static_cast<double>(n) + 1.0);
  double max_term = -INFINITY;
  std::vector<double> terms;
  terms.reserve(static_cast<size_t>(k) + 1);
  for (int64_t i = 0; i <= k; ++i) {
    const double t = lgn - std::lgamma(static_cast<double>(i) + 1.0) - std::lgamma(static_cast<double>(n - i) + 1.0) - ln2n;
    terms.push_back(t);
    max_term = std::max(max_term, t);
  }
  double sum = 0;
  for (double t : terms) sum += std::exp(t - max_term);
  return std::min(1.0, std::exp(max_term + std::log(sum)));
}

double mcnemar_exact_p(int64_t b, int64_t c) {
  const int64_t n = b + c;
  if (n <= 0) return 1.0;
  return std::min(1.0, 2.0 * binomial_half_cdf(std::min(b, c), n));
}

std::string format_p(double p) {
  char buf[32];
  if (p < 0.001) return "< 0.001";
  if (p >= 0.9995) return "1";
  if (p < 0.01) std::snprintf(buf, sizeof buf, "%.3f", p);
  else std::snprintf(buf, sizeof buf, "%.2g", p);
  std::string s = buf;
  if (s.find('e') != std::string::npos) {
    std::snprintf(buf, sizeof buf, "%.3f", p);
    s = buf;
  }
  return s;
}

std::string verdict(const PairedComparison& c) {
  const std::string at = " at " + std::to_string(c.budget) + " passes";
  if (c.pairs == 0) return "No (problem, seed) pair was finished by both " + c.arm_a + " and " + c.arm_b + at + ".";
  const int64_t diff = c.b_correct - c.a_correct;
  const std::string counts = " (" + std::to_string(c.b_correct) + " vs " + std::to_string(c.a_correct) + ")";
  std::string s;
  if (diff == 0) {
    s = c.arm_b + " and " + c.arm_a + " solve the same number of problems of " + std::to_string(c.pairs) + at + " (" +
        std::to_string(c.a_correct) + " each)";
  } else {
    const bool b_better = diff > 0;
    const std::string better = b_better ? c.arm_b : c.arm_a;
    const int64_t more = b_better ? diff : -diff;
    s = better + " solves " + std::to_string(more) + " more problem" + (more == 1 ? "" : "s") + " of " + std::to_string(c.pairs) + " than " +
        (b_better ? c.arm_a : c.arm_b) + at + (b_better ? counts : " (" + std::to_string(c.a_correct) + " vs " + std::to_string(c.b_correct) + ")");
  }
  s += "; exact McNemar p = " + format_p(c.p_value) + (c.p_value < 0.05 ? ", significant at the 5 % level." : ", not significant at the 5 % level.");
  return s;
}

}  // namespace hogwild::lab
