#pragma once
// A preset: every string the Hogwild! method inserts, plus the run settings (hogwild-method.md §12c).
//
// Presets are user-editable JSON files (schema in docs/PRESETS.md). Nothing in the engine hard-codes prompt text:
// the session reads headers, prefixes, openers, the collaboration question and the finisher from here, so a preset
// with every string empty is "raw" Hogwild!. The struct is plain data; validate() checks ranges and throws
// ConfigError naming the offending field, exactly as the JSON reader does.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hogwild/step_rules.h"  // the step-mechanics enums

namespace hogwild {

inline constexpr int kPresetVersion = 2;             // the "version" this build writes (it reads 1 and 2)
inline constexpr std::string_view kPresetSchema = "hogwild-preset";
inline constexpr int kMaxWorkers = 8;

// How the shared cache is cut into blocks and ordered in each worker's view (hogwild-method.md §4, §12a).
enum class PresetLayout { Combined, Interleaved, Contiguous };
// Where the system prompt sections go: before the task in the user message (paper default) or a system message.
enum class PromptPlacement { User, System };
// Chat template the prompt is wrapped in. None = plain text (base models, the TinyStories demo).
// Auto: the model's own template (from its GGUF/HF metadata; None for models without one), resolved by the session.
enum class ChatTemplateKind { None, ChatML, Llama3, DeepSeekR1, Auto };

std::string_view to_string(PresetLayout v);
std::string_view to_string(PromptPlacement v);
std::string_view to_string(ChatTemplateKind v);
std::string_view to_string(StepEndRule v);
std::string_view to_string(StepMerge v);
std::string_view to_string(CollabCountFrom v);
std::string_view to_string(AnswerRule v);

// Default prompt texts (the paper's sections, in our own words; hogwild-method.md §9 and §4.1). Defined in
// preset.cpp so that a preset that omits a section still gets the paper's prompt.
std::string_view default_rules_text();
std::string_view default_how_to_collaborate_text();
std::string_view default_solve_text();
std::string_view default_contiguous_collaboration_text();

struct Preset {
  std::string name = "Hogwild! (paper)";
  std::string description;

  // Workers. Only the first `workers` names are used; the list may be longer so that raising W needs no edit.
  int workers = 2;
  std::vector<std::string> names = {"Alice", "Bob", "Charlie", "Doris", "Eve", "Frank", "Grace", "Heidi"};

  PresetLayout layout = PresetLayout::Combined;
  ChatTemplateKind chat_template = ChatTemplateKind::None;

  // System prompt (hogwild-method.md §9). Sections may use the placeholders {names} ("Alice and Bob") and
  // {first} (the first worker's name). Empty sections are skipped; the rest are joined with `separator`, and the
  // system text is separated from the task by `separator` when placed in the user message.
  struct Prompt {
    PromptPlacement placement = PromptPlacement::User;
    std::string separator = "\n\n";
    std::string rules{default_rules_text()};                            // "# Collaborative Reasoning"
    std::string examples;                                               // optional few-shot traces
    std::string how_to_collaborate{default_how_to_collaborate_text()};  // optional strategies
    std::string solve{default_solve_text()};                            // "# Solve the following problem"
    std::string generation_prefix = "\n### Past steps\n\n";  // appended after the chat template's generation prompt
  } prompt;

  // Combined/interleaved header blocks (§12a). Each other worker's partial step is followed by `marker`.
  struct Headers {
    std::string others = "### Work in progress (others)\n\n";
    std::string own = "### Work in progress (own)\n\n";
    std::string marker = "<...>\n\n";
  } headers;

  // Contiguous layout strings (§4.1). workspace_header may use {name}.
  struct Contiguous {
    std::string workspace_header = "\n\n# {name} workspace\n\n";
    std::string split = " <the assistant will continue here>\n\n";
    // First-person collaboration text that follows the task in the prompt (after `prompt.separator`).
    std::string collaboration{default_contiguous_collaboration_text()};
  } contiguous;

  // Steps (§8.2, §8.3). prefix uses {name} and {step}; openers use {name}, {step} (= 1) and {prefix} (the rendered
  // step-1 prefix). Worker i (0-based) uses openers[min(i, openers.size() - 1)]; an empty list means no openers.
  struct Step {
    std::string separator = "\n\n";
    std::string prefix = "**{name} [{step}]:** ";
    std::vector<std::string> openers = {"{prefix}Hi, I'm {name}. Here's how we can", "{prefix}Hi, I'm {name}."};
    StepEndRule end_rule = StepEndRule::Text;
    bool fences = true;  // an open ``` / ~~~ / $$ block keeps the step going
    StepMerge merge = StepMerge::NextPass;
  } step;

  // Periodic "redundant work?" question (§8.5): inserted after the step prefix when the global input-token counter
  // exceeds `interval`. interval 0 or an empty question turns it off.
  struct Collaboration {
    std::string question = "Quick check: am I doing redundant work? (yes/no): ";
    int64_t interval = 1024;
    CollabCountFrom count_from = CollabCountFrom::FirstSampled;
  } collaboration;

  // Finisher (§8.8): appended after the assembled response when no \boxed{} answer was found, then decoded greedily
  // for at most max_tokens. An empty text or max_tokens 0 turns it off.
  struct Finisher {
    std::string text =
        "\n\nWait, given the limited time, I have to give an answer right now. Considering all my previous "
        "attempts, I have to conclude that the final answer is \\boxed{";
    int max_tokens = 16;
  } finisher;

  // Suppressed outputs (§8.6); BOS is always suppressed. `strings`: every token whose text, after leading spaces,
  // is one of them. `exact`: the token whose text is exactly one of them (special tokens by their literal text;
  // "{bos}" and "{eos}" name the vocabulary's BOS and EOS tokens); strings that name no token are ignored.
  // `ids`: these token ids (must lie inside the model's vocabulary). `eos`: every stop token (EOS, <|im_end|>, ...).
  struct Banned {
    std::vector<std::string> strings = {"#", "</think>"};
    std::vector<std::string> exact;
    std::vector<int32_t> ids;
    bool eos = false;
  } banned;

  // Stop rules (§8.7), checked after every pass.
  struct Stop {
    bool on_eos = true;           // any worker samples EOS
    bool on_boxed_answer = true;  // a finished step contains a parsable \boxed{...}
    AnswerRule answer = AnswerRule::Any;  // what a \boxed{} must hold to count (also for the final answer)
  } stop;

  struct Budget {
    int64_t max_passes = 4096;  // forward passes; each yields one token per worker
  } budget;

  // Sampling. temperature 0 = greedy; top_k 0, top_p 1, min_p 0 and repetition_penalty 1 are "off".
  struct Sampling {
    double temperature = 0.6;
    int top_k = 20;
    double top_p = 0.95;
    double min_p = 0.0;
    double repetition_penalty = 1.0;
    uint64_t seed = 0;  // worker w uses a stream derived from (seed, w)
  } sampling;

  // Attention statistics for the heatmaps (§12e).
  struct Statistics {
    bool enabled = true;
    int drill_layer = -1;  // layer for the per-token drill-down, -1 = none
  } statistics;

  // Throws ConfigError ("<source>: field \"sampling.top_p\" must be ...") on the first invalid value.
  void validate(std::string_view source_name = "preset") const;

  // The names of the W active workers.
  std::vector<std::string> active_names() const;
};

// JSON conversion. preset_from_json rejects unknown fields, wrong types, a missing or foreign "schema" and any
// "version" other than 1 and 2 (a version-1 file may not use the fields new in version 2, and reads as the
// version-1 mechanics); missing optional fields keep the defaults above. It validates the result.
// preset_to_json writes version kPresetVersion.
Preset preset_from_json(const nlohmann::json& j, std::string_view source_name);
nlohmann::json preset_to_json(const Preset& p);  // every field, schema and version included

// Files. load_preset reports errors prefixed with the file name. save_preset validates first, then writes a temp
// file next to the target, fsyncs it and renames it over the target, so the target is either the old or the new
// file, never a partial one; on failure the temp file is removed and ConfigError is thrown.
Preset load_preset(const std::filesystem::path& path);
void save_preset(const Preset& p, const std::filesystem::path& path);

}  // namespace hogwild
