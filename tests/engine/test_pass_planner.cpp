// The one pass planner (backend/pass_planner.h) that both backends use, against an independent brute force: for
// every layout, W = 1, 2, 3, 4, 8, prefill passes, multi-token left-padded worker passes and merges, each row's
// view is built explicitly as the list of its blocks' tokens (block-id and view order from the layout) and every
// location must equal p − S, where p is the slot's index in that list and S the index of the block's first token;
// the visible prefix, the lengths after the pass and the view lengths follow from the same list. Errors: a full
// context (any worker's view, or the prefilled block), wrong row counts, right padding.
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "backend/pass_planner.h"
#include "common/error.h"

using namespace hogwild;

namespace {

ForwardBatch batch_of(const std::vector<int>& counts) {
  std::vector<std::vector<int32_t>> rows;
  for (int n : counts) rows.emplace_back(static_cast<size_t>(n), 3);
  return ForwardBatch::from_rows(rows);
}

// The brute-force side: block lengths and explicit views.
class ExplicitViews {
 public:
  ExplicitViews(const Layout& layout) : layout_(layout), len_(static_cast<size_t>(layout.num_blocks()), 0) {}
  std::vector<int64_t>& lengths() { return len_; }

  void check(const PassPlanner& planner, const PassTarget& target, const std::vector<int>& counts) {
    const ForwardBatch b = batch_of(counts);
    const PassPlan p = planner.plan(target, b, len_);
    const int L = b.len, R = b.rows, F = layout_.num_blocks();
    std::vector<int64_t> after = len_;
    for (int r = 0; r < R; ++r) after[static_cast<size_t>(target.worker_pass() ? layout_.own_block(r) : target.prefill_block)] += counts[static_cast<size_t>(r)];
    ASSERT_EQ(p.rows, R);
    ASSERT_EQ(p.len, L);
    ASSERT_EQ(p.old_len, len_);
    ASSERT_EQ(p.new_len, after);
    for (int r = 0; r < R; ++r) {
      ASSERT_EQ(p.n_real[static_cast<size_t>(r)], counts[static_cast<size_t>(r)]);
      // The row's view as an explicit token list: (block, j) in view order.
      const std::vector<int> view = target.worker_pass() ? layout_.view(r) : std::vector<int>{target.prefill_block};
      std::vector<std::pair<int, int64_t>> tokens;
      for (int X : view)
        for (int64_t j = 0; j < after[static_cast<size_t>(X)]; ++j) tokens.emplace_back(X, j);
      ASSERT_EQ(p.view_len[static_cast<size_t>(r)], static_cast<int64_t>(tokens.size()));
      for (int X = 0; X < F; ++X) {
        const int e = p.entry(r, X);
        const bool in_view = std::find(view.begin(), view.end(), X) != view.end();
        ASSERT_EQ(e >= 0, in_view) << layout_.block(X).name;
        if (e < 0) continue;
        ASSERT_EQ(p.entry_block[static_cast<size_t>(e)], X);
        int64_t S = 0;  // index of the block's first token in the list (the block may be empty)
        for (int Y : view) {
          if (Y == X) break;
          S += after[static_cast<size_t>(Y)];
        }
        ASSERT_EQ(p.entry_offset[static_cast<size_t>(e)], S);
        for (int t = L - counts[static_cast<size_t>(r)]; t < L; ++t) {
          const int64_t pos = static_cast<int64_t>(tokens.size()) - L + t;  // the slot's own token in the list
          ASSERT_EQ(p.location(e, t), pos - S) << layout_.block(X).name << " row " << r << " slot " << t;
          int64_t visible = 0;
          for (int64_t i = 0; i <= pos; ++i) visible += tokens[static_cast<size_t>(i)].first == X;
          ASSERT_EQ(p.visible(e, t), visible) << layout_.block(X).name << " row " << r << " slot " << t;
        }
      }
    }
    len_ = after;
  }
  void merge(int w, int64_t n) {
    len_[static_cast<size_t>(layout_.first_block())] += n;
    len_[static_cast<size_t>(layout_.own_block(w))] -= n;
  }

 private:
  Layout layout_;
  std::vector<int64_t> len_;
};

class PlannerTest : public ::testing::TestWithParam<std::tuple<LayoutKind, int>> {};

TEST_P(PlannerTest, LocationsLengthsAndVisibilityEqualTheExplicitViews) {
  const auto [kind, W] = GetParam();
  const Layout lay(kind, W);
  const PassPlanner planner(lay, 1 << 20);
  ExplicitViews m(lay);
  m.check(planner, PassTarget::prefill(lay.first_block()), {17});
  m.check(planner, PassTarget::prefill(lay.first_block()), {5});
  for (const auto& b : lay.blocks())
    if (b.constant) m.check(planner, PassTarget::prefill(lay.find_block(b.role, b.owner)), {2 + (b.owner + 1)});
  std::mt19937 rng(static_cast<unsigned>(W * 31 + static_cast<int>(kind)));
  for (int p = 0; p < 12; ++p) {
    std::vector<int> counts(static_cast<size_t>(W));
    for (auto& n : counts) n = 1 + static_cast<int>(rng() % 4);
    m.check(planner, PassTarget::workers(), counts);
    if (lay.has_steps() && p % 3 == 2) {
      const int w = static_cast<int>(rng() % static_cast<unsigned>(W));
      const int64_t len = m.lengths()[static_cast<size_t>(lay.own_block(w))];
      m.merge(w, len > 0 ? len - static_cast<int64_t>(rng() % 2) : 0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, PlannerTest,
                         ::testing::Combine(::testing::Values(LayoutKind::Contiguous, LayoutKind::Interleaved, LayoutKind::Combined),
                                            ::testing::Values(1, 2, 3, 4, 8)));

TEST(PassPlanner, ContextFullAndMalformedBatches) {
  const Layout lay(LayoutKind::Combined, 2);
  const PassPlanner p(lay, 10);
  std::vector<int64_t> lengths(static_cast<size_t>(lay.num_blocks()), 0);
  lengths[0] = 9;
  // Context full: worker 1's view would reach 9 + 2 = 11 tokens (it sees the other worker's new token too).
  try {
    p.plan(PassTarget::workers(), batch_of({1, 1}), lengths);
    FAIL() << "no context-full error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("context full: worker 1's view would reach 11 ", 0), 0u) << e.what();
    EXPECT_TRUE(is_context_full(e));
  }
  lengths[0] = 8;
  EXPECT_NO_THROW(p.plan(PassTarget::workers(), batch_of({1, 1}), lengths));  // exactly 10
  EXPECT_THROW(p.plan(PassTarget::workers(), batch_of({1}), lengths), ConfigError);                 // W rows needed
  EXPECT_THROW(p.plan(PassTarget::prefill(0), batch_of({1, 1}), lengths), ConfigError);             // 1 row needed
  try {
    p.plan(PassTarget::prefill(0), batch_of({3}), lengths);  // block 'common' (and every view) would reach 11
    FAIL() << "no context-full error";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(is_context_full(e)) << e.what();
  }
  ForwardBatch bad = batch_of({2});
  bad.tokens = {1, ForwardBatch::kPad};  // right padding
  try {
    p.plan(PassTarget::prefill(0), bad, lengths);
    FAIL() << "right padding accepted";
  } catch (const ConfigError& e) {
    EXPECT_FALSE(is_context_full(e));
  }
  EXPECT_THROW(p.plan(PassTarget::prefill(lay.num_blocks()), batch_of({1}), lengths), std::out_of_range);
}

}  // namespace
