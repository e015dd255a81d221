#include "hogwild/finisher.h"

#include <algorithm>
#include <memory>

#include "hogwild/step_rules.h"
#include "sampling/sampler.h"

namespace hogwild {

namespace {
// An empty finisher cache starts with the prompt's K/V (FinisherPrompt), where the backend can copy them.
void seed(FinisherCache& fc, Backend& backend, const FinisherPrompt& prompt) {
  if (fc.cache || !prompt.cache || !prompt.ids || prompt.ids->empty()) return;
  std::unique_ptr<BackendCache> seeded = backend.create_cache(sequence_layout());
  if (!seeded->assign_block(kSequenceBlock, *prompt.cache, prompt.block, static_cast<int64_t>(prompt.ids->size()))) return;
  fc.cache = std::move(seeded);
  fc.ids = *prompt.ids;
}
}  // namespace

FinisherJob::FinisherJob(Backend& backend, const Tokenizer& tok, const std::string& response, const Preset::Finisher& finisher,
                         AnswerRule rule, const FinisherOptions& options, FinisherCache* reuse)
    : backend_(backend), tok_(tok), finisher_(finisher), rule_(rule), stop_ids_(options.stop_ids), fc_(reuse ? reuse : &own_) {
  done_ = true;
  if (finisher.text.empty() || finisher.max_tokens <= 0) {
    out_.skipped = "the preset has no finisher";
    return;
  }
  const ModelConfig& c = backend.config();
  const std::vector<int32_t> ids = tok.encode_prompt(response + finisher.text, options.bos);
  if (static_cast<int64_t>(ids.size()) + finisher.max_tokens > c.context_length) {
    out_.skipped = "the response does not fit in the model's context";
    return;
  }
  out_.ran = true;
  // A plain causal sequence on the same backend (block 0 of the sequence layout, absolute positions).
  FinisherCache& fc = *fc_;
  seed(fc, backend, options.prompt);
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
    logits_.resize(static_cast<size_t>(c.vocab_size));
    const std::vector<int32_t> rest(ids.begin() + static_cast<ptrdiff_t>(keep), ids.end());
    backend.prefill(*fc.cache, kSequenceBlock, rest, std::max<int64_t>(1, options.prefill_chunk), logits_.data());
  } catch (...) {
    fc.cache.reset();  // what it holds is unknown now: the next call starts afresh
    fc.ids.clear();
    throw;
  }
  fc.ids = ids;
  stream_ = std::make_unique<TokenStreamDecoder>(tok);
  stream_->reset(false);
  done_ = false;
  take_token();
}

FinisherJob::~FinisherJob() = default;

void FinisherJob::take_token() {
  const int32_t next = argmax(logits_);
  if (std::find(stop_ids_.begin(), stop_ids_.end(), next) != stop_ids_.end()) {
    done_ = true;
    return;
  }
  out_.output += stream_->push(next);
  if (auto a = finisher_answer(finisher_.text, out_.output, rule_)) {
    out_.answer = *a;
    done_ = true;
    return;
  }
  if (++decoded_ >= finisher_.max_tokens) {
    done_ = true;
    return;
  }
  next_ = next;
}

std::optional<Backend::CachePass> FinisherJob::begin_pass() {
  if (done_) return std::nullopt;
  batch_ = ForwardBatch::from_rows({{next_}});
  Backend::CachePass p;
  p.cache = fc_->cache.get();
  p.target = PassTarget::prefill(kSequenceBlock);
  p.batch = &batch_;
  p.logits = logits_.data();
  p.mode = LogitsMode::LastSlot;
  return p;
}

void FinisherJob::end_pass() {
  fc_->ids.push_back(next_);
  take_token();
}

void FinisherJob::run_pass() {
  const std::optional<Backend::CachePass> p = begin_pass();
  if (!p) return;
  try {
    backend_.forward(*p->cache, p->target, *p->batch, p->logits, p->mode);
  } catch (...) {
    fail("the finisher's pass failed");
    throw;
  }
  end_pass();
}

void FinisherJob::fail(const std::string& why) {
  fc_->cache.reset();
  fc_->ids.clear();
  error_ = why;
  done_ = true;
}

FinisherRun run_finisher(Backend& backend, const Tokenizer& tok, const std::string& response,
                         const Preset::Finisher& finisher, AnswerRule rule, const FinisherOptions& options,
                         FinisherCache* reuse) {
  FinisherJob job(backend, tok, response, finisher, rule, options, reuse);
  while (!job.done()) job.run_pass();
  return job.result();
}

}  // namespace hogwild
