#include "lab_cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "backend/backend_select.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/log.h"
#include "generation/model_bundle.h"
#include "lab/arithmetic_generator.h"
#include "lab/experiment_runner.h"
#include "lab/report.h"
#include "lab/run_executor.h"
#include "model/default_model.h"

namespace hogwild::app {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Value flags per command; everything else starting with "--" must be a known switch.
const std::map<std::string, std::set<std::string>> kValueFlags = {
    {"generate", {"n", "seed", "min-steps", "max-steps", "max-start", "out"}},
    {"import", {"format", "limit", "out", "question-column", "answer-column", "id-column", "check", "delimiter"}},
    {"run", {"db", "model", "tokenizer", "backend", "threads", "batch", "log-level"}},
    {"bench", {"model", "tokenizer", "backend", "threads", "batch", "log-level"}},
    {"report", {"compare"}},
    {"export", {"csv", "json"}},
    {"plot", {"out", "kind", "width", "height"}},
};
const std::map<std::string, std::set<std::string>> kSwitches = {
    {"generate", {}},
    {"import", {"skip-bad-lines"}},
    {"run", {"resume", "json", "quiet"}},
    {"bench", {"json"}},
    {"report", {"json"}},
    {"export", {}},
    {"plot", {}},
};

std::atomic<bool>* g_stop = nullptr;
extern "C" void on_sigint(int) {
  if (g_stop) g_stop->store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl+C ends the program at once
}

std::string duration_text(double s) {
  if (s < 0) return "--";
  const long long t = static_cast<long long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", t / 3600, (t / 60) % 60);
  else if (t >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%llds", t);
  return buf;
}

json progress_json(const lab::LabProgress& p) {
  return {{"event", "progress"}, {"runs_total", p.runs_total}, {"runs_stored", p.runs_stored}, {"runs_done", p.runs_done},
          {"runs_failed", p.runs_failed}, {"passes_done", p.passes_done}, {"passes_total", p.passes_total},
          {"elapsed_seconds", p.elapsed_seconds}, {"eta_seconds", p.eta_seconds}, {"current", p.current}};
}

}  // namespace

std::string LabArgs::value(const std::string& f, const std::string& fallback) const {
  const auto it = flags.find(f);
  return it == flags.end() || it->second.empty() ? fallback : it->second.back();
}

namespace {
long long parse_integer(const std::string& f, const std::string& v, long long lo, long long hi) {
  size_t used = 0;
  long long x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty() || x < lo || x > hi)
    throw ConfigError("--" + f + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] (got \"" + v + "\")");
  return x;
}
}  // namespace

long long LabArgs::integer(const std::string& f, long long fallback, long long lo, long long hi) const {
  return has(f) ? parse_integer(f, value(f), lo, hi) : fallback;
}

std::vector<long long> LabArgs::integers(const std::string& f, long long lo, long long hi) const {
  std::vector<long long> out;
  if (const auto it = flags.find(f); it != flags.end())
    for (const std::string& v : it->second) out.push_back(parse_integer(f, v, lo, hi));
  return out;
}

LabArgs parse_lab_args(const std::vector<std::string>& args) {
  LabArgs a;
  size_t i = 0;
  if (i < args.size() && args[i] == "--resume") {  // "hogwild-lab --resume exp.db" is "run --resume exp.db"
    a.command = "run";
    a.flags["resume"];
    ++i;
  } else if (i < args.size()) {
    a.command = args[i++];
  }
  if (a.command == "--help" || a.command == "-h" || a.command == "help" || a.command == "--version") return a;
  if (!kValueFlags.count(a.command))
    throw ConfigError(a.command.empty() ? "no command given (try --help)" : "unknown command \"" + a.command + "\" (try --help)");
  const auto& values = kValueFlags.at(a.command);
  const auto& switches = kSwitches.at(a.command);
  for (; i < args.size(); ++i) {
    const std::string& s = args[i];
    if (s.rfind("--", 0) != 0 || s == "-") {
      a.positional.push_back(s);
      continue;
    }
    std::string name = s.substr(2), val;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      val = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (switches.count(name)) {
      if (inline_value) throw ConfigError("--" + name + " takes no value");
      a.flags[name];
    } else if (values.count(name)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) throw ConfigError("--" + name + " needs a value");
        val = args[++i];
      }
      a.flags[name].push_back(val);
    } else {
      throw ConfigError("unknown option --" + name + " for \"" + a.command + "\" (try --help)");
    }
  }
  return a;
}

const char* lab_usage() {
  return R"(hogwild-lab — the prompt-strategy lab: run problem sets through arms of Hogwild! presets, compare them.

Usage:
  hogwild-lab generate arithmetic [--n 100] [--seed 1] [--min-steps 2] [--max-steps 4] [--max-start 30] [--out FILE]
  hogwild-lab import FILE [--format auto|jsonl|gsm8k|math|csv] [--skip-bad-lines] [--limit N]
                          [--question-column C] [--answer-column C] [--id-column C] [--delimiter X]
                          [--check numeric|exact|boxed|regex|choice] [--out FILE]
  hogwild-lab run EXPERIMENT.json [--db FILE] [--resume] [--model PATH] [--tokenizer PATH]
                  [--backend auto|cpu|cuda] [--threads N] [--batch P] [--json] [--quiet]
  hogwild-lab run --resume EXPERIMENT.db          (or: hogwild-lab --resume EXPERIMENT.db)
  hogwild-lab bench EXPERIMENT.json [--batch P]... [--model PATH] [--tokenizer PATH] [--backend auto|cpu|cuda]
                    [--threads N] [--json]
  hogwild-lab report EXPERIMENT.db [--json] [--compare "ARM A" --compare "ARM B"]...
  hogwild-lab export EXPERIMENT.db (--csv FILE | --json FILE)      FILE "-" is standard output
  hogwild-lab plot EXPERIMENT.db --out FIG.png|FIG.svg [--kind accuracy|tokens|redundancy|all]
                   [--width PX] [--height PX]

run: every (arm, problem, seed) of the experiment; each finished run is stored in the SQLite database (default:
the experiment's name with .db) in one transaction. On a terminal a progress bar with ETA is drawn; --json prints
one JSON object per line (progress, run, done). Ctrl+C stops after writing what is done; --resume continues and
skips every stored run. --backend auto (default) takes CUDA when usable, else the CPU; the results name the backend that ran.
--batch P: P runs share each forward pass (default 8; 1: one run at a time; also "runs_per_pass" in the experiment).
bench: runs the whole grid once per executor (sequential, then each --batch P; default 1 and 8) into scratch
databases and prints the throughput of each and whether every run gave the same answer and tokens.
Formats, metrics and statistics: docs/LAB.md.
)";
}

void write_output(const std::string& path, const std::string& text, const std::string& what) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  write_file_atomically(path, text, what);
}

int lab_generate(const LabArgs& a) {
  if (a.positional.size() != 1 || a.positional[0] != "arithmetic")
    throw ConfigError("generate: the only generator is \"arithmetic\" (hogwild-lab generate arithmetic --n 100 --seed 1)");
  lab::ArithmeticOptions o;
  o.count = static_cast<int>(a.integer("n", o.count, 1, 1000000));
  o.seed = static_cast<uint64_t>(a.integer("seed", static_cast<long long>(o.seed), 0, INT64_MAX));
  o.min_steps = static_cast<int>(a.integer("min-steps", o.min_steps, 1, 12));
  o.max_steps = static_cast<int>(a.integer("max-steps", std::max(o.max_steps, o.min_steps), 1, 12));
  o.max_start = static_cast<int>(a.integer("max-start", o.max_start, 2, 100000));
  const lab::ProblemSet set = lab::generate_arithmetic(o);
  write_output(a.value("out", "-"), lab::problem_set_to_jsonl(set), "the problem set");
  if (a.value("out", "-") != "-") std::cerr << "hogwild-lab: wrote " << set.problems.size() << " problems to " << a.value("out") << "\n";
  return 0;
}

int lab_import(const LabArgs& a) {
  if (a.positional.size() != 1) throw ConfigError("import: give one problem file (or folder)");
  lab::LoadOptions o;
  if (a.has("format")) {
    const auto f = lab::problem_format_from_string(a.value("format"));
    if (!f) throw ConfigError("--format must be auto, jsonl, gsm8k, math (limo, aime) or csv (got \"" + a.value("format") + "\")");
    o.format = *f;
  }
  o.skip_bad_lines = a.has("skip-bad-lines");
  o.limit = static_cast<size_t>(a.integer("limit", 0, 0, 100000000));
  if (a.has("question-column")) o.csv.question = a.value("question-column");
  if (a.has("answer-column")) o.csv.answer = a.value("answer-column");
  if (a.has("id-column")) o.csv.id = a.value("id-column");
  if (a.has("delimiter")) {
    const std::string d = a.value("delimiter") == "\\t" ? "\t" : a.value("delimiter");
    if (d.size() != 1) throw ConfigError("--delimiter must be one character");
    o.csv.delimiter = d[0];
  }
  if (a.has("check")) {
    const auto k = lab::check_kind_from_string(a.value("check"));
    if (!k) throw ConfigError("--check must be numeric, exact, boxed, regex or choice");
    o.default_check = *k;
  }
  const lab::ProblemSet set = lab::load_problem_set(a.positional[0], o);
  for (const auto& s : set.skipped) std::cerr << "hogwild-lab: skipped " << s << "\n";
  write_output(a.value("out", "-"), lab::problem_set_to_jsonl(set), "the problem set");
  std::cerr << "hogwild-lab: " << set.problems.size() << " problems" << (set.skipped.empty() ? "" : ", " + std::to_string(set.skipped.size()) + " bad lines skipped")
            << (a.value("out", "-") != "-" ? " written to " + a.value("out") : "") << "\n";
  return 0;
}

namespace {

// The model the experiment names ("default": the stories260K default model), resolved against its folder.
std::pair<std::string, std::string> resolve_model(const lab::Experiment& e, const LabArgs& a, bool quiet) {
  std::string model = a.value("model", e.model), tokenizer = a.value("tokenizer", e.tokenizer);
  if (model.empty()) throw ConfigError("the experiment names no model: add \"model\" to it or give --model PATH");
  if (model == "default") {
    const ModelFiles f = ensure_default_model([&](const std::string& s) { if (!quiet) std::cerr << s << "\n"; });
    return {f.model, tokenizer.empty() ? f.tokenizer : tokenizer};
  }
  if (!a.has("model")) model = lab::resolve_path(e, model).string();
  if (!tokenizer.empty() && !a.has("tokenizer")) tokenizer = lab::resolve_path(e, tokenizer).string();
  return {fs::absolute(model).lexically_normal().string(), tokenizer.empty() ? "" : fs::absolute(tokenizer).lexically_normal().string()};
}

// The progress bar on a terminal: "[#####-----] 12/40 runs · 1 failed · 3.2 passes/s · ETA 2m13s · arm · set:id · seed 1".
void draw_bar(const lab::LabProgress& p) {
  const size_t done = p.runs_stored + p.runs_done + p.runs_failed;
  const double frac = p.passes_total > 0 ? static_cast<double>(p.passes_done) / static_cast<double>(p.passes_total) : 1.0;
  const int width = 24, filled = static_cast<int>(frac * width + 0.5);
  std::string bar = "[" + std::string(static_cast<size_t>(std::max(0, std::min(width, filled))), '#') +
                    std::string(static_cast<size_t>(width - std::max(0, std::min(width, filled))), '-') + "]";
  std::string line = bar + " " + std::to_string(done) + "/" + std::to_string(p.runs_total) + " runs";
  if (p.runs_failed) line += " · " + std::to_string(p.runs_failed) + " failed";
  line += " · ETA " + duration_text(p.eta_seconds);
  if (!p.current.empty()) line += " · " + p.current;
  if (line.size() > 118) line = line.substr(0, 115) + "...";
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

}  // namespace

int lab_run(const LabArgs& a) {
  set_log_level(a.value("log-level", "warn"));
  if (a.positional.size() != 1) throw ConfigError("run: give one experiment file (or, with --resume, its database)");
  const bool resume = a.has("resume"), as_json = a.has("json"), quiet = a.has("quiet");
  const fs::path arg = a.positional[0];
  lab::Experiment e;
  fs::path db = a.value("db");
  if (arg.extension() == ".db") {
    // Resume from the database alone: the experiment as stored.
    if (!resume) throw ConfigError(arg.string() + " is a results database: add --resume to continue its experiment");
    if (db.empty()) db = arg;
    lab::ResultStore probe(db, false);
    const lab::StoredExperiment se = probe.experiment();
    e = lab::experiment_from_json(se.spec, arg.string() + " (stored experiment)", se.base_dir);
  } else {
    e = lab::load_experiment(arg);
    if (db.empty()) db = fs::path(arg).replace_extension(".db");
  }
  const BackendChoice backend_choice = parse_backend_choice(a.value("backend", e.backend));
  if (a.has("threads")) e.threads = static_cast<int>(a.integer("threads", 0, 0, 1024));
  if (a.has("batch")) e.runs_per_pass = static_cast<int>(a.integer("batch", 0, 1, 256));

  std::error_code ec;
  if (fs::exists(db, ec) && !resume) {
    lab::ResultStore probe(db, false);
    if (probe.has_experiment())
      throw ConfigError(db.string() + " already holds " + std::to_string(probe.runs().size()) +
                        " runs of an experiment: add --resume to continue it, or --db to start a new database");
  }
  const auto [model, tokenizer] = resolve_model(e, a, quiet || as_json);
  // The model and the backend first (mapping a model is cheap): a backend that cannot run (--backend cuda without a
  // usable device) is one line, before anything is written. auto: CUDA when usable, else the CPU with the reason.
  const ModelBundle bundle = open_model_bundle(model, tokenizer);
  const BackendSelection selected = select_backend(bundle.model, BackendOptions{backend_choice, e.threads, {}});
  const std::string backend = selected.backend->info().describe();
  lab::ResultStore store(db, /*create=*/true);
  const std::unique_ptr<lab::RunExecutor> executor = lab::make_executor(bundle, *selected.backend, e.effective_runs_per_pass());
  lab::ExperimentRunner runner(e, store, model, executor->name());
  if (runner.pending().empty()) {
    if (!quiet && !as_json) std::cerr << "hogwild-lab: all " << runner.total_runs() << " runs are already in " << db.string() << "\n";
    if (as_json) std::cout << json{{"event", "done"}, {"runs_total", runner.total_runs()}, {"runs_done", 0}, {"finished", true}}.dump() << "\n";
    if (!quiet && !as_json) std::cout << lab::report_text(lab::build_report(store));
    return 0;
  }
  store.record_backend(backend);  // the results name the backend that computes the runs
  if (as_json) std::cout << json{{"event", "backend"}, {"backend", backend}, {"fallback", selected.fallback}}.dump() << "\n";
  if (!quiet && !as_json)
    std::cerr << "hogwild-lab: " << runner.pending().size() << " of " << runner.total_runs() << " runs to do (" << runner.arms().size() << " arms) → "
              << db.string() << " on " << selected.describe() << "\n";
  lab::RunControl control;
  g_stop = &control.stop;
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  const bool bar = !as_json && !quiet && ::isatty(STDERR_FILENO);
  lab::ExperimentRunner::Callbacks cb;
  cb.progress = [&](const lab::LabProgress& p) {
    if (bar) draw_bar(p);
    else if (as_json) std::cout << progress_json(p).dump(-1, ' ', false, json::error_handler_t::replace) << "\n" << std::flush;
  };
  cb.run_stored = [&](const lab::RunTask& t, int64_t id, const lab::RunResult& r) {
    if (as_json) {
      std::cout << json{{"event", "run"}, {"run_id", id}, {"arm", t.arm->name}, {"problem_set", t.problem_set}, {"problem", t.problem->id},
                        {"seed", t.seed}, {"answer", r.final_answer}, {"expected", t.problem->answer}, {"correct", r.correct},
                        {"passes", r.passes}, {"tokens", r.tokens}, {"wall_seconds", r.wall_seconds}}
                       .dump(-1, ' ', false, json::error_handler_t::replace)
                << "\n" << std::flush;
    } else if (!bar && !quiet) {
      std::cerr << "run " << id << ": " << lab::describe(t) << " → \"" << r.final_answer << "\" " << (r.correct ? "correct" : "wrong") << "\n";
    }
  };
  cb.run_failed = [&](const lab::RunTask& t, const std::string& error) {
    if (as_json) std::cout << json{{"event", "run_failed"}, {"arm", t.arm->name}, {"problem", t.problem->id}, {"seed", t.seed}, {"error", error}}.dump() << "\n" << std::flush;
    else if (!quiet) std::cerr << (bar ? "\r\033[K" : "") << "hogwild-lab: run failed: " << lab::describe(t) << ": " << error << "\n";
  };
  const lab::LabProgress p = runner.run(*executor, control, cb);
  g_stop = nullptr;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (bar) std::fprintf(stderr, "\r\033[K");
  const bool stopped = control.stop.load();
  if (as_json) {
    json done = progress_json(p);
    done["event"] = "done";
    done["finished"] = p.finished;
    done["stopped"] = stopped;
    std::cout << done.dump() << "\n";
  } else if (!quiet) {
    std::cerr << "hogwild-lab: " << p.runs_done << " runs stored" << (p.runs_failed ? ", " + std::to_string(p.runs_failed) + " failed" : "")
              << " in " << duration_text(p.elapsed_seconds) << (stopped ? "; stopped — continue with: hogwild-lab run --resume " + db.string() : "") << "\n";
    if (!stopped) std::cout << lab::report_text(lab::build_report(store));
  }
  return stopped ? 130 : 0;
}

int lab_bench(const LabArgs& a) {
  set_log_level(a.value("log-level", "warn"));
  if (a.positional.size() != 1) throw ConfigError("bench: give one experiment file");
  lab::Experiment e = lab::load_experiment(a.positional[0]);
  if (a.has("threads")) e.threads = static_cast<int>(a.integer("threads", 0, 0, 1024));
  // Sequential first (the baseline), then each --batch P once (default: the experiment's runs per pass).
  std::vector<int> batches = {1};
  std::vector<long long> asked = a.integers("batch", 1, 256);
  if (asked.empty()) asked.push_back(e.effective_runs_per_pass());
  for (const long long p : asked)
    if (std::find(batches.begin(), batches.end(), static_cast<int>(p)) == batches.end()) batches.push_back(static_cast<int>(p));
  const bool as_json = a.has("json");
  const auto [model, tokenizer] = resolve_model(e, a, true);
  const ModelBundle bundle = open_model_bundle(model, tokenizer);
  const BackendSelection selected = select_backend(bundle.model, BackendOptions{parse_backend_choice(a.value("backend", e.backend)), e.threads, {}});
  const fs::path scratch = fs::temp_directory_path() / ("hogwild-lab-bench-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  struct Row {
    std::string executor;
    size_t runs = 0, failed = 0;
    int64_t passes = 0, tokens = 0;
    double seconds = 0;
    std::map<std::string, std::pair<std::string, int64_t>> answers;  // describe(task) -> (answer, tokens)
    Backend::PassLedger ledger;  // where the forward passes' time went
  };
  std::vector<Row> rows;
  try {
    for (const int p : batches) {
      const std::unique_ptr<lab::RunExecutor> executor = lab::make_executor(bundle, *selected.backend, p);
      Row row;
      row.executor = executor->name();
      lab::ResultStore store(scratch / ("batch" + std::to_string(p) + ".db"), true);
      lab::ExperimentRunner runner(e, store, model, executor->name());
      if (!as_json) std::cerr << "hogwild-lab bench: " << runner.pending().size() << " runs with " << row.executor << " on " << selected.describe() << "\n";
      lab::ExperimentRunner::Callbacks cb;
      cb.run_stored = [&](const lab::RunTask& t, int64_t, const lab::RunResult& r) {
        ++row.runs;
        row.passes += r.passes;
        row.tokens += r.tokens;
        row.answers[lab::describe(t)] = {r.final_answer, r.tokens};
      };
      cb.run_failed = [&](const lab::RunTask&, const std::string&) { ++row.failed; };
      lab::RunControl control;
      selected.backend->reset_ledger();
      const auto t0 = std::chrono::steady_clock::now();
      runner.run(*executor, control, cb);
      row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      row.ledger = selected.backend->ledger();
      rows.push_back(std::move(row));
    }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
    throw;
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  const double base = rows.front().seconds;
  json out = {{"experiment", e.name}, {"model", model}, {"backend", selected.backend->info().describe()}, {"executors", json::array()}};
  if (!as_json) {
    std::printf("%-14s %6s %8s %8s %9s %8s %12s %s\n", "executor", "runs", "passes", "tokens", "seconds", "tok/s", "x sequential", "same runs");
  }
  for (const Row& r : rows) {
    const bool same = r.answers == rows.front().answers;
    const double tps = r.seconds > 0 ? static_cast<double>(r.tokens) / r.seconds : 0.0;
    const double speedup = r.seconds > 0 ? base / r.seconds : 0.0;
    out["executors"].push_back({{"executor", r.executor}, {"runs", r.runs}, {"failed", r.failed}, {"passes", r.passes}, {"tokens", r.tokens},
                                {"seconds", r.seconds}, {"tokens_per_second", tps}, {"speedup", speedup}, {"same_runs", same}});
    if (!as_json)
      std::printf("%-14s %6zu %8lld %8lld %9.2f %8.1f %11.2fx %s\n", r.executor.c_str(), r.runs, static_cast<long long>(r.passes),
                  static_cast<long long>(r.tokens), r.seconds, tps, speedup, same ? "yes" : "NO (answers or token counts differ)");
  }
  // Where the time went, and how far batching could go on this grid (docs/PERFORMANCE.md, "Lab throughput"): the
  // prefill-sized passes and the per-run work outside the passes are the same in every executor; a batched
  // executor can at best bring each decode slot down to the per-slot cost of the prefill-sized passes.
  const auto ledger_json = [](const Backend::PassLedger::Kind& k) {
    return json{{"passes", k.passes}, {"slots", k.slots}, {"seconds", k.seconds}};
  };
  const Backend::PassLedger& seq = rows.front().ledger;
  const bool have_ledger = seq.small.passes + seq.large.passes > 0;
  double ceiling = 0;
  if (have_ledger && seq.large.slots > 0) {
    const double other = std::max(0.0, base - seq.small.seconds - seq.large.seconds);
    const double per_slot = seq.large.seconds / static_cast<double>(seq.large.slots);
    const double best = seq.large.seconds + other + per_slot * static_cast<double>(seq.small.slots);
    ceiling = best > 0 ? base / best : 0;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    out["executors"][i]["decode_passes"] = ledger_json(rows[i].ledger.small);
    out["executors"][i]["prefill_passes"] = ledger_json(rows[i].ledger.large);
  }
  if (ceiling > 0) out["batching_ceiling_estimate"] = ceiling;
  if (as_json) {
    std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  }
  if (have_ledger) {
    std::printf("\nwhere the time went    decode-sized passes (< 16 slots each)     prefill-sized passes      outside the passes\n");
    std::printf("%-14s %9s %9s %9s %10s %9s %9s %10s %9s\n", "executor", "passes", "slots", "seconds", "ms/slot", "slots", "seconds", "ms/slot", "seconds");
    for (const Row& r : rows) {
      const auto& d = r.ledger.small;
      const auto& p = r.ledger.large;
      const auto ms = [](const Backend::PassLedger::Kind& k) { return k.slots > 0 ? 1e3 * k.seconds / static_cast<double>(k.slots) : 0.0; };
      std::printf("%-14s %9lld %9lld %9.2f %10.3f %9lld %9.2f %10.3f %9.2f\n", r.executor.c_str(), static_cast<long long>(d.passes),
                  static_cast<long long>(d.slots), d.seconds, ms(d), static_cast<long long>(p.slots), p.seconds, ms(p),
                  std::max(0.0, r.seconds - d.seconds - p.seconds));
    }
    if (ceiling > 0)
      std::printf("batching ceiling on this grid (estimate): %.2fx the sequential executor — its prefill-sized passes and the work\n"
                  "outside the passes stay, and every decode slot costs at least a prefill slot's %.3f ms\n",
                  ceiling, 1e3 * seq.large.seconds / static_cast<double>(seq.large.slots));
  }
  std::printf("model %s · %s\n", model.c_str(), selected.backend->info().describe().c_str());
  return 0;
}

namespace {
std::vector<std::pair<std::string, std::string>> compare_pairs(const LabArgs& a) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto it = a.flags.find("compare");
  if (it == a.flags.end()) return out;
  if (it->second.size() % 2) throw ConfigError("--compare takes arms in pairs: --compare \"A\" --compare \"B\"");
  for (size_t i = 0; i + 1 < it->second.size(); i += 2) out.emplace_back(it->second[i], it->second[i + 1]);
  return out;
}
}  // namespace

int lab_report(const LabArgs& a) {
  if (a.positional.size() != 1) throw ConfigError("report: give one results database");
  lab::ResultStore store(a.positional[0], false);
  const lab::LabReport r = lab::build_report(store, compare_pairs(a));
  if (a.has("json")) std::cout << lab::report_json(r).dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  else std::cout << lab::report_text(r);
  return 0;
}

int lab_export(const LabArgs& a) {
  if (a.positional.size() != 1) throw ConfigError("export: give one results database");
  if (a.has("csv") == a.has("json")) throw ConfigError("export: give exactly one of --csv FILE or --json FILE");
  lab::ResultStore store(a.positional[0], false);
  if (a.has("csv")) write_output(a.value("csv"), lab::export_csv(store), "the CSV export");
  else write_output(a.value("json"), lab::export_json(store).dump(2, ' ', false, json::error_handler_t::replace) + "\n", "the JSON export");
  return 0;
}

}  // namespace hogwild::app
