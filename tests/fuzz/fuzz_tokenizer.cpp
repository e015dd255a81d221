// Fuzz target: the shipped tokenizers on arbitrary text and arbitrary id sequences.
// Input: byte 0 picks the tokenizer and the mode, the rest is the payload.
//   tokenizers: stories260K tok512.model (SentencePiece file), Llama-2 tokenizer.model, tok512.bin (llama2.c
//   format, built in memory), ggml-vocab-llama-spm.gguf (GGUF vocabulary, built in memory), ggml-vocab-gpt-2.gguf
//   (byte-level BPE).
//   text mode: encode / encode_continuation of the payload (any bytes, invalid UTF-8 included): ids in range,
//   decoded text valid UTF-8, streamed decode equals decode.
//   ids mode: the payload as little-endian int16 ids (out-of-range and negative ones included): decode and the
//   stream decoder throw hogwild::Error exactly when an id is outside the vocabulary, else agree byte for byte.
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "fuzz_common.h"

using namespace hogwild;

namespace {

const std::vector<std::unique_ptr<Tokenizer>>& tokenizers() {
  static const std::vector<std::unique_ptr<Tokenizer>> all = [] {
    fuzz::quiet_logs();
    const std::string m = fuzz::models_dir();
    std::vector<std::unique_ptr<Tokenizer>> v;
    for (const char* f : {"/stories260K/tok512.model", "/llama2-tokenizer/tokenizer.model", "/stories260K/tok512.bin",
                          "/llama2-tokenizer/ggml-vocab-llama-spm.gguf", "/bpe-gguf-vocabs/ggml-vocab-gpt-2.gguf"}) {
      try {
        v.push_back(load_tokenizer(m + f));
      } catch (const Error& e) {
        std::fprintf(stderr, "fuzz_tokenizer: cannot load %s%s: %s (set HOGWILD_MODELS_DIR)\n", m.c_str(), f, e.what());
        std::abort();
      }
    }
    return v;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& toks = tokenizers();
  if (size == 0) return 0;
  const uint8_t sel = data[0];
  const Tokenizer& tok = *toks[sel % toks.size()];
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  const int mode = (sel >> 2) & 3;
  if (mode == 0 || mode == 1) {
    fuzz::check_encode(tok, payload, /*add_bos=*/(sel & 0x80) != 0, /*continuation=*/mode == 1);
    return 0;
  }
  std::vector<int32_t> ids;
  for (size_t i = 0; i + 1 < payload.size(); i += 2) {
    const auto raw = static_cast<int16_t>(static_cast<uint8_t>(payload[i]) | (static_cast<uint8_t>(payload[i + 1]) << 8));
    // mode 2: mostly valid ids (folded into the vocabulary); mode 3: raw, often out of range or negative.
    ids.push_back(mode == 2 ? static_cast<int32_t>(static_cast<uint16_t>(raw) % tok.vocab_size()) : raw);
  }
  if (mode == 2 && (sel & 0x80) && !ids.empty()) ids.back() = (sel & 0x40) ? -1 : tok.vocab_size();  // one bad id
  fuzz::check_decode(tok, ids);
  return 0;
}
