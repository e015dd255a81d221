#pragma once
// Statistics of the lab's comparisons (docs/LAB.md, "Statistics"): Wilson score intervals for accuracies and the
// exact McNemar test for two arms on the same (problem, seed) pairs, with a one-sentence verdict.
#include <cstdint>
#include <string>

namespace hogwild::lab {

struct Interval {
  double low = 0, high = 1;
};

// Wilson score interval of k successes in n trials (95 %: z = 1.959963984540054). n = 0 gives [0, 1].
Interval wilson_interval(int64_t k, int64_t n, double z = 1.959963984540054);

// P(X <= k) for X ~ Binomial(n, 1/2), summed exactly in log space.
double binomial_half_cdf(int64_t k, int64_t n);

// Exact McNemar test on the discordant pairs: b = pairs only A solved, c = pairs only B solved.
// Two-sided p = min(1, 2 · P(X <= min(b, c))) with X ~ Binomial(b + c, 1/2); 1 when b + c = 0.
double mcnemar_exact_p(int64_t b, int64_t c);

struct PairedComparison {
  std::string arm_a, arm_b;
  int64_t budget = 0;
  int64_t pairs = 0;        // (problem, seed) pairs both arms finished
  int64_t a_correct = 0, b_correct = 0;
  int64_t only_a = 0, only_b = 0;  // discordant pairs
  double p_value = 1;
};

// "B solves 12 more problems of 60 at 512 passes (35 vs 23); exact McNemar p = 0.003, significant at the 5 % level."
std::string verdict(const PairedComparison& c);

// p-values as people read them: "0.003", "0.048", "< 0.001", "1".
std::string format_p(double p);

}  // namespace hogwild::lab
