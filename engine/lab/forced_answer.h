#pragma once
// The forced answer at a budget checkpoint (hogwild-method.md §8.7/§8.8; docs/LAB.md "Checkpoints"): the answer a
// run WOULD give if its budget ended now, computed without disturbing it. Like HogwildSession::finish(): the
// rightmost \boxed{} in what the workers wrote; without one, the finisher text is appended to the assembled
// response (a copy, re-encoded) and decoded greedily with a plain cache of its own. The session's cache, samplers
// and counters are never touched, so the run continues exactly as if nothing had happened; a separate run with
// its budget set to the checkpoint gives the same answer (tests/lab/test_lab_run.cpp proves it).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "hogwild/finisher.h"
#include "hogwild/preset.h"
#include "hogwild/session.h"

namespace hogwild::lab {

struct ForcedAnswer {
  std::string answer;           // "" when none
  bool finisher_ran = false;    // false: the answer came from a \boxed{} the workers wrote (or no finisher)
  std::string finisher_output;  // the greedy continuation after the finisher text
  std::string note;             // why the finisher was skipped, when it was
};

// What the workers wrote, in the order finish() searches it: history, steps waiting for their merge, current steps.
std::string written_text(const HogwildSession& s);
// The §8.8 response without its prompt (history, others-header, each current step with its marker).
std::string response_after_prompt(const HogwildSession& s);

// A forced answer in halves (AnswerForcer::begin): the answer at once (`ready`: a \boxed{} the workers wrote, no
// finisher, a finisher that could not start) or a finisher `job` whose one-token passes the caller runs — the
// batched executor with other runs' passes in one forward — before AnswerForcer::answer_of(job).
struct ForcedAnswerJob {
  ForcedAnswer ready;
  std::unique_ptr<FinisherJob> job;
};

class AnswerForcer {
 public:
  // The tokenizer and backend must outlive the forcer; the finisher runs on `backend` (the runs' own).
  // stop_ids: as the sessions use them (the bundle's).
  AnswerForcer(const Tokenizer& tokenizer, std::vector<int32_t> stop_ids, Backend& backend, int64_t prefill_chunk = 512);
  ~AnswerForcer();

  // The answer `s` would give if stopped by its budget now. reuse: the run's finisher cache (FinisherCache: the
  // common prefix with the previous checkpoint's text is not prefilled again), or nullptr.
  ForcedAnswer force(const HogwildSession& s, FinisherCache* reuse = nullptr);
  // The independent control: the streams' written texts concatenated (stream order), else the finisher on
  // streams[0]'s prompt + every stream's response after its prompt.
  ForcedAnswer force(const std::vector<const HogwildSession*>& streams, const Preset::Finisher& finisher,
                     FinisherCache* reuse = nullptr);
  // The same in halves (ForcedAnswerJob). finish() runs the job's passes alone and gives the answer.
  ForcedAnswerJob begin(const HogwildSession& s, FinisherCache* reuse = nullptr);
  ForcedAnswerJob begin(const std::vector<const HogwildSession*>& streams, const Preset::Finisher& finisher,
                        FinisherCache* reuse = nullptr);
  ForcedAnswer finish(ForcedAnswerJob& j);
  // The answer of a finished job (a failed one: no answer, the note says why).
  static ForcedAnswer answer_of(const FinisherJob& job);
  // Greedy finisher continuation of `response` (§8.8, hogwild::run_finisher — the session's own finisher);
  // `rule`: what a \boxed{} must hold (the preset's stop.answer).
  ForcedAnswer run_finisher(const std::string& response, const Preset::Finisher& finisher,
                            AnswerRule rule = AnswerRule::Any, FinisherCache* reuse = nullptr);

 private:
  ForcedAnswerJob begin_finisher(const std::string& response, const Preset::Finisher& finisher, AnswerRule rule,
                                 FinisherCache* reuse, FinisherPrompt prompt = {});
  const Tokenizer& tok_;
  std::vector<int32_t> stop_ids_;
  int64_t prefill_chunk_;
  Backend& backend_;
};

}  // namespace hogwild::lab
