// The lab's statistics against SciPy (tests/reference/make_lab_statistics.py -> data/lab_statistics.json):
// Wilson 95 % intervals and exact McNemar p-values; the verdict sentence.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "lab/statistics.h"

using namespace hogwild::lab;

namespace {

nlohmann::json reference() {
  std::ifstream in(hogwild::test::source_dir() + "/tests/reference/data/lab_statistics.json");
  EXPECT_TRUE(in.good()) << "missing tests/reference/data/lab_statistics.json";
  return nlohmann::json::parse(in);
}

}  // namespace

TEST(LabStatistics, WilsonMatchesScipy) {
  const auto ref = reference();
  ASSERT_GE(ref["wilson"].size(), 50u);
  for (const auto& r : ref["wilson"]) {
    const Interval ci = wilson_interval(r["k"].get<int64_t>(), r["n"].get<int64_t>());
    EXPECT_NEAR(ci.low, r["low"].get<double>(), 1e-12) << "k=" << r["k"] << " n=" << r["n"];
    EXPECT_NEAR(ci.high, r["high"].get<double>(), 1e-12) << "k=" << r["k"] << " n=" << r["n"];
  }
  const Interval none = wilson_interval(0, 0);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_EQ(none.high, 1.0);
}

TEST(LabStatistics, ExactMcNemarMatchesScipy) {
  const auto ref = reference();
  ASSERT_GE(ref["mcnemar"].size(), 15u);
  for (const auto& r : ref["mcnemar"]) {
    const double want = r["p"].get<double>();
    const double got = mcnemar_exact_p(r["b"].get<int64_t>(), r["c"].get<int64_t>());
    EXPECT_NEAR(got, want, 1e-12 + 1e-9 * want) << "b=" << r["b"] << " c=" << r["c"];
  }
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(4, 4), 1.0);
  EXPECT_NEAR(mcnemar_exact_p(0, 5), 0.0625, 1e-15);  // 2 / 2^5 by hand
}

TEST(LabStatistics, BinomialCdfByHand) {
  EXPECT_DOUBLE_EQ(binomial_half_cdf(0, 1), 0.5);
  EXPECT_NEAR(binomial_half_cdf(1, 3), 0.5, 1e-15);          // (1 + 3) / 8
  EXPECT_NEAR(binomial_half_cdf(2, 10), 56.0 / 1024, 1e-15);  // (1 + 10 + 45) / 1024
  EXPECT_EQ(binomial_half_cdf(-1, 5), 0.0);
  EXPECT_EQ(binomial_half_cdf(5, 5), 1.0);
}

TEST(LabStatistics, VerdictSentence) {
  PairedComparison c;
  c.arm_a = "single";
  c.arm_b = "hogwild";
  c.budget = 512;
  c.pairs = 60;
  c.a_correct = 23;
  c.b_correct = 35;
  c.only_a = 1;
  c.only_b = 13;
  c.p_value = mcnemar_exact_p(1, 13);
  EXPECT_EQ(verdict(c), "hogwild solves 12 more problems of 60 than single at 512 passes (35 vs 23); exact McNemar p = 0.002, "
                        "significant at the 5 % level.");
  std::swap(c.arm_a, c.arm_b);
  std::swap(c.a_correct, c.b_correct);
  std::swap(c.only_a, c.only_b);
  EXPECT_EQ(verdict(c), "hogwild solves 12 more problems of 60 than single at 512 passes (35 vs 23); exact McNemar p = 0.002, "
                        "significant at the 5 % level.");
  c.a_correct = c.b_correct = 30;
  c.only_a = c.only_b = 3;
  c.p_value = mcnemar_exact_p(3, 3);
  EXPECT_EQ(verdict(c), "single and hogwild solve the same number of problems of 60 at 512 passes (30 each); exact McNemar p = 1, "
                        "not significant at the 5 % level.");
  c.pairs = 0;
  EXPECT_EQ(verdict(c), "No (problem, seed) pair was finished by both hogwild and single at 512 passes.");
  EXPECT_EQ(format_p(0.0004), "< 0.001");
  EXPECT_EQ(format_p(0.0483), "0.048");
  EXPECT_EQ(format_p(0.31), "0.31");
}
