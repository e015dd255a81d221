#include "hogwild/model_fit.h"

#include <algorithm>

#include "hogwild/prompt_builder.h"

namespace hogwild {

std::string recommended_preset(const ModelConfig& c, const ChatTemplateInfo& chat) {
  if (chat.kind == ChatTemplateKind::None) return c.context_length <= 2048 && c.dim <= 1024 ? "tiny-stories" : "hogwild-paper";
  if (chat.thinking) return "hogwild-paper";
  if (chat.kind == ChatTemplateKind::ChatML) return c.architecture == "qwen2" ? "qwen25-hogwild" : "smollm2-hogwild";
  return "hogwild-paper";
}

std::string recommended_preset(const ModelBundle& b) { return recommended_preset(b.model.config, b.chat); }

std::string chat_template_label(ChatTemplateKind kind) {
  switch (kind) {
    case ChatTemplateKind::None: return "no chat template";
    case ChatTemplateKind::ChatML: return "ChatML";
    case ChatTemplateKind::Llama3: return "Llama 3";
    case ChatTemplateKind::DeepSeekR1: return "DeepSeek-R1";
    case ChatTemplateKind::Auto: return "the model's own template";
  }
  return "?";
}

std::string chat_template_mismatch(const Preset& p, const ChatTemplateInfo& chat) {
  if (p.chat_template == ChatTemplateKind::Auto || p.chat_template == chat.kind) return "";
  if (p.chat_template == ChatTemplateKind::None)
    return "preset '" + p.name + "' uses no chat template, but the model is an instruct model (" + chat_template_label(chat.kind) +
           "): it will read the prompt as plain text";
  if (chat.kind == ChatTemplateKind::None)
    return "preset '" + p.name + "' wraps the prompt in " + chat_template_label(p.chat_template) +
           ", but the model has no chat template";
  return "preset '" + p.name + "' wraps the prompt in " + chat_template_label(p.chat_template) + ", but the model's template is " +
         chat_template_label(chat.kind);
}

ContextBudget estimate_context_budget(const ModelBundle& b, const Preset& preset, const std::string& task) {
  preset.validate();
  Preset p = preset;
  if (p.chat_template == ChatTemplateKind::Auto) {  // as the session resolves it
    p.chat_template = b.chat.kind;
    if (b.chat.thinking) p.prompt.generation_prefix = b.chat.think_opener + p.prompt.generation_prefix;
  }
  const Tokenizer& tok = *b.tokenizer;
  const auto names = p.active_names();
  auto count = [&](const std::string& text) { return text.empty() ? int64_t{0} : static_cast<int64_t>(tok.encode_continuation(text).size()); };
  ContextBudget out;
  out.context = b.model.config.context_length;
  const std::string prompt = build_prompt(p, task, names);
  out.prompt_tokens = static_cast<int64_t>(tok.encode_prompt(prompt).size());  // the one BOS/EOS rule, as prefill()
  const int W = p.workers;
  switch (p.layout) {
    case PresetLayout::Combined:
      out.fixed_tokens = count(p.headers.others) + count(p.headers.own) + (W - 1) * count(p.headers.marker);
      break;
    case PresetLayout::Contiguous:
      out.fixed_tokens = count(p.contiguous.split);
      for (int w = 0; w < W; ++w) out.fixed_tokens += count(workspace_header(p, w));
      break;
    case PresetLayout::Interleaved: break;
  }
  for (int w = 0; w < W; ++w) out.fixed_tokens += count(worker_opener(p, w));
  out.passes_fit = std::max<int64_t>(0, (out.context - out.prompt_tokens - out.fixed_tokens) / W);
  return out;
}

}  // namespace hogwild
