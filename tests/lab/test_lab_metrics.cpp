// Run metrics from event streams: redundancy by word n-gram overlap (hand-made traces), the collaboration
// question's yes/no answers, the attention mass on other workers' blocks, the compressed event log.
#include <cmath>
#include <tuple>

#include <gtest/gtest.h>

#include "common/error.h"
#include "lab/event_log.h"
#include "lab/run_metrics.h"

using namespace hogwild;
using namespace hogwild::lab;

namespace {

// A trace from (text, pass, step) pieces.
WorkerTrace trace(const std::vector<std::tuple<std::string, int64_t, int>>& pieces) {
  WorkerTrace t;
  for (const auto& [text, pass, step] : pieces) t.append(text, pass, step);
  return t;
}

TokenEvent token(int worker, const std::string& text, int64_t pass, int step = 1, bool inserted = false) {
  TokenEvent e;
  e.worker = worker;
  e.text = text;
  e.pass = pass;
  e.step = step;
  e.inserted = inserted;
  return e;
}

}  // namespace

TEST(LabMetrics, RedundancyCountsStepsThatRepeatEarlierWorkOfOthers) {
  // Alice writes a sentence at passes 1..4 (step 1). Bob repeats it later (passes 10..13, step 1) and then writes
  // something new (step 2). Alice's step 2 repeats nothing.
  const WorkerTrace alice = trace({{"We add the", 1, 1}, {" two numbers first", 4, 1}, {". Then divide by three", 20, 2}});
  const WorkerTrace bob = trace({{"we ADD the two", 10, 1}, {" numbers first.", 13, 1}, {" Let me check the units now", 30, 2}});
  const Redundancy r = measure_redundancy({alice, bob}, 4, 0.5);
  // Alice step 1: n-grams "we add the two", "add the two numbers", "the two numbers first" end at passes 4, 4, 4;
  // Bob produced them later -> not repeated. Bob's step 1: the same n-grams at passes 10..13 -> all repeated.
  EXPECT_EQ(r.steps[0], 2);
  EXPECT_EQ(r.redundant_steps[0], 0);
  EXPECT_EQ(r.steps[1], 2);
  EXPECT_EQ(r.redundant_steps[1], 1);
  EXPECT_DOUBLE_EQ(r.per_worker[1], 0.5);
  EXPECT_DOUBLE_EQ(r.per_worker[0], 0.0);
  EXPECT_DOUBLE_EQ(r.overall, 0.25);
  EXPECT_GT(r.ngram_share, 0.0);
  // At the same pass nothing is "earlier".
  const Redundancy same = measure_redundancy({trace({{"a b c d", 5, 1}}), trace({{"a b c d", 5, 1}})}, 4);
  EXPECT_EQ(same.redundant_steps[0] + same.redundant_steps[1], 0);
  // Steps shorter than n words are not counted; one worker: undefined.
  const Redundancy shorty = measure_redundancy({trace({{"a b", 1, 1}}), trace({{"a b", 2, 1}})}, 4);
  EXPECT_TRUE(std::isnan(shorty.overall));
  EXPECT_TRUE(std::isnan(measure_redundancy({alice}).overall));
}

TEST(LabMetrics, CollabAnswers) {
  EXPECT_EQ(classify_collab_answer(" no", false), CollabAnswer::Pending);  // may become "not"
  EXPECT_EQ(classify_collab_answer(" no.", false), CollabAnswer::No);
  EXPECT_EQ(classify_collab_answer(" Yes,", false), CollabAnswer::Yes);
  EXPECT_EQ(classify_collab_answer(" **No** ", false), CollabAnswer::No);
  EXPECT_EQ(classify_collab_answer(" not really", false), CollabAnswer::Other);
  EXPECT_EQ(classify_collab_answer(" 42", false), CollabAnswer::Other);
  EXPECT_EQ(classify_collab_answer(" yes", true), CollabAnswer::Yes);
  EXPECT_EQ(classify_collab_answer("  ", true), CollabAnswer::Other);

  MetricsCollector m(2);
  CollabQuestionEvent q;
  q.worker = 1;
  m.add(token(1, "Quick check? ", 3, 2, /*inserted=*/true));
  m.add(q);
  m.add(token(0, " yes", 4));  // another worker's text is not the answer
  m.add(token(1, " Y", 4, 2));
  m.add(token(1, "es", 5, 2));
  m.add(token(1, ",", 6, 2));
  q.worker = 0;
  m.add(q);
  m.add(token(0, " no", 7, 2));
  m.finish();  // the run ended: "no" is complete
  EXPECT_EQ(m.collab_yes(), 1);
  EXPECT_EQ(m.collab_no(), 1);
  EXPECT_EQ(m.collab_other(), 0);
  EXPECT_EQ(m.sampled_tokens()[0], 2);  // inserted tokens are not counted
  EXPECT_EQ(m.sampled_tokens()[1], 3);
  EXPECT_EQ(m.traces()[1].text, " Yes,");
}

TEST(LabMetrics, AttentionOnOthersBlocks) {
  // Two workers, 1 layer, 2 heads, blocks: common (shared), step:0 (owner 0), step:1 (owner 1).
  StatsEvent s;
  s.workers = 2;
  s.layers = 1;
  s.heads = 2;
  s.block_names = {"common", "step:Alice", "step:Bob"};
  s.block_owner = {-1, 0, 1};
  s.block_lengths = {10, 3, 4};
  // mass[w][l][h][f]
  s.mass = {0.5f, 0.2f, 0.3f, /*w0 h1*/ 0.6f, 0.3f, 0.1f,
            /*w1 h0*/ 0.4f, 0.4f, 0.2f, /*w1 h1*/ 0.2f, 0.2f, 0.6f};
  MetricsCollector m(2);
  m.add(s);
  EXPECT_NEAR(m.attention_on_others(0), (0.3 + 0.1) / 2, 1e-6);  // Alice on step:Bob
  EXPECT_NEAR(m.attention_on_others(1), (0.4 + 0.2) / 2, 1e-6);  // Bob on step:Alice
  EXPECT_NEAR(m.attention_on_others(), (0.2 + 0.3) / 2, 1e-6);
  // A single worker has no other blocks: undefined.
  MetricsCollector one(1);
  StatsEvent s1 = s;
  s1.workers = 1;
  s1.block_owner = {-1, 0, -1};
  s1.mass.resize(6);
  one.add(s1);
  EXPECT_TRUE(std::isnan(one.attention_on_others()));
}

TEST(LabEventLog, ThinsStatisticsRemapsStreamsAndRoundTrips) {
  EventLogWriter w(/*stats_every=*/4);
  StatsEvent s;
  s.workers = 1;
  s.layers = 1;
  s.heads = 1;
  s.block_names = {"common"};
  s.block_owner = {-1};
  s.block_lengths = {3};
  s.mass = {0.123456f};
  for (int64_t pass = 0; pass < 7; ++pass) {
    w.add(token(0, "x", pass));
    s.pass = pass;
    w.add(s);
  }
  FinishedEvent f;
  f.reason = "budget";
  f.answer = "7";
  w.add(f);
  w.add(token(0, "y", 7), /*worker=*/3);  // an independent stream's token becomes worker 3
  w.add(s, 3);                               // its statistics are dropped
  const std::string log = w.finish();
  const auto events = parse_event_log(log);
  std::vector<int64_t> stats_passes;
  int tokens = 0;
  for (const auto& e : events) {
    if (const auto* st = std::get_if<StatsEvent>(&e)) {
      stats_passes.push_back(st->pass);
      EXPECT_NEAR(st->mass[0], 0.1235f, 1e-6);  // rounded to 1e-4
    }
    if (const auto* t = std::get_if<TokenEvent>(&e)) {
      ++tokens;
      if (t->text == "y") EXPECT_EQ(t->worker, 3);
    }
  }
  EXPECT_EQ(stats_passes, (std::vector<int64_t>{0, 4, 6}));  // every 4th, plus the newest
  EXPECT_EQ(tokens, 8);
  ASSERT_TRUE(std::holds_alternative<FinishedEvent>(events.back()));  // FinishedEvent last
  EXPECT_EQ(std::get<FinishedEvent>(events.back()).answer, "7");
  const std::string packed = compress_text(log);
  EXPECT_LT(packed.size(), log.size());
  EXPECT_EQ(decompress_text(packed, log.size()), log);
  EXPECT_THROW(decompress_text(packed.substr(0, packed.size() / 2), log.size()), hogwild::Error);
}
