// The device backend's host-side bookkeeping (PassPlanner, engine/cuda/cuda_hogwild.h) against HogwildAttention:
// runs on the CPU (label "engine"), no device needed. For every layout, W, multi-token left-padded passes, prefill
// passes and merges, the plan's locations (entry_pos − len + t) equal HogwildAttention::location() for every
// (block, row, slot), the planned lengths equal the CPU cache's lengths after the pass, and the errors agree.
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "common/error.h"
#include "cpu/rope.h"
#include "cuda/cuda_hogwild.h"
#include "hogwild/hogwild_attention.h"

using namespace hogwild;

namespace {

constexpr int kLayers = 1, kHeads = 2, kKv = 1, kHd = 8;

class PlannerCheck {
 public:
  PlannerCheck(LayoutKind kind, int W, int64_t max_context)
      : layout_(kind, W), cpu_(kLayers, kKv, kHeads, kHd, Rope(kHd, kHd, 10000.0, RopeStyle::NeoX), layout_, W, max_context),
        planner_(layout_, max_context) {}

  void prefill(int block, int n) {
    cpu_.set_prefill(block);
    planner_.set_prefill(block);
    pass({n});
  }
  void workers(const std::vector<int>& counts) {
    cpu_.set_worker_pass();
    planner_.set_worker_pass();
    pass(counts);
  }
  void merge(int w, int64_t n) { cpu_.merge_step(w, n); }
  HogwildAttention& cpu() { return cpu_; }
  PassPlanner& planner() { return planner_; }
  const Layout& layout() const { return layout_; }

  void pass(const std::vector<int>& counts) {
    std::vector<std::vector<int32_t>> rows;
    for (int n : counts) rows.emplace_back(static_cast<size_t>(n), 3);
    const ForwardBatch b = ForwardBatch::from_rows(rows);
    const cuda::PassPlan p = planner_.plan(b, cpu_.block_lengths(), true);
    const int L = b.len, R = b.rows;
    cpu_.begin_pass(b);
    std::vector<float> q(static_cast<size_t>(R) * L * kHeads * kHd, 0.5f), k(static_cast<size_t>(R) * L * kKv * kHd, 0.25f);
    std::vector<float> v = k, out(q.size());
    cpu_.attend(0, q.data(), k.data(), v.data(), out.data());
    cpu_.end_pass();
    ASSERT_EQ(p.rows, R);
    ASSERT_EQ(p.len, L);
    for (int X = 0; X < layout_.num_blocks(); ++X) ASSERT_EQ(p.new_len[X], cpu_.block_length(X)) << layout_.block(X).name;
    for (int r = 0; r < R; ++r) {
      ASSERT_EQ(p.n_real[r], counts[static_cast<size_t>(r)]);
      for (int X = 0; X < layout_.num_blocks(); ++X)
        for (int t = 0; t < L; ++t) {
          const int e = p.entry_of[r][X];
          const int64_t loc = e < 0 ? -L + t : p.entry_pos[e] - L + t;
          ASSERT_EQ(loc, cpu_.location(X, r, t)) << "block " << layout_.block(X).name << " row " << r << " slot " << t;
          if (e >= 0) {
            ASSERT_EQ(p.entry_block[e], X);
          }
        }
    }
    ++passes_;
  }

 private:
  Layout layout_;
  HogwildAttention cpu_;
  PassPlanner planner_;
  int passes_ = 0;
};

class PlannerTest : public ::testing::TestWithParam<std::tuple<LayoutKind, int>> {};

TEST_P(PlannerTest, LocationsAndLengthsMatchHogwildAttention) {
  const auto [kind, W] = GetParam();
  PlannerCheck c(kind, W, 1 << 20);
  const Layout& lay = c.layout();
  c.prefill(lay.first_block(), 17);
  c.prefill(lay.first_block(), 5);
  for (const auto& b : lay.blocks())
    if (b.constant) c.prefill(lay.find_block(b.role, b.owner), 2 + (b.owner + 1));
  std::mt19937 rng(W * 31 + static_cast<int>(kind));
  for (int p = 0; p < 10; ++p) {
    std::vector<int> counts(static_cast<size_t>(W));
    for (auto& n : counts) n = 1 + static_cast<int>(rng() % 4);
    c.workers(counts);
    if (lay.has_steps() && p % 3 == 2) {
      const int w = static_cast<int>(rng() % W);
      const int64_t len = c.cpu().block_length(lay.own_block(w));
      c.merge(w, len > 0 ? len - static_cast<int64_t>(rng() % 2) : 0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, PlannerTest,
                         ::testing::Combine(::testing::Values(LayoutKind::Contiguous, LayoutKind::Interleaved, LayoutKind::Combined),
                                            ::testing::Values(1, 2, 3, 4, 8)));

TEST(PassPlanner, SameErrorsAsHogwildAttention) {
  const Layout lay(LayoutKind::Combined, 2);
  PassPlanner p(lay, 10);
  std::vector<int64_t> lengths(static_cast<size_t>(lay.num_blocks()), 0);
  lengths[0] = 9;
  // Context full: worker 1's view would reach 9 + 2 = 11 tokens (it sees the other worker's new token too).
  EXPECT_THROW(p.plan(ForwardBatch::from_rows({{1}, {1}}), lengths, false), ConfigError);
  try {
    p.plan(ForwardBatch::from_rows({{1}, {1}}), lengths, false);
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("context full: worker 1's view would reach 11 ", 0), 0u) << e.what();
  }
  EXPECT_THROW(p.plan(ForwardBatch::from_rows({{1}}), lengths, false), ConfigError);  // W rows needed
  p.set_prefill(0);
  EXPECT_THROW(p.plan(ForwardBatch::from_rows({{1, 2}}), lengths, false), ConfigError);  // block 'common' would reach 11
  ForwardBatch bad = ForwardBatch::from_rows({{1, 2}});
  bad.tokens = {1, ForwardBatch::kPad};  // right padding
  EXPECT_THROW(p.plan(bad, lengths, false), ConfigError);
}

}  // namespace
