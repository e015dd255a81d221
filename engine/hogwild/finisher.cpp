#include "hogwild/finisher.h"

#include <algorithm>
#include <memory>

#include "hogwild/step_rules.h"
#include "sampling/sampler.h"

namespace hogwild {

FinisherRun run_finisher(Backend& backend, const Tokenizer& tok, const std::string& response,
                         const Preset::Finisher& finisher, AnswerRule rule, const FinisherOptions& options,
                         FinisherCache* reuse) {
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
  FinisherCache own;
  FinisherCache& fc = reuse ? *reuse : own;
  size_t keep = 0;
  if (fc.cache) {
    // The common prefix stays; at least the last token is prefilled again (its logits start the decode).
    while (keep < fc.ids.size() && keep + 1 < ids.size() && fc.ids[keep] == ids[keep]) ++keep;
    fc.cache->truncate_block(kSequenceBlock, static_cast<int64_t>(keep));
  } else {
    fc.cache = backend.create_cache(sequence_layout());
  }
  fc.ids.assign(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(keep));
  try {
    std::vector<float> logits(static_cast<size_t>(c.vocab_size));
    const std::vector<int32_t> rest(ids.begin() + static_cast<ptrdiff_t>(keep), ids.end());
    backend.prefill(*fc.cache, kSequenceBlock, rest, std::max<int64_t>(1, options.prefill_chunk), logits.data());
    fc.ids = ids;
    BackendCache* cache = fc.cache.get();
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
      fc.ids.push_back(next);
    }
  } catch (...) {
    fc.cache.reset();  // what it holds is unknown now: the next call starts afresh
    fc.ids.clear();
    throw;
  }
  return out;
}

}  // namespace hogwild
