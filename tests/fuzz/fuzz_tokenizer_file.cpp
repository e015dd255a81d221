// Fuzz target: tokenizer FILES. Byte 0 picks the reader, the rest is the file, written to a memfd whose
// /proc/self/fd path the path-taking loaders open (no temp files, nothing added to the engine):
//   0: load_tokenizer (SentencePiece .model protobuf, or a GGUF vocabulary when it starts with "GGUF")
//   1: llama2.c tokenizer.bin reader + the SentencePiece model built from it
//   2: the hand-written protobuf reader of the normalizer flags (in memory)
// Only ModelError may escape; a loaded tokenizer must encode (never throwing) and decode like any other.
#include <string>

#include "common/error.h"
#include "fuzz_common.h"
#include "tokenizer/llama2c_vocab.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "tokenizer/spm_model_proto.h"

using namespace hogwild;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::quiet_logs();
  static fuzz::MemFile file;
  if (size == 0) return 0;
  const int reader = data[0] % 3;
  ++data, --size;
  if (reader == 2) {
    (void)read_spm_normalizer_flags(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
  }
  const std::string& path = file.write(data, size);
  std::unique_ptr<Tokenizer> tok;
  try {
    if (reader == 0) tok = load_tokenizer(path);
    else tok = SentencePieceTokenizer::from_vocab(read_llama2c_vocab(path), path, false);
  } catch (const ModelError&) {
    return 0;
  }
  static const char* texts[] = {"Once upon a time", "  two  spaces\n", "\xff\xfe invalid \xc3", "\xe2\x96\x81<s>"};
  for (const char* t : texts) fuzz::check_encode(*tok, t, true, false);
  std::vector<int32_t> ids;
  for (int32_t id = 0; id < tok->vocab_size() && id < 300; ++id) ids.push_back(id);
  fuzz::check_decode(*tok, ids);
  // The vocabulary's own pieces as text (control pieces included): any text must be encodable.
  std::string pieces;
  for (int32_t id : ids) pieces += tok->piece(id);
  fuzz::check_encode(*tok, pieces, false, false);
  return 0;
}
