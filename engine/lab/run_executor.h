#pragma once
// How lab runs are executed: one small interface, two executors — sequential (one run at a time) and batched
// (P runs × W workers as one batch of rows per forward pass, on Backend::forward_many). See docs/LAB.md,
// "Executors".
//
// Contract of RunExecutor::execute():
//   * runs every task of `tasks` (any order, any number at once), each exactly once;
//   * for each completed run calls sink.run_finished(task, result) — from the thread that called execute(), one
//     call at a time — and for a run the engine rejected (e.g. the prompt does not fit) sink.run_failed();
//   * calls sink.progress() now and then (after passes) so front ends can show progress and ETA;
//   * checks control.stop between passes: on stop it abandons the runs in flight (they are NOT reported, so a
//     resumed experiment runs them again) and returns; while control.pause is set it waits between passes.
#include <atomic>
#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "generation/model_bundle.h"
#include "lab/lab_run.h"

namespace hogwild::lab {

struct RunControl {
  std::atomic<bool> stop{false};
  std::atomic<bool> pause{false};
};

class RunSink {
 public:
  virtual ~RunSink() = default;
  virtual void run_started(const RunTask&) {}
  // passes_in_flight: the passes done so far by the runs in flight (for the ETA).
  virtual void progress(int64_t passes_in_flight) { (void)passes_in_flight; }
  virtual void run_finished(const RunTask& task, RunResult&& result) = 0;
  virtual void run_failed(const RunTask& task, const std::string& error) = 0;
};

class RunExecutor {
 public:
  virtual ~RunExecutor() = default;
  virtual std::string name() const = 0;
  virtual void execute(const std::vector<RunTask>& tasks, RunSink& sink, const RunControl& control) = 0;
};

// One run at a time, each pass a forward of that run's W rows on the executor's backend.
class SequentialExecutor final : public RunExecutor {
 public:
  // The bundle and the backend must outlive the executor.
  SequentialExecutor(const ModelBundle& bundle, Backend& backend);
  // The same on a CPU backend of its own. threads: CPU threads per forward pass (0: all).
  SequentialExecutor(const ModelBundle& bundle, int threads);
  std::string name() const override { return "sequential"; }
  void execute(const std::vector<RunTask>& tasks, RunSink& sink, const RunControl& control) override;

 private:
  const ModelBundle& bundle_;
  std::unique_ptr<Backend> own_backend_;
  Backend* backend_;
  AnswerForcer forcer_;
  PromptCache prompt_cache_;  // the arms' prompt heads, prefilled once per head (dies before own_backend_)
};

// Up to `runs_per_pass` runs in flight; every pass is ONE Backend::forward_many over all their sessions' rows
// (P runs × W workers; W one-worker streams for the independent control), so each weight is read once for all of
// them. Prefills and the forced answers at checkpoints run per run. A finished run's slot is refilled from the
// task list at once. A batched forward that fails (a context that is full, a device error) leaves every cache as it
// was; that pass then runs session by session, so each run ends the way it would alone.
// Tokens equal the sequential executor's while a pass stays on the row kernels (docs/LAB.md "Executors").
class BatchedExecutor final : public RunExecutor {
 public:
  // The bundle and the backend must outlive the executor. runs_per_pass >= 1 (1: the sequential order, batched code).
  BatchedExecutor(const ModelBundle& bundle, Backend& backend, int runs_per_pass);
  // "batched ×P".
  std::string name() const override;
  int runs_per_pass() const { return runs_per_pass_; }
  void execute(const std::vector<RunTask>& tasks, RunSink& sink, const RunControl& control) override;

 private:
  const ModelBundle& bundle_;
  Backend& backend_;
  int runs_per_pass_;
  AnswerForcer forcer_;
  PromptCache prompt_cache_;  // the arms' prompt heads, prefilled once per head
};

// The executor `hogwild-lab run --batch P` and the Lab window use: sequential for P = 1, batched otherwise.
// Throws ConfigError for P < 1.
std::unique_ptr<RunExecutor> make_executor(const ModelBundle& bundle, Backend& backend, int runs_per_pass);
// The name of make_executor's executor: "sequential" or "batched ×P".
std::string executor_name(int runs_per_pass);

}  // namespace hogwild::lab
