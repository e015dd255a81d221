#pragma once
// A model together with its tokenizer: what every front end (CLI, bench, GUI) opens.
#include <memory>
#include <string>

#include "model/hf_chat_template.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace hogwild {

struct ModelBundle {
  Model model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::string tokenizer_path;  // "" when the vocabulary came from the model file
  // The model's chat format, from its embedded/HF chat template (None when it has none).
  ChatTemplateInfo chat;
  // Token ids that end generation (tokenizer->stop_ids(): EOS, <|im_end|>, <|eot_id|>, ...).
  std::vector<int32_t> stop_ids;
};

// Loads the model, then its tokenizer: `tokenizer_path` when given; else the vocabulary embedded in the model
// (GGUF); else a tokenizer file beside the model (tok512.model, tokenizer.model, tok512.bin, tokenizer.bin).
// Checks that the tokenizer's vocabulary size matches the model. Throws ModelError with one clear line.
ModelBundle open_model_bundle(const std::string& model_path, const std::string& tokenizer_path = "");

}  // namespace hogwild
