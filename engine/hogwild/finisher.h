#pragma once
// The §8.8 finisher in one place: the greedy continuation of a response plus the preset's finisher text, decoded on
// a plain causal sequence cache of a backend until an answer, a stop token or max_tokens. Used by HogwildSession at
// the end of a run and by the lab's forced-answer checkpoints (on a copy of the text, without disturbing the run).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "hogwild/preset.h"
#include "tokenizer/tokenizer.h"

namespace hogwild {

struct FinisherRun {
  bool ran = false;                   // false: skipped (the preset has none, or the text does not fit)
  std::string skipped;                // why it was skipped ("the response does not fit in the model's context")
  std::string output;                 // the decoded continuation
  std::optional<std::string> answer;  // the \boxed{} answer it completed (rule: the preset's stop.answer)
};

struct FinisherOptions {
  std::vector<int32_t> stop_ids;  // tokens that end the continuation
  std::optional<bool> bos;        // Tokenizer::encode_prompt's override (unset: as the model says)
  int64_t prefill_chunk = 512;
};

// A finisher's plain cache kept between calls on texts that grow (the lab's checkpoints of one run): the next call
// keeps the longest common token prefix of the old and new text and prefills only the rest (the prompt is then
// prefilled once per run, not once per checkpoint). Tied to the backend that filled it.
struct FinisherCache {
  std::unique_ptr<BackendCache> cache;
  std::vector<int32_t> ids;  // the tokens whose K/V the cache holds, in order
};

// Errors of the backend (BackendError) propagate to the caller. reuse: nullptr for a fresh cache of its own.
FinisherRun run_finisher(Backend& backend, const Tokenizer& tok, const std::string& response,
                         const Preset::Finisher& finisher, AnswerRule rule, const FinisherOptions& options,
                         FinisherCache* reuse = nullptr);

}  // namespace hogwild
