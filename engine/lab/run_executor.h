#pragma once
// How lab runs are executed: the one small interface a batched executor (P runs × W workers as one batch of rows
// per forward pass, on Backend::forward_many) will implement next to the sequential one. See docs/LAB.md,
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
};

}  // namespace hogwild::lab
