#include "lab/experiment.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "hogwild/preset_library.h"
#include "hogwild/step_rules.h"

namespace hogwild::lab {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Reader {
  std::string source;
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw ConfigError(source + ": field \"" + field + "\" " + what);
  }
  void only_known(const json& j, const std::string& where, const std::vector<std::string>& known) const {
    for (const auto& [key, v] : j.items())
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        throw ConfigError(source + ": unknown field \"" + (where.empty() ? key : where + "." + key) + "\" (known fields here: " + list + ")");
      }
  }
  std::string str(const json& j, const std::string& field) const {
    if (!j.is_string()) fail(field, "must be a string (got " + j.dump() + ")");
    return j.get<std::string>();
  }
  int64_t integer(const json& j, const std::string& field, int64_t lo, int64_t hi) const {
    if (!j.is_number_integer() || j.get<int64_t>() < lo || j.get<int64_t>() > hi)
      fail(field, "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] (got " + j.dump() + ")");
    return j.get<int64_t>();
  }
  bool boolean(const json& j, const std::string& field) const {
    if (!j.is_boolean()) fail(field, "must be true or false (got " + j.dump() + ")");
    return j.get<bool>();
  }
  // A value or a list of values.
  std::vector<json> list(const json& j) const { return j.is_array() ? std::vector<json>(j.begin(), j.end()) : std::vector<json>{j}; }
};

std::optional<PresetLayout> layout_from_string(const std::string& s) {
  for (PresetLayout l : {PresetLayout::Combined, PresetLayout::Interleaved, PresetLayout::Contiguous})
    if (to_string(l) == s) return l;
  return std::nullopt;
}

std::optional<ArmKind> arm_kind_from_string(const std::string& s) {
  for (ArmKind k : {ArmKind::Hogwild, ArmKind::Single, ArmKind::Independent})
    if (to_string(k) == s) return k;
  return std::nullopt;
}

ProblemSource problem_source(const Reader& r, const json& j, const std::string& field) {
  ProblemSource s;
  if (j.is_string()) {
    s.path = j.get<std::string>();
    return s;
  }
  if (!j.is_object()) r.fail(field, "must be a path or an object with \"path\" (got " + j.dump() + ")");
  r.only_known(j, field, {"path", "format", "limit", "skip_bad_lines", "check", "csv"});
  if (!j.contains("path")) r.fail(field + ".path", "is missing");
  s.path = r.str(j["path"], field + ".path");
  if (j.contains("format")) {
    const auto f = problem_format_from_string(r.str(j["format"], field + ".format"));
    if (!f) r.fail(field + ".format", "must be one of auto, jsonl, gsm8k, math, csv (got " + j["format"].dump() + ")");
    s.options.format = *f;
  }
  if (j.contains("limit")) s.options.limit = static_cast<size_t>(r.integer(j["limit"], field + ".limit", 0, 100000000));
  if (j.contains("skip_bad_lines")) s.options.skip_bad_lines = r.boolean(j["skip_bad_lines"], field + ".skip_bad_lines");
  if (j.contains("check")) {
    const auto k = check_kind_from_string(r.str(j["check"], field + ".check"));
    if (!k) r.fail(field + ".check", "must be one of numeric, exact, boxed, regex, choice");
    s.options.default_check = *k;
  }
  if (j.contains("csv")) {
    const json& c = j["csv"];
    if (!c.is_object()) r.fail(field + ".csv", "must be an object");
    r.only_known(c, field + ".csv", {"id", "question", "answer", "check", "tags", "delimiter"});
    CsvColumns& cols = s.options.csv;
    for (auto [key, dest] : {std::pair<const char*, std::string*>{"id", &cols.id}, {"question", &cols.question}, {"answer", &cols.answer},
                             {"check", &cols.check}, {"tags", &cols.tags}})
      if (c.contains(key)) *dest = r.str(c[key], field + ".csv." + key);
    if (c.contains("delimiter")) {
      const std::string d = r.str(c["delimiter"], field + ".csv.delimiter");
      if (d.size() != 1) r.fail(field + ".csv.delimiter", "must be one character");
      cols.delimiter = d[0];
    }
  }
  return s;
}

ArmSpec arm_spec(const Reader& r, const json& j, const std::string& field) {
  if (!j.is_object()) r.fail(field, "must be an object (got " + j.dump() + ")");
  r.only_known(j, field, {"name", "kind", "preset", "workers", "layout", "sampling", "overrides"});
  ArmSpec a;
  if (j.contains("name")) a.name = r.str(j["name"], field + ".name");
  if (j.contains("kind")) {
    const auto k = arm_kind_from_string(r.str(j["kind"], field + ".kind"));
    if (!k) r.fail(field + ".kind", "must be one of hogwild, single, independent (got " + j["kind"].dump() + ")");
    a.kind = *k;
  }
  if (j.contains("preset")) a.preset = r.str(j["preset"], field + ".preset");
  if (j.contains("workers"))
    for (const json& w : r.list(j["workers"])) a.workers.push_back(static_cast<int>(r.integer(w, field + ".workers", 1, kMaxWorkers)));
  if (j.contains("layout"))
    for (const json& l : r.list(j["layout"])) {
      const auto v = layout_from_string(r.str(l, field + ".layout"));
      if (!v) r.fail(field + ".layout", "must be combined, interleaved or contiguous (got " + l.dump() + ")");
      a.layouts.push_back(*v);
    }
  if (j.contains("sampling"))
    for (const json& s : r.list(j["sampling"])) {
      if (!s.is_object()) r.fail(field + ".sampling", "must be an object of preset sampling fields or a list of them (got " + s.dump() + ")");
      a.sampling.push_back(s);
    }
  if (j.contains("overrides")) {
    if (!j["overrides"].is_object()) r.fail(field + ".overrides", "must be an object (a JSON merge patch of the preset)");
    a.overrides = j["overrides"];
  }
  return a;
}

std::string sampling_label(const json& s) {
  std::string out;
  for (const auto& [key, v] : s.items()) {
    std::string k = key == "temperature" ? "T" : key == "top_p" ? "top_p" : key == "top_k" ? "top_k" : key;
    out += (out.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

Preset build_preset(const ArmSpec& spec, int workers, std::optional<PresetLayout> layout, const json& sampling, const std::string& arm) {
  const fs::path path = find_preset(spec.preset);
  Preset p = load_preset(path);
  json pj = preset_to_json(p);
  pj.merge_patch(spec.overrides);
  if (!sampling.is_null() && !sampling.empty()) {
    json patch = json::object();
    patch["sampling"] = sampling;
    pj.merge_patch(patch);
  }
  p = preset_from_json(pj, "arm \"" + arm + "\" (preset " + path.filename().string() + " with overrides)");
  if (workers > 0) p.workers = workers;
  if (layout) p.layout = *layout;
  p.validate("arm \"" + arm + "\"");
  return p;
}

}  // namespace

std::string_view to_string(ArmKind k) {
  switch (k) {
    case ArmKind::Hogwild: return "hogwild";
    case ArmKind::Single: return "single";
    case ArmKind::Independent: return "independent";
  }
  return "hogwild";
}

Experiment experiment_from_json(const json& j, std::string_view source_name, const fs::path& base_dir) {
  const Reader r{std::string(source_name)};
  if (!j.is_object()) throw ConfigError(r.source + ": an experiment must be a JSON object");
  r.only_known(j, "", {"schema", "version", "name", "description", "model", "tokenizer", "backend", "threads", "runs_per_pass", "problems",
                       "task_template", "checkpoints", "seeds", "arms", "controls", "event_log"});
  if (!j.contains("schema") || j["schema"] != std::string(kExperimentSchema))
    r.fail("schema", "must be \"" + std::string(kExperimentSchema) + "\"" + (j.contains("schema") ? " (got " + j["schema"].dump() + ")" : " (missing)"));
  if (!j.contains("version")) r.fail("version", "is missing");
  if (j["version"] != kExperimentVersion)
    r.fail("version", "is " + j["version"].dump() + ", but this build reads experiment version " + std::to_string(kExperimentVersion) + " only");
  Experiment e;
  e.base_dir = base_dir;
  if (j.contains("name")) e.name = r.str(j["name"], "name");
  if (j.contains("description")) e.description = r.str(j["description"], "description");
  if (j.contains("model")) e.model = r.str(j["model"], "model");
  if (j.contains("tokenizer")) e.tokenizer = r.str(j["tokenizer"], "tokenizer");
  if (j.contains("backend")) {
    e.backend = r.str(j["backend"], "backend");
    if (e.backend != "auto" && e.backend != "cpu" && e.backend != "cuda") r.fail("backend", "must be auto, cpu or cuda (got \"" + e.backend + "\")");
  }
  if (j.contains("threads")) e.threads = static_cast<int>(r.integer(j["threads"], "threads", 0, 1024));
  if (j.contains("runs_per_pass")) e.runs_per_pass = static_cast<int>(r.integer(j["runs_per_pass"], "runs_per_pass", 1, 256));
  if (!j.contains("problems")) r.fail("problems", "is missing (a path, or a list of paths/objects)");
  for (const json& p : r.list(j["problems"])) e.problems.push_back(problem_source(r, p, "problems"));
  if (e.problems.empty()) r.fail("problems", "must name at least one problem set");
  if (j.contains("task_template")) {
    e.task_template = r.str(j["task_template"], "task_template");
    if (e.task_template.find("{question}") == std::string::npos) r.fail("task_template", "must contain {question}");
  }
  if (!j.contains("checkpoints")) r.fail("checkpoints", "is missing (forward-pass budgets, e.g. [128, 256, 512])");
  for (const json& c : r.list(j["checkpoints"])) e.checkpoints.push_back(r.integer(c, "checkpoints", 1, kMaxCheckpoint));
  std::sort(e.checkpoints.begin(), e.checkpoints.end());
  e.checkpoints.erase(std::unique(e.checkpoints.begin(), e.checkpoints.end()), e.checkpoints.end());
  if (e.checkpoints.empty()) r.fail("checkpoints", "must hold at least one budget");
  if (j.contains("seeds")) {
    e.seeds.clear();
    for (const json& s : r.list(j["seeds"])) e.seeds.push_back(static_cast<uint64_t>(r.integer(s, "seeds", 0, INT64_MAX)));
    std::set<uint64_t> unique(e.seeds.begin(), e.seeds.end());
    if (e.seeds.empty() || unique.size() != e.seeds.size()) r.fail("seeds", "must be a non-empty list of distinct integers");
  }
  if (!j.contains("arms")) r.fail("arms", "is missing (a list of arms)");
  const json& arms = j["arms"];
  if (!arms.is_array() || arms.empty()) r.fail("arms", "must be a non-empty list");
  for (size_t i = 0; i < arms.size(); ++i) e.arms.push_back(arm_spec(r, arms[i], "arms[" + std::to_string(i) + "]"));
  if (j.contains("controls")) {
    for (const json& c : r.list(j["controls"])) {
      const auto k = arm_kind_from_string(r.str(c, "controls"));
      if (!k || *k == ArmKind::Hogwild) r.fail("controls", "may hold \"single\" and \"independent\" (got " + c.dump() + ")");
      if (std::find(e.controls.begin(), e.controls.end(), *k) == e.controls.end()) e.controls.push_back(*k);
    }
  }
  if (j.contains("event_log")) {
    const json& l = j["event_log"];
    if (!l.is_object()) r.fail("event_log", "must be an object");
    r.only_known(l, "event_log", {"stats_every"});
    if (l.contains("stats_every")) e.stats_every = static_cast<int>(r.integer(l["stats_every"], "event_log.stats_every", 0, 1000000));
  }
  return e;
}

json experiment_to_json(const Experiment& e) {
  json j = json::object();
  j["schema"] = std::string(kExperimentSchema);
  j["version"] = kExperimentVersion;
  if (!e.name.empty()) j["name"] = e.name;
  if (!e.description.empty()) j["description"] = e.description;
  if (!e.model.empty()) j["model"] = e.model;
  if (!e.tokenizer.empty()) j["tokenizer"] = e.tokenizer;
  j["backend"] = e.backend;
  if (e.threads) j["threads"] = e.threads;
  if (e.runs_per_pass) j["runs_per_pass"] = e.runs_per_pass;
  json probs = json::array();
  for (const ProblemSource& s : e.problems) {
    json p = {{"path", s.path}};
    const LoadOptions def;
    if (s.options.format != def.format) p["format"] = std::string(to_string(s.options.format));
    if (s.options.limit) p["limit"] = s.options.limit;
    if (s.options.skip_bad_lines) p["skip_bad_lines"] = true;
    if (s.options.default_check) p["check"] = std::string(to_string(*s.options.default_check));
    const CsvColumns dc;
    const CsvColumns& c = s.options.csv;
    json csv = json::object();
    if (c.id != dc.id) csv["id"] = c.id;
    if (c.question != dc.question) csv["question"] = c.question;
    if (c.answer != dc.answer) csv["answer"] = c.answer;
    if (c.check != dc.check) csv["check"] = c.check;
    if (c.tags != dc.tags) csv["tags"] = c.tags;
    if (c.delimiter != dc.delimiter) csv["delimiter"] = std::string(1, c.delimiter);
    if (!csv.empty()) p["csv"] = csv;
    probs.push_back(p);
  }
  j["problems"] = probs;
  if (e.task_template != "{question}") j["task_template"] = e.task_template;
  j["checkpoints"] = e.checkpoints;
  j["seeds"] = e.seeds;
  json arms = json::array();
  for (const ArmSpec& a : e.arms) {
    json x = json::object();
    if (!a.name.empty()) x["name"] = a.name;
    if (a.kind != ArmKind::Hogwild) x["kind"] = std::string(to_string(a.kind));
    x["preset"] = a.preset;
    if (!a.workers.empty()) x["workers"] = a.workers;
    if (!a.layouts.empty()) {
      json ls = json::array();
      for (PresetLayout l : a.layouts) ls.push_back(std::string(to_string(l)));
      x["layout"] = ls;
    }
    if (!a.sampling.empty()) x["sampling"] = a.sampling;
    if (!a.overrides.empty()) x["overrides"] = a.overrides;
    arms.push_back(x);
  }
  j["arms"] = arms;
  if (!e.controls.empty()) {
    json cs = json::array();
    for (ArmKind k : e.controls) cs.push_back(std::string(to_string(k)));
    j["controls"] = cs;
  }
  if (e.stats_every != 16) j["event_log"] = {{"stats_every", e.stats_every}};
  return j;
}

Experiment load_experiment(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path.string() + ": cannot open the experiment file");
  std::stringstream ss;
  ss << in.rdbuf();
  json j;
  try {
    j = json::parse(ss.str(), nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    const auto pos = what.find("] ");
    throw ConfigError(path.string() + ": not valid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
  const fs::path base = path.has_parent_path() ? fs::absolute(path).parent_path() : fs::current_path();
  return experiment_from_json(j, path.string(), base);
}

void save_experiment(const Experiment& e, const fs::path& path) {
  write_file_atomically(path, experiment_to_json(e).dump(2) + "\n", "the experiment");
}

std::vector<Arm> expand_arms(const Experiment& e) {
  std::vector<Arm> out;
  auto add = [&](Arm a) {
    for (const Arm& b : out)
      if (b.name == a.name) throw ConfigError("arms: two arms are named \"" + a.name + "\"; give them distinct \"name\"s");
    out.push_back(std::move(a));
  };
  auto expand = [&](const ArmSpec& spec, ArmKind kind) {
    const std::string base = !spec.name.empty() ? spec.name
                             : kind == ArmKind::Hogwild ? fs::path(spec.preset).stem().string()
                                                        : std::string(to_string(kind));
    std::vector<int> workers = spec.workers.empty() ? std::vector<int>{0} : spec.workers;
    if (kind == ArmKind::Single) workers = {1};
    std::vector<std::optional<PresetLayout>> layouts;
    for (PresetLayout l : spec.layouts) layouts.emplace_back(l);
    if (layouts.empty() || kind != ArmKind::Hogwild) layouts = {std::nullopt};
    std::vector<json> samplings = spec.sampling.empty() ? std::vector<json>{json()} : spec.sampling;
    for (int w : workers)
      for (const auto& l : layouts)
        for (const json& s : samplings) {
          std::string name = base;
          Arm a;
          a.kind = kind;
          a.preset = build_preset(spec, w, l, s, base);
          if (kind == ArmKind::Single) a.preset.workers = 1;
          a.workers = a.preset.workers;
          if (kind == ArmKind::Independent && a.workers < 2)
            throw ConfigError("arm \"" + base + "\": an independent control needs at least 2 workers (got " + std::to_string(a.workers) + ")");
          if (spec.workers.size() > 1 || (kind == ArmKind::Independent && spec.name.empty())) name += " W" + std::to_string(a.workers);
          if (spec.layouts.size() > 1 && kind == ArmKind::Hogwild) name += " " + std::string(to_string(a.preset.layout));
          if (spec.sampling.size() > 1) (name += ' ') += sampling_label(s);
          a.name = name;
          a.settings = {{"kind", std::string(to_string(kind))}, {"preset", spec.preset}, {"workers", a.workers},
                        {"layout", std::string(to_string(a.preset.layout))}, {"sampling", s.is_null() ? json::object() : s},
                        {"overrides", spec.overrides}};
          add(std::move(a));
        }
  };
  for (const ArmSpec& spec : e.arms) expand(spec, spec.kind);
  // Controls from the first arm: its preset, overrides and sampling variants; independent for each W >= 2 of it.
  for (ArmKind k : e.controls) {
    ArmSpec c = e.arms.front();
    c.kind = k;
    c.name = std::string(to_string(k));
    c.layouts.clear();
    if (k == ArmKind::Independent) {
      std::vector<int> ws;
      for (int w : c.workers.empty() ? std::vector<int>{load_preset(find_preset(c.preset)).workers} : c.workers)
        if (w >= 2) ws.push_back(w);
      if (ws.empty()) continue;  // a one-worker grid has no independent counterpart
      c.workers = ws;
      if (ws.size() == 1) c.name += " W" + std::to_string(ws[0]);
    }
    expand(c, k);
  }
  return out;
}

fs::path resolve_path(const Experiment& e, const std::string& path) {
  if (path.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    return fs::path(home ? home : "") / path.substr(2);
  }
  const fs::path p(path);
  return p.is_absolute() || e.base_dir.empty() ? p : e.base_dir / p;
}

std::vector<ProblemSet> load_problems(const Experiment& e) {
  std::vector<ProblemSet> sets;
  std::set<std::string> names;
  for (const ProblemSource& s : e.problems) {
    ProblemSet set = load_problem_set(resolve_path(e, s.path), s.options);
    std::string name = set.name;
    for (int k = 2; names.count(name); ++k) name = set.name + "-" + std::to_string(k);
    set.name = name;
    names.insert(name);
    sets.push_back(std::move(set));
  }
  return sets;
}

std::string task_text(const Experiment& e, const Problem& p) {
  return substitute(e.task_template, {{"question", p.question}, {"id", p.id}});
}

}  // namespace hogwild::lab
