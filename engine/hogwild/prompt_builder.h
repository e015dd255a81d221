#pragma once
// Renders a Preset into the texts the session inserts: the prompt (hogwild-method.md §9, §4.1), the chat template
// around it, step prefixes, openers and contiguous workspace headers. The session tokenizes what comes out; this
// file only decides the characters.
#include <string>
#include <string_view>
#include <vector>

#include "hogwild/preset.h"
#include "hogwild/step_rules.h"

namespace hogwild {

// Wraps a system and a user text in the template's text up to and including the generation prompt. An empty
// system text emits no system message. BOS is not included (the session adds it as a token).
//   None:        system + "\n\n" + user when both are non-empty, else the non-empty one (plain text)
//   ChatML:      "<|im_start|>system\n{s}<|im_end|>\n<|im_start|>user\n{u}<|im_end|>\n<|im_start|>assistant\n"
//   Llama3:      "<|start_header_id|>system<|end_header_id|>\n\n{s}<|eot_id|>"
//                "<|start_header_id|>user<|end_header_id|>\n\n{u}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
//   DeepSeekR1:  "{s}<｜User｜>{u}<｜Assistant｜><think>\n"
std::string wrap_in_chat_template(ChatTemplateKind kind, std::string_view system, std::string_view user);

// The system prompt sections (rules, examples, how-to-collaborate, solve) with {names} and {first} filled from
// `names`; empty sections are skipped and the rest joined with prompt.separator.
std::string render_system_text(const Preset& p, const std::vector<std::string>& names);

// The full prompt for `task`:
//   combined / interleaved: system text placed before the task in the user message (placement "user", joined with
//     prompt.separator) or as a system message (placement "system"), wrapped in the chat template, then
//     prompt.generation_prefix.
//   contiguous (§4.1): the task alone wrapped in the chat template, then prompt.separator +
//     contiguous.collaboration (with {names}/{first}) when that text is non-empty. The system sections and the
//     generation prefix ("### Past steps") describe the step layouts and are not used here.
// With chat template "none" and empty sections/prefix (the raw preset) the result is exactly `task`.
std::string build_prompt(const Preset& p, std::string_view task, const std::vector<std::string>& names);
std::string build_prompt(const Preset& p, std::string_view task);  // names = p.active_names()
// The prompt's head: the text build_prompt puts before the task (the same for every task of one preset and names;
// PromptCache shares its K/V between sessions). Empty when the task does not follow a fixed head.
std::string prompt_head(const Preset& p, const std::vector<std::string>& names);

// Step prefix of worker `worker` (0-based) for step `step` (1-based): step.prefix with {name} and {step}.
std::string step_prefix(const Preset& p, int worker, int step);

// The opener of worker `worker` (0-based): openers[min(worker, size - 1)] with {name}, {step} = 1 and {prefix} =
// step_prefix(p, worker, 1). Empty when the preset has no openers (the worker then samples its first token from the
// prompt's last logits, §12c).
std::string worker_opener(const Preset& p, int worker);

// Contiguous layout: the header that starts worker `worker`'s block (contiguous.workspace_header with {name}).
std::string workspace_header(const Preset& p, int worker);

// The collaboration counter for this preset: off when the interval is 0 or the question is empty.
CollabCounter make_collab_counter(const Preset& p);

}  // namespace hogwild
