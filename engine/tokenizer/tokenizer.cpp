#include "tokenizer/tokenizer.h"

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "model/gguf_vocab.h"
#include "model/model.h"
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

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  // A FIFO or device would block the readers below forever (fuzz finding F3): only regular files are read.
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) throw ModelError(path + ": cannot open the tokenizer: no such file");
  if (!std::filesystem::is_regular_file(st)) throw ModelError(path + ": the tokenizer is not a regular file");
  char magic[4] = {};
  std::ifstream(path, std::ios::binary).read(magic, 4);
  if (std::string_view(magic, 4) == "GGUF") return tokenizer_from_vocab(load_gguf_vocab(path), path);
  // llama2.c's format has no magic number, so the extension decides (its files are always named *.bin).
  if (path.ends_with(".bin")) {
    // run.c never strips spaces, so neither does a tokenizer built from its vocabulary.
    return SentencePieceTokenizer::from_vocab(read_llama2c_vocab(path), path, /*remove_extra_whitespaces=*/false);
  }
  return SentencePieceTokenizer::from_model_file(path);
}

std::unique_ptr<Tokenizer> tokenizer_from_vocab(const VocabData& vocab, const std::string& origin) {
  if (vocab.model == "llama") return SentencePieceTokenizer::from_vocab(vocab, origin);
  if (vocab.model == "gpt2") return BpeTokenizer::from_vocab(vocab, origin);
  throw ModelError(origin + ": unknown tokenizer model '" + vocab.model + "' (expected 'llama' or 'gpt2')");
}

}  // namespace hogwild
