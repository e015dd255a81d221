#pragma once
// Per-run metrics computed from the engine's event stream (docs/LAB.md, "Metrics"):
//   * redundancy — the share of each worker's steps that repeat another worker's earlier work, by word n-gram
//     overlap (measure_redundancy below has the exact definition);
//   * the collaboration question's answers (yes / no / other);
//   * the mean attention mass each worker's newest query puts on the other workers' blocks (StatsEvent).
// Pure data in, numbers out: no model, no session.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hogwild/events.h"

namespace hogwild::lab {

// What one worker sampled, byte by byte: the pass that produced each byte and the worker's step number then.
// Text the scheduler inserted (openers, prefixes, the question) is not part of it.
struct WorkerTrace {
  std::string text;
  std::vector<int64_t> byte_pass;
  std::vector<int> byte_step;
  void append(std::string_view piece, int64_t pass, int step);
};

struct Redundancy {
  std::vector<double> per_worker;  // redundant steps / counted steps of that worker; nullopt-like NaN when none
  std::vector<int64_t> steps, redundant_steps;  // per worker
  double overall = 0;              // Σ redundant steps / Σ counted steps (NaN when no step was counted)
  double ngram_share = 0;          // Σ repeated n-grams / Σ n-grams (NaN when none)
};

// Words are maximal runs of ASCII letters/digits or non-ASCII bytes, lower-cased; a word belongs to the pass and
// step of its last byte. An n-gram (n consecutive words of one worker) ending at pass p is REPEATED when another
// worker produced the same n-gram ending at a pass < p. A step (the n-grams whose last word lies in it) is
// COUNTED when it has at least one n-gram and REDUNDANT when at least `threshold` of its n-grams are repeated.
// With one worker nothing can repeat another worker: every value is NaN.
Redundancy measure_redundancy(const std::vector<WorkerTrace>& workers, int n = 4, double threshold = 0.5);

enum class CollabAnswer { Pending, Yes, No, Other };
// The worker's answer to the collaboration question from the text it sampled right after it: the first word,
// case-insensitive ("yes", "Yes,", "no.", "No —"). Pending while no word is complete yet (`final`: the text
// will not grow any more, so a lone "yes" counts).
CollabAnswer classify_collab_answer(std::string_view sampled_after_question, bool final);

// Collects the metrics of one run from its events. Workers are given explicitly so that the independent control's
// streams (one single-worker session each) map to workers 0..W-1.
class MetricsCollector {
 public:
  explicit MetricsCollector(int workers);
  void add(const EngineEvent& e, int worker);  // `worker`: the run's worker index of the event's stream
  void add(const EngineEvent& e) { add(e, -1); }  // -1: the worker fields of the event as they are
  void finish();                                 // closes pending collaboration answers

  int workers() const { return static_cast<int>(traces_.size()); }
  const std::vector<WorkerTrace>& traces() const { return traces_; }
  const std::vector<int64_t>& sampled_tokens() const { return sampled_; }
  int collab_yes() const { return yes_; }
  int collab_no() const { return no_; }
  int collab_other() const { return other_; }
  // Mean over the statistics events of the mass worker w puts on blocks owned by other workers (mean over layers
  // and heads); NaN when no event had another worker's block.
  double attention_on_others(int w) const;
  double attention_on_others() const;  // mean over workers with a value; NaN when none

 private:
  std::vector<WorkerTrace> traces_;
  std::vector<int64_t> sampled_;
  std::vector<std::optional<std::string>> after_question_;  // text sampled since the question, while pending
  std::vector<int> after_question_tokens_;
  std::vector<double> attn_sum_;
  std::vector<int64_t> attn_count_;
  int yes_ = 0, no_ = 0, other_ = 0;
  void close_answer(int w, CollabAnswer a);
};

}  // namespace hogwild::lab
