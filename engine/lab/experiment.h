#pragma once
// Experiment files (JSON, schema "hogwild-lab-experiment", version 1; docs/LAB.md "Experiments"): the problem
// sets, the model, and a grid of arms (preset × workers × layout × sampling overrides) run for every seed, with
// forward-pass budget checkpoints. Built-in control arms, as in the paper: "single" (one worker, the same budget
// in passes) and "independent" (W workers that never see each other's tokens, the same finisher).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hogwild/preset.h"
#include "lab/problem_set.h"

namespace hogwild::lab {

inline constexpr int kExperimentVersion = 1;
inline constexpr std::string_view kExperimentSchema = "hogwild-lab-experiment";
inline constexpr int64_t kMaxCheckpoint = 1 << 20;

enum class ArmKind { Hogwild, Single, Independent };
std::string_view to_string(ArmKind k);

struct ProblemSource {
  std::string path;  // as written (relative paths are relative to the experiment file)
  LoadOptions options;
};

// One entry of "arms" before the grid is expanded.
struct ArmSpec {
  std::string name;                     // label prefix (default: the preset's file stem, or the control's kind)
  ArmKind kind = ArmKind::Hogwild;
  std::string preset = "hogwild-paper"; // a shipped preset name or a path
  std::vector<int> workers;             // empty: the preset's count
  std::vector<PresetLayout> layouts;    // empty: the preset's layout
  std::vector<nlohmann::json> sampling; // each: fields of the preset's "sampling" section; empty: none
  nlohmann::json overrides = nlohmann::json::object();  // a JSON merge patch applied to the preset
};

// One arm of the expanded grid.
struct Arm {
  std::string name;        // unique in the experiment
  ArmKind kind = ArmKind::Hogwild;
  Preset preset;           // effective preset (single: 1 worker; independent: the W-worker preset, see lab_run.h)
  int workers = 1;         // W (independent: the number of streams)
  nlohmann::json settings; // what distinguishes it: {"kind", "preset", "workers", "layout", "sampling", "overrides"}
};

struct Experiment {
  std::string name;
  std::string description;
  std::filesystem::path base_dir;  // folder of the experiment file (relative paths)
  std::string model;               // model path (CLI --model / the Lab window override it)
  std::string tokenizer;
  std::string backend = "auto";    // auto | cpu | cuda (only cpu/auto work: the lab computes on the CPU)
  int threads = 0;
  // Runs computed in the same forward passes (run_executor.h): 1 runs one after the other; 0: the default.
  int runs_per_pass = 0;
  int effective_runs_per_pass() const { return runs_per_pass > 0 ? runs_per_pass : kDefaultRunsPerPass; }
  static constexpr int kDefaultRunsPerPass = 8;
  std::vector<ProblemSource> problems;
  std::string task_template = "{question}";  // {question}, {id}
  std::vector<int64_t> checkpoints;          // ascending forward-pass budgets; the last is the run's budget
  std::vector<uint64_t> seeds = {1};
  std::vector<ArmSpec> arms;
  std::vector<ArmKind> controls;             // control arms derived from the first arm
  int stats_every = 16;                      // event log: keep every k-th statistics event (and the last)
};

// Throws ConfigError("<source>: field \"checkpoints\": …") on the first problem; unknown fields are errors.
Experiment experiment_from_json(const nlohmann::json& j, std::string_view source, const std::filesystem::path& base_dir);
nlohmann::json experiment_to_json(const Experiment& e);
Experiment load_experiment(const std::filesystem::path& path);
void save_experiment(const Experiment& e, const std::filesystem::path& path);

// The expanded arms, presets loaded and validated (ConfigError names the arm). Controls come last.
std::vector<Arm> expand_arms(const Experiment& e);
// The problem sets, paths resolved against base_dir.
std::vector<ProblemSet> load_problems(const Experiment& e);
// The task text of a problem: task_template with {question} and {id}.
std::string task_text(const Experiment& e, const Problem& p);
// Resolves a path of the experiment (absolute, "~/…", or relative to base_dir).
std::filesystem::path resolve_path(const Experiment& e, const std::string& path);

}  // namespace hogwild::lab
