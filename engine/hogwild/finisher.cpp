#include "hogwild/finisher.h"

#include <algorithm>
#include <memory>

#include "hogwild/step_rules.h"
#include "sampling/sampler.h"

namespace hogwild {

FinisherRun run_finisher(Backend& backend, const Tokenizer& tok, const std::string& response,
                         const Preset::Finisher& finisher, AnswerRule rule, const FinisherOptions& options) {
  FinisherRun out;
  if (finisher.text.empty() || finisher.max_tokens <= 0) {
    out.skipped = "the preset has no finisher";
    return out;
  }
  const ModelConfig& c = backend.config();
  const std::vector<int32_t> ids = tok.encode_prompt(response + finisher.text, options.bos);
  if (static_cast<int64_t>(ids.size()) + finisher.max_tokens > c.context_length) {
    out.skipped = "the response does not fit in the model's context";
    return out;
  }
  out.ran = true;
  // A plain causal sequence on the same backend (block 0 of the sequence layout, absolute positions).
  const std::unique_ptr<BackendCache> cache = backend.create_cache(sequence_layout());
  std::vector<float> logits(static_cast<size_t>(c.vocab_size));
  backend.prefill(*cache, kSequenceBlock, ids, std::max<int64_t>(1, options.prefill_chunk), logits.data());
  TokenStreamDecoder stream(tok);
  stream.reset(false);
  for (int i = 0; i < finisher.max_tokens; ++i) {
    const int32_t next = argmax(logits);
    if (std::find(options.stop_ids.begin(), options.stop_ids.end(), next) != options.stop_ids.end()) break;
    out.output += stream.push(next);
    if (auto a = finisher_answer(finisher.text, out.output, rule)) {
      out.answer = *a;
      break;
    }
    backend.forward(*cache, PassTarget::prefill(kSequenceBlock), ForwardBatch::from_rows({{next}}), logits.data(),
                    LogitsMode::LastSlot);
  }
  return out;
}

}  // namespace hogwild
