#pragma once
// llama2.c's tokenizer format (tokenizer.bin, tok512.bin), as written by its tokenizer.py export:
//   int32 max_token_length, then per token {float32 score, int32 length, length bytes}, up to the end of file.
// The export replaced SentencePiece's "▁" with a plain space and named BOS/EOS "\n<s>\n"/"\n</s>\n"; ids are fixed
// (0 <unk>, 1 BOS, 2 EOS).
#include <string>

#include "model/model.h"

namespace hogwild {

// Reads the file into a `llama` VocabData with the SentencePiece spellings restored ("▁", "<s>", "</s>").
// Token types are left empty: they follow from the special ids and the <0xHH> byte pieces.
// Throws ModelError naming the file on any inconsistency.
VocabData read_llama2c_vocab(const std::string& path);

}  // namespace hogwild
