#include "lab/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "common/error.h"
#include "lab/csv.h"

namespace hogwild::lab {

using nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double mean_of(const std::vector<double>& v) {
  double s = 0;
  int n = 0;
  for (double x : v)
    if (!std::isnan(x)) {
      s += x;
      ++n;
    }
  return n ? s / n : kNaN;
}

const StoredCheckpoint* at_budget(const StoredRun& r, int64_t budget) {
  for (const auto& c : r.checkpoints)
    if (c.budget == budget) return &c;
  return nullptr;
}

std::string fmt(const char* f, double v) {
  if (std::isnan(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

json num(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

bool is_control(const StoredArm& a) { return a.kind == "single" || a.kind == "independent"; }

// Pads to a display width counting UTF-8 characters (arm names may hold non-ASCII).
std::string pad(const std::string& s, size_t width) {
  size_t chars = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++chars;
  return chars >= width ? s : s + std::string(width - chars, ' ');
}

}  // namespace

PairedComparison compare_arms(const std::vector<StoredRun>& runs, const StoredArm& a, const StoredArm& b, int64_t budget) {
  PairedComparison c;
  c.arm_a = a.name;
  c.arm_b = b.name;
  c.budget = budget;
  std::map<std::pair<int64_t, uint64_t>, bool> in_a;
  for (const StoredRun& r : runs)
    if (r.arm_id == a.id && r.status == "done")
      if (const StoredCheckpoint* k = at_budget(r, budget)) in_a[{r.problem_id, r.seed}] = k->correct;
  for (const StoredRun& r : runs) {
    if (r.arm_id != b.id || r.status != "done") continue;
    const StoredCheckpoint* k = at_budget(r, budget);
    const auto it = in_a.find({r.problem_id, r.seed});
    if (!k || it == in_a.end()) continue;
    ++c.pairs;
    c.a_correct += it->second;
    c.b_correct += k->correct;
    if (it->second && !k->correct) ++c.only_a;
    if (!it->second && k->correct) ++c.only_b;
  }
  c.p_value = mcnemar_exact_p(c.only_a, c.only_b);
  return c;
}

LabReport build_report(ResultStore& store, const std::vector<std::pair<std::string, std::string>>& compare) {
  LabReport rep;
  rep.experiment = store.experiment();
  rep.checkpoints = rep.experiment.checkpoints;
  const std::vector<StoredArm> arms = store.arms();
  const std::vector<StoredProblem> problems = store.problems();
  const std::vector<StoredRun> runs = store.runs();
  rep.problems = problems.size();
  std::map<int64_t, const StoredProblem*> problem_by_id;
  for (const auto& p : problems) problem_by_id[p.id] = &p;

  for (const StoredArm& arm : arms) {
    ArmReport ar;
    ar.arm = arm;
    std::vector<double> wall, tps, tokens, red, attn;
    std::vector<std::vector<double>> worker_tokens(static_cast<size_t>(arm.workers));
    for (const StoredRun& r : runs) {
      if (r.arm_id != arm.id) continue;
      if (r.status != "done") {
        ++ar.runs_failed;
        const StoredProblem* p = problem_by_id.count(r.problem_id) ? problem_by_id[r.problem_id] : nullptr;
        rep.failures.push_back(arm.name + " / " + (p ? p->set + ":" + p->key : "?") + " / seed " + std::to_string(r.seed) + ": " + r.error);
        continue;
      }
      ++ar.runs_done;
      wall.push_back(r.wall_seconds);
      tps.push_back(r.tokens_per_second);
      tokens.push_back(static_cast<double>(r.tokens));
      red.push_back(r.redundancy);
      attn.push_back(r.attention_on_others);
      for (size_t w = 0; w < r.worker_tokens.size() && w < worker_tokens.size(); ++w) worker_tokens[w].push_back(static_cast<double>(r.worker_tokens[w]));
      if (r.first_correct_passes) ar.passes_to_first_correct.push_back(*r.first_correct_passes);
      if (r.first_correct_tokens) ar.tokens_to_first_correct.push_back(*r.first_correct_tokens);
      ar.collab_yes += r.collab_yes;
      ar.collab_no += r.collab_no;
      ar.collab_other += r.collab_other;
    }
    for (int64_t b : rep.checkpoints) {
      AccuracyPoint pt;
      pt.budget = b;
      for (const StoredRun& r : runs)
        if (r.arm_id == arm.id && r.status == "done")
          if (const StoredCheckpoint* k = at_budget(r, b)) {
            ++pt.n;
            pt.correct += k->correct;
          }
      pt.accuracy = pt.n ? static_cast<double>(pt.correct) / static_cast<double>(pt.n) : kNaN;
      pt.ci = wilson_interval(pt.correct, pt.n);
      ar.curve.push_back(pt);
    }
    ar.mean_wall_seconds = mean_of(wall);
    ar.mean_tokens_per_second = mean_of(tps);
    ar.mean_tokens = mean_of(tokens);
    ar.redundancy = mean_of(red);
    ar.attention_on_others = mean_of(attn);
    for (const auto& wt : worker_tokens) ar.mean_worker_tokens.push_back(mean_of(wt));
    ar.collab_yes_rate = ar.collab_yes + ar.collab_no ? static_cast<double>(ar.collab_yes) / static_cast<double>(ar.collab_yes + ar.collab_no) : kNaN;
    rep.arms.push_back(std::move(ar));
  }

  auto find_arm = [&](const std::string& name) -> const StoredArm& {
    for (const auto& a : arms)
      if (a.name == name) return a;
    std::string known;
    for (const auto& a : arms) known += (known.empty() ? "" : ", ") + ("\"" + a.name + "\"");
    throw ConfigError("no arm named \"" + name + "\" (arms: " + known + ")");
  };
  std::vector<std::pair<const StoredArm*, const StoredArm*>> pairs;
  if (!compare.empty()) {
    for (const auto& [a, b] : compare) pairs.emplace_back(&find_arm(a), &find_arm(b));
  } else {
    const bool controls = std::any_of(arms.begin(), arms.end(), is_control);
    for (const auto& b : arms) {
      if (controls) {
        if (is_control(b)) continue;
        for (const auto& a : arms)
          if (is_control(a)) pairs.emplace_back(&a, &b);
      } else if (&b != &arms.front()) {
        pairs.emplace_back(&arms.front(), &b);
      }
    }
  }
  for (const auto& [a, b] : pairs)
    for (int64_t budget : rep.checkpoints) rep.comparisons.push_back(compare_arms(runs, *a, *b, budget));
  return rep;
}

std::string report_text(const LabReport& r) {
  std::string out;
  const StoredExperiment& e = r.experiment;
  out += "Experiment " + (e.name.empty() ? std::string("(unnamed)") : e.name) + " — model " + e.model + " on " + e.backend + ", " +
         std::to_string(r.problems) + " problems, " + std::to_string(r.arms.size()) + " arms, checkpoints";
  for (int64_t b : r.checkpoints) (out += ' ') += std::to_string(b);
  out += "\n\nAccuracy (correct/runs, 95 % Wilson interval) by forward-pass budget\n";
  size_t w = 4;
  for (const auto& a : r.arms) w = std::max(w, a.arm.name.size());
  out += pad("arm", w + 2);
  for (int64_t b : r.checkpoints) out += pad(std::to_string(b), 24);
  out += "\n";
  for (const auto& a : r.arms) {
    out += pad(a.arm.name, w + 2);
    for (const auto& p : a.curve) {
      std::string cell = std::to_string(p.correct) + "/" + std::to_string(p.n);
      if (p.n) cell += std::string(" ") + fmt("%.2f", p.accuracy) + " [" + fmt("%.2f", p.ci.low) + "," + fmt("%.2f", p.ci.high) + "]";
      out += pad(cell, 24);
    }
    out += "\n";
  }
  out += "\nRun metrics (means over finished runs)\n";
  out += pad("arm", w + 2) + pad("runs", 7) + pad("failed", 8) + pad("wall s", 9) + pad("tok/s", 9) + pad("tokens", 9) +
         pad("solved", 8) + pad("passes→1st", 12) + pad("redund.", 9) + pad("collab yes", 12) + pad("attn others", 11) + "\n";
  for (const auto& a : r.arms) {
    std::vector<double> p(a.passes_to_first_correct.begin(), a.passes_to_first_correct.end());
    const std::string collab = a.collab_yes + a.collab_no + a.collab_other
                                   ? std::to_string(a.collab_yes) + "/" + std::to_string(a.collab_yes + a.collab_no + a.collab_other)
                                   : "-";
    out += pad(a.arm.name, w + 2) + pad(std::to_string(a.runs_done), 7) + pad(std::to_string(a.runs_failed), 8) +
           pad(fmt("%.1f", a.mean_wall_seconds), 9) + pad(fmt("%.1f", a.mean_tokens_per_second), 9) + pad(fmt("%.0f", a.mean_tokens), 9) +
           pad(std::to_string(a.passes_to_first_correct.size()), 8) + pad(fmt("%.0f", mean_of(p)), 12) +
           pad(fmt("%.2f", a.redundancy), 9) + pad(collab, 12) + pad(fmt("%.3f", a.attention_on_others), 11) + "\n";
  }
  if (!r.comparisons.empty()) {
    out += "\nPaired comparisons (exact McNemar on the same problems and seeds)\n";
    for (const auto& c : r.comparisons) out += "  " + verdict(c) + "\n";
  }
  if (!r.failures.empty()) {
    out += "\nFailed runs (" + std::to_string(r.failures.size()) + ", left out of the statistics)\n";
    for (const auto& f : r.failures) out += "  " + f + "\n";
  }
  return out;
}

json report_json(const LabReport& r) {
  json j;
  j["experiment"] = {{"name", r.experiment.name}, {"model", r.experiment.model}, {"backend", r.experiment.backend},
                     {"executor", r.experiment.executor}, {"checkpoints", r.checkpoints}, {"problems", r.problems}};
  json arms = json::array();
  for (const auto& a : r.arms) {
    json curve = json::array();
    for (const auto& p : a.curve)
      curve.push_back({{"budget", p.budget}, {"n", p.n}, {"correct", p.correct}, {"accuracy", num(p.accuracy)},
                       {"ci_low", p.ci.low}, {"ci_high", p.ci.high}});
    json mwt = json::array();
    for (double v : a.mean_worker_tokens) mwt.push_back(num(v));
    arms.push_back({{"name", a.arm.name}, {"kind", a.arm.kind}, {"workers", a.arm.workers}, {"layout", a.arm.layout},
                    {"settings", a.arm.settings}, {"runs_done", a.runs_done}, {"runs_failed", a.runs_failed}, {"curve", curve},
                    {"mean_wall_seconds", num(a.mean_wall_seconds)}, {"mean_tokens_per_second", num(a.mean_tokens_per_second)},
                    {"mean_tokens", num(a.mean_tokens)}, {"passes_to_first_correct", a.passes_to_first_correct},
                    {"tokens_to_first_correct", a.tokens_to_first_correct}, {"mean_worker_tokens", mwt},
                    {"redundancy", num(a.redundancy)}, {"collab_yes", a.collab_yes}, {"collab_no", a.collab_no},
                    {"collab_other", a.collab_other}, {"collab_yes_rate", num(a.collab_yes_rate)},
                    {"attention_on_others", num(a.attention_on_others)}});
  }
  j["arms"] = arms;
  json comps = json::array();
  for (const auto& c : r.comparisons)
    comps.push_back({{"a", c.arm_a}, {"b", c.arm_b}, {"budget", c.budget}, {"pairs", c.pairs}, {"a_correct", c.a_correct},
                     {"b_correct", c.b_correct}, {"only_a", c.only_a}, {"only_b", c.only_b}, {"p_value", c.p_value},
                     {"verdict", verdict(c)}});
  j["comparisons"] = comps;
  j["failures"] = r.failures;
  return j;
}

std::string export_csv(ResultStore& store) {
  const auto arms = store.arms();
  const auto problems = store.problems();
  std::map<int64_t, const StoredArm*> arm_by_id;
  for (const auto& a : arms) arm_by_id[a.id] = &a;
  std::map<int64_t, const StoredProblem*> prob_by_id;
  for (const auto& p : problems) prob_by_id[p.id] = &p;
  std::string out = csv_line({"run_id", "arm", "kind", "workers", "layout", "problem_set", "problem", "seed", "status", "budget",
                              "passes", "tokens", "seconds", "answer", "expected", "correct", "finisher_ran", "final_answer",
                              "finish_reason", "wall_seconds", "tokens_per_second", "redundancy", "collab_yes", "collab_no",
                              "collab_other", "attention_on_others", "error"});
  auto d = [](double v) { return std::isnan(v) ? std::string() : fmt("%.6g", v); };
  for (const StoredRun& r : store.runs()) {
    const StoredArm* a = arm_by_id.count(r.arm_id) ? arm_by_id[r.arm_id] : nullptr;
    const StoredProblem* p = prob_by_id.count(r.problem_id) ? prob_by_id[r.problem_id] : nullptr;
    std::vector<StoredCheckpoint> cps = r.checkpoints;
    if (cps.empty()) cps.push_back(StoredCheckpoint{});  // a failed run: one row with its error
    for (const StoredCheckpoint& c : cps) {
      const bool has = !r.checkpoints.empty();
      out += csv_line({std::to_string(r.id), a ? a->name : "", a ? a->kind : "", a ? std::to_string(a->workers) : "", a ? a->layout : "",
                       p ? p->set : "", p ? p->key : "", std::to_string(r.seed), r.status, has ? std::to_string(c.budget) : "",
                       has ? std::to_string(c.passes) : "", has ? std::to_string(c.tokens) : "", has ? d(c.seconds) : "", c.answer,
                       p ? p->answer : "", has ? (c.correct ? "1" : "0") : "", has ? (c.finisher_ran ? "1" : "0") : "",
                       r.final_answer, r.finish_reason, d(r.wall_seconds), d(r.tokens_per_second), d(r.redundancy),
                       std::to_string(r.collab_yes), std::to_string(r.collab_no), std::to_string(r.collab_other),
                       d(r.attention_on_others), r.error});
    }
  }
  return out;
}

json export_json(ResultStore& store) {
  json j;
  const StoredExperiment e = store.experiment();
  j["schema"] = std::string(kResultsSchema);
  j["schema_version"] = kResultsSchemaVersion;
  j["experiment"] = {{"name", e.name}, {"spec", e.spec}, {"model", e.model}, {"backend", e.backend}, {"executor", e.executor},
                     {"checkpoints", e.checkpoints}, {"created_at", e.created_at}, {"updated_at", e.updated_at}};
  json arms = json::array();
  for (const auto& a : store.arms())
    arms.push_back({{"id", a.id}, {"name", a.name}, {"kind", a.kind}, {"workers", a.workers}, {"layout", a.layout},
                    {"settings", a.settings}, {"preset", json::parse(a.preset_json)}});
  j["arms"] = arms;
  json probs = json::array();
  for (const auto& p : store.problems())
    probs.push_back({{"id", p.id}, {"set", p.set}, {"key", p.key}, {"question", p.question}, {"answer", p.answer},
                     {"check", p.check}, {"tags", p.tags}});
  j["problems"] = probs;
  json runs = json::array();
  for (const auto& r : store.runs()) {
    json cps = json::array();
    for (const auto& c : r.checkpoints)
      cps.push_back({{"budget", c.budget}, {"passes", c.passes}, {"tokens", c.tokens}, {"seconds", c.seconds}, {"answer", c.answer},
                     {"finisher_ran", c.finisher_ran}, {"finisher_output", c.finisher_output}, {"correct", c.correct}});
    runs.push_back({{"id", r.id}, {"arm_id", r.arm_id}, {"problem_id", r.problem_id}, {"seed", r.seed}, {"status", r.status},
                    {"error", r.error}, {"finish_reason", r.finish_reason}, {"final_answer", r.final_answer}, {"correct", r.correct},
                    {"passes", r.passes}, {"tokens", r.tokens}, {"wall_seconds", num(r.wall_seconds)},
                    {"engine_seconds", num(r.engine_seconds)}, {"tokens_per_second", num(r.tokens_per_second)},
                    {"first_correct_passes", r.first_correct_passes ? json(*r.first_correct_passes) : json(nullptr)},
                    {"first_correct_tokens", r.first_correct_tokens ? json(*r.first_correct_tokens) : json(nullptr)},
                    {"redundancy", num(r.redundancy)}, {"redundancy_ngrams", num(r.redundancy_ngrams)},
                    {"collab_yes", r.collab_yes}, {"collab_no", r.collab_no}, {"collab_other", r.collab_other},
                    {"attention_on_others", num(r.attention_on_others)}, {"worker_names", r.worker_names},
                    {"worker_tokens", r.worker_tokens}, {"task", r.task}, {"checkpoints", cps}, {"finished_at", r.finished_at}});
  }
  j["runs"] = runs;
  j["report"] = report_json(build_report(store));
  return j;
}

}  // namespace hogwild::lab
