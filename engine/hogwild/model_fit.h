#pragma once
// What suits a model (issue #20): the shipped preset recommended for it, whether a preset's chat template fits it,
// and about how many passes fit in its context with a preset. Used by the CLI (--preset auto, the default) and the
// GUI (the preset follows the model; the context-budget line before Start).
#include <cstdint>
#include <string>

#include "generation/model_bundle.h"
#include "hogwild/preset.h"

namespace hogwild {

// The name of the shipped preset for a model, by its chat template and family:
//   no chat template, small (context <= 2048, dim <= 1024)  -> "tiny-stories" (stories260K and other story models)
//   no chat template, larger (base models)                  -> "hogwild-paper"
//   thinking models (QwQ, Qwen3, DeepSeek-R1-Distill)       -> "hogwild-paper" (the paper's setup)
//   ChatML, qwen2 family (Qwen2.5 instruct)                 -> "qwen25-hogwild"
//   ChatML, other families (SmolLM2)                        -> "smollm2-hogwild"
//   Llama 3 / DeepSeek-R1 templates                         -> "hogwild-paper"
std::string recommended_preset(const ModelConfig& config, const ChatTemplateInfo& chat);
std::string recommended_preset(const ModelBundle& bundle);

// "" when the preset's chat template fits the model, else one line saying why not. "auto" always fits; an
// explicit template must be the model's; "none" does not fit a model that has a chat template (an instruct model
// would read the prompt as plain text), and an explicit template does not fit a model without one.
std::string chat_template_mismatch(const Preset& preset, const ChatTemplateInfo& chat);

// Human name of a template kind: "no chat template", "ChatML", "Llama 3", "DeepSeek-R1".
std::string chat_template_label(ChatTemplateKind kind);

struct ContextBudget {
  int64_t context = 0;        // the model's context length
  int64_t prompt_tokens = 0;  // BOS + the prompt the session builds for the task
  int64_t fixed_tokens = 0;   // constant blocks and openers every view holds besides the prompt
  int64_t passes_fit = 0;     // about this many passes fit: each adds about one token per worker to every view
};

// Encodes the prompt exactly as HogwildSession::prefill() does and estimates the passes that fit. Step prefixes
// and collaboration questions take room too, so the real number is somewhat lower. Throws ConfigError for an
// invalid preset.
ContextBudget estimate_context_budget(const ModelBundle& bundle, const Preset& preset, const std::string& task);

}  // namespace hogwild
