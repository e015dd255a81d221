#include "tokenizer/tokenizer.h"

#include <cctype>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "model/gguf_vocab.h"
#include "model/model.h"
#include "tokenizer/bpe_pre_tokenizer.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/llama2c_vocab.h"
#include "tokenizer/sentencepiece_tokenizer.h"

namespace hogwild {

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  TokenStreamDecoder decoder(*this);
  std::string text;
  for (int32_t id : ids) text += decoder.push(id);
  return text + decoder.flush();
}

std::vector<int32_t> Tokenizer::encode_prompt(std::string_view text, std::optional<bool> bos) const {
  std::vector<int32_t> ids = encode(text, bos.value_or(add_bos_default()) && bos_id() >= 0);
  if (add_eos_default() && eos_id() >= 0) ids.push_back(eos_id());
  return ids;
}

std::vector<int32_t> Tokenizer::stop_ids() const {
  if (eos_id() >= 0) return {eos_id()};
  return {};
}

std::string TokenStreamDecoder::push(int32_t id) {
  std::string out;
  tokenizer_->decode_token(id, state_, out);
  return out;
}

std::string TokenStreamDecoder::flush() {
  std::string out;
  state_.bytes.flush(out);
  return out;
}

void TokenStreamDecoder::reset(bool at_sequence_start) {
  state_ = Tokenizer::DecodeState{};
  state_.at_sequence_start = at_sequence_start;
}

namespace {

// A tiktoken rank file starts with "base64 rank" lines ("IQ== 0"); a SentencePiece model is binary protobuf.
bool looks_like_tiktoken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  if (!std::getline(in, line) || line.size() > 256) return false;
  const size_t sp = line.find(' ');
  if (sp == 0 || sp == std::string::npos || sp + 1 == line.size()) return false;
  for (size_t i = 0; i < line.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    const bool ok = i < sp ? (std::isalnum(c) || c == '+' || c == '/' || c == '=') : i == sp || std::isdigit(c);
    if (!ok) return false;
  }
  return true;
}

// Meta's Llama 3 `tokenizer.model`: 128,000 tiktoken ranks + 256 special tokens. Prompts start with BOS
// <|begin_of_text|> (Meta's encode(bos=True), HF's TemplateProcessing); EOS is <|end_of_text|>.
std::unique_ptr<Tokenizer> load_llama3_tiktoken(const std::string& path) {
  BpeOptions o = bpe_options_for(BpePreTokenizer::Llama3);
  o.bos_id = 128000;
  o.eos_id = 128001;
  o.add_bos = true;
  return BpeTokenizer::from_tiktoken(path, llama3_special_tokens(), o);
}

// The tiktoken files people have: Meta's Llama 3 tokenizer.model (128,000 ranks, the 256 Llama 3 special tokens
// after them) and Qwen's qwen.tiktoken (151,643 ranks; <|endoftext|>, <|im_start|>, <|im_end|>, <|extra_0..204|>).
// Others get the cl100k rules and one <|endoftext|>.
std::unique_ptr<Tokenizer> tiktoken_tokenizer(const std::string& path) {
  int64_t ranks = 0;
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) ranks += line.empty() ? 0 : 1;
  }
  if (ranks == 128000) return load_llama3_tiktoken(path);
  std::vector<std::string> specials = {"<|endoftext|>"};
  BpeOptions o = bpe_options_for(BpePreTokenizer::Llama3);
  if (ranks == 151643) {
    o = bpe_options_for(BpePreTokenizer::Qwen2);
    specials.push_back("<|im_start|>");
    specials.push_back("<|im_end|>");
    for (int i = 0; i < 205; ++i) specials.push_back("<|extra_" + std::to_string(i) + "|>");
  }
  o.eos_id = static_cast<int32_t>(ranks);
  return BpeTokenizer::from_tiktoken(path, specials, o);
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  // A FIFO or device would block the readers below forever (fuzz finding F3): only regular files are read.
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw ModelError(path + ": cannot open the tokenizer: no such file");
  // Hugging Face: a tokenizer folder, or one of its files (tokenizer.json; vocab.json + merges.txt).
  if (fs::is_directory(st)) return BpeTokenizer::from_hf_dir(path);
  if (!fs::is_regular_file(st)) throw ModelError(path + ": the tokenizer is not a regular file");
  const fs::path p(path);
  const std::string name = p.filename().string();
  if (name == "tokenizer.json" || name == "vocab.json" || name == "merges.txt" || name == "tokenizer_config.json")
    return BpeTokenizer::from_hf_dir(p.has_parent_path() ? p.parent_path().string() : std::string("."));
  char magic[4] = {};
  std::ifstream(path, std::ios::binary).read(magic, 4);
  if (std::string_view(magic, 4) == "GGUF") return tokenizer_from_vocab(load_gguf_vocab(path), path);
  // llama2.c's format has no magic number, so the extension decides (its files are always named *.bin).
  if (path.ends_with(".bin")) {
    // run.c never strips spaces, so neither does a tokenizer built from its vocabulary.
    return SentencePieceTokenizer::from_vocab(read_llama2c_vocab(path), path, /*remove_extra_whitespaces=*/false);
  }
  // tiktoken: *.tiktoken, or Llama 3's tokenizer.model (text, where a SentencePiece .model is a protobuf).
  if (p.extension() == ".tiktoken" || looks_like_tiktoken(path)) return tiktoken_tokenizer(path);
  return SentencePieceTokenizer::from_model_file(path);
}

std::unique_ptr<Tokenizer> tokenizer_from_vocab(const VocabData& vocab, const std::string& origin) {
  if (vocab.model == "llama") return SentencePieceTokenizer::from_vocab(vocab, origin);
  if (vocab.model == "gpt2") return BpeTokenizer::from_vocab(vocab, origin);
  throw ModelError(origin + ": unknown tokenizer model '" + vocab.model + "' (expected 'llama' or 'gpt2')");
}

}  // namespace hogwild
