#pragma once
// HogwildSession: one Hogwild! Inference run (hogwild-method.md §8): W workers of one model generating in
// lock-step over the shared block cache, driven by a preset. Synchronous and Qt-free: step() runs ONE forward
// pass for all workers and reports what happened through EventObserver (events.h). The CLI calls it in a
// loop; the GUI's EngineRunner calls it on its own thread.
//
//   prefill()  prompt -> common (chunks), constant blocks (headers, markers, split); not counted in the budget
//   step()     one pass: inputs (1 token, or separator + prefix [+ question] at a step start) -> logits ->
//              sample per worker -> step rules -> merges (§12b, one pass later) -> events
//   finish     budget, EOS, \boxed{} answer, full context, or stop(); then the finisher (§8.8) if needed
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cpu/transformer.h"
#include "hogwild/events.h"
#include "hogwild/hogwild_attention.h"
#include "hogwild/preset.h"
#include "hogwild/step_rules.h"
#include "generation/model_bundle.h"
#include "model/hf_chat_template.h"
#include "model/model.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace hogwild {

struct SessionOptions {
  int threads = 0;             // CPU threads (0: all)
  ChatTemplateInfo chat;       // the model's chat format: resolves a preset's "auto" template (ModelBundle::chat)
  std::vector<int32_t> stop_ids;  // tokens that end the run (EOS, <|im_end|>, <|eot_id|>); empty: tokenizer's
  int top_candidates = 5;      // next-token candidates reported with each sampled token
  int64_t prefill_chunk = 512; // prompt tokens per prefill forward pass
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
  const HogwildAttention& cache() const { return *cache_; }
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
  void finish(const std::string& reason, const std::string& message);
  void run_finisher(FinishedEvent& f);
  std::vector<int32_t> banned_tokens() const;

  const Model& model_;
  const Tokenizer& tok_;
  Preset preset_;
  std::string task_;
  SessionOptions options_;
  std::vector<std::string> names_;
  std::unique_ptr<cpu::Transformer> transformer_;
  std::unique_ptr<HogwildAttention> cache_;
  EventObserver* observer_ = nullptr;

  bool prefilled_ = false;
  std::string prompt_text_;
  std::vector<int32_t> prompt_ids_;
  std::vector<float> prompt_logits_;
  std::vector<int32_t> banned_;
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
};

}  // namespace hogwild
