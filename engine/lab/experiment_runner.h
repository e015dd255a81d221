#pragma once
// Runs an experiment into its results database: expands the grid, skips the runs already stored (resume), hands
// the rest to a RunExecutor and stores each finished run in one transaction as it arrives. The same code runs
// behind `hogwild-lab run` and the app's Lab window.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lab/experiment.h"
#include "lab/result_store.h"
#include "lab/run_executor.h"

namespace hogwild::lab {

struct LabProgress {
  size_t runs_total = 0;     // the whole grid: arms × problems × seeds
  size_t runs_stored = 0;    // already in the database when this session started (skipped)
  size_t runs_done = 0;      // finished and stored in this session
  size_t runs_failed = 0;    // failed (stored with their error) in this session
  int64_t passes_total = 0;  // planned passes of this session's runs (their budgets)
  int64_t passes_done = 0;   // finished runs count their whole budget
  double elapsed_seconds = 0;
  double eta_seconds = -1;   // -1: not known yet
  std::string current;       // "arm · set:problem · seed s"
  bool finished = false;     // every run of the grid is stored
};

class ExperimentRunner {
 public:
  struct Callbacks {
    std::function<void(const LabProgress&)> progress;  // throttled to ~10 per second, and after every run
    std::function<void(const RunTask&, int64_t run_id, const RunResult&)> run_stored;
    std::function<void(const RunTask&, const std::string& error)> run_failed;
  };

  // Loads the problems, expands the arms and records everything in the store (ConfigError when the store holds
  // an incompatible experiment). `model` is the resolved model path the runs use.
  ExperimentRunner(Experiment experiment, ResultStore& store, std::string model, std::string executor_name);

  const Experiment& experiment() const { return experiment_; }
  const std::vector<Arm>& arms() const { return arms_; }
  const std::vector<ProblemSet>& sets() const { return sets_; }
  size_t total_runs() const { return total_; }
  size_t stored_runs() const { return total_ - pending_.size(); }
  const std::vector<RunTask>& pending() const { return pending_; }

  // Executes the pending runs (returns early when control.stop is set: the runs in flight are not stored).
  LabProgress run(RunExecutor& executor, const RunControl& control, const Callbacks& callbacks);

 private:
  Experiment experiment_;
  ResultStore& store_;
  std::vector<Arm> arms_;
  std::vector<ProblemSet> sets_;
  std::vector<int64_t> arm_ids_;
  std::vector<std::vector<int64_t>> problem_ids_;  // [set][problem]
  std::vector<RunTask> pending_;
  std::vector<std::pair<int64_t, int64_t>> pending_ids_;  // (arm id, problem id) per pending task
  size_t total_ = 0;
};

std::string describe(const RunTask& t);  // "arm · set:problem · seed s"

}  // namespace hogwild::lab
