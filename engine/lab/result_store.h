#pragma once
// The results database of one experiment (SQLite; schema "hogwild-lab-results" version 1, docs/LAB.md
// "Results database"): the experiment, its arms and problems, one row per finished run with its checkpoints,
// per-worker metrics and the compressed event log. Each run is written in ONE transaction when it finishes, so a
// crash or kill loses at most the runs in flight, and a resumed experiment skips every run already stored.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/experiment.h"
#include "lab/lab_run.h"

namespace hogwild::lab {

inline constexpr int kResultsSchemaVersion = 1;
inline constexpr std::string_view kResultsSchema = "hogwild-lab-results";

class SqliteDb;

struct StoredExperiment {
  std::string name;
  nlohmann::json spec;         // experiment_to_json of what was run (model resolved)
  std::string base_dir;        // the experiment file's folder (relative problem paths)
  std::string model, backend, executor;
  std::vector<int64_t> checkpoints;
  std::string created_at, updated_at;
};

struct StoredArm {
  int64_t id = 0;
  int position = 0;
  std::string name, kind, layout;
  int workers = 1;
  nlohmann::json settings;
  std::string preset_json;     // the effective preset (preset_to_json)
};

struct StoredProblem {
  int64_t id = 0;
  int position = 0;
  std::string set, key, question, answer;
  nlohmann::json check;
  std::vector<std::string> tags;
};

struct StoredCheckpoint {
  int64_t budget = 0, passes = 0, tokens = 0;
  double seconds = 0;
  std::string answer;
  bool finisher_ran = false;
  std::string finisher_output;
  bool correct = false;
};

struct StoredRun {
  int64_t id = 0, arm_id = 0, problem_id = 0;
  uint64_t seed = 0;
  std::string status;          // "done" or "error"
  std::string error;
  std::string finish_reason, final_answer;
  bool correct = false;
  int64_t passes = 0, tokens = 0;
  double wall_seconds = 0, engine_seconds = 0, tokens_per_second = 0;
  std::optional<int64_t> first_correct_passes, first_correct_tokens;
  double redundancy = 0, redundancy_ngrams = 0, attention_on_others = 0;  // NaN: not defined
  int collab_yes = 0, collab_no = 0, collab_other = 0;
  std::string task, prompt;
  std::vector<std::string> worker_names;
  std::vector<int64_t> worker_tokens;
  std::vector<StoredCheckpoint> checkpoints;
  std::string finished_at;
};

class ResultStore {
 public:
  // create=false: the file must exist and hold a results database of this schema version.
  ResultStore(const std::filesystem::path& path, bool create);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  const std::string& path() const;
  bool has_experiment();

  // ---- writing (the runner)
  // Records the experiment, or checks that the stored one is compatible (same checkpoints and model; arms and
  // problems with the same names must have the same settings). Grown grids (more arms, problems, seeds) are fine.
  void prepare_experiment(const Experiment& e, const std::string& model, const std::string& executor);
  // The backend that computes the runs, as every report names it ("CPU (2 threads)", "CUDA: <device>"), once it is
  // selected (after the model loaded); replaces the experiment's choice ("auto") in the experiments table.
  void record_backend(const std::string& described);
  int64_t ensure_arm(const Arm& arm, int position);
  int64_t ensure_problem(const std::string& set, const Problem& p, int position);
  // (arm_id, problem_id, seed) of every stored run, finished or failed.
  std::set<std::tuple<int64_t, int64_t, uint64_t>> stored_run_keys();
  // One transaction: the run, its checkpoints, its per-worker metrics, its compressed event log.
  int64_t save_run(int64_t arm_id, int64_t problem_id, const RunTask& task, const RunResult& r);
  int64_t save_failed_run(int64_t arm_id, int64_t problem_id, const RunTask& task, const std::string& error);

  // ---- reading (report, export, plot, the Lab window)
  StoredExperiment experiment();
  std::vector<StoredArm> arms();
  std::vector<StoredProblem> problems();
  std::vector<StoredRun> runs();
  std::optional<StoredRun> run(int64_t run_id);
  std::string event_log(int64_t run_id);  // the decompressed JSONL ("" when none)

 private:
  std::vector<StoredRun> query_runs(const std::string& where, std::optional<int64_t> id);
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace hogwild::lab
