// HogwildSession end to end on stories260K: Oracle 2 (one raw worker == plain decoding, token for token,
// logits within 1e-5), every layout with 2 and 4 workers runs to its budget, the JSONL event stream
// reconstructs every transcript and the history, same seed -> same run, full context stops cleanly.
#include <chrono>
#include <cmath>
#include <string>
#include <optional>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "cpu/sequence_cache.h"
#include "cpu/transformer.h"
#include "common/error.h"
#include "fixtures.h"
#include "stories_bundle.h"
#include "generation/model_bundle.h"
#include "hogwild/event_json.h"
#include "hogwild/model_fit.h"
#include "hogwild/preset_library.h"
#include "hogwild/session.h"
#include "sampling/sampler.h"

using namespace hogwild;
using hogwild::test::fixture;

namespace {

ModelBundle& stories() {
  return hogwild::test::stories260k();
}

Preset preset(const std::string& name) { return load_preset(find_preset(name)); }

struct Recorder : EventObserver {
  std::vector<std::string> lines;
  void on_event(const EngineEvent& e) override { lines.push_back(event_to_json(e).dump()); }
};

}  // namespace

TEST(Oracle2, OneRawWorkerEqualsPlainDecoding) {
  ModelBundle& b = stories();
  const auto& c = b.model.config;
  Preset p = preset("raw");
  p.workers = 1;
  p.sampling.temperature = 0;
  p.budget.max_passes = 200;
  HogwildSession s(b.model, *b.tokenizer, p, "", SessionOptions{2});

  // Plain reference, step by step: BOS, then greedy.
  cpu::Transformer tf(b.model, 2);
  cpu::SequenceCache cache(c, 1, c.context_length, &tf.pool());
  std::vector<float> ref(static_cast<size_t>(c.vocab_size));
  tf.forward(ForwardBatch::from_rows({{b.tokenizer->bos_id()}}), cache, ref.data());
  int32_t next = argmax(ref);

  s.prefill();
  ASSERT_EQ(s.sampled(0).size(), 1u);
  EXPECT_EQ(s.sampled(0)[0], next);
  float worst = 0;
  for (int pass = 0; pass < 200 && s.step(); ++pass) {
    tf.forward(ForwardBatch::from_rows({{next}}), cache, ref.data());
    const auto& got = s.last_logits();
    // fp32: the two attention paths rotate and sum in different orders (block-local keys + rotated queries vs
    // absolute positions), so compare the logit vectors by relative error in the max norm (|logits| reach ~20,
    // where one fp32 ulp is 2e-6; the absolute difference stays below ~2e-5).
    float diff = 0, scale = 0;
    for (int i = 0; i < c.vocab_size; ++i) {
      diff = std::max(diff, std::abs(got[static_cast<size_t>(i)] - ref[static_cast<size_t>(i)]));
      scale = std::max(scale, std::abs(ref[static_cast<size_t>(i)]));
    }
    worst = std::max(worst, diff / scale);
    next = argmax(ref);
    ASSERT_EQ(s.sampled(0).back(), next) << "pass " << pass;
  }
  EXPECT_LT(worst, 1e-5f);
  // The plain generator agrees on the whole text (the reference run of llama2.c).
  EXPECT_EQ(s.sampled(0).size(), 201u);
}

class LayoutRun : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(LayoutRun, RunsToBudgetAndEventsReconstructTranscripts) {
  const auto [layout, workers] = GetParam();
  ModelBundle& b = stories();
  Preset p = preset("tiny-stories");
  p.workers = workers;
  p.layout = layout == "contiguous" ? PresetLayout::Contiguous : layout == "interleaved" ? PresetLayout::Interleaved : PresetLayout::Combined;
  p.budget.max_passes = 90;
  HogwildSession s(b.model, *b.tokenizer, p, "Once upon a time", SessionOptions{2});
  Recorder rec;
  s.set_observer(&rec);
  while (s.step()) {
  }
  ASSERT_TRUE(s.finished());
  EXPECT_EQ(s.result()->reason, "budget") << s.result()->message;
  EXPECT_EQ(s.passes(), 90);

  // Rebuild everything from the JSONL lines alone.
  std::vector<std::string> transcripts(static_cast<size_t>(workers));
  std::string history;
  int stats_events = 0, finished_events = 0;
  for (const std::string& line : rec.lines) {
    const EngineEvent e = event_from_json(nlohmann::json::parse(line));
    if (const auto* t = std::get_if<TokenEvent>(&e)) {
      transcripts[static_cast<size_t>(t->worker)] += t->text;
      // The sampled token's own probability and rank (through JSON): consistent with the candidates shown.
      if (t->inserted) {
        EXPECT_EQ(t->rank, 0);
      } else {
        ASSERT_GE(t->rank, 1);
        EXPECT_GT(t->prob, 0.f);
        EXPECT_LE(t->prob, 1.f);
        for (size_t i = 0; i < t->top.size(); ++i)
          if (t->top[i].first == t->token) {
            EXPECT_EQ(t->rank, static_cast<int>(i) + 1);
            EXPECT_FLOAT_EQ(t->prob, t->top[i].second);
          }
      }
    }
    if (const auto* f = std::get_if<StepFinishedEvent>(&e)) history += f->text;
    if (const auto* st = std::get_if<StatsEvent>(&e)) {
      ++stats_events;
      for (int w = 0; w < st->workers; ++w)
        for (int l = 0; l < st->layers; ++l)
          for (int h = 0; h < st->heads; ++h) {
            double sum = 0;
            for (size_t f = 0; f < st->block_names.size(); ++f) sum += st->at(w, l, h, static_cast<int>(f));
            ASSERT_NEAR(sum, 1.0, 1e-4);
          }
    }
    finished_events += std::holds_alternative<FinishedEvent>(e);
  }
  EXPECT_EQ(stats_events, 90);
  EXPECT_EQ(finished_events, 1);
  for (int w = 0; w < workers; ++w) {
    EXPECT_EQ(transcripts[static_cast<size_t>(w)], s.transcript(w)) << "worker " << w;
    EXPECT_GT(s.sampled(w).size(), 80u);
    EXPECT_NE(s.transcript(w).find(s.worker_name(w)), std::string::npos);  // the opener carries the name
  }
  EXPECT_EQ(history, s.history());
  if (layout == "contiguous") EXPECT_TRUE(history.empty());
}

INSTANTIATE_TEST_SUITE_P(Layouts, LayoutRun,
                         ::testing::Combine(::testing::Values("combined", "interleaved", "contiguous"), ::testing::Values(2, 4)),
                         [](const auto& info) { return std::get<0>(info.param) + "_W" + std::to_string(std::get<1>(info.param)); });

TEST(Session, SameSeedSameRun) {
  ModelBundle& b = stories();
  Preset p = preset("tiny-stories");
  p.budget.max_passes = 60;
  auto run = [&](uint64_t seed) {
    p.sampling.seed = seed;
    HogwildSession s(b.model, *b.tokenizer, p, "", SessionOptions{2});
    while (s.step()) {
    }
    return s.transcript(0) + "|" + s.transcript(1);
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(Session, StatsWithoutDrillKeepsEverythingElse) {
  // stats_without_drill copies field by field: a field added to StatsEvent and forgotten there shows up here as
  // a difference in the event's JSON.
  ModelBundle& b = stories();
  Preset p = preset("tiny-stories");
  p.budget.max_passes = 6;
  p.statistics.drill_layer = 1;
  HogwildSession s(b.model, *b.tokenizer, p, "Once", SessionOptions{1});
  struct Last : EventObserver {
    std::optional<StatsEvent> stats;
    void on_event(const EngineEvent& e) override {
      if (const auto* st = std::get_if<StatsEvent>(&e)) stats = *st;
    }
  } last;
  s.set_observer(&last);
  while (s.step()) {
  }
  ASSERT_TRUE(last.stats && !last.stats->drill.empty());
  StatsEvent cleared = *last.stats;
  cleared.drill.clear();
  const StatsEvent stripped = stats_without_drill(*last.stats);
  EXPECT_TRUE(stripped.drill.empty());
  EXPECT_EQ(event_to_json(stripped).dump(), event_to_json(cleared).dump());
  EXPECT_GT(stripped.mass.size(), 0u);
}

TEST(Session, StepsMergeIntoHistoryInOrder) {
  ModelBundle& b = stories();
  Preset p = preset("tiny-stories");
  p.budget.max_passes = 300;
  HogwildSession s(b.model, *b.tokenizer, p, "", SessionOptions{2});
  Recorder rec;
  s.set_observer(&rec);
  while (s.step()) {
  }
  // Every finished step starts with its worker's prefix and ends with the separator.
  int steps = 0;
  for (const auto& line : rec.lines) {
    const EngineEvent e = event_from_json(nlohmann::json::parse(line));
    if (const auto* f = std::get_if<StepFinishedEvent>(&e)) {
      ++steps;
      EXPECT_EQ(f->text.rfind(s.worker_name(f->worker) + ":", 0), 0u) << f->text;
      EXPECT_EQ(f->text.back(), '\n');
    }
  }
  EXPECT_GT(steps, 0) << "the TinyStories preset ends steps at a newline after a sentence";
}

TEST(Session, FullContextStopsWithAClearReason) {
  ModelBundle& b = stories();  // llama2.c header: context 512
  Preset p = preset("tiny-stories");
  p.workers = 4;
  p.budget.max_passes = 100000;
  HogwildSession s(b.model, *b.tokenizer, p, "Once upon a time", SessionOptions{2});
  while (s.step()) {
  }
  ASSERT_TRUE(s.finished());
  EXPECT_EQ(s.result()->reason, "context");
  EXPECT_NE(s.result()->message.find("context full"), std::string::npos) << s.result()->message;
  for (int w = 0; w < 4; ++w) EXPECT_LE(s.cache().view_length(w), b.model.config.context_length);
}

// Issue #20, defect 3: an interleaved 4-worker run showed "view 549 / 512": a step merge grows every other
// worker's view (common + its own step) without a pass, so the views passed the context between passes. For
// every layout and W, run to the context edge: after every pass no view exceeds the context, the run ends on
// "context", and the last statistics' block lengths describe views within the context too. Both merge timings:
// the step merges next pass (§12b) or in the pass that ended it (the official code's).
class ContextEdge : public ::testing::TestWithParam<std::tuple<std::string, int, StepMerge>> {};

TEST_P(ContextEdge, NoViewEverPassesTheContext) {
  const auto [layout, workers, merge] = GetParam();
  ModelBundle& b = stories();  // context 512
  const int64_t ctx = b.model.config.context_length;
  Preset p = preset("tiny-stories");
  p.workers = workers;
  p.layout = layout == "contiguous" ? PresetLayout::Contiguous : layout == "interleaved" ? PresetLayout::Interleaved : PresetLayout::Combined;
  p.step.merge = merge;
  p.budget.max_passes = 100000;
  p.stop.on_eos = false;  // run until the context is full
  HogwildSession s(b.model, *b.tokenizer, p, "Once upon a time", SessionOptions{2});
  struct LastStats : EventObserver {
    std::optional<StatsEvent> last;
    int merges = 0;
    void on_event(const EngineEvent& e) override {
      if (const auto* st = std::get_if<StatsEvent>(&e)) last = *st;
      merges += std::holds_alternative<StepFinishedEvent>(e) ? 1 : 0;
    }
  } obs;
  s.set_observer(&obs);
  int64_t longest = 0;
  while (s.step()) {
    for (int w = 0; w < workers; ++w) {
      ASSERT_LE(s.cache().view_length(w), ctx) << "worker " << w << " after pass " << s.passes();
      longest = std::max(longest, s.cache().view_length(w));
    }
  }
  for (int w = 0; w < workers; ++w) ASSERT_LE(s.cache().view_length(w), ctx) << "worker " << w << " at the end";
  ASSERT_TRUE(s.finished());
  EXPECT_EQ(s.result()->reason, "context") << s.result()->message;
  EXPECT_NE(s.result()->message.find("context full"), std::string::npos) << s.result()->message;
  // It stopped AT the edge: the rejected pass or merge would have made a view longer than the context.
  const std::string& m = s.result()->message;
  const size_t at = m.find(" tokens, the model's context is");
  ASSERT_NE(at, std::string::npos) << m;
  const size_t from = m.find_last_of(' ', at - 1) + 1;
  EXPECT_GT(std::stoll(m.substr(from, at - from)), ctx) << m;
  EXPECT_GT(longest, ctx / 2);
  if (layout != "contiguous") EXPECT_GT(obs.merges, 0);
  ASSERT_TRUE(obs.last.has_value());
  const Layout& lay = s.cache().layout();
  for (int w = 0; w < workers; ++w) {
    int64_t n = 0;
    for (int id : lay.view(w)) n += obs.last->block_lengths[static_cast<size_t>(id)];
    EXPECT_LE(n, ctx) << "statistics of the last pass, worker " << w;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryLayoutAndW, ContextEdge,
                         ::testing::Combine(::testing::Values("combined", "interleaved", "contiguous"), ::testing::Values(1, 2, 3, 4, 8),
                                            ::testing::Values(StepMerge::NextPass, StepMerge::SamePass)),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_W" + std::to_string(std::get<1>(info.param)) +
                                  (std::get<2>(info.param) == StepMerge::SamePass ? "_same_pass" : "_next_pass");
                         });

// Issue #20: the preset follows the model, and the context-budget line before Start.
TEST(ModelFit, RecommendedPresetByTemplateAndFamily) {
  ModelConfig c;
  c.context_length = 512;
  c.dim = 64;
  ChatTemplateInfo none, chatml, think, llama3;
  chatml.kind = ChatTemplateKind::ChatML;
  think.kind = ChatTemplateKind::ChatML;
  think.thinking = true;
  llama3.kind = ChatTemplateKind::Llama3;
  EXPECT_EQ(recommended_preset(c, none), "tiny-stories");
  EXPECT_EQ(recommended_preset(stories()), "tiny-stories");
  c.architecture = "llama";
  c.context_length = 8192;
  c.dim = 576;
  EXPECT_EQ(recommended_preset(c, chatml), "smollm2-hogwild");  // SmolLM2-135M-Instruct
  EXPECT_EQ(recommended_preset(c, none), "hogwild-paper");      // a base model
  EXPECT_EQ(recommended_preset(c, llama3), "hogwild-paper");
  c.architecture = "qwen2";
  EXPECT_EQ(recommended_preset(c, chatml), "qwen25-hogwild");   // Qwen2.5-0.5B-Instruct
  EXPECT_EQ(recommended_preset(c, think), "hogwild-paper");     // QwQ, DeepSeek-R1-Distill
  c.architecture = "qwen3";
  EXPECT_EQ(recommended_preset(c, think), "hogwild-paper");
  // Every recommended preset is shipped.
  for (const char* name : {"tiny-stories", "hogwild-paper", "qwen25-hogwild", "smollm2-hogwild"}) EXPECT_NO_THROW(find_preset(name)) << name;
}

TEST(ModelFit, ChatTemplateMismatch) {
  ChatTemplateInfo none, chatml;
  chatml.kind = ChatTemplateKind::ChatML;
  Preset p = preset("tiny-stories");  // "none"
  EXPECT_EQ(chat_template_mismatch(p, none), "");
  EXPECT_NE(chat_template_mismatch(p, chatml).find("uses no chat template"), std::string::npos);
  p.chat_template = ChatTemplateKind::Auto;
  EXPECT_EQ(chat_template_mismatch(p, chatml), "");
  EXPECT_EQ(chat_template_mismatch(p, none), "");
  p.chat_template = ChatTemplateKind::Llama3;
  EXPECT_NE(chat_template_mismatch(p, chatml).find("Llama 3, but the model's template is ChatML"), std::string::npos);
  EXPECT_NE(chat_template_mismatch(p, none).find("has no chat template"), std::string::npos);
}

TEST(ModelFit, ContextBudgetPredictsWhereARunStops) {
  ModelBundle& b = stories();
  for (int W : {2, 4}) {
    Preset p = preset("tiny-stories");
    p.workers = W;
    p.budget.max_passes = 100000;
    p.stop.on_eos = false;
    const ContextBudget est = estimate_context_budget(b, p, "Once upon a time");
    EXPECT_EQ(est.context, 512);
    HogwildSession s(b.model, *b.tokenizer, p, "Once upon a time", SessionOptions{2});
    s.prefill();
    EXPECT_EQ(est.prompt_tokens, static_cast<int64_t>(s.prompt_ids().size()));
    while (s.step()) {
    }
    ASSERT_EQ(s.result()->reason, "context");
    // The estimate leaves out step prefixes: the run stops somewhat before it, never after.
    EXPECT_LE(s.passes(), est.passes_fit + 1) << "W=" << W;
    EXPECT_GE(s.passes(), est.passes_fit * 6 / 10) << "W=" << W;
  }
}

// Issue #20 (defect 9): the run's tok/s (FinishedEvent.seconds) counts the passes, not the finisher's decoding.
TEST(Session, FinisherTimeIsNotInTheRunsSeconds) {
  ModelBundle& b = stories();
  Preset p = preset("tiny-stories");
  p.budget.max_passes = 4;
  p.stop.on_eos = false;
  p.finisher.text = "\nThe end. The answer is \\boxed{";
  p.finisher.max_tokens = 300;
  HogwildSession s(b.model, *b.tokenizer, p, "Once upon a time", SessionOptions{1});
  const auto t0 = std::chrono::steady_clock::now();
  s.prefill();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.step());
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_FALSE(s.step());  // the last pass, then the finisher
  const auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(s.finished());
  ASSERT_NE(s.result()->message.find("finisher: \""), std::string::npos) << s.result()->message;
  const double before = std::chrono::duration<double>(t1 - t0).count(), last = std::chrono::duration<double>(t2 - t1).count();
  EXPECT_LE(s.result()->seconds, before + 0.5 * last) << "before " << before << " s, last pass + finisher " << last << " s";
  EXPECT_DOUBLE_EQ(s.result()->seconds, s.elapsed_seconds());
}

TEST(Session, PromptLongerThanContextIsRejected) {
  ModelBundle& b = stories();
  Preset p = preset("tiny-stories");
  std::string task;
  for (int i = 0; i < 400; ++i) task += "Lily and Tom went to the park. ";
  HogwildSession s(b.model, *b.tokenizer, p, task, SessionOptions{2});
  EXPECT_THROW(s.prefill(), ConfigError);
}

TEST(Session, StopEndsTheRun) {
  ModelBundle& b = stories();
  HogwildSession s(b.model, *b.tokenizer, preset("tiny-stories"), "", SessionOptions{2});
  s.step();
  s.stop();
  EXPECT_FALSE(s.step());
  EXPECT_EQ(s.result()->reason, "stopped");
  EXPECT_EQ(s.passes(), 1);
}
