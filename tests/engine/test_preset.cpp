// Presets (§12c): shipped files load, round trips are exact, malformed files give one line naming the field,
// saves are atomic; the prompt builder renders the paper's strings and leaves a raw task untouched.
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/error.h"
#include "fixtures.h"
#include "temp_dir.h"
#include "hogwild/preset.h"
#include "hogwild/prompt_builder.h"

using namespace hogwild;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

fs::path presets_dir() { return fs::path(test::source_dir()) / "resources" / "presets"; }



// The message of the ConfigError that preset_from_json throws for `j` ("" and a test failure if none).
std::string error_of(const json& j) {
  try {
    preset_from_json(j, "preset.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for " << j.dump();
  return "";
}

// A valid minimal preset with one field replaced (path like "sampling.top_p").
json with_field(const std::string& section, const std::string& key, const json& value, int version = 2) {
  json j = {{"schema", "hogwild-preset"}, {"version", version}};
  if (section.empty())
    j[key] = value;
  else
    j[section][key] = value;
  return j;
}

}  // namespace

TEST(Preset, EveryShippedPresetLoadsAndValidates) {
  int count = 0;
  for (const auto& e : fs::directory_iterator(presets_dir())) {
    if (e.path().extension() != ".json") continue;
    SCOPED_TRACE(e.path().string());
    const Preset p = load_preset(e.path());
    EXPECT_NO_THROW(p.validate());
    EXPECT_FALSE(p.name.empty());
    ++count;
  }
  EXPECT_GE(count, 4);
}

TEST(Preset, PaperPresetHasThePapersSettings) {
  const Preset p = load_preset(presets_dir() / "hogwild-paper.json");
  EXPECT_EQ(p.layout, PresetLayout::Combined);
  EXPECT_EQ(p.workers, 2);
  EXPECT_EQ(p.active_names(), (std::vector<std::string>{"Alice", "Bob"}));
  EXPECT_EQ(p.collaboration.interval, 1024);
  EXPECT_EQ(p.collaboration.question, "Quick check: am I doing redundant work? (yes/no): ");
  EXPECT_EQ(p.finisher.max_tokens, 16);
  EXPECT_EQ(p.headers.others, "### Work in progress (others)\n\n");
  EXPECT_EQ(p.headers.own, "### Work in progress (own)\n\n");
  EXPECT_EQ(p.headers.marker, "<...>\n\n");
  EXPECT_EQ(p.step.separator, "\n\n");
  EXPECT_EQ(worker_opener(p, 0), "**Alice [1]:** Hi, I'm Alice. Here's how we can");
  EXPECT_EQ(worker_opener(p, 1), "**Bob [1]:** Hi, I'm Bob.");
  EXPECT_EQ(step_prefix(p, 1, 3), "**Bob [3]:** ");
  EXPECT_EQ(p.finisher.text.substr(0, 11), "\n\nWait, giv");
  EXPECT_EQ(p.finisher.text.substr(p.finisher.text.size() - 7), "\\boxed{");

  // The code defaults are the paper's preset (bar name/description and the chat template), so a preset file that
  // omits a section gets the paper's text. This keeps preset.cpp and hogwild-paper.json in sync.
  Preset defaults;
  defaults.name = p.name;
  defaults.description = p.description;
  defaults.chat_template = p.chat_template;
  EXPECT_EQ(preset_to_json(defaults), preset_to_json(p));
}

TEST(Preset, FourWorkersAndTinyStoriesAndRaw) {
  const Preset four = load_preset(presets_dir() / "hogwild-4-workers.json");
  EXPECT_EQ(four.active_names(), (std::vector<std::string>{"Alice", "Bob", "Charlie", "Doris"}));
  EXPECT_EQ(worker_opener(four, 3), "**Doris [1]:** Hi, I'm Doris.");
  EXPECT_NE(render_system_text(four, four.active_names()).find("Alice, Bob, Charlie and Doris"), std::string::npos);

  const Preset tiny = load_preset(presets_dir() / "tiny-stories.json");
  EXPECT_EQ(tiny.workers, 2);
  EXPECT_EQ(tiny.step.separator, "\n");
  EXPECT_EQ(tiny.collaboration.interval, 0);
  EXPECT_TRUE(tiny.finisher.text.empty());
  EXPECT_DOUBLE_EQ(tiny.sampling.temperature, 0.8);
  EXPECT_DOUBLE_EQ(tiny.sampling.top_p, 0.9);
  EXPECT_EQ(tiny.chat_template, ChatTemplateKind::None);
  EXPECT_EQ(worker_opener(tiny, 0), "Alice: Once upon a time");
  EXPECT_EQ(build_prompt(tiny, "Once upon a time"), "Once upon a time");

  const Preset raw = load_preset(presets_dir() / "raw.json");
  EXPECT_EQ(raw.workers, 1);
  EXPECT_EQ(raw.layout, PresetLayout::Combined);
  for (const std::string* s : {&raw.prompt.rules, &raw.prompt.examples, &raw.prompt.how_to_collaborate,
                               &raw.prompt.solve, &raw.prompt.generation_prefix, &raw.headers.others,
                               &raw.headers.own, &raw.headers.marker, &raw.contiguous.workspace_header,
                               &raw.contiguous.split, &raw.contiguous.collaboration, &raw.step.prefix,
                               &raw.collaboration.question, &raw.finisher.text})
    EXPECT_TRUE(s->empty()) << *s;
  EXPECT_TRUE(raw.step.openers.empty());
  EXPECT_EQ(worker_opener(raw, 0), "");
  EXPECT_EQ(make_collab_counter(raw).interval(), 0);
  const std::string task = "What is 2 + 2? Put the answer in \\boxed{}.";
  EXPECT_EQ(build_prompt(raw, task), task);
  Preset raw_system = raw;
  raw_system.prompt.placement = PromptPlacement::System;
  EXPECT_EQ(build_prompt(raw_system, task), task);
}

TEST(Preset, RoundTripIsExact) {
  test::TempDir dir("preset");
  size_t shipped = 0;
  for (const auto& e : fs::directory_iterator(presets_dir())) {
    if (e.path().extension() != ".json") continue;
    ++shipped;
    const Preset p = load_preset(e.path());
    const fs::path out = dir.path() / e.path().filename();
    save_preset(p, out);
    EXPECT_EQ(preset_to_json(load_preset(out)), preset_to_json(p)) << e.path();
  }
  // Every field off its default, with awkward text (quotes, backslashes, UTF-8, control characters).
  Preset p;
  p.name = "Ünïcode \"quoted\" \\ name";
  p.description = "tab\there\nnewline";
  p.workers = 3;
  p.names = {"Ada", "Björn", "美玲"};
  p.layout = PresetLayout::Interleaved;
  p.chat_template = ChatTemplateKind::DeepSeekR1;
  p.prompt.placement = PromptPlacement::System;
  p.prompt.separator = "\n";
  p.prompt.examples = "<example>x</example>";
  p.prompt.generation_prefix = "<think>\n### Past steps\n\n";
  p.step.separator = "\n";
  p.step.openers = {"{prefix}Start."};
  p.collaboration.interval = 256;
  p.finisher.max_tokens = 64;
  p.step.end_rule = StepEndRule::Token;
  p.step.fences = false;
  p.step.merge = StepMerge::SamePass;
  p.collaboration.count_from = CollabCountFrom::Openers;
  p.banned.strings = {"#", "</think>", "<|im_end|>"};
  p.banned.exact = {"{bos}", "\n\n", "Ü"};
  p.banned.ids = {0, 7, 2147483647};
  p.banned.eos = true;
  p.stop = {false, false, AnswerRule::Number};
  p.budget.max_passes = 12345;
  p.sampling = {0.7, 40, 0.8, 0.05, 1.1, 18446744073709551615ull};
  p.statistics = {false, 7};
  const fs::path out = dir.path() / "custom.json";
  save_preset(p, out);
  EXPECT_EQ(preset_to_json(load_preset(out)), preset_to_json(p));
  EXPECT_EQ(dir.entries().size(), shipped + 1);  // the shipped copies and custom.json: no temp files left behind
}

TEST(Preset, VersionOneFilesLoadWithTheVersionOneMechanics) {
  // A version-1 file (every field it can have) reads as before; the new fields take the version-1 behaviour, and
  // saving writes version 2.
  json j = preset_to_json(Preset{});
  j["version"] = 1;
  for (const char* k : {"end_rule", "fences", "merge"}) j["step"].erase(k);
  j["collaboration"].erase("count_from");
  j["banned"].erase("exact");
  j["banned"].erase("ids");
  j["stop"].erase("answer");
  const Preset p = preset_from_json(j, "old.json");
  EXPECT_EQ(p.step.end_rule, StepEndRule::Text);
  EXPECT_TRUE(p.step.fences);
  EXPECT_EQ(p.step.merge, StepMerge::NextPass);
  EXPECT_EQ(p.collaboration.count_from, CollabCountFrom::FirstSampled);
  EXPECT_TRUE(p.banned.exact.empty());
  EXPECT_TRUE(p.banned.ids.empty());
  EXPECT_EQ(p.stop.answer, AnswerRule::Any);
  EXPECT_EQ(preset_to_json(p), preset_to_json(Preset{}));
  EXPECT_EQ(preset_to_json(p)["version"], 2);
}

TEST(Preset, PaperOfficialSelectsTheOfficialMechanics) {
  const Preset p = load_preset(presets_dir() / "paper-official.json");
  EXPECT_EQ(p.step.end_rule, StepEndRule::Token);
  EXPECT_FALSE(p.step.fences);
  EXPECT_EQ(p.step.merge, StepMerge::SamePass);
  EXPECT_EQ(p.collaboration.count_from, CollabCountFrom::FirstSampled);
  EXPECT_EQ(p.collaboration.interval, 256);  // the default of the official main branch's generation.py
  EXPECT_TRUE(p.banned.strings.empty());
  EXPECT_EQ(p.banned.exact, (std::vector<std::string>{"#", "{bos}", "{eos}", "</think>"}));
  EXPECT_FALSE(p.banned.eos);
  EXPECT_FALSE(p.stop.on_eos);  // main bans EOS instead of stopping on it
  EXPECT_EQ(p.stop.answer, AnswerRule::Number);
  EXPECT_EQ(p.layout, PresetLayout::Combined);
  EXPECT_EQ(p.workers, 2);
  // The official block structure for two workers: common, "\n\n### Work in progress (others)\n\n", the other's
  // step, "<...>\n\n### Work in progress (own)\n\n", the own step (our marker block carries the own header).
  EXPECT_EQ(p.headers.others.substr(0, 2), "\n\n");
  EXPECT_TRUE(p.headers.own.empty());
  EXPECT_EQ(p.headers.marker.substr(0, 7), "<...>\n\n");
  EXPECT_NE(p.headers.marker.find("(own)"), std::string::npos);
  EXPECT_TRUE(p.prompt.generation_prefix.empty());
  EXPECT_EQ(worker_opener(p, 0), "**Alice [1]:** Hi, I'm Alice. Here's how we can");
  EXPECT_EQ(worker_opener(p, 1), "**Bob [1]:** Hi, I'm Bob.");
}

TEST(Preset, MissingFieldsTakeDefaultsAndCommentsAreAllowed) {
  test::TempDir dir("preset");
  const auto path = dir.write("min.json", "// my preset\n{ \"schema\": \"hogwild-preset\", \"version\": 1,\n"
                                          "  \"workers\": { \"count\": 3 } /* three */ }\n");
  const Preset p = load_preset(path);
  EXPECT_EQ(p.workers, 3);
  Preset defaults;
  defaults.workers = 3;
  EXPECT_EQ(preset_to_json(p), preset_to_json(defaults));
}

TEST(Preset, DocumentedExampleLoads) {
  // The minimal preset shown in docs/PRESETS.md must stay loadable.
  const std::string doc = test::read_all(fs::path(test::source_dir()) / "docs" / "PRESETS.md");
  const size_t begin = doc.find("```json\n");
  ASSERT_NE(begin, std::string::npos);
  const size_t end = doc.find("```", begin + 8);
  ASSERT_NE(end, std::string::npos);
  const Preset p = preset_from_json(json::parse(doc.substr(begin + 8, end - begin - 8)), "PRESETS.md");
  EXPECT_EQ(p.workers, 3);
  EXPECT_EQ(p.chat_template, ChatTemplateKind::Llama3);
  EXPECT_EQ(p.collaboration.interval, 256);
  EXPECT_NE(build_prompt(p, "T").find("Alice, Bob and Charlie"), std::string::npos);
}

TEST(Preset, MalformedPresetsNameTheField) {
  // Exact wording for the common case of a wrong type.
  EXPECT_EQ(error_of(with_field("collaboration", "interval", "abc")),
            "preset.json: field \"collaboration.interval\" must be a non-negative integer (got \"abc\")");

  struct Case {
    json j;
    std::string expect;  // substring of the message
  };
  const std::vector<Case> cases = {
      {json::array({1, 2}), "must be a JSON object"},
      {json{{"version", 1}}, "field \"schema\" is missing"},
      {json{{"schema", "other"}, {"version", 1}}, "field \"schema\" must be \"hogwild-preset\" (got \"other\")"},
      {json{{"schema", "hogwild-preset"}}, "field \"version\" is missing"},
      {json{{"schema", "hogwild-preset"}, {"version", 3}}, "field \"version\" is 3, but this build reads preset versions 1 and 2"},
      {json{{"schema", "hogwild-preset"}, {"version", 0}}, "field \"version\" is 0"},
      {json{{"schema", "hogwild-preset"}, {"version", "1"}}, "field \"version\" must be an integer"},
      {with_field("", "wrokers", json::object()), "unknown field \"wrokers\""},
      {with_field("collaboration", "intreval", 5), "unknown field \"collaboration.intreval\""},
      {with_field("workers", "count", 0), "field \"workers.count\" must be an integer from 1 to 8 (got 0)"},
      {with_field("workers", "count", 9), "field \"workers.count\" must be an integer from 1 to 8 (got 9)"},
      {with_field("workers", "count", 2.0), "field \"workers.count\""},
      {with_field("workers", "count", 4294967298ll), "field \"workers.count\""},  // must not wrap to 2
      {with_field("workers", "names", json::array({"Alice", 7})), "field \"workers.names[1]\" must be a string"},
      {json{{"schema", "hogwild-preset"}, {"version", 1}, {"workers", {{"count", 3}, {"names", {"A", "B"}}}}},
       "field \"workers.names\" lists 2 names but \"workers.count\" is 3"},
      {with_field("workers", "names", json::array({"A", "A"})), "field \"workers.names[1]\" repeats"},
      {with_field("workers", "names", json::array({"", "B"})), "field \"workers.names[0]\""},
      {with_field("", "workers", 2), "field \"workers\" must be an object"},
      {with_field("", "layout", "diagonal"), "field \"layout\" must be \"combined\", \"interleaved\" or "
                                             "\"contiguous\" (got \"diagonal\")"},
      {with_field("", "chat_template", "chatgpt"), "field \"chat_template\""},
      {with_field("prompt", "placement", "assistant"), "field \"prompt.placement\""},
      {with_field("prompt", "rules", 3), "field \"prompt.rules\" must be a string (got 3)"},
      {with_field("step", "separator", ""), "field \"step.separator\" must be a non-empty string"},
      {with_field("step", "openers", "hi"), "field \"step.openers\" must be a list of strings"},
      {with_field("sampling", "top_p", 1.5), "field \"sampling.top_p\" must be a number in (0, 1] (got 1.5)"},
      {with_field("sampling", "top_p", 0), "field \"sampling.top_p\""},
      {with_field("sampling", "temperature", -0.5), "field \"sampling.temperature\" must be a number >= 0"},
      {with_field("sampling", "min_p", 2), "field \"sampling.min_p\""},
      {with_field("sampling", "top_k", -1), "field \"sampling.top_k\""},
      {with_field("sampling", "repetition_penalty", 0), "field \"sampling.repetition_penalty\""},
      {with_field("sampling", "seed", -3), "field \"sampling.seed\""},
      {with_field("sampling", "temperature", "hot"), "field \"sampling.temperature\""},
      {with_field("budget", "max_passes", 0), "field \"budget.max_passes\" must be a positive integer"},
      {with_field("finisher", "max_tokens", -1), "field \"finisher.max_tokens\""},
      {with_field("banned", "strings", json::array({""})), "field \"banned.strings[0]\""},
      {with_field("banned", "eos", "yes"), "field \"banned.eos\" must be true or false"},
      {with_field("statistics", "drill_layer", -2), "field \"statistics.drill_layer\""},
      // Version 2: the step mechanics.
      {with_field("step", "end_rule", "sentence"), "field \"step.end_rule\" must be \"text\" or \"token\" (got \"sentence\")"},
      {with_field("step", "merge", "later"), "field \"step.merge\" must be \"next_pass\" or \"same_pass\""},
      {with_field("step", "fences", 1), "field \"step.fences\" must be true or false"},
      {with_field("collaboration", "count_from", "start"), "field \"collaboration.count_from\" must be \"first_sampled\" or \"openers\""},
      {with_field("stop", "answer", "int"), "field \"stop.answer\" must be \"any\" or \"number\""},
      {with_field("banned", "ids", json::array({1, -2})), "field \"banned.ids[1]\" must be a token id (an integer >= 0) (got -2)"},
      {with_field("banned", "ids", json::array({2147483648ll})), "field \"banned.ids[0]\""},
      {with_field("banned", "ids", json::array({1.5})), "field \"banned.ids[0]\""},
      {with_field("banned", "ids", 3), "field \"banned.ids\" must be a list of token ids"},
      {with_field("banned", "exact", json::array({""})), "field \"banned.exact[0]\" must be a non-empty string"},
      // ...which a version-1 file cannot use: an older build would not know them.
      {with_field("step", "end_rule", "token", 1), "field \"step.end_rule\" is new in preset version 2, but this file says \"version\": 1"},
      {with_field("step", "merge", "same_pass", 1), "field \"step.merge\" is new in preset version 2"},
      {with_field("step", "fences", false, 1), "field \"step.fences\" is new in preset version 2"},
      {with_field("collaboration", "count_from", "openers", 1), "field \"collaboration.count_from\" is new in preset version 2"},
      {with_field("banned", "ids", json::array({1}), 1), "field \"banned.ids\" is new in preset version 2"},
      {with_field("banned", "exact", json::array({"#"}), 1), "field \"banned.exact\" is new in preset version 2"},
      {with_field("stop", "answer", "number", 1), "field \"stop.answer\" is new in preset version 2"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(c.j);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "message: " << msg << "\nexpected: " << c.expect;
    EXPECT_EQ(msg.rfind("preset.json: ", 0), 0u) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
}

TEST(Preset, FileErrorsNameTheFile) {
  test::TempDir dir("preset");
  const auto bad = dir.write("bad.json", "{ \"schema\": \"hogwild-preset\", ");
  try {
    load_preset(bad);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind(bad.string() + ": not valid JSON", 0), 0u) << m;
  }
  EXPECT_THROW(load_preset(dir.path() / "missing.json"), ConfigError);
  EXPECT_THROW(load_preset(dir.write("empty.json", "")), ConfigError);
}

TEST(Preset, ValidateCatchesValuesSetInCode) {
  Preset p;
  EXPECT_NO_THROW(p.validate());
  p.sampling.temperature = std::nan("");
  EXPECT_THROW(p.validate(), ConfigError);
  p = Preset{};
  p.workers = 8;
  EXPECT_NO_THROW(p.validate());
  p.names.resize(7);
  try {
    p.validate("ui");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("ui: field \"workers.names\"", 0), 0u) << e.what();
  }
}

TEST(Preset, AtomicSave) {
  test::TempDir dir("preset");
  Preset p;
  const fs::path target = dir.path() / "mine.json";
  save_preset(p, target);
  const std::string original = test::read_all(target);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"mine.json"});
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);

  // An invalid preset is refused before anything is written: the existing file stays as it was.
  Preset invalid = p;
  invalid.sampling.top_p = 1.5;
  EXPECT_THROW(save_preset(invalid, target), ConfigError);
  EXPECT_EQ(test::read_all(target), original);

  // A directory that does not exist: error, and nothing is created.
  EXPECT_THROW(save_preset(p, dir.path() / "no-such-dir" / "x.json"), ConfigError);
  EXPECT_FALSE(fs::exists(dir.path() / "no-such-dir"));

  // The final rename fails (the target is a non-empty directory): the temp file is removed, the directory kept.
  fs::create_directories(dir.path() / "taken.json" / "inside");
  EXPECT_THROW(save_preset(p, dir.path() / "taken.json"), ConfigError);
  EXPECT_TRUE(fs::is_directory(dir.path() / "taken.json" / "inside"));
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"mine.json", "taken.json"}));

  // Overwriting replaces the content completely.
  Preset other = p;
  other.name = "x";
  save_preset(other, target);
  EXPECT_EQ(load_preset(target).name, "x");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"mine.json", "taken.json"}));
}

TEST(PromptBuilder, PlainAndChatTemplates) {
  Preset p;  // paper sections, template "none"
  const std::string task = "Compute 6 * 7.";
  const std::string system = render_system_text(p, p.active_names());
  EXPECT_EQ(system.rfind("# Collaborative Reasoning\n\n", 0), 0u);
  EXPECT_NE(system.find("Alice and Bob"), std::string::npos);
  EXPECT_NE(system.find("**Alice [3]:** "), std::string::npos);
  EXPECT_NE(system.find("# How to collaborate"), std::string::npos);
  EXPECT_NE(system.find("# Solve the following problem\n\nAlice and Bob, you will"), std::string::npos);
  EXPECT_EQ(system.find("{names}"), std::string::npos);
  EXPECT_EQ(system.find("{first}"), std::string::npos);
  EXPECT_EQ(system.find("\n\n\n"), std::string::npos);  // the empty examples section leaves no gap
  EXPECT_EQ(build_prompt(p, task), system + "\n\n" + task + "\n### Past steps\n\n");

  p.chat_template = ChatTemplateKind::ChatML;
  EXPECT_EQ(build_prompt(p, task), "<|im_start|>user\n" + system + "\n\n" + task +
                                       "<|im_end|>\n<|im_start|>assistant\n\n### Past steps\n\n");
  p.prompt.placement = PromptPlacement::System;
  EXPECT_EQ(build_prompt(p, task), "<|im_start|>system\n" + system + "<|im_end|>\n<|im_start|>user\n" + task +
                                       "<|im_end|>\n<|im_start|>assistant\n\n### Past steps\n\n");

  EXPECT_EQ(wrap_in_chat_template(ChatTemplateKind::ChatML, "", "hi"),
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(wrap_in_chat_template(ChatTemplateKind::Llama3, "", "hi"),
            "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(wrap_in_chat_template(ChatTemplateKind::Llama3, "sys", "hi"),
            "<|start_header_id|>system<|end_header_id|>\n\nsys<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(wrap_in_chat_template(ChatTemplateKind::DeepSeekR1, "", "hi"), "<｜User｜>hi<｜Assistant｜><think>\n");
  EXPECT_EQ(wrap_in_chat_template(ChatTemplateKind::DeepSeekR1, "sys", "hi"),
            "sys<｜User｜>hi<｜Assistant｜><think>\n");
  EXPECT_EQ(wrap_in_chat_template(ChatTemplateKind::None, "", "hi"), "hi");

  // Names passed explicitly override the preset's list.
  Preset q;
  EXPECT_NE(render_system_text(q, {"Alice", "Bob", "Charlie"}).find("Alice, Bob and Charlie"), std::string::npos);
}

TEST(PromptBuilder, ContiguousLayout) {
  Preset p;
  p.layout = PresetLayout::Contiguous;
  EXPECT_EQ(workspace_header(p, 0), "\n\n# Alice workspace\n\n");
  EXPECT_EQ(workspace_header(p, 1), "\n\n# Bob workspace\n\n");
  const std::string prompt = build_prompt(p, "Task.");
  EXPECT_EQ(prompt.rfind("Task.\n\nI will reason about this problem together with the others: Alice and Bob.", 0), 0u)
      << prompt;
  EXPECT_EQ(prompt.find("### Past steps"), std::string::npos);
  p.contiguous.collaboration.clear();
  EXPECT_EQ(build_prompt(p, "Task."), "Task.");
}

TEST(PromptBuilder, OpenersFallBackToTheLastEntry) {
  Preset p;
  p.workers = 3;
  EXPECT_EQ(worker_opener(p, 2), "**Charlie [1]:** Hi, I'm Charlie.");
  p.step.openers = {"{name} starts step {step}: "};
  EXPECT_EQ(worker_opener(p, 1), "Bob starts step 1: ");
  EXPECT_EQ(make_collab_counter(p).interval(), 1024);
  p.collaboration.question.clear();
  EXPECT_EQ(make_collab_counter(p).interval(), 0);  // no question text: the check is off
}
