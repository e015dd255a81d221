#include "hogwild/session.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <tuple>

#include "common/error.h"
#include "common/log.h"
#include "backend/cpu_backend.h"
#include "hogwild/finisher.h"
#include "hogwild/prompt_builder.h"
#include "hogwild/step_rules.h"

namespace hogwild {

LayoutKind layout_kind(PresetLayout l) {
  switch (l) {
    case PresetLayout::Contiguous: return LayoutKind::Contiguous;
    case PresetLayout::Interleaved: return LayoutKind::Interleaved;
    case PresetLayout::Combined: return LayoutKind::Combined;
  }
  return LayoutKind::Combined;
}

namespace {

SamplingParams sampling_params(const Preset& p) {
  SamplingParams s;
  s.temperature = static_cast<float>(p.sampling.temperature);
  s.top_k = p.sampling.top_k;
  s.top_p = static_cast<float>(p.sampling.top_p);
  s.min_p = static_cast<float>(p.sampling.min_p);
  s.repetition_penalty = static_cast<float>(p.sampling.repetition_penalty);
  s.seed = p.sampling.seed;
  return s;
}

}  // namespace

HogwildSession::HogwildSession(const Model& model, const Tokenizer& tokenizer, const Preset& preset, std::string task,
                               const SessionOptions& options)
    : model_(model), tok_(tokenizer), preset_(preset), task_(std::move(task)), options_(options) {
  preset_.validate();
  // "auto": the model's own chat template; thinking models start inside <think> (§9).
  if (preset_.chat_template == ChatTemplateKind::Auto) {
    preset_.chat_template = options.chat.kind;
    if (options.chat.thinking) preset_.prompt.generation_prefix = options.chat.think_opener + preset_.prompt.generation_prefix;
  }
  stop_ids_ = options.stop_ids.empty() ? tokenizer.stop_ids() : options.stop_ids;
  const ModelConfig& c = model.config;
  if (tokenizer.vocab_size() != c.vocab_size)
    throw ConfigError("the tokenizer has " + std::to_string(tokenizer.vocab_size()) + " tokens but the model expects " +
                      std::to_string(c.vocab_size));
  if (preset_.statistics.drill_layer >= c.n_layers)
    throw ConfigError("statistics.drill_layer is " + std::to_string(preset_.statistics.drill_layer) + " but the model has " +
                      std::to_string(c.n_layers) + " layers");
  names_ = preset_.active_names();
  backend_ = options.backend;
  if (!backend_) {
    own_backend_ = std::make_unique<CpuBackend>(model, options.threads);
    backend_ = own_backend_.get();
  }
  const ModelConfig& bc = backend_->config();
  if (bc.vocab_size != c.vocab_size || bc.n_layers != c.n_layers || bc.dim != c.dim)
    throw ConfigError("the backend was created for another model (" + bc.name + ")");
  cache_ = backend_->create_cache(Layout(layout_kind(preset_.layout), preset_.workers));
  cache_->set_stats_enabled(preset_.statistics.enabled);
  cache_->set_drill_layer(preset_.statistics.drill_layer);
  const SamplingParams sp = sampling_params(preset_);
  workers_.resize(static_cast<size_t>(preset_.workers));
  for (int w = 0; w < preset_.workers; ++w) {
    Worker& wk = workers_[static_cast<size_t>(w)];
    wk.stream = std::make_unique<TokenStreamDecoder>(tok_);
    wk.sampler = std::make_unique<Sampler>(sp, static_cast<uint64_t>(w));
  }
  collab_ = std::make_unique<CollabCounter>(make_collab_counter(preset_));
  banned_ = banned_tokens();
  if (preset_.step.end_rule == StepEndRule::Token) {
    // The official rule looks at the sampled token alone: does its own text contain the separator?
    separator_tokens_.assign(static_cast<size_t>(tok_.vocab_size()), false);
    for (int32_t id = 0; id < tok_.vocab_size(); ++id)
      separator_tokens_[static_cast<size_t>(id)] = token_text(id).find(preset_.step.separator) != std::string::npos;
  }
}

namespace {
SessionOptions with_bundle(const ModelBundle& b, SessionOptions o) {
  o.chat = b.chat;
  if (o.stop_ids.empty()) o.stop_ids = b.stop_ids;
  return o;
}
}  // namespace

HogwildSession::HogwildSession(const ModelBundle& bundle, const Preset& preset, std::string task, SessionOptions options)
    : HogwildSession(bundle.model, *bundle.tokenizer, preset, std::move(task), with_bundle(bundle, std::move(options))) {}

HogwildSession::~HogwildSession() = default;

bool HogwildSession::is_stop(int32_t id) const { return std::find(stop_ids_.begin(), stop_ids_.end(), id) != stop_ids_.end(); }

std::string HogwildSession::token_text(int32_t id) const {
  if (tok_.is_control(id)) return tok_.piece(id);  // "<|im_end|>", "<s>": special tokens by their literal text
  TokenStreamDecoder d(tok_);
  d.reset(/*at_sequence_start=*/false);  // mid-sequence: a SentencePiece "▁#" reads " #", not "#"
  return d.push(id) + d.flush();
}

std::vector<int32_t> HogwildSession::banned_tokens() const {
  std::vector<int32_t> out;
  const int32_t bos = tok_.bos_id(), eos = tok_.eos_id();
  if (bos >= 0) out.push_back(bos);  // BOS mid-stream is never meaningful
  if (preset_.banned.eos)
    for (int32_t id : stop_ids_)
      if (id >= 0) out.push_back(id);
  for (size_t i = 0; i < preset_.banned.ids.size(); ++i) {
    const int32_t id = preset_.banned.ids[i];
    if (id >= tok_.vocab_size())
      throw ConfigError("banned.ids[" + std::to_string(i) + "] is " + std::to_string(id) + ", outside the vocabulary (" +
                        std::to_string(tok_.vocab_size()) + " tokens)");
    out.push_back(id);
  }
  // Exact strings: "{bos}" / "{eos}" name the vocabulary's own tokens (the official list is "#", the BOS and EOS
  // tokens and "</think>"); any other string is matched against each token's whole text.
  std::vector<std::string> exact;
  for (const auto& s : preset_.banned.exact) {
    if (s == "{bos}") {
      if (bos >= 0) out.push_back(bos);
    } else if (s == "{eos}") {
      if (eos >= 0) out.push_back(eos);
    } else {
      exact.push_back(s);
    }
  }
  if (!preset_.banned.strings.empty() || !exact.empty()) {
    for (int32_t id = 0; id < tok_.vocab_size(); ++id) {
      if (!exact.empty() && std::find(exact.begin(), exact.end(), token_text(id)) != exact.end()) out.push_back(id);
      if (preset_.banned.strings.empty() || id == bos || id == eos) continue;
      // Normalised strings: the token's text after leading spaces ("#" also bans " #").
      std::string text = tok_.decode({id});
      const size_t a = text.find_first_not_of(' ');
      text = a == std::string::npos ? std::string() : text.substr(a);
      if (std::find(preset_.banned.strings.begin(), preset_.banned.strings.end(), text) != preset_.banned.strings.end())
        out.push_back(id);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<int32_t> HogwildSession::encode_fragment(const std::string& text) const {
  if (text.empty()) return {};
  return tok_.encode_continuation(text);
}

void HogwildSession::emit(const EngineEvent& e) {
  if (observer_) observer_->on_event(e);
}

void HogwildSession::prefill_block(int block, const std::vector<int32_t>& ids, float* last_logits) {
  backend_->prefill(*cache_, block, ids, options_.prefill_chunk, last_logits);
}

std::string HogwildSession::record_token(int w, int32_t id, int64_t pass, bool inserted) {
  Worker& wk = workers_[static_cast<size_t>(w)];
  const std::string piece = wk.stream->push(id);
  wk.transcript += piece;
  TokenEvent e;
  e.worker = w;
  e.token = id;
  e.text = piece;
  e.step = wk.step;
  e.pass = pass;
  e.inserted = inserted;
  if (!inserted) {
    wk.sampled.push_back(id);
    ++generated_;
    e.top = wk.sampler->last_top(options_.top_candidates);
    std::tie(e.prob, e.rank) = wk.sampler->last_rank(id);
  }
  emit(e);
  return piece;
}

void HogwildSession::insert_text(int w, const std::string& text, int64_t pass) {
  Worker& wk = workers_[static_cast<size_t>(w)];
  for (int32_t id : encode_fragment(text)) {
    wk.input.push_back(id);
    wk.step_text += record_token(w, id, pass, /*inserted=*/true);
  }
}

void HogwildSession::prefill() {
  if (prefilled_) return;
  const auto t0 = std::chrono::steady_clock::now();
  const ModelConfig& c = model_.config;
  prompt_text_ = build_prompt(preset_, task_, names_);
  prompt_ids_ = tok_.encode_prompt(prompt_text_, options_.bos);
  if (prompt_ids_.empty()) throw ConfigError("the prompt is empty and the vocabulary has no BOS token to start from");
  // Worker text continues the prompt: a leading space is real, unless the prompt is only BOS (then, as after
  // any sequence start, SentencePiece's dummy-prefix space is dropped).
  for (Worker& wk : workers_) wk.stream->reset(/*at_sequence_start=*/prompt_text_.empty());
  if (static_cast<int64_t>(prompt_ids_.size()) >= c.context_length)
    throw ConfigError("the prompt has " + std::to_string(prompt_ids_.size()) + " tokens but the model's context is " +
                      std::to_string(c.context_length) + ": shorten the task or the preset's prompt");
  const Layout& layout = cache_->layout();
  prompt_logits_.assign(static_cast<size_t>(c.vocab_size), 0.f);
  // The head (the preset's text before the task) apart from the rest, always: its K/V then depend on the head's
  // tokens alone, so a PromptCache can hand them to the next session with the same bits. At least the last token
  // is left to the rest: its logits start the workers.
  const int first = layout.first_block();
  head_tokens_ = 0;
  if (const std::string text = prompt_head(preset_, names_); !text.empty()) {
    const std::vector<int32_t> alone = tok_.encode_prompt(text, options_.bos);
    const size_t n = std::min(alone.size(), prompt_ids_.size() - 1);
    head_tokens_ = std::mismatch(alone.begin(), alone.begin() + static_cast<ptrdiff_t>(n), prompt_ids_.begin()).first - alone.begin();
  }
  if (head_tokens_ > 0) {
    const std::vector<int32_t> head(prompt_ids_.begin(), prompt_ids_.begin() + head_tokens_);
    PromptCache* shared = options_.prompt_cache;
    if (!shared || !shared->restore(*backend_, *cache_, first, head)) {
      prefill_block(first, head, nullptr);
      if (shared) shared->store(*backend_, *cache_, first, head);
    }
  }
  prefill_block(first, std::vector<int32_t>(prompt_ids_.begin() + head_tokens_, prompt_ids_.end()), prompt_logits_.data());

  // Constant blocks, each prefilled alone at block-local positions (§7.4).
  auto prefill_text = [&](BlockRole role, const std::string& text) {
    const int id = layout.find_block(role, role == BlockRole::Marker ? 0 : -1);
    if (id >= 0) prefill_block(id, encode_fragment(text), nullptr);
  };
  if (layout.kind() == LayoutKind::Combined) {
    prefill_text(BlockRole::HdrOthers, preset_.headers.others);
    prefill_text(BlockRole::HdrOwn, preset_.headers.own);
    prefill_text(BlockRole::Marker, preset_.headers.marker);
    for (int w = 1; w < preset_.workers; ++w) cache_->copy_block(layout.block_id(BlockRole::Marker, w), layout.block_id(BlockRole::Marker, 0));
  } else if (layout.kind() == LayoutKind::Contiguous) {
    prefill_text(BlockRole::Split, preset_.contiguous.split);
  }
  prefilled_ = true;

  // First inputs: each worker's opener (after its workspace header in the contiguous layout); a worker without
  // one samples its first token from the prompt's last logits (§12c).
  // The collaboration counter counts these first inputs only with count_from "openers"; by default
  // ("first_sampled", §8.1/§8.5 and the official code) it counts the inputs prepared after each pass, so it starts
  // at 0 after the openers.
  for (int w = 0; w < preset_.workers; ++w) {
    std::string opener = worker_opener(preset_, w);
    if (layout.kind() == LayoutKind::Contiguous) opener = workspace_header(preset_, w) + opener;
    insert_text(w, opener, 0);
    Worker& wk = workers_[static_cast<size_t>(w)];
    if (wk.input.empty()) {
      std::vector<float> logits = prompt_logits_;
      const int32_t next = wk.sampler->sample(logits, wk.sampled, banned_);
      wk.input.push_back(next);
      wk.step_text += record_token(w, next, 0, /*inserted=*/false);
    }
    if (preset_.collaboration.count_from == CollabCountFrom::Openers) collab_->add_inputs(static_cast<int64_t>(wk.input.size()));
  }
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string HogwildSession::merge_pending(int w, int64_t pass, std::string& reason) {
  Worker& wk = workers_[static_cast<size_t>(w)];
  try {
    cache_->merge_step(w, wk.pending_merge);  // may not push another worker's view past the context
  } catch (const ConfigError& e) {
    if (!is_context_full(e)) throw;
    reason = "context";
    return e.what();
  } catch (const BackendError& e) {  // the device failed during the merge: as a failed pass (no finisher)
    reason = "error";
    return e.what();
  }
  history_ += wk.pending_text;
  StepFinishedEvent e;
  e.worker = w;
  e.step = wk.pending_step;
  e.text = wk.pending_text;
  e.pass = pass;
  e.history_tokens = cache_->block_length(cache_->layout().first_block());
  emit(e);
  wk.pending_merge = 0;
  wk.pending_text.clear();
  return {};
}

bool HogwildSession::step() {
  if (!begin_pass()) return false;
  return run_pass();
}

std::optional<Backend::CachePass> HogwildSession::begin_pass() {
  if (finished_) return std::nullopt;
  if (!prefilled_) prefill();
  pass_t0_ = std::chrono::steady_clock::now();
  std::vector<std::vector<int32_t>> rows;
  for (const Worker& wk : workers_) rows.push_back(wk.input);
  pass_batch_ = ForwardBatch::from_rows(rows);
  logits_.resize(static_cast<size_t>(preset_.workers) * model_.config.vocab_size);
  pass_open_ = true;
  Backend::CachePass p;
  p.cache = cache_.get();
  p.target = PassTarget::workers();
  p.batch = &pass_batch_;
  p.logits = logits_.data();
  p.mode = LogitsMode::LastSlot;
  return p;
}

bool HogwildSession::run_pass() {
  if (!pass_open_) throw std::logic_error("HogwildSession::run_pass without begin_pass");
  try {
    backend_->forward(*cache_, PassTarget::workers(), pass_batch_, logits_.data(), LogitsMode::LastSlot);
  } catch (const BackendError& e) {
    // The device failed (the backend rolled the pass back where it could): the run ends here with one message;
    // what the workers wrote stays (transcripts, history, events).
    pass_open_ = false;
    finish("error", std::string(e.what()) + "; the run stops here", /*finisher=*/false);
    return false;
  } catch (const ConfigError& e) {
    pass_open_ = false;
    if (!is_context_full(e)) throw;
    finish("context", std::string(e.what()) + "; the run stops here");
    return false;
  }
  return end_pass();
}

bool HogwildSession::end_pass() {
  if (!pass_open_) throw std::logic_error("HogwildSession::end_pass without begin_pass");
  pass_open_ = false;
  const auto t0 = pass_t0_;
  const ModelConfig& c = model_.config;
  const Layout& layout = cache_->layout();
  const int W = preset_.workers;
  const int64_t pass = passes_;
  ++passes_;

  // next_pass: steps finished in the previous pass join common now that their separator has K/V (§12b), in
  // worker order. A merge that would push another worker's view past the context stops the run (the unmerged step
  // stays in the answer).
  for (int w = 0; w < W; ++w) {
    if (workers_[static_cast<size_t>(w)].pending_merge <= 0) continue;
    std::string reason;
    if (std::string why = merge_pending(w, pass, reason); !why.empty()) {
      seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      finish(reason, why + "; the run stops here", /*finisher=*/reason != "error");
      return false;
    }
  }

  if (cache_->stats_enabled()) {
    StatsEvent e;
    cache_->fill_stats(e);
    e.pass = pass;
    emit(e);
  }

  bool eos = false;
  std::optional<std::string> answer;
  for (int w = 0; w < W; ++w) {
    Worker& wk = workers_[static_cast<size_t>(w)];
    std::vector<float> row(logits_.begin() + static_cast<ptrdiff_t>(w) * c.vocab_size,
                           logits_.begin() + static_cast<ptrdiff_t>(w + 1) * c.vocab_size);
    const int32_t next = wk.sampler->sample(row, wk.sampled, banned_);
    if (preset_.stop.on_eos && is_stop(next)) {
      eos = true;
      wk.input.clear();
      continue;
    }
    const std::string piece = record_token(w, next, pass, /*inserted=*/false);
    const bool boundary =
        layout.has_steps() &&
        ends_step(preset_.step.end_rule, wk.step_text, piece,
                  !separator_tokens_.empty() && separator_tokens_[static_cast<size_t>(next)], preset_.step.separator,
                  preset_.step.fences);
    wk.step_text += piece;
    wk.input.assign(1, next);
    if (boundary) {
      const int64_t own_length = cache_->block_length(layout.own_block(w));
      wk.pending_text = wk.step_text;
      wk.pending_step = wk.step;
      if (preset_.step.merge == StepMerge::SamePass) {
        // Official timing (§8.4): the step merges now, without the boundary token, which has no K/V yet and is fed
        // as the first token of the next step (its input below: boundary token + prefix).
        wk.pending_merge = own_length;
        std::string reason;
        if (std::string why = merge_pending(w, pass, reason); !why.empty()) {
          seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          finish(reason, why + "; the run stops here", /*finisher=*/reason != "error");
          return false;
        }
      } else {
        // §12b: the boundary token is fed next pass as the step's last token; the head [0, n] then merges.
        wk.pending_merge = own_length + 1;
      }
      if (preset_.stop.on_boxed_answer && !answer) answer = extract_boxed_answer(wk.step_text, preset_.stop.answer);
      ++wk.step;
      wk.step_text.clear();
      std::string prefix = step_prefix(preset_, w, wk.step);
      if (collab_->ask_at_step_start()) {
        prefix += preset_.collaboration.question;
        CollabQuestionEvent q;
        q.worker = w;
        q.step = wk.step;
        q.text = preset_.collaboration.question;
        q.pass = pass;
        emit(q);
      }
      insert_text(w, prefix, pass);
    }
    collab_->add_inputs(static_cast<int64_t>(wk.input.size()));
  }
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (eos) finish("eos", "a worker produced an end-of-sequence token");
  else if (answer) finish("answer", "a finished step gave the answer \\boxed{" + *answer + "}");
  else if (passes_ >= preset_.budget.max_passes) finish("budget", "the budget of " + std::to_string(preset_.budget.max_passes) + " passes is spent");
  return !finished_;
}

void HogwildSession::set_drill_layer(int layer) {
  if (layer < -1 || layer >= model_.config.n_layers)
    throw ConfigError("drill layer " + std::to_string(layer) + " is out of range (the model has " +
                      std::to_string(model_.config.n_layers) + " layers)");
  cache_->set_drill_layer(layer);
}

void HogwildSession::stop() {
  if (!finished_) finish("stopped", "stopped by the user");
}

std::string HogwildSession::assembled_response() const {
  std::vector<std::string> steps;
  for (const Worker& wk : workers_) steps.push_back(wk.step_text);
  std::string history = history_;
  for (const Worker& wk : workers_) history += wk.pending_text;  // finished, merge not yet applied
  if (cache_->layout().kind() == LayoutKind::Contiguous) return assemble_response(prompt_text_, "", "", steps, "");
  return assemble_response(prompt_text_, history, preset_.headers.others, steps, preset_.headers.marker);
}

void HogwildSession::finish(const std::string& reason, const std::string& message, bool finisher) {
  FinishedEvent f;
  f.reason = reason;
  f.message = message;
  // The answer: rightmost \boxed{} in what the workers wrote (not in the prompt, which may show examples).
  std::string written = history_;
  for (const Worker& wk : workers_) written += wk.pending_text;
  for (const Worker& wk : workers_) written += wk.step_text;
  if (auto a = extract_boxed_answer(written, preset_.stop.answer)) f.answer = *a;
  if (finisher && f.answer.empty() && reason != "stopped" && !preset_.finisher.text.empty() && preset_.finisher.max_tokens > 0) {
    try {
      run_finisher(f);
    } catch (const Error& e) {
      f.message += "; finisher skipped: " + std::string(e.what());
      if (dynamic_cast<const BackendError*>(&e)) f.reason = "error";  // the device failed: not a normal end
    }
  }
  f.passes = passes_;
  f.tokens = generated_;
  f.seconds = seconds_;
  finished_ = f;
  logger("hogwild")->info("finished: {} ({}), {} passes, {} tokens", reason, message, passes_, generated_);
  emit(f);
}

void HogwildSession::run_finisher(FinishedEvent& f) {
  // §8.8: re-encode the whole response plus the finisher and decode greedily with an ordinary cache, which starts
  // with the prompt's K/V copied from this session (prompt_kv()): a long prompt is not prefilled a second time.
  FinisherCache& fc = options_.finisher_cache ? *options_.finisher_cache : own_finisher_cache_;
  const FinisherRun r = hogwild::run_finisher(*backend_, tok_, assembled_response(), preset_.finisher, preset_.stop.answer,
                                              FinisherOptions{stop_ids_, options_.bos, options_.prefill_chunk, prompt_kv()}, &fc);
  if (!r.ran) {
    f.message += "; finisher skipped: " + r.skipped;
    return;
  }
  if (r.answer) f.answer = *r.answer;
  f.message += "; finisher: \"" + r.output + "\"";
}

}  // namespace hogwild
