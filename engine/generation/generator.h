#pragma once
// Plain single-stream generation (one worker, ordinary causal cache) on any backend: prompt prefill in one
// forward call, then one token per pass. The readable baseline the Hogwild session is checked against (Oracle 2), and
// what `hogwild-cli` runs without --workers.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "model/model.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace hogwild {

struct GenerateOptions {
  int max_new_tokens = 256;
  SamplingParams sampling;
  std::optional<bool> bos = std::nullopt;  // start the prompt with BOS; unset: as the model says (encode_prompt)
  bool stop_on_eos = true;    // stop when EOS is sampled
  bool stop_on_bos = true;    // llama2.c run.c also stops when BOS is sampled
};

struct GenerateResult {
  std::vector<int32_t> prompt_ids;  // including BOS/EOS where the model adds them
  std::vector<int32_t> new_ids;     // sampled tokens (the stop token excluded)
  std::string text;                 // decoded prompt + generated text, as streamed
  std::string stop_reason;          // "length", "eos", "context"
  double prefill_seconds = 0, decode_seconds = 0;
};

class Generator {
 public:
  // On a CPU backend of its own (threads <= 0: all).
  Generator(const Model& model, const Tokenizer& tokenizer, int threads);
  // On a given backend (CPU or CUDA; it must outlive the generator). Every pass is a prefill of block 0 of a plain
  // sequence cache (backend.h, sequence_layout()).
  Generator(Backend& backend, const Tokenizer& tokenizer);
  ~Generator();

  // Streams text through on_text as soon as it is final (never half a UTF-8 character). The prompt is encoded by
  // Tokenizer::encode_prompt (BOS/EOS as the model says, or options.bos); an empty encoding starts from BOS.
  GenerateResult generate(std::string_view prompt, const GenerateOptions& options,
                          const std::function<void(std::string_view)>& on_text = {});

  // Same, from token ids (the prompt must be non-empty; include BOS yourself).
  GenerateResult generate_ids(const std::vector<int32_t>& prompt_ids, const GenerateOptions& options,
                              const std::function<void(std::string_view)>& on_text = {});

  // Logits after each prompt position (row i = the distribution of token i+1), [n][vocab]. For tests.
  std::vector<float> prompt_logits(const std::vector<int32_t>& ids);

  Backend& backend() { return *backend_; }

 private:
  void check_vocabulary() const;
  std::unique_ptr<Backend> own_backend_;
  Backend* backend_;
  const Tokenizer& tokenizer_;
};

}  // namespace hogwild
