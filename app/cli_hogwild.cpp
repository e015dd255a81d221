#include "cli_hogwild.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "hogwild/event_json.h"
#include "hogwild/model_fit.h"
#include "hogwild/preset_library.h"
#include "hogwild/session.h"

namespace hogwild::app {

namespace {

// Live terminal view: each worker's text is cut into lines labelled with the worker's name (coloured on a
// terminal), so that several streams interleave readably. Step ends and collaboration questions are marked.
class TerminalView : public EventObserver {
 public:
  // live=false: only the event log is written (--json prints one object at the end instead).
  TerminalView(const HogwildSession& s, bool live, bool color, std::ofstream* events)
      : session_(s), live_(live), color_(color), events_(events), line_(static_cast<size_t>(s.workers())) {}

  void on_event(const EngineEvent& e) override {
    if (events_) *events_ << event_to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!live_) return;
    if (const auto* t = std::get_if<TokenEvent>(&e)) {
      std::string& l = line_[static_cast<size_t>(t->worker)];
      for (char ch : t->text) {
        if (ch == '\n') {
          flush(t->worker);
        } else {
          l += ch;
          if (l.size() > 96 && ch == ' ') flush(t->worker);
        }
      }
    } else if (const auto* f = std::get_if<StepFinishedEvent>(&e)) {
      flush(f->worker);
      std::printf("%s  -- %s finished step %d (history: %lld tokens)%s\n", dim(), session_.worker_name(f->worker).c_str(),
                  f->step, static_cast<long long>(f->history_tokens), reset());
    } else if (const auto* q = std::get_if<CollabQuestionEvent>(&e)) {
      std::printf("%s  -- collaboration question for %s%s\n", dim(), session_.worker_name(q->worker).c_str(), reset());
    }
    std::fflush(stdout);
  }

  void flush_all() {
    if (!live_) return;
    for (int w = 0; w < session_.workers(); ++w) flush(w);
  }

 private:
  void flush(int w) {
    std::string& l = line_[static_cast<size_t>(w)];
    if (l.empty()) return;
    static const char* colors[] = {"\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m", "\033[31m", "\033[96m", "\033[93m"};
    std::printf("%s%-8s|%s %s\n", color_ ? colors[w % 8] : "", session_.worker_name(w).c_str(), reset(), l.c_str());
    l.clear();
  }
  const char* dim() const { return color_ ? "\033[2m" : ""; }
  const char* reset() const { return color_ ? "\033[0m" : ""; }

  const HogwildSession& session_;
  bool live_;
  bool color_;
  std::ofstream* events_;
  std::vector<std::string> line_;
};

}  // namespace

bool wants_hogwild(const CliOptions& o) { return o.workers > 0 || !o.preset.empty() || !o.layout.empty(); }

BackendSelection select_cli_backend(const CliOptions& o, const Model& model) {
  BackendOptions bo;
  bo.choice = parse_backend_choice(o.backend);
  bo.threads = o.threads;
  return select_backend(model, bo);
}

nlohmann::json backend_json(const BackendSelection& s) {
  const BackendInfo i = s.backend->info();
  return {{"name", backend_kind_name(i.kind)}, {"device", i.device}, {"description", s.describe()}, {"fallback", s.fallback}};
}

int run_hogwild_cli(const CliOptions& o, ModelBundle& bundle, const std::string& prompt) {
  // Default ("auto"): the preset recommended for the model (model_fit.h: by chat template and family).
  std::string preset_name = o.preset;
  if (preset_name.empty() || preset_name == "auto") preset_name = recommended_preset(bundle);
  Preset preset = load_preset(find_preset(preset_name));
  if (o.workers > 0) {
    preset.workers = o.workers;
    if (static_cast<int>(preset.names.size()) < o.workers)
      throw ConfigError("--workers " + std::to_string(o.workers) + ": the preset names only " + std::to_string(preset.names.size()) + " workers");
  }
  if (!o.layout.empty()) preset.layout = o.layout == "contiguous" ? PresetLayout::Contiguous : o.layout == "interleaved" ? PresetLayout::Interleaved : PresetLayout::Combined;
  if (o.max_passes > 0) preset.budget.max_passes = o.max_passes;
  if (o.sampling_overridden) {
    preset.sampling.temperature = o.sampling.temperature;
    preset.sampling.top_k = o.sampling.top_k;
    preset.sampling.top_p = o.sampling.top_p;
    preset.sampling.min_p = o.sampling.min_p;
    preset.sampling.repetition_penalty = o.sampling.repetition_penalty;
    preset.sampling.seed = o.sampling.seed;
  }
  if (o.no_stats) preset.statistics.enabled = false;
  preset.validate("command line");

  const BackendSelection sel = select_cli_backend(o, bundle.model);
  SessionOptions so;
  so.threads = o.threads;
  so.backend = sel.backend.get();
  so.bos = o.bos;
  HogwildSession session(bundle, preset, prompt, so);
  std::ofstream events;
  if (!o.events_file.empty()) {
    events.open(o.events_file, std::ios::binary | std::ios::trunc);
    if (!events) throw ConfigError(o.events_file + ": cannot open the event log for writing");
  }
  TerminalView view(session, !o.json, isatty(STDOUT_FILENO), events.is_open() ? &events : nullptr);
  session.set_observer(&view);
  if (!o.json && !o.quiet)
    std::fprintf(stderr, "Hogwild! preset '%s' (%s), %d workers, %s layout, budget %lld passes; backend %s\n", preset_name.c_str(),
                 o.preset.empty() || o.preset == "auto" ? "recommended for the model" : "chosen", preset.workers,
                 std::string(to_string(preset.layout)).c_str(), static_cast<long long>(preset.budget.max_passes),
                 sel.describe().c_str());
  session.prefill();
  while (session.step()) {
  }
  view.flush_all();
  const FinishedEvent& f = *session.result();
  const double tps = f.seconds > 0 ? static_cast<double>(f.tokens) / f.seconds : 0.0;
  if (o.json) {
    nlohmann::json j;
    j["preset"] = preset_to_json(preset);
    j["prompt"] = session.prompt_text();
    j["prompt_ids"] = session.prompt_ids();
    j["workers"] = nlohmann::json::array();
    for (int w = 0; w < session.workers(); ++w)
      j["workers"].push_back({{"name", session.worker_name(w)}, {"transcript", session.transcript(w)}, {"sampled_ids", session.sampled(w)}});
    j["history"] = session.history();
    j["finished"] = event_to_json(f);
    j["tokens_per_second"] = tps;
    j["backend"] = backend_json(sel);
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::printf("\n==== Final transcripts ====\n");
    for (int w = 0; w < session.workers(); ++w) std::printf("\n--- %s ---\n%s\n", session.worker_name(w).c_str(), session.transcript(w).c_str());
    if (!session.history().empty()) std::printf("\n==== Shared history ====\n%s\n", session.history().c_str());
    std::printf("\n==== Finished: %s%s%s ====\n", f.reason.c_str(), f.answer.empty() ? "" : ", answer: ", f.answer.c_str());
    std::fflush(stdout);  // the transcripts end before the speed line when stdout and stderr share a pipe
    if (!o.quiet)
      std::fprintf(stderr, "[%lld passes, %lld tokens, %.1f tok/s aggregate, %.1f tok/s per worker; %s]\n",
                   static_cast<long long>(f.passes), static_cast<long long>(f.tokens), tps, tps / session.workers(), f.message.c_str());
  }
  // A device failure ended the run: the transcripts above are kept, the error is the program's one line.
  if (f.reason == "error") throw BackendError(f.message);
  return 0;
}

}  // namespace hogwild::app
