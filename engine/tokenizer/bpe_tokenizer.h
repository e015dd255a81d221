#pragma once
// Byte-level BPE (GPT-2 family: GPT-2, StarCoder/SmolLM, Llama 3, Qwen2/Qwen2.5/QwQ/Qwen3, DeepSeek-R1-Distill-Qwen),
// matching Hugging Face `tokenizers`:
//   1. added tokens (special or not) are matched in the raw text first, longest first, and become their ids;
//   2. each text run between them is NFC-normalized (Qwen2 family only), split by the pre-tokenizer regex
//      (tokenizer/bpe_pre_tokenizer.h), and each piece's UTF-8 bytes are merged by BPE rank;
//   3. decoding maps every token back to its bytes (GPT-2's byte <-> printable-character map) and assembles UTF-8
//      through the shared Utf8Assembler, so streaming never splits a character.
// Sources: a GGUF `gpt2` vocabulary (tokens, merges, token types, tokenizer.ggml.pre), a Hugging Face folder
// (tokenizer.json, or vocab.json + merges.txt + tokenizer_config.json), or a tiktoken rank file (Llama 3's
// tokenizer.model, qwen.tiktoken) whose merges follow from the ranks.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/bpe_pre_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace hogwild {

struct VocabData;

// A token matched verbatim in text before BPE (HF "added token"). special: decodes to nothing (a control token,
// like <|im_end|>); otherwise it decodes to its text (like Qwen3's <think>).
struct BpeAddedToken {
  int32_t id = -1;
  std::string text;
  bool special = true;
};

struct BpeOptions {
  BpePreTokenizer pre = BpePreTokenizer::Gpt2;
  bool nfc = false;            // NFC-normalize text runs before the split (HF Qwen2 family)
  bool ignore_merges = false;  // a piece that is itself a token is emitted whole (HF Llama 3; tiktoken)
  bool add_bos = false;        // prompts start with BOS (Llama 3, DeepSeek-R1-Distill)
  bool add_eos = false;        // prompts end with EOS (rare: GGUF add_eos_token, HF add_eos_token)
  int32_t bos_id = -1, eos_id = -1;
  std::vector<int32_t> extra_stop_ids;  // end-of-generation ids besides EOS (e.g. GGUF eot/eom)
};

// Options a GGUF/HF pre-tokenizer name implies: nfc for the Qwen2 family, ignore_merges for Llama 3.
BpeOptions bpe_options_for(BpePreTokenizer pre);

// The 256 special tokens Meta's Llama 3 tokenizer appends after the 128,000 ranks (ids 128000..128255;
// llama-models names: <|begin_of_text|>, <|end_of_text|>, ..., <|eot_id|> = 128009, reserved ones).
std::vector<std::string> llama3_special_tokens();

class BpeTokenizer final : public Tokenizer {
 public:
  // A GGUF `gpt2` vocabulary. Token types: Normal tokens are byte-mapped text; Control and UserDefined tokens are
  // literal and matched in text (Control ones decode to nothing); Unused ones never match and decode to nothing.
  // The pre-tokenizer comes from vocab.pre ("gpt-2" with a warning when unknown or empty). Throws ModelError
  // prefixed by `origin` for an inconsistent vocabulary (duplicate tokens, a merge of unknown tokens, no byte tokens).
  static std::unique_ptr<BpeTokenizer> from_vocab(const VocabData& vocab, const std::string& origin);

  // A Hugging Face tokenizer folder: tokenizer.json (model BPE; its added_tokens, normalizer, pre_tokenizer and
  // post_processor decide the rest), else vocab.json + merges.txt with tokenizer_config.json's
  // added_tokens_decoder and tokenizer_class. tokenizer_config.json, when present, also gives bos/eos tokens and
  // add_bos_token. Throws ModelError naming the file.
  static std::unique_ptr<BpeTokenizer> from_hf_dir(const std::string& dir);

  // vocab.json + merges.txt with explicit added tokens and options (what from_hf_dir does without tokenizer.json).
  static std::unique_ptr<BpeTokenizer> from_hf_files(const std::string& vocab_json, const std::string& merges_txt,
                                                     const std::vector<BpeAddedToken>& added, const BpeOptions& options);

  // A tiktoken file ("base64(bytes) rank" per line, ranks 0..n-1 dense). `specials` get ids n, n+1, ... and are
  // special added tokens. Any adjacent pair whose concatenation is a token merges, lowest rank of the
  // concatenation first (tiktoken's rule, which HF's converted merges reproduce).
  static std::unique_ptr<BpeTokenizer> from_tiktoken(const std::string& path, const std::vector<std::string>& specials,
                                                     const BpeOptions& options);

  // The common builder: `vocab` holds byte-mapped token texts ("Ġthe") with their ids, `merges` the pairs of
  // byte-mapped texts in rank order. Ids missing from both vocab and added become unused "[PAD<id>]" tokens.
  static std::unique_ptr<BpeTokenizer> from_parts(std::string origin, const BpeOptions& options,
                                                  const std::vector<std::pair<std::string, int32_t>>& vocab,
                                                  const std::vector<std::pair<std::string, std::string>>& merges,
                                                  const std::vector<BpeAddedToken>& added);

  ~BpeTokenizer() override;

  std::vector<int32_t> encode(std::string_view text, bool add_bos) const override;
  std::string piece(int32_t id) const override;
  int vocab_size() const override { return static_cast<int>(tokens_.size()); }
  int32_t bos_id() const override { return options_.bos_id; }
  int32_t eos_id() const override { return options_.eos_id; }
  bool is_control(int32_t id) const override;
  bool add_bos_default() const override { return options_.add_bos; }
  bool add_eos_default() const override { return options_.add_eos; }
  void decode_token(int32_t id, DecodeState& state, std::string& out) const override;
  std::vector<int32_t> stop_ids() const override;

  // Token ids of one pre-tokenized piece (raw bytes) by BPE alone: no added-token matching, no split.
  std::vector<int32_t> bpe(std::string_view bytes) const;
  const BpeOptions& options() const { return options_; }
  // The id of a token given by its text: an added token's literal text or a normal token's bytes; -1 if none.
  int32_t find_token(std::string_view text) const;
  // Pads the vocabulary with unused tokens "[PAD<id>]" up to n (models whose embedding has spare rows, e.g.
  // Qwen's 151,936 rows for 151,665 tokens). No effect when n <= vocab_size().
  void pad_vocab_to(int n);

  struct Merge {
    int32_t rank;
    int32_t result;
  };

 private:
  enum class Kind : uint8_t { Normal, Control, UserDefined, Unused };
  static uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  BpeTokenizer(std::string origin, BpeOptions options);
  // Builds the lookup tables once tokens_/kinds_/bytes_ and merges_ are filled; throws ModelError if inconsistent.
  void finish();
  void add_added_tokens(const std::vector<BpeAddedToken>& added);
  void encode_text(std::string_view text, std::vector<int32_t>& ids) const;
  void check_id(int32_t id) const;

  std::string origin_;
  BpeOptions options_;
  std::vector<std::string> tokens_;  // vocabulary strings as stored (byte-mapped for normal tokens)
  std::vector<std::string> bytes_;   // what each token decodes to (bytes of normal tokens; literal added text)
  std::vector<Kind> kinds_;
  std::unordered_map<std::string, int32_t> by_bytes_;   // normal tokens by their bytes
  std::unordered_map<std::string, int32_t> added_;      // added (matched-in-text) tokens by text
  std::vector<std::vector<int32_t>> added_by_first_;    // [first byte] -> added token ids, longest first
  std::unordered_map<uint64_t, Merge> merges_;          // (left << 32 | right) -> rank, result
  int32_t byte_ids_[256];
};

}  // namespace hogwild
