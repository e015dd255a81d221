#pragma once
// The §8.8 finisher in one place: the greedy continuation of a response plus the preset's finisher text, decoded on
// a plain causal sequence cache of a backend until an answer, a stop token or max_tokens. Used by HogwildSession at
// the end of a run and by the lab's forced-answer checkpoints (on a copy of the text, without disturbing the run).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/forward_batch.h"

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

// Where the K/V of a response's prompt already are: the first ids.size() tokens of `block` of `cache` (a session's
// first block: merges only append to it). A finisher whose cache is empty starts with a copy of them where the
// backend can copy (BackendCache::assign_block), so the prompt is not prefilled a second time.
struct FinisherPrompt {
  const BackendCache* cache = nullptr;  // nullptr: none
  int block = 0;
  const std::vector<int32_t>* ids = nullptr;
};

struct FinisherOptions {
  std::vector<int32_t> stop_ids;  // tokens that end the continuation
  std::optional<bool> bos;        // Tokenizer::encode_prompt's override (unset: as the model says)
  int64_t prefill_chunk = 512;
  FinisherPrompt prompt;          // the prompt's K/V in a cache of the same backend, if any
};

// A finisher's plain cache kept between calls on texts that grow (the lab's checkpoints of one run): the next call
// keeps the longest common token prefix of the old and new text and prefills only the rest (the prompt is then
// prefilled once per run, not once per checkpoint). Tied to the backend that filled it.
struct FinisherCache {
  std::unique_ptr<BackendCache> cache;
  std::vector<int32_t> ids;  // the tokens whose K/V the cache holds, in order
};

// The finisher pass by pass, for executors that decode many finishers in one forward pass (hogwild-lab's batched
// executor: Backend::forward_many over every run's one-token pass). The constructor encodes the text and prefills
// what the cache lacks; then, until done(): begin_pass() gives the next one-token pass, the caller runs it (alone:
// run_pass()), end_pass() takes the greedy token. run_finisher() is this loop.
class FinisherJob {
 public:
  // Errors of the backend (BackendError) propagate; the cache is then dropped (the next use starts afresh).
  // reuse: nullptr for a fresh cache of the job's own. Backend, tokenizer and reuse must outlive the job.
  FinisherJob(Backend& backend, const Tokenizer& tok, const std::string& response, const Preset::Finisher& finisher,
              AnswerRule rule, const FinisherOptions& options, FinisherCache* reuse = nullptr);
  ~FinisherJob();
  FinisherJob(const FinisherJob&) = delete;
  FinisherJob& operator=(const FinisherJob&) = delete;

  bool done() const { return done_; }
  // The next pass (one token, logits of its slot), valid until end_pass(); nullopt once done.
  std::optional<Backend::CachePass> begin_pass();
  void end_pass();
  // The begun pass on the backend alone, then end_pass(). A BackendError propagates (then fail()).
  void run_pass();
  // Ends the job after a failed pass: the cache is dropped, error() says why.
  void fail(const std::string& why);
  const std::string& error() const { return error_; }
  const FinisherRun& result() const { return out_; }

 private:
  // The greedy token of logits_: stop, answer, or the input of the next pass.
  void take_token();

  Backend& backend_;
  const Tokenizer& tok_;
  Preset::Finisher finisher_;
  AnswerRule rule_;
  std::vector<int32_t> stop_ids_;
  FinisherCache own_;
  FinisherCache* fc_;
  FinisherRun out_;
  std::unique_ptr<TokenStreamDecoder> stream_;
  std::vector<float> logits_;
  ForwardBatch batch_;
  int32_t next_ = -1;
  int decoded_ = 0;
  bool done_ = false;
  std::string error_;
};

// Errors of the backend (BackendError) propagate to the caller. reuse: nullptr for a fresh cache of its own.
FinisherRun run_finisher(Backend& backend, const Tokenizer& tok, const std::string& response,
                         const Preset::Finisher& finisher, AnswerRule rule, const FinisherOptions& options,
                         FinisherCache* reuse = nullptr);

}  // namespace hogwild
