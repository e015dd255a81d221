#pragma once
// The regex pre-split of byte-level BPE tokenizers, written out as hand-made matchers (no regex engine): each
// function reproduces leftmost-first matching of the model's regex, alternative by alternative. Pieces are
// [begin, end) code-point index ranges that cover the input exactly, in order.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace hogwild {

enum class BpePreTokenizer : uint8_t {
  // GPT-2 (HF ByteLevel use_regex=true):
  //   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  Gpt2,
  // StarCoder / SmolLM: every \p{N} isolated first (HF Digits(individual_digits)), then the GPT-2 regex.
  Starcoder,
  // Llama 3 (tiktoken cl100k-style):
  //   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  Llama3,
  // Qwen2 / Qwen2.5 / QwQ / Qwen3 / DeepSeek-R1-Distill-Qwen: the Llama 3 regex with \p{N} (one digit per piece).
  Qwen2,
};

using PieceRange = std::pair<size_t, size_t>;

// The pre-tokenizer named by GGUF tokenizer.ggml.pre (llama.cpp's names): "gpt-2", "starcoder", "smollm",
// "llama-bpe"/"llama3", "qwen2"/"deepseek-r1-qwen"; nullopt for others.
std::optional<BpePreTokenizer> bpe_pre_tokenizer_from_name(std::string_view name);
std::string_view to_string(BpePreTokenizer p);

std::vector<PieceRange> pre_tokenize(BpePreTokenizer p, const std::vector<uint32_t>& cps);

}  // namespace hogwild
