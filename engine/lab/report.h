#pragma once
// What `hogwild-lab report`, `export`, `plot` and the Lab window show: per arm the accuracy at every checkpoint
// with 95 % Wilson intervals and the run metrics; paired exact McNemar comparisons with one-sentence verdicts.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/result_store.h"
#include "lab/statistics.h"

namespace hogwild::lab {

struct AccuracyPoint {
  int64_t budget = 0;
  int64_t n = 0, correct = 0;
  double accuracy = 0;  // NaN when n = 0
  Interval ci;
};

struct ArmReport {
  StoredArm arm;
  int64_t runs_done = 0, runs_failed = 0;
  std::vector<AccuracyPoint> curve;           // one point per checkpoint
  double mean_wall_seconds = 0, mean_tokens_per_second = 0, mean_tokens = 0;  // NaN when no run
  std::vector<int64_t> passes_to_first_correct, tokens_to_first_correct;      // solved runs only
  std::vector<double> mean_worker_tokens;     // per worker
  double redundancy = 0;                      // mean over runs where defined; NaN when none
  int64_t collab_yes = 0, collab_no = 0, collab_other = 0;
  double collab_yes_rate = 0;                 // yes / (yes + no); NaN when no answer
  double attention_on_others = 0;             // mean over runs where defined; NaN when none
};

struct LabReport {
  StoredExperiment experiment;
  std::vector<int64_t> checkpoints;
  size_t problems = 0;
  std::vector<ArmReport> arms;
  std::vector<PairedComparison> comparisons;  // every requested pair at every checkpoint
  std::vector<std::string> failures;          // "arm / set:problem / seed: error"
};

// Pairs to compare: (A, B) arm names; empty = every non-control arm (B) against every control arm (A), or,
// without controls, every arm against the first one. Throws ConfigError for an unknown arm name.
LabReport build_report(ResultStore& store, const std::vector<std::pair<std::string, std::string>>& compare = {});

// The comparison of two arms at one budget (exposed for tests and the Lab window).
PairedComparison compare_arms(const std::vector<StoredRun>& runs, const StoredArm& a, const StoredArm& b, int64_t budget);

std::string report_text(const LabReport& r);
nlohmann::json report_json(const LabReport& r);

// Exports. CSV: one row per (run, checkpoint). JSON: experiment, arms, problems, runs with checkpoints, report.
std::string export_csv(ResultStore& store);
nlohmann::json export_json(ResultStore& store);

}  // namespace hogwild::lab
