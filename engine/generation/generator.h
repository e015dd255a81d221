#pragma once
// Plain single-stream generation (one worker, ordinary causal cache): prompt prefill in one forward call,
// then one token per pass. The readable baseline the Hogwild session is checked against (Oracle 2), and
// what `hogwild-cli` runs without --workers.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cpu/sequence_cache.h"
#include "cpu/transformer.h"
#include "model/model.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace hogwild {

struct GenerateOptions {
  int max_new_tokens = 256;
  SamplingParams sampling;
  bool add_bos = true;        // prepend BOS to the prompt (llama2.c always does)
  bool stop_on_eos = true;    // stop when EOS is sampled
  bool stop_on_bos = true;    // llama2.c run.c also stops when BOS is sampled
};

struct GenerateResult {
  std::vector<int32_t> prompt_ids;  // including BOS
  std::vector<int32_t> new_ids;     // sampled tokens (the stop token excluded)
  std::string text;                 // decoded prompt + generated text, as streamed
  std::string stop_reason;          // "length", "eos", "context"
  double prefill_seconds = 0, decode_seconds = 0;
};

class Generator {
 public:
  Generator(const Model& model, const Tokenizer& tokenizer, int threads);

  // Streams text through on_text as soon as it is final (never half a UTF-8 character).
  GenerateResult generate(std::string_view prompt, const GenerateOptions& options,
                          const std::function<void(std::string_view)>& on_text = {});

  // Same, from token ids (the prompt must be non-empty; include BOS yourself).
  GenerateResult generate_ids(const std::vector<int32_t>& prompt_ids, const GenerateOptions& options,
                              const std::function<void(std::string_view)>& on_text = {});

  // Logits after each prompt position (row i = the distribution of token i+1), [n][vocab]. For tests.
  std::vector<float> prompt_logits(const std::vector<int32_t>& ids);

  cpu::Transformer& transformer() { return transformer_; }

 private:
  const Model& model_;
  const Tokenizer& tokenizer_;
  cpu::Transformer transformer_;
};

}  // namespace hogwild
