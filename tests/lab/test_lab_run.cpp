// Lab runs on stories260K: the forced-answer checkpoint equals a separate run stopped at that budget (and does
// not disturb the run), the written text the forcer searches equals an independent reconstruction from the
// events, the control arms, and the experiment runner with its SQLite store (resume, no run lost or duplicated).
#include <algorithm>
#include <map>
#include <cmath>
#include <set>
#include <tuple>

#include <gtest/gtest.h>

#include "backend/cpu_backend.h"
#include "common/error.h"
#include "fixtures.h"
#include "generation/model_bundle.h"
#include "hogwild/finisher.h"
#include "hogwild/preset_library.h"
#include "lab/experiment_runner.h"
#include "lab/forced_answer.h"
#include "lab/lab_run.h"
#include "lab/report.h"
#include "lab/run_executor.h"
#include "temp_dir.h"

using namespace hogwild;
using namespace hogwild::lab;

namespace {

const ModelBundle& bundle() {
  static ModelBundle b = open_model_bundle(test::fixture("stories260K/stories260K.bin"), test::fixture("stories260K/tok512.model"));
  return b;
}

// The TinyStories preset with a finisher, so that every checkpoint forces an answer with the model.
Preset story_preset(double temperature = 0.8) {
  Preset p = load_preset(find_preset("tiny-stories"));
  p.finisher.text = "\nThe answer is \\boxed{";
  p.finisher.max_tokens = 6;
  p.sampling.temperature = temperature;
  return p;
}

Arm make_arm(const Preset& p, ArmKind kind, int workers) {
  Arm a;
  a.name = std::string(to_string(kind));
  a.kind = kind;
  a.preset = p;
  a.preset.workers = kind == ArmKind::Single ? 1 : workers;
  a.workers = a.preset.workers;
  return a;
}

Problem story_problem() {
  Problem pr;
  pr.id = "p1";
  pr.question = "Once upon a time, there was a little dog";
  pr.answer = "3";
  pr.check.kind = CheckKind::Numeric;
  return pr;
}

RunTask make_task(const Arm& arm, const Problem& pr, std::vector<int64_t> checkpoints, uint64_t seed = 5) {
  RunTask t;
  t.arm = &arm;
  t.problem = &pr;
  t.problem_set = "stories";
  t.seed = seed;
  t.task = pr.question;
  t.checkpoints = std::move(checkpoints);
  t.stats_every = 4;
  return t;
}

// The finisher continuation a session reports in its FinishedEvent message.
std::string finisher_output(const FinishedEvent& f) {
  const size_t at = f.message.find("; finisher: \"");
  return at == std::string::npos ? "(no finisher)" : f.message.substr(at + 13, f.message.size() - at - 14);
}

// Every worker's text written by the session, rebuilt from the events alone: finished steps in merge order
// (StepFinishedEvent), then steps that ended but are not merged yet, then every worker's current step.
class WrittenFromEvents : public EventObserver {
 public:
  explicit WrittenFromEvents(int workers) : step_text_(static_cast<size_t>(workers)), step_no_(static_cast<size_t>(workers), 1),
                                            unmerged_(static_cast<size_t>(workers)) {}
  void on_event(const EngineEvent& e) override {
    if (const auto* t = std::get_if<TokenEvent>(&e)) {
      const size_t w = static_cast<size_t>(t->worker);
      if (t->step != step_no_[w]) {  // the previous step ended with the token before: it waits for its merge
        unmerged_[w].push_back(step_text_[w]);
        step_text_[w].clear();
        step_no_[w] = t->step;
      }
      step_text_[w] += t->text;
    } else if (const auto* f = std::get_if<StepFinishedEvent>(&e)) {
      auto& u = unmerged_[static_cast<size_t>(f->worker)];
      ASSERT_FALSE(u.empty());
      EXPECT_EQ(u.front(), f->text);
      history_ += f->text;
      u.erase(u.begin());
    }
  }
  std::string written() const {
    std::string out = history_;
    for (const auto& u : unmerged_)
      for (const auto& s : u) out += s;
    for (const auto& s : step_text_) out += s;
    return out;
  }

 private:
  std::string history_;
  std::vector<std::string> step_text_;
  std::vector<int> step_no_;
  std::vector<std::vector<std::string>> unmerged_;
};

}  // namespace

TEST(LabForcedAnswer, WrittenTextEqualsTheEventsAtEveryPass) {
  for (PresetLayout layout : {PresetLayout::Combined, PresetLayout::Interleaved, PresetLayout::Contiguous}) {
    Preset p = story_preset();
    p.workers = 3;
    p.layout = layout;
    p.budget.max_passes = 80;
    HogwildSession s(bundle(), p, "Once upon a time");
    WrittenFromEvents rebuilt(3);
    s.set_observer(&rebuilt);
    int step_ends = 0;
    while (s.step()) {
      EXPECT_EQ(written_text(s), rebuilt.written()) << "layout " << to_string(layout) << " pass " << s.passes();
      for (int w = 0; w < 3; ++w) step_ends += s.step_number(w) > 1;
    }
    if (layout != PresetLayout::Contiguous) {
      EXPECT_GT(step_ends, 0) << "the test needs step ends to cover pending merges";
    }
  }
}

TEST(LabForcedAnswer, CheckpointEqualsASeparateRunStoppedAtThatBudget) {
  const Problem pr = story_problem();
  for (double temperature : {0.0, 0.8}) {
    const Arm arm = make_arm(story_preset(temperature), ArmKind::Hogwild, 2);
    const std::vector<int64_t> checkpoints = {1, 7, 16, 23, 40};
    CpuBackend backend(bundle().model, 2);
    AnswerForcer forcer(*bundle().tokenizer, bundle().stop_ids, backend);
    LabRun run(bundle(), forcer, make_task(arm, pr, checkpoints), backend);
    while (run.advance()) {
    }
    const std::vector<int32_t> sampled0 = run.streams()[0]->sampled(0), sampled1 = run.streams()[0]->sampled(1);
    const RunResult r = run.take_result();
    ASSERT_EQ(r.checkpoints.size(), checkpoints.size());
    int finisher_runs = 0;
    for (size_t i = 0; i < checkpoints.size(); ++i) {
      // A separate, ordinary run whose budget is the checkpoint: its own finish() and finisher.
      Preset p = arm.preset;
      p.budget.max_passes = checkpoints[i];
      p.sampling.seed = 5;
      HogwildSession alone(bundle(), p, pr.question);
      while (alone.step()) {
      }
      const FinishedEvent& f = *alone.result();
      const CheckpointResult& c = r.checkpoints[i];
      EXPECT_EQ(c.budget, checkpoints[i]);
      EXPECT_EQ(c.answer, f.answer) << "T=" << temperature << " budget " << checkpoints[i];
      EXPECT_EQ(c.finisher_output, finisher_output(f)) << "T=" << temperature << " budget " << checkpoints[i];
      EXPECT_EQ(c.passes, f.passes);
      EXPECT_EQ(c.tokens, f.tokens);
      finisher_runs += c.finisher_ran;
      EXPECT_FALSE(c.finisher_output.empty());
    }
    EXPECT_EQ(finisher_runs, static_cast<int>(checkpoints.size()));
    // The forced answers did not disturb the run: it sampled what an undisturbed run of the full budget samples.
    Preset p = arm.preset;
    p.budget.max_passes = checkpoints.back();
    p.sampling.seed = 5;
    HogwildSession plain(bundle(), p, pr.question);
    while (plain.step()) {
    }
    EXPECT_EQ(plain.sampled(0), sampled0);
    EXPECT_EQ(plain.sampled(1), sampled1);
  }
}

TEST(LabForcedAnswer, BoxedAnswerInTheWrittenTextWins) {
  // An opener with a \boxed{} answer: the answer is found in the written text, no finisher runs; the same holds
  // for the session's own finish() at the budget.
  Preset p = story_preset();
  p.step.openers = {"{prefix}\\boxed{3} Once upon a time", "{prefix}One day"};
  const Arm arm = make_arm(p, ArmKind::Hogwild, 2);
  const Problem pr = story_problem();
  CpuBackend backend(bundle().model, 2);
  AnswerForcer forcer(*bundle().tokenizer, bundle().stop_ids, backend);
  LabRun run(bundle(), forcer, make_task(arm, pr, {4, 12}), backend);
  while (run.advance()) {
  }
  const RunResult r = run.take_result();
  for (const auto& c : r.checkpoints) {
    EXPECT_EQ(c.answer, "3");
    EXPECT_FALSE(c.finisher_ran);
    EXPECT_TRUE(c.correct);
  }
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.first_correct_passes, 4);
  EXPECT_EQ(r.finish_reason, "budget");
}

TEST(LabRun, ControlArms) {
  const Problem pr = story_problem();
  CpuBackend backend(bundle().model, 2);
  AnswerForcer forcer(*bundle().tokenizer, bundle().stop_ids, backend);
  // single: one worker, the same budget in passes.
  const Arm single = make_arm(story_preset(), ArmKind::Single, 2);
  LabRun s(bundle(), forcer, make_task(single, pr, {8, 24}), backend);
  ASSERT_EQ(s.streams().size(), 1u);
  EXPECT_EQ(s.streams()[0]->workers(), 1);
  while (s.advance()) {
  }
  const RunResult rs = s.take_result();
  EXPECT_EQ(rs.passes, 24);
  ASSERT_EQ(rs.workers.size(), 1u);
  EXPECT_EQ(rs.workers[0].tokens, 24);
  EXPECT_TRUE(std::isnan(rs.redundancy));           // one worker: no one to repeat
  EXPECT_TRUE(std::isnan(rs.attention_on_others));  // and no one to look at

  // independent: W one-worker sessions that never see each other, stepped in lock-step, one finisher.
  const Arm ind = make_arm(story_preset(), ArmKind::Independent, 3);
  LabRun r(bundle(), forcer, make_task(ind, pr, {8, 24}), backend);
  ASSERT_EQ(r.streams().size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.streams()[static_cast<size_t>(i)]->workers(), 1);
    EXPECT_EQ(r.streams()[static_cast<size_t>(i)]->worker_name(0), ind.preset.names[static_cast<size_t>(i)]);
  }
  while (r.advance()) {
  }
  EXPECT_EQ(r.streams()[0]->passes(), 24);
  EXPECT_EQ(r.streams()[2]->passes(), 24);
  // Each stream is exactly a one-worker run of its own preset (nothing leaks between them).
  const auto presets = stream_presets(make_task(ind, pr, {8, 24}));
  ASSERT_EQ(presets.size(), 3u);
  EXPECT_EQ(presets[1].sampling.seed, independent_stream_seed(5, 1));
  HogwildSession alone(bundle(), presets[1], pr.question);
  while (alone.step()) {
  }
  EXPECT_EQ(alone.sampled(0), r.streams()[1]->sampled(0));
  const RunResult ri = r.take_result();
  EXPECT_EQ(ri.workers.size(), 3u);
  EXPECT_EQ(ri.tokens, 72);
  for (const auto& c : ri.checkpoints) EXPECT_TRUE(c.finisher_ran);  // on the concatenation of the streams
  // The event log replays as one run of three workers.
  std::set<int> workers;
  bool finished = false;
  for (const auto& e : parse_event_log(ri.event_log)) {
    if (const auto* t = std::get_if<TokenEvent>(&e)) workers.insert(t->worker);
    if (std::holds_alternative<StatsEvent>(e)) ADD_FAILURE() << "independent streams' statistics are not replayable";
    finished = std::holds_alternative<FinishedEvent>(e);
  }
  EXPECT_EQ(workers, (std::set<int>{0, 1, 2}));
  EXPECT_TRUE(finished);
}

TEST(LabRunner, StoresEveryRunOnceAndResumes) {
  test::TempDir dir("lab-runner");
  dir.write("p.jsonl",
            "{\"id\": \"a\", \"question\": \"Once upon a time\", \"answer\": \"1\"}\n"
            "{\"id\": \"b\", \"question\": \"One day, a cat\", \"answer\": \"2\"}\n");
  Experiment e = experiment_from_json(nlohmann::json::parse(R"({
    "schema": "hogwild-lab-experiment", "version": 1, "name": "tiny",
    "problems": "p.jsonl", "checkpoints": [4, 8], "seeds": [1, 2],
    "arms": [{"name": "hw", "preset": "tiny-stories", "workers": 2,
              "overrides": {"finisher": {"text": " So the answer is \\boxed{", "max_tokens": 3}}}],
    "controls": ["single"]})"), "tiny.json", dir.path());
  const std::string db = dir.file("tiny.db");
  const std::string model = test::fixture("stories260K/stories260K.bin");
  size_t first_session = 0;
  {
    ResultStore store(db, true);
    ExperimentRunner runner(e, store, model, "sequential");
    EXPECT_EQ(runner.total_runs(), 8u);  // 2 arms × 2 problems × 2 seeds
    EXPECT_EQ(runner.pending().size(), 8u);
    SequentialExecutor ex(bundle(), 2);
    RunControl control;
    ExperimentRunner::Callbacks cb;
    cb.run_stored = [&](const RunTask&, int64_t, const RunResult& r) {
      EXPECT_EQ(r.checkpoints.size(), 2u);
      if (++first_session == 3) control.stop = true;  // "Ctrl+C" after three runs
    };
    const LabProgress p = runner.run(ex, control, cb);
    EXPECT_EQ(p.runs_done, 3u);
    EXPECT_FALSE(p.finished);
  }
  {
    ResultStore store(db, false);
    EXPECT_EQ(store.runs().size(), 3u);
    ExperimentRunner runner(e, store, model, "sequential");
    EXPECT_EQ(runner.pending().size(), 5u);
    SequentialExecutor ex(bundle(), 2);
    RunControl control;
    const LabProgress p = runner.run(ex, control, {});
    EXPECT_EQ(p.runs_done, 5u);
    EXPECT_EQ(p.runs_stored, 3u);
    EXPECT_TRUE(p.finished);
    const auto runs = store.runs();
    ASSERT_EQ(runs.size(), 8u);
    std::set<std::tuple<int64_t, int64_t, uint64_t>> keys;
    for (const auto& r : runs) {
      keys.emplace(r.arm_id, r.problem_id, r.seed);
      EXPECT_EQ(r.status, "done");
      EXPECT_EQ(r.checkpoints.size(), 2u);
      EXPECT_FALSE(store.event_log(r.id).empty());
    }
    EXPECT_EQ(keys.size(), 8u);  // nothing duplicated
    const LabReport rep = build_report(store);
    ASSERT_EQ(rep.arms.size(), 2u);
    EXPECT_EQ(rep.arms[0].curve[1].n, 4);
    EXPECT_EQ(rep.comparisons.size(), 2u);  // hw vs single at 4 and 8 passes
    EXPECT_EQ(rep.comparisons[0].pairs, 4);
    const std::string csv = export_csv(store);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 8 * 2);
    // The event log replays: tokens of both workers and a FinishedEvent at the end.
    const auto events = parse_event_log(store.event_log(runs[0].id));
    ASSERT_FALSE(events.empty());
    EXPECT_TRUE(std::holds_alternative<FinishedEvent>(events.back()));
  }
  // A changed grid is refused where it would mix results.
  {
    ResultStore store(db, false);
    Experiment other = e;
    other.checkpoints = {4, 16};
    EXPECT_THROW(ExperimentRunner(other, store, model, "sequential"), ConfigError);
    Experiment renamed_model = e;
    EXPECT_THROW(ExperimentRunner(renamed_model, store, model + ".other", "sequential"), ConfigError);
    Experiment more_seeds = e;
    more_seeds.seeds = {1, 2, 3};
    ExperimentRunner grown(more_seeds, store, model, "sequential");
    EXPECT_EQ(grown.pending().size(), 4u);  // only the new seed's runs
  }
  // Not a results database.
  dir.write("not.db", "hello");
  EXPECT_THROW(ResultStore(dir.file("not.db"), false), Error);
  EXPECT_THROW(ResultStore(dir.file("missing.db"), false), ConfigError);
}

// ---- Executors: P runs × W workers in one forward pass give the same runs as one run at a time.
namespace {

struct Collected {
  std::map<std::string, RunResult> finished;  // by describe(task)
  std::map<std::string, std::string> failed;
  std::vector<std::string> order;
};

class CollectingSink final : public RunSink {
 public:
  explicit CollectingSink(Collected& c) : c_(c) {}
  void run_finished(const RunTask& t, RunResult&& r) override {
    EXPECT_EQ(c_.finished.count(describe(t)), 0u) << "reported twice: " << describe(t);
    c_.order.push_back(describe(t));
    c_.finished.emplace(describe(t), std::move(r));
  }
  void run_failed(const RunTask& t, const std::string& error) override { c_.failed.emplace(describe(t), error); }

 private:
  Collected& c_;
};

// What the sampled tokens and every result field that does not depend on the clock say about a run.
struct RunFacts {
  std::string reason, answer;
  int64_t passes, tokens;
  std::vector<std::tuple<int64_t, int64_t, std::string, std::string>> checkpoints;
  std::vector<std::tuple<int, int32_t, int64_t, bool>> tokens_seen;  // worker, token, pass, inserted
  std::vector<int64_t> worker_tokens;
  bool operator==(const RunFacts&) const = default;
};

RunFacts facts(const RunResult& r) {
  RunFacts f{r.finish_reason, r.final_answer, r.passes, r.tokens, {}, {}, {}};
  for (const auto& c : r.checkpoints) f.checkpoints.emplace_back(c.budget, c.passes, c.answer, c.finisher_output);
  for (const auto& e : parse_event_log(r.event_log))
    if (const auto* t = std::get_if<TokenEvent>(&e)) f.tokens_seen.emplace_back(t->worker, t->token, t->pass, t->inserted);
  for (const auto& w : r.workers) f.worker_tokens.push_back(w.tokens);
  return f;
}

}  // namespace

TEST(LabExecutors, BatchedRunsEqualSequentialRuns) {
  // Every arm kind, greedy and sampled, budgets that end at different passes (slots refill mid-flight), a question
  // long enough to fill stories260K's 512-token context (that run ends with "context" while the others go on: the
  // fused pass fails, every cache is as it was, and that pass runs session by session), and a run the engine
  // rejects at once (no checkpoints).
  std::vector<Arm> arms;
  arms.push_back(make_arm(story_preset(0.8), ArmKind::Hogwild, 2));
  arms.push_back(make_arm(story_preset(0.0), ArmKind::Hogwild, 3));
  arms.push_back(make_arm(story_preset(0.8), ArmKind::Single, 1));
  arms.push_back(make_arm(story_preset(0.0), ArmKind::Independent, 2));
  for (size_t a = 0; a < arms.size(); ++a) arms[a].name += " " + std::to_string(a);  // describe(task) tells runs apart
  std::vector<Problem> problems;
  for (const char* q : {"Once upon a time, there was a little dog", "One day, a girl named Lily", "The sun was warm"}) {
    Problem p = story_problem();
    p.id = "p" + std::to_string(problems.size() + 1);
    p.question = q;
    problems.push_back(p);
  }
  Problem long_one = story_problem();
  long_one.id = "long";
  for (int i = 0; i < 40; ++i) long_one.question += " and the dog ran to the park";
  std::vector<RunTask> tasks;
  for (size_t a = 0; a < arms.size(); ++a)
    for (size_t p = 0; p < problems.size(); ++p)
      for (uint64_t seed : {1u, 2u}) {
        const std::vector<int64_t> cps = (a + p + seed) % 2 ? std::vector<int64_t>{4, 12} : std::vector<int64_t>{6, 20, 31};
        tasks.push_back(make_task(arms[a], problems[p], cps, seed));
      }
  tasks.push_back(make_task(arms[0], long_one, {8, 400}, 3));
  RunTask rejected = make_task(arms[1], problems[0], {}, 4);
  tasks.push_back(rejected);

  CpuBackend backend(bundle().model, 2);
  Collected seq;
  {
    SequentialExecutor ex(bundle(), backend);
    CollectingSink sink(seq);
    RunControl control;
    ex.execute(tasks, sink, control);
  }
  ASSERT_EQ(seq.finished.size(), tasks.size() - 1);
  ASSERT_EQ(seq.failed.size(), 1u);
  EXPECT_EQ(seq.finished.at(describe(tasks[tasks.size() - 2])).finish_reason, "context");
  // Checkpoints before a run's end whose answer needed the finisher: the batched executor decodes those as jobs in
  // its fused passes (LabRun::after_pass(true)), so they are part of what is compared below.
  int mid_run_finishers = 0;
  for (const auto& [name, r] : seq.finished)
    for (const auto& c : r.checkpoints) mid_run_finishers += c.finisher_ran && c.budget < r.passes;
  EXPECT_GE(mid_run_finishers, 10);

  for (int P : {3, 8, 64}) {
    Collected bat;
    BatchedExecutor ex(bundle(), backend, P);
    EXPECT_EQ(ex.name(), "batched ×" + std::to_string(P));
    CollectingSink sink(bat);
    RunControl control;
    ex.execute(tasks, sink, control);
    ASSERT_EQ(bat.finished.size(), seq.finished.size()) << "P = " << P;
    EXPECT_EQ(bat.failed, seq.failed) << "P = " << P;
    for (const auto& [name, r] : seq.finished) {
      ASSERT_EQ(bat.finished.count(name), 1u) << name;
      const RunFacts fb = facts(bat.finished.at(name)), fs = facts(r);
      EXPECT_EQ(fb.reason, fs.reason) << name;
      EXPECT_EQ(fb.answer, fs.answer) << name;
      EXPECT_EQ(fb.passes, fs.passes) << name;
      EXPECT_EQ(fb.tokens, fs.tokens) << name;
      EXPECT_EQ(fb.checkpoints, fs.checkpoints) << name;
      EXPECT_EQ(fb.worker_tokens, fs.worker_tokens) << name;
      EXPECT_EQ(fb.tokens_seen.size(), fs.tokens_seen.size()) << name;
      EXPECT_TRUE(fb.tokens_seen == fs.tokens_seen) << "P = " << P << ": " << name;
    }
    EXPECT_NE(bat.order, seq.order) << "P = " << P << ": short runs should finish before long ones started earlier";
  }
}

TEST(LabExecutors, BatchedStopAbandonsTheRunsInFlight) {
  const Arm arm = make_arm(story_preset(), ArmKind::Hogwild, 2);
  const Problem pr = story_problem();
  std::vector<RunTask> tasks;
  for (uint64_t seed = 1; seed <= 6; ++seed) tasks.push_back(make_task(arm, pr, {4, 8 * static_cast<int64_t>(seed)}, seed));
  CpuBackend backend(bundle().model, 2);
  BatchedExecutor ex(bundle(), backend, 4);
  RunControl control;
  struct StopAfterOne final : RunSink {
    RunControl& control;
    std::vector<std::string> started, finished;
    explicit StopAfterOne(RunControl& c) : control(c) {}
    void run_started(const RunTask& t) override { started.push_back(describe(t)); }
    void run_finished(const RunTask& t, RunResult&&) override {
      finished.push_back(describe(t));
      control.stop = true;
    }
    void run_failed(const RunTask& t, const std::string& e) override { ADD_FAILURE() << describe(t) << ": " << e; }
  } sink(control);
  ex.execute(tasks, sink, control);
  // The first run (8 passes) finished; the three others in flight were abandoned, unreported; nothing more started.
  EXPECT_EQ(sink.started.size(), 4u);
  EXPECT_EQ(sink.finished, std::vector<std::string>{describe(tasks[0])});
  EXPECT_THROW(BatchedExecutor(bundle(), backend, 0), ConfigError);
  EXPECT_THROW(make_executor(bundle(), backend, 0), ConfigError);
  EXPECT_EQ(make_executor(bundle(), backend, 1)->name(), "sequential");
}

TEST(LabForcedAnswer, FinisherCacheKeepsTheCommonPrefixAndGivesTheFreshAnswer) {
  CpuBackend backend(bundle().model, 2);
  const Preset p = story_preset();
  const std::string base = "Once upon a time, there was a little dog named Max. He liked to run in the park";
  // Grows, changes in the middle (a step merged before the current ones), shrinks, and repeats itself.
  const std::vector<std::string> texts = {base, base + ". One day he saw a cat", "Once upon a time, there was a big cat. He liked to run",
                                          "Once upon a time", "Once upon a time"};
  FinisherCache fc;
  for (const std::string& t : texts) {
    const FinisherRun fresh = run_finisher(backend, *bundle().tokenizer, t, p.finisher, AnswerRule::Any, FinisherOptions{bundle().stop_ids, std::nullopt, 512});
    const FinisherRun reused = run_finisher(backend, *bundle().tokenizer, t, p.finisher, AnswerRule::Any, FinisherOptions{bundle().stop_ids, std::nullopt, 512}, &fc);
    EXPECT_TRUE(reused.ran) << t;
    EXPECT_EQ(reused.output, fresh.output) << t;
    EXPECT_EQ(reused.answer, fresh.answer) << t;
    // The cache holds exactly the tokens it says: the text + finisher, then the continuation it fed.
    const std::vector<int32_t> ids = bundle().tokenizer->encode_prompt(t + p.finisher.text, std::nullopt);
    ASSERT_GE(fc.ids.size(), ids.size());
    EXPECT_TRUE(std::equal(ids.begin(), ids.end(), fc.ids.begin())) << t;
    EXPECT_EQ(fc.cache->block_length(kSequenceBlock), static_cast<int64_t>(fc.ids.size())) << t;
  }
}
