#include "lab/forced_answer.h"

#include <algorithm>

#include "common/error.h"
#include "hogwild/finisher.h"
#include "hogwild/step_rules.h"

namespace hogwild::lab {

namespace {

// The finished steps whose merge is still pending (the session's private pending texts), recovered from the public
// assembled response: prompt + history + pending + others-header + Σ(current step + marker).
std::string pending_text(const HogwildSession& s) {
  const std::string all = s.assembled_response();
  const Preset& p = s.preset();
  const bool contiguous = p.layout == PresetLayout::Contiguous;
  size_t tail = contiguous ? 0 : p.headers.others.size();
  for (int w = 0; w < s.workers(); ++w) tail += s.current_step(w).size() + (contiguous ? 0 : p.headers.marker.size());
  const size_t head = s.prompt_text().size() + s.history().size();
  if (all.size() < head + tail) return {};
  return all.substr(head, all.size() - head - tail);
}

}  // namespace

std::string written_text(const HogwildSession& s) {
  std::string out = s.history() + pending_text(s);
  for (int w = 0; w < s.workers(); ++w) out += s.current_step(w);
  return out;
}

std::string response_after_prompt(const HogwildSession& s) { return s.assembled_response().substr(s.prompt_text().size()); }

AnswerForcer::AnswerForcer(const Tokenizer& tokenizer, std::vector<int32_t> stop_ids, Backend& backend, int64_t prefill_chunk)
    : tok_(tokenizer),
      stop_ids_(stop_ids.empty() ? tokenizer.stop_ids() : std::move(stop_ids)),
      prefill_chunk_(std::max<int64_t>(1, prefill_chunk)),
      backend_(backend) {}

AnswerForcer::~AnswerForcer() = default;

ForcedAnswerJob AnswerForcer::begin(const HogwildSession& s, FinisherCache* reuse) {
  const AnswerRule rule = s.preset().stop.answer;
  if (auto a = extract_boxed_answer(written_text(s), rule)) return {ForcedAnswer{*a, false, {}, {}}, nullptr};
  return begin_finisher(s.assembled_response(), s.preset().finisher, rule, reuse, s.prompt_kv());
}

ForcedAnswerJob AnswerForcer::begin(const std::vector<const HogwildSession*>& streams, const Preset::Finisher& finisher,
                                    FinisherCache* reuse) {
  if (streams.empty()) return {};
  std::string written, response = streams.front()->prompt_text();
  for (const HogwildSession* s : streams) {
    written += written_text(*s);
    response += response_after_prompt(*s);
  }
  const AnswerRule rule = streams.front()->preset().stop.answer;
  if (auto a = extract_boxed_answer(written, rule)) return {ForcedAnswer{*a, false, {}, {}}, nullptr};
  return begin_finisher(response, finisher, rule, reuse, streams.front()->prompt_kv());
}

ForcedAnswerJob AnswerForcer::begin_finisher(const std::string& response, const Preset::Finisher& finisher, AnswerRule rule,
                                             FinisherCache* reuse, FinisherPrompt prompt) {
  ForcedAnswerJob out;
  try {
    auto job = std::make_unique<FinisherJob>(backend_, tok_, response, finisher, rule,
                                             FinisherOptions{stop_ids_, std::nullopt, prefill_chunk_, prompt}, reuse);
    if (job->done()) out.ready = answer_of(*job);
    else out.job = std::move(job);
  } catch (const Error& e) {
    out.ready.note = std::string("finisher skipped: ") + e.what();
  }
  return out;
}

ForcedAnswer AnswerForcer::finish(ForcedAnswerJob& j) {
  if (!j.job) return j.ready;
  try {
    while (!j.job->done()) j.job->run_pass();
  } catch (const Error& e) {
    j.job->fail(e.what());
  }
  return answer_of(*j.job);
}

ForcedAnswer AnswerForcer::answer_of(const FinisherJob& job) {
  ForcedAnswer out;
  if (!job.error().empty()) {
    out.note = "finisher skipped: " + job.error();
    return out;
  }
  const FinisherRun& r = job.result();
  out.finisher_ran = r.ran;
  out.finisher_output = r.output;
  if (r.answer) out.answer = *r.answer;
  if (!r.ran) out.note = "finisher skipped: " + r.skipped;
  return out;
}

ForcedAnswer AnswerForcer::force(const HogwildSession& s, FinisherCache* reuse) {
  ForcedAnswerJob j = begin(s, reuse);
  return finish(j);
}

ForcedAnswer AnswerForcer::force(const std::vector<const HogwildSession*>& streams, const Preset::Finisher& finisher,
                                 FinisherCache* reuse) {
  ForcedAnswerJob j = begin(streams, finisher, reuse);
  return finish(j);
}

ForcedAnswer AnswerForcer::run_finisher(const std::string& response, const Preset::Finisher& finisher, AnswerRule rule,
                                        FinisherCache* reuse) {
  ForcedAnswerJob j = begin_finisher(response, finisher, rule, reuse);
  return finish(j);
}

}  // namespace hogwild::lab
