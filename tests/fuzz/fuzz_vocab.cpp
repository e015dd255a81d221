// Fuzz target: a GGUF-style vocabulary (VocabData: `llama` = SentencePiece, `gpt2` = byte-level BPE with merges)
// built from the input bytes, through tokenizer_from_vocab (which validates it and builds the tokenizer in memory).
// An inconsistent vocabulary must be a ModelError; an accepted one must encode and decode like any tokenizer.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "fuzz_common.h"
#include "model/model.h"

using namespace hogwild;

namespace {

std::string make_piece(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: {  // a byte piece, sometimes malformed
      char buf[16];
      std::snprintf(buf, sizeof buf, "<0x%02X>", in.ConsumeIntegral<uint8_t>());
      return in.ConsumeBool() ? std::string(buf) : std::string(buf).substr(0, in.ConsumeIntegralInRange<size_t>(0, 6));
    }
    case 1: return "<s>";
    case 2: return "</s>";
    case 3: return "<unk>";
    case 4: return "\xe2\x96\x81" + in.ConsumeRandomLengthString(8);  // "▁" + text
    default: return in.ConsumeRandomLengthString(12);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::quiet_logs();
  FuzzedDataProvider in(data, size);
  VocabData v;
  const int kind = in.ConsumeIntegralInRange<int>(0, 15);
  v.model = kind == 0 ? in.ConsumeRandomLengthString(8) : kind < 4 ? "gpt2" : "llama";
  const size_t n = in.ConsumeIntegralInRange<size_t>(0, 300);
  const bool with_bytes = in.ConsumeBool();  // start like a real SPM vocabulary: <unk> <s> </s> <0x00>..<0xFF>
  if (with_bytes) {
    v.tokens = {"<unk>", "<s>", "</s>"};
    v.token_types = {2, 3, 3};
    for (int b = 0; b < 256; ++b) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "<0x%02X>", b);
      v.tokens.push_back(buf);
      v.token_types.push_back(6);
    }
    v.scores.assign(v.tokens.size(), 0.f);
  }
  for (size_t i = 0; i < n && in.remaining_bytes() > 0; ++i) {
    v.tokens.push_back(make_piece(in));
    v.scores.push_back(in.ConsumeFloatingPoint<float>());
    v.token_types.push_back(in.ConsumeIntegralInRange<int32_t>(-1, 8));
  }
  // BPE merges "a b" between existing pieces (sometimes of unknown pieces).
  if (v.model == "gpt2" && !v.tokens.empty()) {
    const size_t m = in.ConsumeIntegralInRange<size_t>(0, 64);
    for (size_t i = 0; i < m && in.remaining_bytes() > 0; ++i) {
      const auto pick = [&] { return v.tokens[in.ConsumeIntegralInRange<size_t>(0, v.tokens.size() - 1)]; };
      v.merges.push_back(in.ConsumeIntegralInRange<int>(0, 7) == 0 ? in.ConsumeRandomLengthString(8) : pick() + " " + pick());
    }
  }
  // Sometimes lists of the wrong length, or none at all.
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0) v.scores.resize(in.ConsumeIntegralInRange<size_t>(0, v.tokens.size() + 2));
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0) v.token_types.resize(in.ConsumeIntegralInRange<size_t>(0, v.tokens.size() + 2));
  const auto some_id = [&] { return in.ConsumeIntegralInRange<int32_t>(-2, static_cast<int32_t>(v.tokens.size()) + 2); };
  v.bos_id = some_id();
  v.eos_id = some_id();
  v.unk_id = some_id();
  v.pad_id = some_id();
  if (in.ConsumeBool()) v.add_bos = in.ConsumeBool();
  if (in.ConsumeBool()) v.add_eos = in.ConsumeBool();

  std::unique_ptr<Tokenizer> tok;
  try {
    tok = tokenizer_from_vocab(v, "fuzz-vocab");
  } catch (const ModelError&) {
    return 0;
  }
  FUZZ_CHECK(tok->vocab_size() == static_cast<int>(v.tokens.size()), "vocab_size() is the token count");
  const std::string text = in.ConsumeRandomLengthString(64);
  fuzz::check_encode(*tok, text, true, false);
  fuzz::check_encode(*tok, text, false, true);
  std::vector<int32_t> ids;
  while (in.remaining_bytes() > 0 && ids.size() < 64)
    ids.push_back(in.ConsumeIntegralInRange<int32_t>(-1, tok->vocab_size()));
  fuzz::check_decode(*tok, ids);
  // The vocabulary's own pieces as text (control pieces included): any text must be encodable.
  std::string pieces;
  for (int32_t id = 0; id < tok->vocab_size(); ++id) pieces += tok->piece(id);
  fuzz::check_encode(*tok, pieces, false, true);
  return 0;
}
