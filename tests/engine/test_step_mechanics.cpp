// The step mechanics a preset selects (docs/PRESETS.md "Step mechanics"), end to end on stories260K:
//   * merge timing: for next_pass (§12b) and same_pass (§8.4) every worker's logits equal a plain causal forward
//     over its explicitly concatenated view, whose tokens this test rebuilds from the event stream and the rule
//     alone (which tokens a merge moves is computed here, not read from the engine);
//   * the collaboration counter with count_from openers / first_sampled against a re-count of the inputs;
//   * banned exact strings, {bos}/{eos}, ids, and the normalised strings;
//   * BOS: the session's prompt starts with BOS as the model says, or as SessionOptions::bos overrides.
#include <algorithm>
#include <cmath>
#include <variant>

#include <gtest/gtest.h>

#include "common/error.h"
#include "cpu/sequence_cache.h"
#include "cpu/transformer.h"
#include "fixtures.h"
#include "stories_bundle.h"
#include "generation/generator.h"
#include "generation/model_bundle.h"
#include "hogwild/preset_library.h"
#include "hogwild/prompt_builder.h"
#include "hogwild/session.h"

using namespace hogwild;
using hogwild::test::fixture;

namespace {

ModelBundle& stories() {
  return hogwild::test::stories260k();
}

Preset tiny_preset() {
  Preset p = load_preset(find_preset("tiny-stories"));
  // Non-empty header blocks, so that a view has every kind of block.
  p.headers.others = "Others:\n";
  p.headers.own = "Me:\n";
  p.statistics.enabled = false;
  // Long runs with many short steps: no stop at the end of a story, and a step ends at every sentence (the
  // separator " " after a sentence mark: the space that starts the next word).
  p.stop.on_eos = false;
  p.banned.eos = true;
  p.step.separator = " ";
  return p;
}

// Keeps the token, step and question events of the calls since the last clear() (statistics are not needed).
struct EventLog : EventObserver {
  std::vector<EngineEvent> events;
  void on_event(const EngineEvent& e) override {
    if (!std::holds_alternative<StatsEvent>(e)) events.push_back(e);
  }
};

using Ids = std::vector<int32_t>;

SessionOptions two_threads() {
  SessionOptions o;
  o.threads = 2;
  return o;
}

void append(Ids& to, const Ids& from) { to.insert(to.end(), from.begin(), from.end()); }

}  // namespace

// Which tokens a merge moves, computed from the rule and the event stream alone: after every pass the common block
// and each worker's own block hold exactly as many tokens as this bookkeeping says.
class MergeTiming : public ::testing::TestWithParam<std::tuple<StepMerge, int>> {};

TEST_P(MergeTiming, BlocksHoldWhatTheRuleMoves) {
  const auto [merge, W] = GetParam();
  ModelBundle& b = stories();
  Preset p = tiny_preset();
  p.workers = W;
  p.step.merge = merge;
  p.budget.max_passes = 150;
  HogwildSession s(b.model, *b.tokenizer, p, "", two_threads());
  EventLog log;
  s.set_observer(&log);
  s.prefill();
  const Layout& layout = s.cache().layout();
  size_t common = s.prompt_ids().size();
  std::vector<size_t> own(static_cast<size_t>(W), 0), input(static_cast<size_t>(W), 0);
  for (const auto& e : log.events)
    if (const auto* t = std::get_if<TokenEvent>(&e)) ++input[static_cast<size_t>(t->worker)];

  int merges = 0;
  for (int pass = 0; pass < p.budget.max_passes && !s.finished(); ++pass) {
    log.events.clear();
    const int64_t passes = s.passes();
    s.step();
    if (s.passes() == passes) break;  // the context is full: the pass did not run
    // The pass wrote every input into its worker's own block.
    std::vector<size_t> before = own;
    for (int w = 0; w < W; ++w) own[static_cast<size_t>(w)] += input[static_cast<size_t>(w)];
    std::vector<size_t> next(static_cast<size_t>(W), 0);
    for (const auto& e : log.events) {
      if (const auto* f = std::get_if<StepFinishedEvent>(&e)) {
        size_t& o = own[static_cast<size_t>(f->worker)];
        // next_pass: the step ended last pass; its boundary token was this pass's first input and closes the
        // merged head (§12b). same_pass: the step ended in this pass; everything that has K/V goes, the boundary
        // token (just sampled, no K/V yet) will start the next step (§8.4).
        const size_t moved = merge == StepMerge::NextPass ? before[static_cast<size_t>(f->worker)] + 1 : o;
        ASSERT_LE(moved, o);
        common += moved;
        o -= moved;
        EXPECT_EQ(f->history_tokens, static_cast<int64_t>(common)) << "pass " << pass;
        EXPECT_EQ(f->pass, pass);
        ++merges;
      } else if (const auto* t = std::get_if<TokenEvent>(&e)) {
        size_t& n = next[static_cast<size_t>(t->worker)];
        n = t->inserted ? n + 1 : 1;  // the sampled token, then the next step's prefix
      }
    }
    EXPECT_EQ(s.cache().block_length(layout.first_block()), static_cast<int64_t>(common)) << "pass " << pass;
    for (int w = 0; w < W; ++w)
      EXPECT_EQ(s.cache().block_length(layout.own_block(w)), static_cast<int64_t>(own[static_cast<size_t>(w)]))
          << "pass " << pass << ", worker " << w;
    input = next;
  }
  EXPECT_GE(merges, 8) << "steps end at every sentence";
}

INSTANTIATE_TEST_SUITE_P(Mechanics, MergeTiming,
                         ::testing::Combine(::testing::Values(StepMerge::NextPass, StepMerge::SamePass),
                                            ::testing::Values(2, 3)));

// One worker with empty header blocks: its view is everything it was fed, in order, so under either merge timing
// its logits equal plain causal decoding of the same inputs (the Oracle 2 argument, with step prefixes and merges).
class MergeTimingOneWorker : public ::testing::TestWithParam<StepMerge> {};

TEST_P(MergeTimingOneWorker, LogitsEqualPlainDecodingOfTheSameInputs) {
  ModelBundle& b = stories();
  const ModelConfig& c = b.model.config;
  Preset p = tiny_preset();
  p.workers = 1;
  p.headers = {"", "", ""};
  p.step.merge = GetParam();
  p.budget.max_passes = 300;
  HogwildSession s(b.model, *b.tokenizer, p, "", two_threads());
  EventLog log;
  s.set_observer(&log);
  s.prefill();
  cpu::Transformer tf(b.model, 2);
  cpu::SequenceCache cache(c, 1, c.context_length, &tf.pool());
  std::vector<float> ref(static_cast<size_t>(c.vocab_size));
  tf.forward(ForwardBatch::from_rows({s.prompt_ids()}), cache, nullptr);
  Ids input;
  for (const auto& e : log.events)
    if (const auto* t = std::get_if<TokenEvent>(&e)) input.push_back(t->token);
  int merges = 0;
  float worst = 0;
  for (int pass = 0; pass < p.budget.max_passes && !s.finished(); ++pass) {
    tf.forward(ForwardBatch::from_rows({input}), cache, ref.data());
    log.events.clear();
    s.step();
    float diff = 0, scale = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      diff = std::max(diff, std::abs(s.last_logits()[i] - ref[i]));
      scale = std::max(scale, std::abs(ref[i]));
    }
    worst = std::max(worst, diff / scale);
    ASSERT_LT(diff / scale, 1e-5f) << "pass " << pass;
    input.clear();
    for (const auto& e : log.events) {
      if (const auto* t = std::get_if<TokenEvent>(&e)) input.push_back(t->token);
      merges += std::holds_alternative<StepFinishedEvent>(e);
    }
  }
  EXPECT_GE(merges, 5);
  RecordProperty("worst_relative_error", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(Mechanics, MergeTimingOneWorker, ::testing::Values(StepMerge::NextPass, StepMerge::SamePass));

TEST(StepMechanics, SamePassHistoryKeepsTheSeparatorInTextOnly) {
  // Text-level history is the same under both timings (each step ends with its separator); only where the
  // boundary token's K/V lives differs. A same_pass run reports each merge in the pass whose token ended it.
  ModelBundle& b = stories();
  Preset p = tiny_preset();
  p.step.merge = StepMerge::SamePass;
  p.budget.max_passes = 150;
  HogwildSession s(b.model, *b.tokenizer, p, "", two_threads());
  EventLog log;
  s.set_observer(&log);
  while (s.step()) {
  }
  std::string history;
  const TokenEvent* last_sampled = nullptr;
  for (const auto& e : log.events) {
    if (const auto* t = std::get_if<TokenEvent>(&e); t && !t->inserted) last_sampled = t;
    if (const auto* f = std::get_if<StepFinishedEvent>(&e)) {
      ASSERT_NE(last_sampled, nullptr);
      EXPECT_EQ(f->worker, last_sampled->worker);
      EXPECT_EQ(f->pass, last_sampled->pass) << "merged in the pass of its boundary token";
      // The text of the step ends with its boundary token (" She": the separator " " after a sentence).
      ASSERT_GE(f->text.size(), last_sampled->text.size());
      EXPECT_EQ(f->text.substr(f->text.size() - last_sampled->text.size()), last_sampled->text);
      history += f->text;
    }
  }
  EXPECT_FALSE(history.empty());
  EXPECT_EQ(history, s.history());
}

class CountFrom : public ::testing::TestWithParam<CollabCountFrom> {};

TEST_P(CountFrom, QuestionsComeWhenTheRecountedInputsSaySo) {
  // §8.5 re-counted from the event stream: after each pass, walking the workers in order, a worker that starts a
  // step gets the question iff the counter > interval (then it restarts), and the counter adds the worker's input
  // tokens. count_from decides whether the openers' tokens are counted before the first pass.
  ModelBundle& b = stories();
  Preset p = tiny_preset();
  p.collaboration.question = "Was that new? ";
  p.collaboration.interval = 9;
  p.collaboration.count_from = GetParam();
  p.budget.max_passes = 200;
  HogwildSession s(b.model, *b.tokenizer, p, "", two_threads());
  EventLog log;
  s.set_observer(&log);
  s.prefill();
  int64_t counter = 0;
  for (const auto& e : log.events)
    if (std::holds_alternative<TokenEvent>(e) && GetParam() == CollabCountFrom::Openers) ++counter;
  int questions = 0;
  for (int pass = 0; pass < p.budget.max_passes; ++pass) {
    log.events.clear();
    if (!s.step()) break;
    std::vector<int64_t> inputs(2, 0);
    std::vector<bool> step_start(2, false), asked(2, false);
    for (const auto& e : log.events) {
      if (const auto* t = std::get_if<TokenEvent>(&e)) {
        ++inputs[static_cast<size_t>(t->worker)];
        if (t->inserted) step_start[static_cast<size_t>(t->worker)] = true;
      } else if (const auto* q = std::get_if<CollabQuestionEvent>(&e)) {
        asked[static_cast<size_t>(q->worker)] = true;
      }
    }
    for (int w = 0; w < 2; ++w) {
      bool due = false;
      if (step_start[static_cast<size_t>(w)] && counter > p.collaboration.interval) {
        due = true;
        counter = 0;
      }
      EXPECT_EQ(asked[static_cast<size_t>(w)], due) << "pass " << pass << ", worker " << w;
      questions += due;
      counter += inputs[static_cast<size_t>(w)];
    }
  }
  EXPECT_GE(questions, 2);
}

INSTANTIATE_TEST_SUITE_P(Mechanics, CountFrom, ::testing::Values(CollabCountFrom::Openers, CollabCountFrom::FirstSampled));

TEST(StepMechanics, CountFromDecidesWhetherTheOpenersCount) {
  // Long openers that end a sentence (so steps end soon) and an interval one below their token count: counted,
  // the first step start gets the question; not counted, the few passes of the budget never reach the interval.
  ModelBundle& b = stories();
  Preset p = tiny_preset();
  p.step.openers = {"{prefix}Once upon a time, there was a little girl named Lily. She loved to play in the park."};
  p.collaboration.question = "Was that new? ";
  p.budget.max_passes = 12;
  int64_t opener_tokens = 0;
  for (int w = 0; w < 2; ++w)
    opener_tokens += static_cast<int64_t>(b.tokenizer->encode_continuation(worker_opener(p, w)).size());
  p.collaboration.interval = opener_tokens - 1;
  auto questions = [&](CollabCountFrom from, int64_t* first_step_start) {
    p.collaboration.count_from = from;
    HogwildSession s(b.model, *b.tokenizer, p, "", two_threads());
    EventLog log;
    s.set_observer(&log);
    while (s.step()) {
    }
    std::vector<int64_t> asked;
    *first_step_start = -1;
    for (const auto& e : log.events) {
      if (const auto* q = std::get_if<CollabQuestionEvent>(&e)) asked.push_back(q->pass);
      if (const auto* f = std::get_if<StepFinishedEvent>(&e); f && *first_step_start < 0) *first_step_start = f->pass;
    }
    return asked;
  };
  int64_t first_step = -1;
  const auto counted = questions(CollabCountFrom::Openers, &first_step);
  ASSERT_GE(first_step, 0) << "a step must end within the budget for this test to say anything";
  ASSERT_FALSE(counted.empty());
  EXPECT_LE(counted.front(), first_step + 1);  // at the first step start (next_pass: reported one pass later)
  EXPECT_TRUE(questions(CollabCountFrom::FirstSampled, &first_step).empty());
}

TEST(StepMechanics, BannedExactStringsIdsAndNormalisedStrings) {
  ModelBundle& b = stories();
  const Tokenizer& tok = *b.tokenizer;
  int32_t he = -1, space_he = -1;
  for (int32_t id = 0; id < tok.vocab_size(); ++id) {
    if (tok.piece(id) == "he") he = id;
    if (tok.piece(id) == "\xE2\x96\x81he") space_he = id;  // "▁he"
  }
  ASSERT_GE(he, 0);
  ASSERT_GE(space_he, 0);
  Preset p = tiny_preset();
  p.banned.eos = false;
  auto banned = [&](const Preset& pr) { return HogwildSession(b.model, tok, pr, "", two_threads()).banned_ids(); };
  const int32_t bos = tok.bos_id(), eos = tok.eos_id();

  p.banned.exact = {"he"};
  EXPECT_EQ(banned(p), (Ids{bos, he}));  // exactly "he", not " he"; BOS always
  p.banned.exact = {"{eos}", "{bos}", "no such token"};
  EXPECT_EQ(banned(p), (Ids{bos, eos}));
  p.banned.exact = {"</s>"};  // a control token by its literal text
  EXPECT_EQ(banned(p), (Ids{bos, eos}));
  p.banned.exact.clear();
  p.banned.ids = {7, 300};
  EXPECT_EQ(banned(p), (Ids{bos, 7, 300}));
  p.banned.ids.clear();
  p.banned.strings = {"he"};  // normalised: every token that is "he" after leading spaces
  Ids both = {bos, he, space_he};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(banned(p), both);

  p.banned.strings.clear();
  p.banned.ids = {tok.vocab_size()};
  try {
    HogwildSession s(b.model, tok, p, "", two_threads());
    ADD_FAILURE() << "an id outside the vocabulary must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("banned.ids[0] is 512, outside the vocabulary (512 tokens)"), std::string::npos)
        << e.what();
  }
}

TEST(StepMechanics, SessionPromptBosAsTheModelSaysOrOverridden) {
  ModelBundle& b = stories();  // llama2.c: prompts start with BOS
  Preset p = load_preset(find_preset("raw"));
  auto prompt_ids = [&](std::optional<bool> bos) {
    SessionOptions o = two_threads();
    o.bos = bos;
    HogwildSession s(b.model, *b.tokenizer, p, "Once upon a time", o);
    s.prefill();
    return s.prompt_ids();
  };
  const Ids text = b.tokenizer->encode("Once upon a time", false);
  Ids with_bos = {b.tokenizer->bos_id()};
  append(with_bos, text);
  EXPECT_EQ(prompt_ids(std::nullopt), with_bos);
  EXPECT_EQ(prompt_ids(true), with_bos);
  EXPECT_EQ(prompt_ids(false), text);
}
