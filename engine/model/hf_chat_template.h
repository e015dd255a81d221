#pragma once
// Which of the engine's chat formats a model's Jinja chat template (GGUF tokenizer.chat_template, HF
// tokenizer_config.json "chat_template" or chat_template.jinja) is, recognised by its marker tokens, and whether
// it is a thinking model whose generation prompt must open "<think>" (hogwild-method.md §9).
#include <string>
#include <string_view>

#include "hogwild/preset.h"

namespace hogwild {

struct ChatTemplateInfo {
  ChatTemplateKind kind = ChatTemplateKind::None;
  bool thinking = false;      // the template knows <think> (QwQ, Qwen3, DeepSeek-R1-Distill)
  // Text to append after wrap_in_chat_template(kind, ...) so that generation starts inside the thinking section:
  // "<think>\n" for thinking ChatML models (QwQ's template opens it itself, Qwen3's is opened manually; ours never
  // does), "" otherwise (the DeepSeekR1 wrap already ends with "<think>\n").
  std::string think_opener;
};

// <｜Assistant｜> -> DeepSeekR1, <|start_header_id|> -> Llama3, <|im_start|> -> ChatML, else None.
ChatTemplateInfo detect_chat_template(std::string_view jinja);

// The chat template text of a HF folder: tokenizer_config.json "chat_template" (a string, or the "default" entry
// of a list of {name, template}), else chat_template.jinja; "" when neither exists. Never throws.
std::string read_hf_chat_template(const std::string& dir);

}  // namespace hogwild
