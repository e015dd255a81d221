#include "generation/generator.h"

#include <algorithm>
#include <chrono>

#include "backend/cpu_backend.h"
#include "common/error.h"

namespace hogwild {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

Generator::Generator(const Model& model, const Tokenizer& tokenizer, int threads)
    : own_backend_(std::make_unique<CpuBackend>(model, threads)), backend_(own_backend_.get()), tokenizer_(tokenizer) {
  check_vocabulary();
}

Generator::Generator(Backend& backend, const Tokenizer& tokenizer) : backend_(&backend), tokenizer_(tokenizer) { check_vocabulary(); }

void Generator::check_vocabulary() const {
  if (tokenizer_.vocab_size() != backend_->config().vocab_size)
    throw ModelError("the tokenizer has " + std::to_string(tokenizer_.vocab_size()) + " tokens but the model expects " +
                     std::to_string(backend_->config().vocab_size) + ": they do not belong together");
}

Generator::~Generator() = default;

GenerateResult Generator::generate(std::string_view prompt, const GenerateOptions& options,
                                   const std::function<void(std::string_view)>& on_text) {
  auto ids = tokenizer_.encode_prompt(prompt, options.bos);
  if (ids.empty()) {
    if (tokenizer_.bos_id() < 0) throw ConfigError("empty prompt and the vocabulary has no BOS token to start from");
    ids.push_back(tokenizer_.bos_id());
  }
  return generate_ids(ids, options, on_text);
}

GenerateResult Generator::generate_ids(const std::vector<int32_t>& prompt_ids, const GenerateOptions& options,
                                       const std::function<void(std::string_view)>& on_text) {
  options.sampling.validate();
  if (prompt_ids.empty()) throw ConfigError("generate: the prompt has no tokens");
  if (options.max_new_tokens < 0) throw ConfigError("generate: the number of new tokens must be >= 0");
  const auto& c = backend_->config();
  if (static_cast<int64_t>(prompt_ids.size()) > c.context_length)
    throw ConfigError("the prompt has " + std::to_string(prompt_ids.size()) + " tokens but the model's context is " +
                      std::to_string(c.context_length));

  GenerateResult res;
  res.prompt_ids = prompt_ids;
  TokenStreamDecoder stream(tokenizer_);
  auto emit = [&](const std::string& s) {
    if (s.empty()) return;
    res.text += s;
    if (on_text) on_text(s);
  };
  for (int32_t id : prompt_ids) emit(stream.push(id));

  const std::unique_ptr<BackendCache> cache = backend_->create_cache(sequence_layout());
  Sampler sampler(options.sampling);
  std::vector<float> logits(static_cast<size_t>(c.vocab_size));
  std::vector<int32_t> history = prompt_ids;

  auto t0 = std::chrono::steady_clock::now();
  backend_->forward(*cache, PassTarget::prefill(kSequenceBlock), ForwardBatch::from_rows({prompt_ids}), logits.data(), LogitsMode::LastSlot);
  res.prefill_seconds = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  res.stop_reason = "length";
  const std::vector<int32_t> stops = tokenizer_.stop_ids();
  for (int i = 0; i < options.max_new_tokens; ++i) {
    const int32_t next = sampler.sample(logits, history);
    const bool is_stop = std::find(stops.begin(), stops.end(), next) != stops.end();
    if ((options.stop_on_eos && is_stop) || (options.stop_on_bos && next == tokenizer_.bos_id())) {
      res.stop_reason = "eos";
      break;
    }
    res.new_ids.push_back(next);
    history.push_back(next);
    emit(stream.push(next));
    if (i + 1 == options.max_new_tokens) break;  // the last token needs no forward pass
    if (cache->block_length(kSequenceBlock) + 1 > c.context_length) {
      res.stop_reason = "context";
      break;
    }
    backend_->forward(*cache, PassTarget::prefill(kSequenceBlock), ForwardBatch::from_rows({{next}}), logits.data(), LogitsMode::LastSlot);
  }
  emit(stream.flush());
  res.decode_seconds = seconds_since(t0);
  return res;
}

std::vector<float> Generator::prompt_logits(const std::vector<int32_t>& ids) {
  const auto& c = backend_->config();
  const std::unique_ptr<BackendCache> cache = backend_->create_cache(sequence_layout());
  std::vector<float> logits(ids.size() * static_cast<size_t>(c.vocab_size));
  backend_->forward(*cache, PassTarget::prefill(kSequenceBlock), ForwardBatch::from_rows({ids}), logits.data(), LogitsMode::AllSlots);
  return logits;
}

}  // namespace hogwild
