// Preset -> inserted text. Kept apart from the session so that every string the method inserts can be checked
// (and shown in the UI) without a model.
#include "hogwild/prompt_builder.h"

#include <algorithm>

namespace hogwild {

namespace {

std::vector<std::pair<std::string_view, std::string>> name_vars(const std::vector<std::string>& names) {
  return {{"names", render_names(names)}, {"first", names.empty() ? std::string() : names.front()}};
}

// Joins the non-empty parts; skipping empties keeps a preset with blank optional sections free of stray separators.
std::string join_non_empty(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out.append(sep);
    out.append(part);
  }
  return out;
}

const std::string& name_of_worker(const Preset& p, int worker) {
  static const std::string kNone;
  return worker >= 0 && worker < static_cast<int>(p.names.size()) ? p.names[static_cast<size_t>(worker)] : kNone;
}

}  // namespace

std::string wrap_in_chat_template(ChatTemplateKind kind, std::string_view system, std::string_view user) {
  std::string out;
  switch (kind) {
    case ChatTemplateKind::Auto:  // unresolved (no model): plain text
    case ChatTemplateKind::None:
      // Plain text has no roles; a "system" text simply precedes the task.
      return join_non_empty({std::string(system), std::string(user)}, "\n\n");
    case ChatTemplateKind::ChatML:
      if (!system.empty()) out.append("<|im_start|>system\n").append(system).append("<|im_end|>\n");
      out.append("<|im_start|>user\n").append(user).append("<|im_end|>\n<|im_start|>assistant\n");
      return out;
    case ChatTemplateKind::Llama3:
      // "<|begin_of_text|>" is the BOS token: the session adds it, so it is not part of the text.
      if (!system.empty())
        out.append("<|start_header_id|>system<|end_header_id|>\n\n").append(system).append("<|eot_id|>");
      out.append("<|start_header_id|>user<|end_header_id|>\n\n")
          .append(user)
          .append("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
      return out;
    case ChatTemplateKind::DeepSeekR1:
      // The R1 template puts the system text right after BOS, with no role marker; its generation prompt opens
      // the thinking section.
      out.append(system).append("<｜User｜>").append(user).append("<｜Assistant｜><think>\n");
      return out;
  }
  return out;
}

std::string render_system_text(const Preset& p, const std::vector<std::string>& names) {
  const auto vars = name_vars(names);
  return join_non_empty({substitute(p.prompt.rules, vars), substitute(p.prompt.examples, vars),
                         substitute(p.prompt.how_to_collaborate, vars), substitute(p.prompt.solve, vars)},
                        p.prompt.separator);
}

std::string build_prompt(const Preset& p, std::string_view task, const std::vector<std::string>& names) {
  std::string out;
  if (p.layout == PresetLayout::Contiguous) {
    out = wrap_in_chat_template(p.chat_template, "", task);
    const std::string collab = substitute(p.contiguous.collaboration, name_vars(names));
    if (!collab.empty()) out.append(p.prompt.separator).append(collab);
    return out;
  }
  const std::string system = render_system_text(p, names);
  // Plain text has no system role, so "system" placement with template "none" reads like "user" placement.
  if (p.prompt.placement == PromptPlacement::System && p.chat_template != ChatTemplateKind::None &&
      p.chat_template != ChatTemplateKind::Auto) {
    out = wrap_in_chat_template(p.chat_template, system, task);
  } else {
    // §9 default: system text, separator, task — all inside the user message.
    out = wrap_in_chat_template(p.chat_template, "", join_non_empty({system, std::string(task)}, p.prompt.separator));
  }
  out += p.prompt.generation_prefix;
  return out;
}

std::string build_prompt(const Preset& p, std::string_view task) { return build_prompt(p, task, p.active_names()); }

std::string prompt_head(const Preset& p, const std::vector<std::string>& names) {
  // A task no preset text contains marks where the task goes.
  const std::string mark = "\x01\x02hogwild-task\x02\x01";
  const std::string text = build_prompt(p, mark, names);
  const size_t at = text.find(mark);
  return at == std::string::npos ? std::string() : text.substr(0, at);
}

std::string step_prefix(const Preset& p, int worker, int step) {
  return format_step_prefix(p.step.prefix, name_of_worker(p, worker), step);
}

std::string worker_opener(const Preset& p, int worker) {
  if (p.step.openers.empty()) return {};
  const size_t i = std::min(static_cast<size_t>(std::max(worker, 0)), p.step.openers.size() - 1);
  return substitute(p.step.openers[i], {{"name", name_of_worker(p, worker)},
                                        {"step", "1"},
                                        {"prefix", step_prefix(p, worker, 1)}});
}

std::string workspace_header(const Preset& p, int worker) {
  return substitute(p.contiguous.workspace_header, {{"name", name_of_worker(p, worker)}});
}

CollabCounter make_collab_counter(const Preset& p) {
  return CollabCounter(p.collaboration.question.empty() ? 0 : p.collaboration.interval);
}

}  // namespace hogwild
