#include "lab/lab_run.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace hogwild::lab {

class LabRun::StreamObserver : public EventObserver {
 public:
  // worker -1: the events' own worker indices (one session for the whole run); else the stream's worker index.
  StreamObserver(LabRun& run, int worker) : run_(run), worker_(worker) {}
  void on_event(const EngineEvent& e) override {
    run_.metrics_.add(e, worker_);
    run_.log_.add(e, worker_);
  }

 private:
  LabRun& run_;
  int worker_;
};

uint64_t independent_stream_seed(uint64_t seed, int stream) {
  return seed + static_cast<uint64_t>(stream) * 0x9E3779B97F4A7C15ull;
}

std::vector<Preset> stream_presets(const RunTask& task) {
  if (!task.arm) throw ConfigError("a lab run needs an arm");
  Preset base = task.arm->preset;
  base.budget.max_passes = task.budget();
  base.sampling.seed = task.seed;
  base.statistics.drill_layer = -1;
  if (task.arm->kind != ArmKind::Independent) return {base};
  // W one-worker streams: stream i is worker i of the W-worker preset (its name and opener) with nobody to see.
  // Their own finisher is off: the lab forces the answer on the concatenation of all streams.
  std::vector<Preset> out;
  const int W = task.arm->workers;
  for (int i = 0; i < W; ++i) {
    Preset p = base;
    p.workers = 1;
    p.names = {base.names.at(static_cast<size_t>(i))};
    if (!base.step.openers.empty()) p.step.openers = {base.step.openers[std::min(static_cast<size_t>(i), base.step.openers.size() - 1)]};
    p.sampling.seed = independent_stream_seed(task.seed, i);
    p.finisher.text.clear();
    p.finisher.max_tokens = 0;
    out.push_back(std::move(p));
  }
  return out;
}

LabRun::LabRun(const ModelBundle& bundle, AnswerForcer& forcer, const RunTask& task, Backend& backend,
               PromptCache* prompt_cache)
    : bundle_(bundle),
      forcer_(forcer),
      task_(task),
      metrics_(task.arm ? task.arm->workers : 1),
      log_(task.stats_every) {
  if (!task_.problem) throw ConfigError("a lab run needs a problem");
  if (task_.checkpoints.empty()) throw ConfigError("a lab run needs at least one checkpoint");
  SessionOptions so;
  so.backend = &backend;
  so.top_candidates = 0;
  // The session's own finisher at the end of the run continues from the forced answers' cache (one run, one text).
  so.finisher_cache = &finisher_cache_;
  so.prompt_cache = prompt_cache;
  const std::vector<Preset> presets = stream_presets(task_);
  const bool independent = task_.arm->kind == ArmKind::Independent;
  for (size_t i = 0; i < presets.size(); ++i) {
    streams_.push_back(std::make_unique<HogwildSession>(bundle_, presets[i], task_.task, so));
    observers_.push_back(std::make_unique<StreamObserver>(*this, independent ? static_cast<int>(i) : -1));
    streams_.back()->set_observer(observers_.back().get());
  }
}

LabRun::~LabRun() = default;

int64_t LabRun::tokens() const {
  int64_t n = 0;
  for (const auto& s : streams_) n += s->generated_tokens();
  return n;
}

double LabRun::elapsed() const {
  return start_ ? std::chrono::duration<double>(std::chrono::steady_clock::now() - *start_).count() : 0.0;
}

void LabRun::record_checkpoint(int64_t budget, const ForcedAnswer& a) {
  CheckpointResult c;
  c.budget = budget;
  c.passes = std::min(budget, passes_);
  c.tokens = tokens();
  c.seconds = elapsed();
  c.answer = a.answer;
  c.finisher_ran = a.finisher_ran;
  c.finisher_output = a.finisher_output;
  c.correct = check_answer(task_.problem->check, task_.problem->answer, a.answer);
  if (c.correct && !result_.first_correct_passes) {
    result_.first_correct_passes = c.passes;
    result_.first_correct_tokens = c.tokens;
  }
  result_.checkpoints.push_back(std::move(c));
}

ForcedAnswerJob LabRun::begin_force_now() {
  if (task_.arm->kind != ArmKind::Independent) return forcer_.begin(*streams_.front(), &finisher_cache_);
  std::vector<const HogwildSession*> all;
  for (const auto& s : streams_) all.push_back(s.get());
  return forcer_.begin(all, task_.arm->preset.finisher, &finisher_cache_);
}

ForcedAnswer LabRun::force_now() {
  ForcedAnswerJob j = begin_force_now();
  return forcer_.finish(j);
}

bool LabRun::advance() {
  if (done_) return false;
  step_streams();
  return after_pass();
}

void LabRun::step_streams() {
  prefill_streams();
  for (auto& s : streams_)
    if (!s->finished()) s->step();
}

void LabRun::prefill_streams() {
  if (!start_) start_ = std::chrono::steady_clock::now();
  // Every stream's prefill before the first pass, under both executors, so the event logs are the same (the
  // independent control's streams report their prefills, then their first pass).
  for (auto& s : streams_)
    if (!s->finished() && !s->prefilled()) s->prefill();
}

void LabRun::begin_streams(std::vector<Backend::CachePass>& passes, std::vector<HogwildSession*>& sessions) {
  prefill_streams();
  if (pending_.job) return;  // waiting for its forced answer
  for (auto& s : streams_) {
    if (s->finished()) continue;
    if (std::optional<Backend::CachePass> p = s->begin_pass()) {
      passes.push_back(*p);
      sessions.push_back(s.get());
    }
  }
}

bool LabRun::after_pass(bool defer_answers) {
  if (done_) return false;
  if (pending_.job) {
    if (!pending_.job->done()) return true;
    const ForcedAnswer a = AnswerForcer::answer_of(*pending_.job);
    pending_ = {};
    record_checkpoint(pending_budget_, a);
  }
  passes_ = 0;
  for (const auto& s : streams_) passes_ = std::max(passes_, s->passes());
  const bool finished = std::any_of(streams_.begin(), streams_.end(), [](const auto& s) { return s->finished(); });
  if (!finished) {
    while (next_checkpoint_ < task_.checkpoints.size() && task_.checkpoints[next_checkpoint_] <= passes_) {
      const int64_t budget = task_.checkpoints[next_checkpoint_++];
      if (!defer_answers) {
        record_checkpoint(budget, force_now());
        continue;
      }
      ForcedAnswerJob j = begin_force_now();
      if (!j.job) {
        record_checkpoint(budget, j.ready);
        continue;
      }
      pending_ = std::move(j);
      pending_budget_ = budget;
      return true;
    }
    return true;
  }
  complete();
  return false;
}

void LabRun::complete() {
  ForcedAnswer final_answer;
  std::string reason;
  if (task_.arm->kind == ArmKind::Independent) {
    // The first stream that ended (answer, eos, context, budget) ends the run; the others stop without finisher.
    for (const auto& s : streams_)
      if (s->finished() && reason.empty()) reason = s->result()->reason;
    for (auto& s : streams_) s->stop();
    final_answer = force_now();
  } else {
    const FinishedEvent& f = *streams_.front()->result();
    reason = f.reason;
    final_answer.answer = f.answer;
    // The session reports its finisher's continuation in the message: `; finisher: "<text>"`.
    const size_t at = f.message.find("; finisher: \"");
    if (at != std::string::npos && f.message.size() >= at + 14) {
      final_answer.finisher_ran = true;
      final_answer.finisher_output = f.message.substr(at + 13, f.message.size() - at - 14);
    }
  }
  while (next_checkpoint_ < task_.checkpoints.size()) record_checkpoint(task_.checkpoints[next_checkpoint_++], final_answer);

  metrics_.finish();
  RunResult& r = result_;
  r.finish_reason = reason;
  r.final_answer = final_answer.answer;
  r.correct = check_answer(task_.problem->check, task_.problem->answer, final_answer.answer);
  r.passes = passes_;
  r.tokens = tokens();
  r.wall_seconds = elapsed();
  for (const auto& s : streams_) r.engine_seconds += s->elapsed_seconds();
  r.tokens_per_second = r.engine_seconds > 0 ? static_cast<double>(r.tokens) / r.engine_seconds : 0.0;
  const Redundancy red = measure_redundancy(metrics_.traces());
  r.redundancy = red.overall;
  r.redundancy_ngrams = red.ngram_share;
  r.collab_yes = metrics_.collab_yes();
  r.collab_no = metrics_.collab_no();
  r.collab_other = metrics_.collab_other();
  r.attention_on_others = metrics_.attention_on_others();
  const std::vector<std::string> names = task_.arm->preset.active_names();
  for (int w = 0; w < metrics_.workers(); ++w) {
    WorkerResult wr;
    wr.name = w < static_cast<int>(names.size()) ? names[static_cast<size_t>(w)] : "worker " + std::to_string(w);
    wr.tokens = metrics_.sampled_tokens()[static_cast<size_t>(w)];
    wr.redundancy = red.per_worker[static_cast<size_t>(w)];
    wr.steps = red.steps[static_cast<size_t>(w)];
    wr.redundant_steps = red.redundant_steps[static_cast<size_t>(w)];
    wr.attention_on_others = metrics_.attention_on_others(w);
    r.workers.push_back(std::move(wr));
  }
  r.prompt = streams_.front()->prompt_text();
  if (task_.arm->kind == ArmKind::Independent) {
    FinishedEvent f;
    f.reason = reason;
    f.answer = final_answer.answer;
    f.message = "independent control: " + std::to_string(streams_.size()) + " streams that never see each other; the first ended (" +
                reason + ")" + (final_answer.finisher_ran ? "; finisher on the concatenation: \"" + final_answer.finisher_output + "\"" : "");
    f.passes = passes_;
    f.tokens = r.tokens;
    f.seconds = r.engine_seconds;
    log_.add(f);
  }
  r.event_log = log_.finish();
  done_ = true;
}

RunResult LabRun::take_result() {
  if (!done_) throw Error("the lab run is not complete yet");
  return std::move(result_);
}

}  // namespace hogwild::lab
