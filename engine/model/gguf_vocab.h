#pragma once
// The vocabulary a GGUF file embeds (tokenizer.ggml.*), for model files and vocab-only files alike.
#include <optional>

#include "model/gguf_file.h"
#include "model/model.h"

namespace hogwild {

// Reads tokenizer.ggml.{model, pre, tokens, scores, token_type, merges, bos/eos/unknown/padding_token_id,
// add_bos_token, add_eos_token} and tokenizer.chat_template. Returns nullopt when the file has no
// tokenizer.ggml.model. Throws ModelError when the vocabulary is inconsistent (no tokens, scores or types of
// another length than tokens, a type outside 0..6). Special ids outside the token range (the "none" markers
// -1 / 0xFFFFFFFF, or junk) become -1.
std::optional<VocabData> read_gguf_vocab(const GgufFile& file);

// Maps a GGUF file and reads its vocabulary; ModelError when it has none (vocab-only files, tokenizer tests).
VocabData load_gguf_vocab(const std::string& path);

}  // namespace hogwild
