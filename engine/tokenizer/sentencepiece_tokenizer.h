#pragma once
// A Tokenizer backed by libsentencepiece: loaded from a `.model` file, or built in memory from a vocabulary
// (GGUF `llama`, llama2.c tokenizer.bin) serialized as a SentencePiece BPE ModelProto.
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/spm_model_proto.h"
#include "tokenizer/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;  // kept out of this header: libsentencepiece is private to hogwild_engine
}

namespace hogwild {

struct VocabData;

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // A `.model` file (serialized ModelProto). Throws ModelError naming the file.
  static std::unique_ptr<SentencePieceTokenizer> from_model_file(const std::string& path);
  // A `llama` vocabulary, validated first (sizes, ids, types, duplicates). Throws ModelError prefixed by origin.
  // remove_extra_whitespaces: false for GGUF (llama.cpp never strips); llama2.c vocabularies pass false too,
  // because run.c's encoder keeps every space.
  static std::unique_ptr<SentencePieceTokenizer> from_vocab(const VocabData& vocab, const std::string& origin,
                                                            bool remove_extra_whitespaces = false);
  ~SentencePieceTokenizer() override;

  std::vector<int32_t> encode(std::string_view text, bool add_bos) const override;
  // Encodes with a second processor of the same model that adds no dummy-prefix space and strips no spaces.
  std::vector<int32_t> encode_continuation(std::string_view text) const override;
  std::string piece(int32_t id) const override;
  int vocab_size() const override { return static_cast<int>(kinds_.size()); }
  int32_t bos_id() const override { return bos_id_; }
  int32_t eos_id() const override { return eos_id_; }
  bool is_control(int32_t id) const override;
  bool add_bos_default() const override { return add_bos_default_; }
  bool add_eos_default() const override { return add_eos_default_; }
  void decode_token(int32_t id, DecodeState& state, std::string& out) const override;

 private:
  // How a token decodes (cached per id so decoding never goes back to the processor for types).
  enum class Kind : uint8_t { Text, Control, Unknown, Byte };

  SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> spm, std::string origin);
  void check_id(int32_t id) const;
  // Throws ModelError for pieces that would make the library's Encode fail on some text (fuzz finding F5).
  void check_pieces_encodable() const;

  std::unique_ptr<sentencepiece::SentencePieceProcessor> spm_;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> spm_continuation_;  // see encode_continuation()
  std::string origin_;               // file or vocabulary name, for error messages
  std::vector<Kind> kinds_;          // per token id
  std::vector<uint8_t> byte_value_;  // per token id; meaningful for Kind::Byte
  std::string unk_surface_;          // what <unk> decodes to (" \u2047 " by default)
  SpmNormalizerFlags flags_;
  int32_t bos_id_ = -1, eos_id_ = -1;
  bool add_bos_default_ = true;
  bool add_eos_default_ = false;
};

}  // namespace hogwild
