#pragma once
// HogwildSession: one Hogwild! Inference run (hogwild-method.md §8): W workers of one model generating in
// lock-step over the shared block cache, driven by a preset. Synchronous and Qt-free: step() runs ONE forward
// pass for all workers and reports what happened through EventObserver (events.h). The CLI calls it in a
// loop; the GUI's EngineRunner calls it on its own thread.
//
//   prefill()  prompt -> common (chunks), constant blocks (headers, markers, split); not counted in the budget
//   step()     one pass: inputs (1 token, or separator + prefix [+ question] at a step start) -> logits ->
//              sample per worker -> step rules -> merges (§12b one pass later, or §8.4 at once: preset
//              step.merge) -> events
//   finish     budget, EOS, \boxed{} answer, full context, or stop(); then the finisher (§8.8) if needed
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "hogwild/events.h"
#include "hogwild/finisher.h"
#include "hogwild/preset.h"
#include "hogwild/prompt_cache.h"
#include "hogwild/step_rules.h"
#include "generation/model_bundle.h"
#include "model/hf_chat_template.h"
#include "model/model.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace hogwild {

// The cache layout of a preset's layout setting.
LayoutKind layout_kind(PresetLayout layout);

struct SessionOptions {
  int threads = 0;             // CPU threads of the session's own backend (0: all), when `backend` is nullptr
  ChatTemplateInfo chat;       // the model's chat format: resolves a preset's "auto" template (ModelBundle::chat)
  std::vector<int32_t> stop_ids;  // tokens that end the run (EOS, <|im_end|>, <|eot_id|>); empty: tokenizer's
  int top_candidates = 5;      // next-token candidates reported with each sampled token
  int64_t prefill_chunk = 512; // prompt tokens per prefill forward pass
  // Start the prompt (and the finisher's text) with BOS; unset: as the model says (Tokenizer::encode_prompt).
  std::optional<bool> bos = std::nullopt;
  // The backend that computes the passes (created once per loaded model and shared by runs; it must outlive the
  // session). nullptr: the session makes its own CPU backend with `threads`.
  Backend* backend = nullptr;
  // The §8.8 finisher's plain cache, kept by the caller across calls (FinisherCache: only what changed since its
  // last use is prefilled; the lab passes the run's, which its forced answers at the checkpoints filled). nullptr:
  // the session's own. Either way, an empty one starts with the prompt's K/V copied from the session's cache
  // (FinisherPrompt), so the finisher does not prefill the prompt again.
  FinisherCache* finisher_cache = nullptr;
  // Prompt heads shared with other sessions on the same backend (prompt_cache.h): the head's K/V are copied from
  // there when present and kept there otherwise; the tokens are the same either way. nullptr: none.
  PromptCache* prompt_cache = nullptr;
};

class HogwildSession {
 public:
  // The model and tokenizer must outlive the session. Throws ConfigError for an invalid preset/settings.
  HogwildSession(const Model& model, const Tokenizer& tokenizer, const Preset& preset, std::string task,
                 const SessionOptions& options = {});
  // Same, for a model bundle: its chat format and stop tokens fill `options`.
  HogwildSession(const ModelBundle& bundle, const Preset& preset, std::string task, SessionOptions options = {});
  ~HogwildSession();

  void set_observer(EventObserver* observer) { observer_ = observer; }

  // Encodes and prefills the prompt and the constant blocks. Called by the first step() when not done yet.
  // Throws ConfigError when the prompt does not fit in the model's context.
  void prefill();
  bool prefilled() const { return prefilled_; }

  // Runs one forward pass for all workers. Returns false once the run has finished (then does nothing).
  bool step();
  // The same pass in halves, for executors that run many sessions' passes as ONE batch of rows
  // (Backend::forward_many; hogwild-lab's batched executor): step() = begin_pass() + run_pass().
  //   begin_pass()  prefills when needed, then the inputs of the next pass (valid until end_pass/run_pass);
  //                 nullopt once the run has finished.
  //   end_pass()    after the caller ran that pass on backend(): merges, statistics, sampling, step rules, finish.
  //                 Returns false once the run has finished.
  //   run_pass()    runs the begun pass on backend() alone, then end_pass() (a forward that failed for a batch of
  //                 sessions left every cache as it was: each session can then run its pass alone).
  std::optional<Backend::CachePass> begin_pass();
  bool end_pass();
  bool run_pass();
  // Ends the run now (reason "stopped"), without the finisher.
  void stop();
  bool finished() const { return finished_.has_value(); }
  // Changes the layer of the per-token drill-down rows (StatsEvent::drill) from the next pass on; -1 turns it
  // off. Lets the GUI follow the layer a user picks without restarting the run. Throws ConfigError when out of range.
  void set_drill_layer(int layer);
  const std::optional<FinishedEvent>& result() const { return finished_; }

  // ---- state, for views and tests
  const Preset& preset() const { return preset_; }
  int workers() const { return preset_.workers; }
  const std::string& worker_name(int w) const { return names_.at(static_cast<size_t>(w)); }
  const std::string& prompt_text() const { return prompt_text_; }
  const std::vector<int32_t>& prompt_ids() const { return prompt_ids_; }
  // How many leading prompt ids form the head (prefilled apart from the rest; PromptCache shares them).
  int64_t prompt_head_tokens() const { return head_tokens_; }
  // Where the prompt's K/V are (a finisher on this session's response starts from them); valid while the session is.
  FinisherPrompt prompt_kv() const { return {cache_.get(), cache_->layout().first_block(), &prompt_ids_}; }
  // Text of the finished steps, in merge order (combined/interleaved); empty for contiguous.
  const std::string& history() const { return history_; }
  // The current, unfinished step of worker w (its whole workspace in the contiguous layout).
  const std::string& current_step(int w) const { return workers_.at(static_cast<size_t>(w)).step_text; }
  // Everything worker w wrote or had inserted, in order (all its steps).
  const std::string& transcript(int w) const { return workers_.at(static_cast<size_t>(w)).transcript; }
  // Tokens worker w sampled so far.
  const std::vector<int32_t>& sampled(int w) const { return workers_.at(static_cast<size_t>(w)).sampled; }
  int step_number(int w) const { return workers_.at(static_cast<size_t>(w)).step; }
  int64_t passes() const { return passes_; }
  int64_t generated_tokens() const { return generated_; }
  // §8.8 response: prompt + history + others-header + every worker's current step and marker.
  std::string assembled_response() const;
  // Logits [W][vocab] of the last pass (before sampling).
  const std::vector<float>& last_logits() const { return logits_; }
  // The token ids no worker may sample (sorted): BOS and the preset's ban lists resolved in this vocabulary.
  const std::vector<int32_t>& banned_ids() const { return banned_; }
  const BackendCache& cache() const { return *cache_; }
  // What computes this session's passes (the status bar, --json and session files name it).
  const Backend& backend() const { return *backend_; }
  double elapsed_seconds() const { return seconds_; }

 private:
  struct Worker {
    std::vector<int32_t> input;   // tokens fed at the next pass
    std::vector<bool> input_inserted;
    std::string step_text;        // current step (decoded)
    std::string transcript;
    std::vector<int32_t> sampled;
    int step = 1;
    int64_t pending_merge = 0;    // >0: merge this many head tokens of the own block after the next pass
    std::string pending_text;     // text of the finished step waiting for its merge
    int pending_step = 0;         // its step number
    std::unique_ptr<TokenStreamDecoder> stream;
    std::unique_ptr<Sampler> sampler;
  };

  std::vector<int32_t> encode_fragment(const std::string& text) const;
  void prefill_block(int block, const std::vector<int32_t>& ids, float* last_logits);
  void emit(const EngineEvent& e);
  // Decodes token `id` of worker w (sampled, or inserted by the scheduler), appends it to the transcript and
  // reports it as a TokenEvent. Returns its text piece (the caller decides where else it goes).
  std::string record_token(int w, int32_t id, int64_t pass, bool inserted);
  // Appends inserted text (opener, prefix, question) to worker w's next input and its texts.
  void insert_text(int w, const std::string& text, int64_t pass);
  // Merges worker w's finished step (pending_merge head tokens of its own block) into common and reports it.
  // Returns the "context full" message (and merges nothing) when the merge would push a view past the context.
  // Merges worker w's finished step into common. Empty on success; otherwise why the run must stop: `reason`
  // "context" (the merge would push a view past the context; nothing changed) or "error" (the device failed).
  std::string merge_pending(int w, int64_t pass, std::string& reason);
  // finisher = false: no §8.8 finisher (the device failed; nothing more can be computed).
  void finish(const std::string& reason, const std::string& message, bool finisher = true);
  void run_finisher(FinishedEvent& f);
  std::vector<int32_t> banned_tokens() const;
  // A token's whole text, as the ban lists and the `token` end-of-step rule read it: special tokens by their
  // literal text, others decoded mid-sequence.
  std::string token_text(int32_t id) const;

  const Model& model_;
  const Tokenizer& tok_;
  Preset preset_;
  std::string task_;
  SessionOptions options_;
  std::vector<std::string> names_;
  std::unique_ptr<Backend> own_backend_;  // when options.backend was nullptr
  Backend* backend_ = nullptr;
  std::unique_ptr<BackendCache> cache_;
  FinisherCache own_finisher_cache_;  // the finisher's, when options.finisher_cache is nullptr
  EventObserver* observer_ = nullptr;

  bool prefilled_ = false;
  std::string prompt_text_;
  std::vector<int32_t> prompt_ids_;
  int64_t head_tokens_ = 0;
  std::vector<float> prompt_logits_;
  std::vector<int32_t> banned_;
  std::vector<bool> separator_tokens_;  // `token` end-of-step rule: the token's own text contains the separator
  std::vector<int32_t> stop_ids_;
  bool is_stop(int32_t id) const;
  std::vector<Worker> workers_;
  std::unique_ptr<CollabCounter> collab_;
  std::string history_;
  std::vector<float> logits_;
  int64_t passes_ = 0;
  int64_t generated_ = 0;
  double seconds_ = 0;
  std::optional<FinishedEvent> finished_;
  // The pass between begin_pass() and end_pass().
  bool pass_open_ = false;
  ForwardBatch pass_batch_;
  std::chrono::steady_clock::time_point pass_t0_;
};

}  // namespace hogwild
