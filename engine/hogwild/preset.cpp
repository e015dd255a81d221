// Preset JSON schema versions 1 and 2: strict reading (unknown fields and wrong types are errors, because a typo in a
// hand-edited preset would otherwise silently fall back to a default), validation, and atomic saving.
#include "hogwild/preset.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "common/atomic_file.h"
#include "common/error.h"

namespace hogwild {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------------------------
// Default prompt texts. Written for this project following the description of the paper's prompt (§9): second
// person, names from {names}, the layout explained with the same header strings the presets insert.

std::string_view default_rules_text() {
  return "# Collaborative Reasoning\n\n"
         "You are one of several assistants solving the same problem together: {names}. All of you write at the "
         "same time, and each of you sees what the others write the moment they write it. Work as a team: you can "
         "split the problem into parts, check each other's results, or try different approaches side by side.\n\n"
         "This is how the shared text is laid out. Everything you write is divided into steps (paragraphs), and "
         "each step starts with the author's name and the step number, for example \"**{first} [3]:** \". "
         "Finished steps of everyone appear in the order they were completed under \"### Past steps\". Below them, "
         "under \"### Work in progress (others)\", you see the step that each of the others is writing right now; "
         "each one ends with \"<...>\" because it is not finished yet. Your own unfinished step always comes last, "
         "under \"### Work in progress (own)\", and that is where you continue writing.\n\n"
         "Every now and then, look at what the others are doing. If you notice that you are repeating work that "
         "someone else has already done or is doing, say so in a few words and switch to something useful that "
         "nobody is covering. Any of you may give the final answer, written as \\boxed{...}.";
}

std::string_view default_how_to_collaborate_text() {
  return "# How to collaborate\n\n"
         "- Strategizing: agree on a plan early. If you disagree about the plan, follow {first}'s plan.\n"
         "- Splitting: cut the problem into independent parts and say who takes which part.\n"
         "- Alternatives: when an approach is uncertain, let one of you try a different approach in parallel.\n"
         "- Communicating: keep the others informed with short notes they can act on.\n"
         "- Announcing: before you start a piece of work, say what you are about to do.\n"
         "- Reacting: read the others' latest steps, use their results and point out mistakes you see.\n"
         "- Pivoting: if your task turns out to be done already or no longer needed, drop it and pick a new one.";
}

std::string_view default_solve_text() {
  return "# Solve the following problem\n\n"
         "{names}, you will now solve the next problem together. Keep track of who is doing what, and "
         "communicate so that no piece of work is done twice.";
}

std::string_view default_contiguous_collaboration_text() {
  return "I will reason about this problem together with the others: {names}. We all write at the same time, "
         "each in our own workspace. My thoughts are at the bottom; the others' workspaces are above mine and "
         "keep growing while I write. I should not repeat what they are doing; we can give each other tasks. "
         "Before I start something new, I check the others' workspaces, and if it is already being done, I pivot "
         "to something else.";
}

// ---------------------------------------------------------------------------------------------------------------
// Enum names (the JSON spelling).

namespace {

constexpr std::pair<PresetLayout, std::string_view> kLayouts[] = {
    {PresetLayout::Combined, "combined"},
    {PresetLayout::Interleaved, "interleaved"},
    {PresetLayout::Contiguous, "contiguous"}};
constexpr std::pair<PromptPlacement, std::string_view> kPlacements[] = {
    {PromptPlacement::User, "user"}, {PromptPlacement::System, "system"}};
constexpr std::pair<ChatTemplateKind, std::string_view> kTemplates[] = {
    {ChatTemplateKind::None, "none"},
    {ChatTemplateKind::ChatML, "chatml"},
    {ChatTemplateKind::Llama3, "llama3"},
    {ChatTemplateKind::DeepSeekR1, "deepseek-r1"},
    {ChatTemplateKind::Auto, "auto"}};
constexpr std::pair<StepEndRule, std::string_view> kEndRules[] = {{StepEndRule::Text, "text"},
                                                                  {StepEndRule::Token, "token"}};
constexpr std::pair<StepMerge, std::string_view> kMerges[] = {{StepMerge::NextPass, "next_pass"},
                                                              {StepMerge::SamePass, "same_pass"}};
constexpr std::pair<CollabCountFrom, std::string_view> kCountFrom[] = {{CollabCountFrom::FirstSampled, "first_sampled"},
                                                                       {CollabCountFrom::Openers, "openers"}};
constexpr std::pair<AnswerRule, std::string_view> kAnswerRules[] = {{AnswerRule::Any, "any"},
                                                                    {AnswerRule::Number, "number"}};

template <class E, size_t N>
std::string_view name_of(const std::pair<E, std::string_view> (&table)[N], E v) {
  for (const auto& [e, s] : table)
    if (e == v) return s;
  return "?";
}

}  // namespace

std::string_view to_string(PresetLayout v) { return name_of(kLayouts, v); }
std::string_view to_string(PromptPlacement v) { return name_of(kPlacements, v); }
std::string_view to_string(ChatTemplateKind v) { return name_of(kTemplates, v); }
std::string_view to_string(StepEndRule v) { return name_of(kEndRules, v); }
std::string_view to_string(StepMerge v) { return name_of(kMerges, v); }
std::string_view to_string(CollabCountFrom v) { return name_of(kCountFrom, v); }
std::string_view to_string(AnswerRule v) { return name_of(kAnswerRules, v); }

// ---------------------------------------------------------------------------------------------------------------
// Reading.

namespace {

// A JSON value as the user wrote it, shortened so that one error stays one line. The replace handler keeps
// dump() from throwing on invalid UTF-8 inside a string.
std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

[[noreturn]] void fail(std::string_view source, const std::string& message) {
  throw ConfigError(std::string(source) + ": " + message);
}

[[noreturn]] void fail_field(std::string_view source, const std::string& field, std::string_view must,
                             const std::string& got) {
  fail(source, "field \"" + field + "\" must be " + std::string(must) + " (got " + got + ")");
}

// Reads the fields of one JSON object into existing values (absent fields keep them) and remembers which keys it
// consumed, so that finish() can name any key nobody asked for: that is how typos are caught.
class ObjectReader {
 public:
  ObjectReader(const json& obj, std::string path, std::string_view source, int version)
      : obj_(obj), path_(std::move(path)), source_(source), version_(version) {}

  std::string field(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  const json* find(std::string_view key) {
    known_.insert(std::string(key));
    auto it = obj_.find(std::string(key));
    return it == obj_.end() ? nullptr : &*it;
  }

  // Marks the next field read as one that version 2 introduced: a version-1 file that sets it is refused with a
  // message that says so (rather than the field silently meaning nothing to an older build).
  ObjectReader& since_v2(std::string_view key) {
    if (version_ < 2 && obj_.contains(std::string(key)))
      fail(source_, "field \"" + field(key) + "\" is new in preset version 2, but this file says \"version\": " +
                        std::to_string(version_));
    return *this;
  }

  void str(std::string_view key, std::string& out) {
    if (const json* v = find(key)) {
      if (!v->is_string()) fail_field(source_, field(key), "a string", shown(*v));
      out = v->get<std::string>();
    }
  }

  void str_list(std::string_view key, std::vector<std::string>& out) {
    if (const json* v = find(key)) {
      if (!v->is_array()) fail_field(source_, field(key), "a list of strings", shown(*v));
      std::vector<std::string> list;
      for (size_t i = 0; i < v->size(); ++i) {
        const json& e = (*v)[i];
        if (!e.is_string()) fail_field(source_, field(key) + "[" + std::to_string(i) + "]", "a string", shown(e));
        list.push_back(e.get<std::string>());
      }
      out = std::move(list);
    }
  }

  // A list of token ids: JSON integers from 0 to 2^31 - 1 (whether an id lies inside the vocabulary is checked
  // when a model is loaded).
  void token_ids(std::string_view key, std::vector<int32_t>& out) {
    if (const json* v = find(key)) {
      if (!v->is_array()) fail_field(source_, field(key), "a list of token ids", shown(*v));
      std::vector<int32_t> list;
      for (size_t i = 0; i < v->size(); ++i) {
        const json& e = (*v)[i];
        const bool ok = e.is_number_unsigned() ? e.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max())
                                               : e.is_number_integer() && e.get<int64_t>() >= 0;
        if (!ok) fail_field(source_, field(key) + "[" + std::to_string(i) + "]", "a token id (an integer >= 0)", shown(e));
        list.push_back(static_cast<int32_t>(e.get<int64_t>()));
      }
      out = std::move(list);
    }
  }

  void boolean(std::string_view key, bool& out) {
    if (const json* v = find(key)) {
      if (!v->is_boolean()) fail_field(source_, field(key), "true or false", shown(*v));
      out = v->get<bool>();
    }
  }

  // Integers must be JSON integers (2.0 is rejected: presets are hand-written, 2.5 workers is a mistake) that fit
  // T; `must` describes the valid range so that type and range errors read the same.
  template <class T>
  void integer(std::string_view key, T& out, std::string_view must) {
    const json* v = find(key);
    if (!v) return;
    if (v->is_number_unsigned()) {
      const auto u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) fail_field(source_, field(key), must, shown(*v));
      out = static_cast<T>(u);
    } else if (v->is_number_integer()) {
      const auto i = v->get<int64_t>();
      if constexpr (std::is_signed_v<T>) {
        if (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
            i > static_cast<int64_t>(std::numeric_limits<T>::max()))
          fail_field(source_, field(key), must, shown(*v));
      } else {
        if (i < 0) fail_field(source_, field(key), must, shown(*v));
      }
      out = static_cast<T>(i);
    } else {
      fail_field(source_, field(key), must, shown(*v));
    }
  }

  void number(std::string_view key, double& out, std::string_view must) {
    if (const json* v = find(key)) {
      if (!v->is_number()) fail_field(source_, field(key), must, shown(*v));
      out = v->get<double>();
    }
  }

  template <class E, size_t N>
  void enumeration(std::string_view key, E& out, const std::pair<E, std::string_view> (&table)[N]) {
    const json* v = find(key);
    if (!v) return;
    std::string choices;
    for (size_t i = 0; i < N; ++i) {
      choices += (i == 0 ? "" : i + 1 == N ? " or " : ", ");
      choices += "\"" + std::string(table[i].second) + "\"";
    }
    if (v->is_string()) {
      for (const auto& [e, s] : table) {
        if (v->get_ref<const std::string&>() == s) {
          out = e;
          return;
        }
      }
    }
    fail_field(source_, field(key), choices, shown(*v));
  }

  // A nested object; absent means "all defaults". The child must be finished by the caller.
  ObjectReader object(std::string_view key) {
    static const json kEmpty = json::object();
    const json* v = find(key);
    if (v && !v->is_object()) fail_field(source_, field(key), "an object { ... }", shown(*v));
    return ObjectReader(v ? *v : kEmpty, field(key), source_, version_);
  }

  void finish() const {
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      if (known_.count(it.key())) continue;
      std::string known;
      for (const auto& k : known_) known += (known.empty() ? "" : ", ") + k;
      fail(source_, "unknown field \"" + field(it.key()) + "\" (known fields here: " + known + ")");
    }
  }

 private:
  const json& obj_;
  std::string path_;
  std::string_view source_;
  int version_;
  std::set<std::string> known_;
};

}  // namespace

Preset preset_from_json(const json& j, std::string_view source) {
  if (!j.is_object()) fail(source, "a preset must be a JSON object { ... } (got " + shown(j) + ")");
  Preset p;
  // The version is read before any other field, so the reader can refuse version-2 fields in a version-1 file.
  const auto version_it = j.find("version");
  const int file_version = version_it != j.end() && version_it->is_number_integer() && *version_it == 1 ? 1 : kPresetVersion;
  ObjectReader root(j, "", source, file_version);

  // Schema and version first: a file of another kind or version should not be reported as a list of bad fields.
  const json* schema = root.find("schema");
  if (!schema)
    fail(source, "field \"schema\" is missing (a preset starts with \"schema\": \"" + std::string(kPresetSchema) +
                     "\", \"version\": " + std::to_string(kPresetVersion) + ")");
  if (!schema->is_string() || schema->get_ref<const std::string&>() != kPresetSchema)
    fail_field(source, "schema", "\"" + std::string(kPresetSchema) + "\"", shown(*schema));
  const json* version = root.find("version");
  if (!version) fail(source, "field \"version\" is missing (this build reads version " +
                                 std::to_string(kPresetVersion) + ")");
  if (!version->is_number_integer()) fail_field(source, "version", "an integer", shown(*version));
  if (*version != 1 && *version != kPresetVersion)
    fail(source, "field \"version\" is " + shown(*version) + ", but this build reads preset versions 1 and " +
                     std::to_string(kPresetVersion) + " only");

  root.str("name", p.name);
  root.str("description", p.description);
  root.enumeration("layout", p.layout, kLayouts);
  root.enumeration("chat_template", p.chat_template, kTemplates);

  {
    ObjectReader r = root.object("workers");
    r.integer("count", p.workers, "an integer from 1 to 8");
    r.str_list("names", p.names);
    r.finish();
  }
  {
    ObjectReader r = root.object("prompt");
    r.enumeration("placement", p.prompt.placement, kPlacements);
    r.str("separator", p.prompt.separator);
    r.str("rules", p.prompt.rules);
    r.str("examples", p.prompt.examples);
    r.str("how_to_collaborate", p.prompt.how_to_collaborate);
    r.str("solve", p.prompt.solve);
    r.str("generation_prefix", p.prompt.generation_prefix);
    r.finish();
  }
  {
    ObjectReader r = root.object("headers");
    r.str("others", p.headers.others);
    r.str("own", p.headers.own);
    r.str("marker", p.headers.marker);
    r.finish();
  }
  {
    ObjectReader r = root.object("contiguous");
    r.str("workspace_header", p.contiguous.workspace_header);
    r.str("split", p.contiguous.split);
    r.str("collaboration", p.contiguous.collaboration);
    r.finish();
  }
  {
    ObjectReader r = root.object("step");
    r.str("separator", p.step.separator);
    r.str("prefix", p.step.prefix);
    r.str_list("openers", p.step.openers);
    r.since_v2("end_rule").enumeration("end_rule", p.step.end_rule, kEndRules);
    r.since_v2("fences").boolean("fences", p.step.fences);
    r.since_v2("merge").enumeration("merge", p.step.merge, kMerges);
    r.finish();
  }
  {
    ObjectReader r = root.object("collaboration");
    r.str("question", p.collaboration.question);
    r.integer("interval", p.collaboration.interval, "a non-negative integer");
    r.since_v2("count_from").enumeration("count_from", p.collaboration.count_from, kCountFrom);
    r.finish();
  }
  {
    ObjectReader r = root.object("finisher");
    r.str("text", p.finisher.text);
    r.integer("max_tokens", p.finisher.max_tokens, "a non-negative integer");
    r.finish();
  }
  {
    ObjectReader r = root.object("banned");
    r.str_list("strings", p.banned.strings);
    r.since_v2("exact").str_list("exact", p.banned.exact);
    r.since_v2("ids").token_ids("ids", p.banned.ids);
    r.boolean("eos", p.banned.eos);
    r.finish();
  }
  {
    ObjectReader r = root.object("stop");
    r.boolean("on_eos", p.stop.on_eos);
    r.boolean("on_boxed_answer", p.stop.on_boxed_answer);
    r.since_v2("answer").enumeration("answer", p.stop.answer, kAnswerRules);
    r.finish();
  }
  {
    ObjectReader r = root.object("budget");
    r.integer("max_passes", p.budget.max_passes, "a positive integer");
    r.finish();
  }
  {
    ObjectReader r = root.object("sampling");
    r.number("temperature", p.sampling.temperature, "a number >= 0");
    r.integer("top_k", p.sampling.top_k, "a non-negative integer");
    r.number("top_p", p.sampling.top_p, "a number in (0, 1]");
    r.number("min_p", p.sampling.min_p, "a number in [0, 1]");
    r.number("repetition_penalty", p.sampling.repetition_penalty, "a number > 0");
    r.integer("seed", p.sampling.seed, "a non-negative integer");
    r.finish();
  }
  {
    ObjectReader r = root.object("statistics");
    r.boolean("enabled", p.statistics.enabled);
    r.integer("drill_layer", p.statistics.drill_layer, "an integer >= -1");
    r.finish();
  }
  root.finish();
  p.validate(source);
  return p;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation. Messages use the JSON field paths, because that is what the user edits (the GUI edits the same).

namespace {

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

void Preset::validate(std::string_view source) const {
  if (workers < 1 || workers > kMaxWorkers)
    fail_field(source, "workers.count", "an integer from 1 to 8", std::to_string(workers));
  if (static_cast<int>(names.size()) < workers)
    fail(source, "field \"workers.names\" lists " + std::to_string(names.size()) + " name" +
                     (names.size() == 1 ? "" : "s") + " but \"workers.count\" is " + std::to_string(workers) +
                     " (give at least one name per worker)");
  std::set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string field = "workers.names[" + std::to_string(i) + "]";
    if (names[i].empty()) fail_field(source, field, "a non-empty name", "\"\"");
    if (!seen.insert(names[i]).second)
      fail(source, "field \"" + field + "\" repeats the name \"" + names[i] + "\" (names must be distinct)");
  }
  // An empty separator could never end a step; a raw preset still needs one to cut steps (§12c).
  if (step.separator.empty()) fail_field(source, "step.separator", "a non-empty string", "\"\"");
  if (collaboration.interval < 0)
    fail_field(source, "collaboration.interval", "a non-negative integer", std::to_string(collaboration.interval));
  if (finisher.max_tokens < 0)
    fail_field(source, "finisher.max_tokens", "a non-negative integer", std::to_string(finisher.max_tokens));
  for (size_t i = 0; i < banned.strings.size(); ++i)
    if (banned.strings[i].empty())
      fail_field(source, "banned.strings[" + std::to_string(i) + "]", "a non-empty string", "\"\"");
  for (size_t i = 0; i < banned.exact.size(); ++i)
    if (banned.exact[i].empty())
      fail_field(source, "banned.exact[" + std::to_string(i) + "]", "a non-empty string", "\"\"");
  for (size_t i = 0; i < banned.ids.size(); ++i)
    if (banned.ids[i] < 0)
      fail_field(source, "banned.ids[" + std::to_string(i) + "]", "a token id (an integer >= 0)", std::to_string(banned.ids[i]));
  if (budget.max_passes < 1)
    fail_field(source, "budget.max_passes", "a positive integer", std::to_string(budget.max_passes));
  // Written as !(x >= lo) so that NaN (possible when the struct is filled in code) is rejected too.
  const auto& s = sampling;
  if (!(s.temperature >= 0) || !std::isfinite(s.temperature))
    fail_field(source, "sampling.temperature", "a number >= 0", num(s.temperature));
  if (s.top_k < 0) fail_field(source, "sampling.top_k", "a non-negative integer", std::to_string(s.top_k));
  if (!(s.top_p > 0 && s.top_p <= 1)) fail_field(source, "sampling.top_p", "a number in (0, 1]", num(s.top_p));
  if (!(s.min_p >= 0 && s.min_p <= 1)) fail_field(source, "sampling.min_p", "a number in [0, 1]", num(s.min_p));
  if (!(s.repetition_penalty > 0) || !std::isfinite(s.repetition_penalty))
    fail_field(source, "sampling.repetition_penalty", "a number > 0", num(s.repetition_penalty));
  if (statistics.drill_layer < -1)
    fail_field(source, "statistics.drill_layer", "an integer >= -1", std::to_string(statistics.drill_layer));
}

std::vector<std::string> Preset::active_names() const {
  const size_t n = std::min(names.size(), static_cast<size_t>(std::max(workers, 0)));
  return {names.begin(), names.begin() + static_cast<std::ptrdiff_t>(n)};
}

// ---------------------------------------------------------------------------------------------------------------
// Writing. Built as ordered_json so that saved files list the fields in schema order (readable diffs);
// preset_to_json returns the ordinary json type of the API.

namespace {

template <class J>
J to_json_as(const Preset& p) {
  J j;
  j["schema"] = std::string(kPresetSchema);
  j["version"] = kPresetVersion;
  j["name"] = p.name;
  j["description"] = p.description;
  j["workers"] = {{"count", p.workers}, {"names", p.names}};
  j["layout"] = std::string(to_string(p.layout));
  j["chat_template"] = std::string(to_string(p.chat_template));
  j["prompt"] = {{"placement", std::string(to_string(p.prompt.placement))},
                 {"separator", p.prompt.separator},
                 {"rules", p.prompt.rules},
                 {"examples", p.prompt.examples},
                 {"how_to_collaborate", p.prompt.how_to_collaborate},
                 {"solve", p.prompt.solve},
                 {"generation_prefix", p.prompt.generation_prefix}};
  j["headers"] = {{"others", p.headers.others}, {"own", p.headers.own}, {"marker", p.headers.marker}};
  j["contiguous"] = {{"workspace_header", p.contiguous.workspace_header},
                     {"split", p.contiguous.split},
                     {"collaboration", p.contiguous.collaboration}};
  j["step"] = {{"separator", p.step.separator},
               {"prefix", p.step.prefix},
               {"openers", p.step.openers},
               {"end_rule", std::string(to_string(p.step.end_rule))},
               {"fences", p.step.fences},
               {"merge", std::string(to_string(p.step.merge))}};
  j["collaboration"] = {{"question", p.collaboration.question},
                        {"interval", p.collaboration.interval},
                        {"count_from", std::string(to_string(p.collaboration.count_from))}};
  j["finisher"] = {{"text", p.finisher.text}, {"max_tokens", p.finisher.max_tokens}};
  j["banned"] = {{"strings", p.banned.strings}, {"exact", p.banned.exact}, {"ids", p.banned.ids}, {"eos", p.banned.eos}};
  j["stop"] = {{"on_eos", p.stop.on_eos},
               {"on_boxed_answer", p.stop.on_boxed_answer},
               {"answer", std::string(to_string(p.stop.answer))}};
  j["budget"] = {{"max_passes", p.budget.max_passes}};
  j["sampling"] = {{"temperature", p.sampling.temperature},
                   {"top_k", p.sampling.top_k},
                   {"top_p", p.sampling.top_p},
                   {"min_p", p.sampling.min_p},
                   {"repetition_penalty", p.sampling.repetition_penalty},
                   {"seed", p.sampling.seed}};
  j["statistics"] = {{"enabled", p.statistics.enabled}, {"drill_layer", p.statistics.drill_layer}};
  return j;
}

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

json preset_to_json(const Preset& p) { return to_json_as<json>(p); }

Preset load_preset(const std::filesystem::path& path) {
  const std::string source = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(source, "cannot open preset file (" + errno_text(errno) + ")");
  // Presets are a few kilobytes; refusing huge files keeps a wrong pick in the file dialog harmless.
  constexpr std::streamoff kMaxBytes = 4 << 20;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size > kMaxBytes) fail(source, "file is " + std::to_string(size) + " bytes; a preset is at most 4 MiB");
  in.seekg(0);
  std::string text(static_cast<size_t>(std::max<std::streamoff>(size, 0)), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) fail(source, "cannot read preset file");
  json j;
  try {
    // Comments are allowed: hand-edited presets benefit from them (they are dropped on save).
    j = json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    const auto pos = what.find("] ");  // drop nlohmann's "[json.exception.parse_error.101] " tag
    fail(source, "not valid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
  return preset_from_json(j, source);
}

void save_preset(const Preset& p, const std::filesystem::path& path) {
  p.validate(path.string());  // never write a file that load_preset would reject
  write_file_atomically(path, to_json_as<nlohmann::ordered_json>(p).dump(2) + "\n", "preset");
}

}  // namespace hogwild
