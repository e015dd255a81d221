// Sampler: greedy, truncation rules, determinism per seed, validation of impossible values.
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "common/error.h"
#include "sampling/sampler.h"

using namespace hogwild;

namespace {
std::vector<float> logits() { return {1.0f, 3.0f, 2.0f, 0.5f, 2.9f}; }
}  // namespace

TEST(Sampler, GreedyIsArgmax) {
  SamplingParams p;
  p.temperature = 0;
  Sampler s(p);
  auto l = logits();
  EXPECT_EQ(s.sample(l), 1);
}

TEST(Sampler, BannedTokensAreNeverSampled) {
  SamplingParams p;
  p.temperature = 0;
  Sampler s(p);
  auto l = logits();
  const std::vector<int32_t> banned{1};
  EXPECT_EQ(s.sample(l, {}, banned), 4);
}

TEST(Sampler, TopKOneIsGreedy) {
  SamplingParams p;
  p.temperature = 1.5f;
  p.top_k = 1;
  p.min_p = 0;
  Sampler s(p);
  for (int i = 0; i < 50; ++i) {
    auto l = logits();
    EXPECT_EQ(s.sample(l), 1);
  }
}

TEST(Sampler, TopPKeepsSmallestNucleus) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.min_p = 0;
  p.top_p = 0.5f;  // softmax: 3.0 -> 0.38, 2.9 -> 0.35: the nucleus is {1, 4}
  Sampler s(p);
  std::map<int32_t, int> seen;
  for (int i = 0; i < 400; ++i) {
    auto l = logits();
    seen[s.sample(l)]++;
  }
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_GT(seen[1], 100);
  EXPECT_GT(seen[4], 100);
}

TEST(Sampler, MinPDropsUnlikelyTokens) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.5f;  // keeps tokens with p >= 0.5 * pmax: logits 3.0, 2.9, 2.0 (e^-1 = 0.37 < 0.5 drops 2.0)
  Sampler s(p);
  for (int i = 0; i < 300; ++i) {
    auto l = logits();
    const int32_t t = s.sample(l);
    EXPECT_TRUE(t == 1 || t == 4) << t;
  }
}

TEST(Sampler, SameSeedSameSequence) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.min_p = 0;
  p.top_p = 1;
  p.seed = 123;
  Sampler a(p), b(p), c(p, /*stream=*/1);
  std::vector<int32_t> ra, rb, rc;
  for (int i = 0; i < 64; ++i) {
    auto l1 = logits(), l2 = logits(), l3 = logits();
    ra.push_back(a.sample(l1));
    rb.push_back(b.sample(l2));
    rc.push_back(c.sample(l3));
  }
  EXPECT_EQ(ra, rb);
  EXPECT_NE(ra, rc);  // another worker's stream differs
}

TEST(Sampler, RepetitionPenaltyLowersSeenTokens) {
  SamplingParams p;
  p.temperature = 0;
  p.repetition_penalty = 2.0f;
  Sampler s(p);
  auto l = logits();
  const std::vector<int32_t> recent{1};
  EXPECT_EQ(s.sample(l, recent), 4);  // 3.0/2 = 1.5 < 2.9
}

TEST(Sampler, LastTopReportsProbabilities) {
  SamplingParams p;
  p.temperature = 0;
  Sampler s(p);
  auto l = logits();
  s.sample(l);
  const auto top = s.last_top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].first, 1);
  EXPECT_EQ(top[1].first, 4);
  EXPECT_GT(top[0].second, top[1].second);
}

TEST(Sampler, ImpossibleValuesAreRejected) {
  auto expect_bad = [](auto mutate, const char* field) {
    SamplingParams p;
    mutate(p);
    try {
      p.validate();
      ADD_FAILURE() << "no error for " << field;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  expect_bad([](SamplingParams& p) { p.temperature = -1; }, "temperature");
  expect_bad([](SamplingParams& p) { p.top_p = 1.5f; }, "top_p");
  expect_bad([](SamplingParams& p) { p.top_p = 0; }, "top_p");
  expect_bad([](SamplingParams& p) { p.min_p = -0.1f; }, "min_p");
  expect_bad([](SamplingParams& p) { p.top_k = -3; }, "top_k");
  expect_bad([](SamplingParams& p) { p.repetition_penalty = 0; }, "repetition_penalty");
}
