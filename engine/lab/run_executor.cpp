#include "lab/run_executor.h"

#include <chrono>
#include <algorithm>
#include <deque>
#include <optional>
#include <thread>

#include "backend/cpu_backend.h"
#include "common/error.h"

namespace hogwild::lab {

namespace {
void wait_while_paused(const RunControl& control) {
  while (control.pause && !control.stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}
}  // namespace

SequentialExecutor::SequentialExecutor(const ModelBundle& bundle, Backend& backend)
    : bundle_(bundle), backend_(&backend), forcer_(*bundle.tokenizer, bundle.stop_ids, backend) {}

SequentialExecutor::SequentialExecutor(const ModelBundle& bundle, int threads)
    : bundle_(bundle),
      own_backend_(std::make_unique<CpuBackend>(bundle.model, threads)),
      backend_(own_backend_.get()),
      forcer_(*bundle.tokenizer, bundle.stop_ids, *own_backend_) {}

void SequentialExecutor::execute(const std::vector<RunTask>& tasks, RunSink& sink, const RunControl& control) {
  for (const RunTask& task : tasks) {
    if (control.stop) return;
    sink.run_started(task);
    std::optional<RunResult> result;
    std::string error;
    try {
      LabRun run(bundle_, forcer_, task, *backend_, &prompt_cache_);
      while (true) {
        wait_while_paused(control);
        if (control.stop) return;  // the run in flight is abandoned, not reported
        const bool more = run.advance();
        sink.progress(run.passes());
        if (!more) break;
      }
      result = run.take_result();
    } catch (const Error& e) {
      error = e.what();
    }
    // Outside the try: an error of the sink (e.g. the database) is not a failed run; it ends the experiment.
    if (result) sink.run_finished(task, std::move(*result));
    else sink.run_failed(task, error);
  }
}

BatchedExecutor::BatchedExecutor(const ModelBundle& bundle, Backend& backend, int runs_per_pass)
    : bundle_(bundle), backend_(backend), runs_per_pass_(runs_per_pass), forcer_(*bundle.tokenizer, bundle.stop_ids, backend) {
  if (runs_per_pass < 1) throw ConfigError("runs per pass must be at least 1 (got " + std::to_string(runs_per_pass) + ")");
}

std::string BatchedExecutor::name() const { return executor_name(runs_per_pass_); }

std::string executor_name(int runs_per_pass) {
  return runs_per_pass == 1 ? "sequential" : "batched ×" + std::to_string(runs_per_pass);
}

void BatchedExecutor::execute(const std::vector<RunTask>& tasks, RunSink& sink, const RunControl& control) {
  struct Slot {
    const RunTask* task;
    std::unique_ptr<LabRun> run;
    std::string error;                // non-empty: the run failed this pass
    std::optional<RunResult> result;  // set: the run is complete
  };
  std::deque<const RunTask*> queue;
  for (const RunTask& t : tasks) queue.push_back(&t);
  std::vector<Slot> slots;

  while (true) {
    // Refill the free slots (a run the engine rejects at once is reported and its slot refilled).
    while (static_cast<int>(slots.size()) < runs_per_pass_ && !queue.empty()) {
      if (control.stop) return;
      const RunTask& task = *queue.front();
      queue.pop_front();
      sink.run_started(task);
      try {
        slots.push_back({&task, std::make_unique<LabRun>(bundle_, forcer_, task, backend_, &prompt_cache_), {}, {}});
      } catch (const Error& e) {
        sink.run_failed(task, e.what());
      }
    }
    if (slots.empty()) return;
    wait_while_paused(control);
    if (control.stop) return;  // the runs in flight are abandoned, not reported

    // Begin this pass in every run (a prefill that fails ends that run only), then ONE forward for all of them. A
    // run whose forced answer is being decoded contributes its finisher's one-token pass instead (no session).
    std::vector<Backend::CachePass> passes;
    std::vector<HogwildSession*> sessions;  // nullptr: the owner's finisher job
    std::vector<size_t> owner;              // slot of each pass
    for (size_t i = 0; i < slots.size(); ++i) {
      if (FinisherJob* job = slots[i].run->forced_answer_job()) {
        if (std::optional<Backend::CachePass> p = job->begin_pass()) {
          passes.push_back(*p);
          sessions.push_back(nullptr);
          owner.push_back(i);
        }
        continue;
      }
      const size_t before = sessions.size();
      try {
        slots[i].run->begin_streams(passes, sessions);
      } catch (const Error& e) {
        slots[i].error = e.what();
        passes.resize(before);
        sessions.resize(before);
      }
      owner.resize(sessions.size(), i);
    }
    // The passes the backend fuses exactly (Backend::fuses: on the CPU, every pass of fewer than 16 token slots —
    // decode steps, forced answers' tokens) go into ONE forward_many; the others (a step start of many workers) run alone, as with the
    // sequential executor, so every run computes the same numbers either way. A backend that does not fuse gets
    // every pass alone.
    std::vector<char> fused(sessions.size(), 0);
    std::vector<Backend::CachePass> group;
    for (size_t j = 0; j < sessions.size(); ++j)
      if (slots[owner[j]].error.empty() && backend_.fuses(passes[j])) {
        fused[j] = 1;
        group.push_back(passes[j]);
      }
    if (group.size() > 1) {
      try {
        backend_.forward_many(group);
      } catch (const Error&) {
        std::fill(fused.begin(), fused.end(), 0);  // every cache is as it was: each session runs its pass alone
      }
    } else {
      std::fill(fused.begin(), fused.end(), 0);
    }
    for (size_t j = 0; j < sessions.size(); ++j) {
      Slot& slot = slots[owner[j]];
      if (!slot.error.empty()) continue;
      if (!sessions[j]) {  // a forced answer's pass: a failure ends that answer (no answer, a note), not the run
        FinisherJob& job = *slot.run->forced_answer_job();
        try {
          if (fused[j]) job.end_pass();
          else job.run_pass();
        } catch (const Error& e) {
          job.fail(e.what());
        }
        continue;
      }
      try {
        if (fused[j]) sessions[j]->end_pass();
        else sessions[j]->run_pass();
      } catch (const Error& e) {
        slot.error = e.what();
      }
    }

    // Checkpoints, early stops and results; finished runs are reported in slot order and leave their slot.
    int64_t in_flight = 0;
    std::vector<Slot> kept, done;
    for (Slot& slot : slots) {
      if (slot.error.empty()) {
        try {
          if (!slot.run->after_pass(/*defer_answers=*/true)) slot.result = slot.run->take_result();
        } catch (const Error& e) {
          slot.error = e.what();
        }
      }
      if (slot.error.empty() && !slot.result) in_flight += slot.run->passes();
      (slot.error.empty() && !slot.result ? kept : done).push_back(std::move(slot));
    }
    slots = std::move(kept);
    sink.progress(in_flight);
    // Outside the tries: an error of the sink (e.g. the database) is not a failed run; it ends the experiment.
    for (Slot& slot : done) {
      if (slot.result) sink.run_finished(*slot.task, std::move(*slot.result));
      else sink.run_failed(*slot.task, slot.error);
    }
  }
}

std::unique_ptr<RunExecutor> make_executor(const ModelBundle& bundle, Backend& backend, int runs_per_pass) {
  if (runs_per_pass < 1) throw ConfigError("--batch must be at least 1 (got " + std::to_string(runs_per_pass) + ")");
  if (runs_per_pass == 1) return std::make_unique<SequentialExecutor>(bundle, backend);
  return std::make_unique<BatchedExecutor>(bundle, backend, runs_per_pass);
}

}  // namespace hogwild::lab
