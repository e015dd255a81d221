#include "lab/experiment_runner.h"

#include <chrono>
#include <map>

namespace hogwild::lab {

std::string describe(const RunTask& t) {
  return (t.arm ? t.arm->name : std::string("?")) + " · " + t.problem_set + ":" + (t.problem ? t.problem->id : "?") + " · seed " +
         std::to_string(t.seed);
}

ExperimentRunner::ExperimentRunner(Experiment experiment, ResultStore& store, std::string model, std::string executor_name)
    : experiment_(std::move(experiment)), store_(store) {
  arms_ = expand_arms(experiment_);
  sets_ = load_problems(experiment_);
  store_.prepare_experiment(experiment_, model, executor_name);
  for (size_t a = 0; a < arms_.size(); ++a) arm_ids_.push_back(store_.ensure_arm(arms_[a], static_cast<int>(a)));
  int position = 0;
  for (const ProblemSet& set : sets_) {
    problem_ids_.emplace_back();
    for (const Problem& p : set.problems) problem_ids_.back().push_back(store_.ensure_problem(set.name, p, position++));
  }
  const auto stored = store_.stored_run_keys();
  // Order: seed, then problem, then arm, so that partial results hold every arm on the same problems (the paired
  // comparisons and the live curves are meaningful while the experiment runs).
  for (uint64_t seed : experiment_.seeds)
    for (size_t s = 0; s < sets_.size(); ++s)
      for (size_t p = 0; p < sets_[s].problems.size(); ++p)
        for (size_t a = 0; a < arms_.size(); ++a) {
          ++total_;
          const int64_t arm_id = arm_ids_[a], problem_id = problem_ids_[s][p];
          if (stored.count({arm_id, problem_id, seed})) continue;
          RunTask t;
          t.arm_index = a;
          t.arm = &arms_[a];
          t.problem_set = sets_[s].name;
          t.problem = &sets_[s].problems[p];
          t.seed = seed;
          t.task = task_text(experiment_, sets_[s].problems[p]);
          t.checkpoints = experiment_.checkpoints;
          t.stats_every = experiment_.stats_every;
          pending_.push_back(std::move(t));
          pending_ids_.emplace_back(arm_id, problem_id);
        }
}

LabProgress ExperimentRunner::run(RunExecutor& executor, const RunControl& control, const Callbacks& cb) {
  using clock = std::chrono::steady_clock;
  LabProgress progress;
  progress.runs_total = total_;
  progress.runs_stored = total_ - pending_.size();
  for (const RunTask& t : pending_) progress.passes_total += t.budget();
  const auto start = clock::now();
  auto last_report = clock::time_point{};
  std::map<const RunTask*, size_t> index;
  for (size_t i = 0; i < pending_.size(); ++i) index[&pending_[i]] = i;

  auto report = [&](int64_t in_flight, bool force) {
    const auto now = clock::now();
    if (!force && now - last_report < std::chrono::milliseconds(100)) return;
    last_report = now;
    progress.elapsed_seconds = std::chrono::duration<double>(now - start).count();
    const int64_t done = progress.passes_done + in_flight;
    progress.eta_seconds = done > 0 && progress.elapsed_seconds > 0.5
                               ? static_cast<double>(progress.passes_total - done) * progress.elapsed_seconds / static_cast<double>(done)
                               : -1;
    if (cb.progress) cb.progress(progress);
  };

  class Sink : public RunSink {
   public:
    Sink(ExperimentRunner& r, LabProgress& p, std::map<const RunTask*, size_t>& idx, const Callbacks& cb,
         const std::function<void(int64_t, bool)>& report)
        : r_(r), p_(p), idx_(idx), cb_(cb), report_(report) {}
    void run_started(const RunTask& t) override {
      p_.current = describe(t);
      report_(0, true);
    }
    void progress(int64_t in_flight) override { report_(in_flight, false); }
    void run_finished(const RunTask& t, RunResult&& result) override {
      const auto& ids = r_.pending_ids_[idx_.at(&t)];
      const int64_t id = r_.store_.save_run(ids.first, ids.second, t, result);
      ++p_.runs_done;
      p_.passes_done += t.budget();
      if (cb_.run_stored) cb_.run_stored(t, id, result);
      report_(0, true);
    }
    void run_failed(const RunTask& t, const std::string& error) override {
      const auto& ids = r_.pending_ids_[idx_.at(&t)];
      r_.store_.save_failed_run(ids.first, ids.second, t, error);
      ++p_.runs_failed;
      p_.passes_done += t.budget();
      if (cb_.run_failed) cb_.run_failed(t, error);
      report_(0, true);
    }

   private:
    ExperimentRunner& r_;
    LabProgress& p_;
    std::map<const RunTask*, size_t>& idx_;
    const Callbacks& cb_;
    const std::function<void(int64_t, bool)>& report_;
  };
  const std::function<void(int64_t, bool)> report_fn = report;
  Sink sink(*this, progress, index, cb, report_fn);
  executor.execute(pending_, sink, control);
  progress.current.clear();
  progress.finished = progress.runs_stored + progress.runs_done + progress.runs_failed == progress.runs_total;
  report(0, true);
  return progress;
}

}  // namespace hogwild::lab
