#pragma once
// Text <-> token ids. One interface for every vocabulary kind; today SentencePiece (a `.model` file, llama2.c's
// `tokenizer.bin`, or a GGUF `llama` vocabulary), later byte-level BPE.
//
// Decoding has two entry points that must agree byte for byte: decode() for a whole sequence and
// TokenStreamDecoder for text that grows one sampled token at a time. Both run the same per-token step
// (Tokenizer::decode_token), so they agree by construction.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/utf8_assembler.h"

namespace hogwild {

struct VocabData;

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Token ids of `text`, with the vocabulary's BOS first when add_bos (and the vocabulary has one).
  virtual std::vector<int32_t> encode(std::string_view text, bool add_bos) const = 0;

  // Token ids of `text` inserted in the MIDDLE of a sequence (step prefixes, headers, openers): unlike encode(),
  // no SentencePiece dummy-prefix space is added, so decode(prefix + these) == decode(prefix) + text wherever the
  // vocabulary can spell it. Default: encode(text, false) (right for byte-level BPE).
  virtual std::vector<int32_t> encode_continuation(std::string_view text) const { return encode(text, false); }

  // Text of a whole sequence, SentencePiece semantics: control tokens (BOS/EOS) are invisible, the dummy-prefix
  // space of the first piece is dropped ("<s> ▁Once" -> "Once"), byte-fallback pieces are joined into UTF-8 and
  // bytes that form no valid character become U+FFFD, those of a vocabulary piece that is not UTF-8 itself
  // included: the text is always valid UTF-8. Throws Error for an id outside the vocabulary.
  virtual std::string decode(const std::vector<int32_t>& ids) const;

  // The raw vocabulary string of a token ("▁Once", "<0x0A>", "<s>"). Throws Error for an id out of range.
  virtual std::string piece(int32_t id) const = 0;

  virtual int vocab_size() const = 0;
  virtual int32_t bos_id() const = 0;  // -1 when the vocabulary has none
  virtual int32_t eos_id() const = 0;  // -1 when the vocabulary has none
  virtual bool is_control(int32_t id) const = 0;
  // Whether prompts of this model start with BOS, as the model says: GGUF tokenizer.ggml.add_bos_token (absent:
  // true for SentencePiece `llama` vocabularies, false for `gpt2` ones); HF tokenizer_config.json add_bos_token, else
  // a tokenizer.json post-processor that starts with a special token; llama2.c and SentencePiece .model files: true.
  virtual bool add_bos_default() const = 0;
  // Whether prompts end with EOS (GGUF tokenizer.ggml.add_eos_token, HF add_eos_token or a post-processor that ends
  // with a special token). Default: false.
  virtual bool add_eos_default() const { return false; }

  // THE one place that turns a prompt into token ids — plain generation, the Hogwild! prompt and the finisher all
  // call it: encode(text) with BOS first and EOS last exactly when the model says so (add_bos_default,
  // add_eos_default). `bos` overrides the BOS choice (the CLI's --bos / --no-bos). Special-token text in `text`
  // ("<|im_start|>") becomes the special token.
  std::vector<int32_t> encode_prompt(std::string_view text, std::optional<bool> bos = std::nullopt) const;
  // Ids that end generation: EOS, plus the turn-end tokens of chat models (<|im_end|>, <|eot_id|>, <|endoftext|>,
  // GGUF eot/eom ids, ...). Default: {eos_id()} when there is one.
  virtual std::vector<int32_t> stop_ids() const;

  // Decoding state carried from one token to the next. Use TokenStreamDecoder rather than this directly.
  struct DecodeState {
    Utf8Assembler bytes;             // byte tokens not yet forming a whole character
    bool at_sequence_start = true;   // the next piece's leading "▁" may be the dummy prefix
    bool dummy_space_seen = false;   // the previous piece consumed the dummy prefix (SentencePiece bos_ws_seen)
    bool emitted = false;            // anything visible has been produced since the start
  };
  // Appends the text that token `id` completes to `out` (possibly nothing: a control token, or the first
  // bytes of a multi-byte character). Throws Error for an id outside the vocabulary.
  virtual void decode_token(int32_t id, DecodeState& state, std::string& out) const = 0;
};

// Streams decoded text while tokens are generated: push() returns only text that is final, never half a
// UTF-8 character. The concatenation of all push() results and flush() equals decode() of the same ids.
class TokenStreamDecoder {
 public:
  explicit TokenStreamDecoder(const Tokenizer& tokenizer) : tokenizer_(&tokenizer) {}

  // Text newly completed by `id` ("" for BOS/EOS and for a partial multi-byte character).
  std::string push(int32_t id);
  // Ends the stream: bytes of an unfinished character come out as U+FFFD, one per byte.
  std::string flush();
  // Starts over. at_sequence_start=true when the next token begins a sequence (so, like llama2.c run.c after
  // BOS, its dummy-prefix space is dropped); false to continue after text decoded elsewhere (e.g. generated
  // tokens following a prompt), where a leading space is real.
  void reset(bool at_sequence_start = true);

 private:
  const Tokenizer* tokenizer_;
  Tokenizer::DecodeState state_;
};

// Loads every tokenizer form the engine knows: a SentencePiece `.model` file; the vocabulary of a GGUF file (magic
// "GGUF", e.g. llama.cpp's vocab-only files); (by the `.bin` extension) llama2.c's tokenizer format (int32
// max_token_length, then {f32 score, i32 length, bytes} per token); a Hugging Face tokenizer folder or its
// tokenizer.json / vocab.json / merges.txt (BpeTokenizer::from_hf_dir of the folder); a tiktoken rank file
// (*.tiktoken, or Meta's Llama 3 text tokenizer.model: BOS <|begin_of_text|> added, as Meta and HF do; Qwen's
// qwen.tiktoken gets Qwen's special tokens, others one <|endoftext|>). Throws ModelError naming the file.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

// Builds the tokenizer of a vocabulary embedded in a model file. `llama` vocabularies become an in-memory
// SentencePiece BPE model; `gpt2` vocabularies become a byte-level BpeTokenizer (tokenizer/bpe_tokenizer.h). `origin` (the file name) prefixes
// error messages. Throws ModelError for an inconsistent vocabulary; never crashes on one.
std::unique_ptr<Tokenizer> tokenizer_from_vocab(const VocabData& vocab, const std::string& origin = "vocabulary");

}  // namespace hogwild
