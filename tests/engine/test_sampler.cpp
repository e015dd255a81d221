// Sampler: greedy, truncation rules, determinism per seed, validation of impossible values.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
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

// Temperature 1, no top-k; the given top-p, min-p and seed.
static SamplingParams at_t1(float top_p, float min_p = 0.f, uint64_t seed = 42) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = top_p;
  p.min_p = min_p;
  p.seed = seed;
  return p;
}

TEST(Sampler, TopPKeepsSmallestNucleus) {
  Sampler s(at_t1(0.5f));  // softmax: 3.0 -> 0.38, 2.9 -> 0.35: the nucleus is {1, 4}
  std::map<int32_t, int> seen;
  for (int i = 0; i < 400; ++i) {
    auto l = logits();
    seen[s.sample(l)]++;
  }
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_GT(seen[1], 100);
  EXPECT_GT(seen[4], 100);
}

TEST(Sampler, TopPNucleusLargerThanTheFirstSortedPrefix) {
  // The sampler sorts a growing prefix (64, 256, ...) instead of the whole vocabulary: a nucleus of ~115 tokens
  // needs the second round. Probabilities fall geometrically (ratio e^-0.02) over 3000 tokens whose ids are
  // shuffled; the nucleus for top_p = 0.9 is the smallest prefix (by probability) with mass >= 0.9, computed
  // here by a full sort. Every sample must lie in it, and in 25000 samples every nucleus token shows up.
  const int n = 3000;
  std::vector<int32_t> id_of(n);
  for (int i = 0; i < n; ++i) id_of[static_cast<size_t>(i)] = (i * 1237) % n;  // 1237 is prime to 3000
  std::vector<float> base(n);
  for (int i = 0; i < n; ++i) base[static_cast<size_t>(id_of[static_cast<size_t>(i)])] = -0.02f * static_cast<float>(i);
  std::vector<double> prob(n);
  double z = 0;
  for (int i = 0; i < n; ++i) z += prob[static_cast<size_t>(i)] = std::exp(static_cast<double>(base[static_cast<size_t>(i)]));
  std::vector<int32_t> order(n);
  for (int i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return prob[static_cast<size_t>(a)] > prob[static_cast<size_t>(b)]; });
  std::set<int32_t> nucleus;
  double cum = 0;
  for (int32_t id : order) {
    nucleus.insert(id);
    cum += prob[static_cast<size_t>(id)] / z;
    if (cum >= 0.9) break;
  }
  ASSERT_GT(nucleus.size(), 64u);
  ASSERT_LT(nucleus.size(), 256u);
  Sampler s(at_t1(0.9f, 0.f, 7));
  std::set<int32_t> seen;
  for (int i = 0; i < 25000; ++i) {
    std::vector<float> l = base;
    const int32_t t = s.sample(l);
    ASSERT_TRUE(nucleus.count(t)) << "token " << t << " is outside the nucleus";
    seen.insert(t);
  }
  EXPECT_EQ(seen, nucleus);
}

TEST(Sampler, MinPDropsUnlikelyTokens) {
  Sampler s(at_t1(1.f, 0.5f));  // keeps p >= 0.5 * pmax: logits 3.0, 2.9, 2.0 (e^-1 = 0.37 < 0.5 drops 2.0)
  for (int i = 0; i < 300; ++i) {
    auto l = logits();
    const int32_t t = s.sample(l);
    EXPECT_TRUE(t == 1 || t == 4) << t;
  }
}

TEST(Sampler, SameSeedSameSequence) {
  const SamplingParams p = at_t1(1.f, 0.f, 123);
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

// Issue #20: the hover shows the sampled token's own probability and rank beside the candidates.
TEST(Sampler, LastRankOfAnyToken) {
  SamplingParams p;
  p.temperature = 1;
  Sampler s(p);
  std::vector<float> l = {0.f, std::log(4.f), std::log(2.f), std::log(1.f), std::log(3.f)};  // probs 1:4:2:1:3 /11 (id 0 too)
  s.sample(l);
  const auto [p1, r1] = s.last_rank(1);
  EXPECT_NEAR(p1, 4.0 / 11.0, 1e-6);
  EXPECT_EQ(r1, 1);
  EXPECT_EQ(s.last_rank(4).second, 2);
  EXPECT_EQ(s.last_rank(2).second, 3);
  EXPECT_EQ(s.last_rank(0).second, 4);  // ties (ids 0 and 3, 1/11 each) rank by id, as last_top orders them
  EXPECT_EQ(s.last_rank(3).second, 5);
  EXPECT_EQ(s.last_rank(99).second, 0);
  const auto top = s.last_top(5);
  for (size_t i = 0; i < top.size(); ++i) EXPECT_EQ(s.last_rank(top[i].first).second, static_cast<int>(i) + 1);
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
