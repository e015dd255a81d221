#pragma once
// The few parts of SentencePiece's ModelProto (sentencepiece_model.proto) the engine writes and reads, in
// protobuf wire format by hand: Debian ships libsentencepiece without sentencepiece_model.pb.h or protobuf
// headers, and the processor only accepts a serialized ModelProto.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hogwild {

// SentencePiece.Type values (the same numbers GGUF uses in tokenizer.ggml.token_type).
enum class SpmPieceType : int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

struct SpmPiece {
  std::string piece;
  float score = 0.f;
  SpmPieceType type = SpmPieceType::Normal;
};

struct SpmModelOptions {
  bool byte_fallback = false;
  int32_t unk_id = 0, bos_id = -1, eos_id = -1, pad_id = -1;
  bool add_dummy_prefix = true;
  // Llama's tokenizer.model keeps runs of spaces (false); llama2.c's tok512.model strips them (true).
  bool remove_extra_whitespaces = false;
};

// A serialized ModelProto of a BPE model (scores are merge priorities) with an identity normalizer.
std::string serialize_spm_bpe_model(const std::vector<SpmPiece>& pieces, const SpmModelOptions& options);

// A serialized ModelProto fragment that, appended to a serialized ModelProto, overrides these two normalizer flags
// (protobuf merges a repeated embedded message field-by-field, and the last scalar wins). Used to build the
// mid-sequence variant of a model without parsing the rest of it.
std::string spm_normalizer_override(bool add_dummy_prefix, bool remove_extra_whitespaces);

// NormalizerSpec flags that change decoding; proto defaults when a field is absent.
struct SpmNormalizerFlags {
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
};
// Reads them from a serialized ModelProto (bounds-checked; malformed input yields the defaults).
SpmNormalizerFlags read_spm_normalizer_flags(std::string_view model_proto);

}  // namespace hogwild
