#include "tokenizer/spm_model_proto.h"

#include <cstring>
#include <optional>

namespace hogwild {

namespace {

// Field numbers from sentencepiece_model.proto.
namespace field {
constexpr uint32_t kModelPieces = 1, kModelTrainerSpec = 2, kModelNormalizerSpec = 3;
constexpr uint32_t kPiecePiece = 1, kPieceScore = 2, kPieceType = 3;
constexpr uint32_t kTrainerModelType = 3, kTrainerVocabSize = 4, kTrainerByteFallback = 35;
constexpr uint32_t kTrainerUnkId = 40, kTrainerBosId = 41, kTrainerEosId = 42, kTrainerPadId = 43;
constexpr uint32_t kTrainerUnkPiece = 45, kTrainerBosPiece = 46, kTrainerEosPiece = 47, kTrainerPadPiece = 48;
constexpr uint32_t kNormName = 1, kNormAddDummyPrefix = 3, kNormRemoveExtraWhitespaces = 4;
constexpr uint32_t kNormEscapeWhitespaces = 5;
}  // namespace field

constexpr int32_t kModelTypeBpe = 2;  // TrainerSpec.ModelType: UNIGRAM=1, BPE=2, WORD=3, CHAR=4

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

class ProtoWriter {
 public:
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void tag(uint32_t field, WireType wire) { varint((uint64_t{field} << 3) | wire); }
  // int32 fields are varints of the sign-extended 64-bit value (so -1 takes ten bytes).
  void int32(uint32_t field, int32_t v) {
    tag(field, kVarint);
    varint(static_cast<uint64_t>(static_cast<int64_t>(v)));
  }
  void boolean(uint32_t field, bool v) {
    tag(field, kVarint);
    varint(v ? 1 : 0);
  }
  void fixed_float(uint32_t field, float v) {
    tag(field, kFixed32);
    char b[4];
    std::memcpy(b, &v, 4);  // little-endian host, as protobuf's wire format
    out_.append(b, 4);
  }
  void bytes(uint32_t field, std::string_view v) {
    tag(field, kLengthDelimited);
    varint(v.size());
    out_.append(v);
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }
  std::optional<uint64_t> varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      v |= uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) return v;
    }
    return std::nullopt;
  }
  // Reads the value of a field of wire type `wire`: a varint's value, or the bytes of a length-delimited field.
  // Returns false on malformed or unsupported input.
  bool value(uint32_t wire, uint64_t* number, std::string_view* payload) {
    switch (wire) {
      case kVarint: {
        const auto v = varint();
        if (!v) return false;
        *number = *v;
        return true;
      }
      case kFixed64:
      case kFixed32: {
        const size_t n = wire == kFixed64 ? 8 : 4;
        if (data_.size() - pos_ < n) return false;
        pos_ += n;
        return true;
      }
      case kLengthDelimited: {
        const auto n = varint();
        if (!n || *n > data_.size() - pos_) return false;
        *payload = data_.substr(pos_, *n);
        pos_ += *n;
        return true;
      }
      default:
        return false;  // groups (3, 4) do not occur in sentencepiece_model.proto
    }
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace

std::string serialize_spm_bpe_model(const std::vector<SpmPiece>& pieces, const SpmModelOptions& options) {
  ProtoWriter model;
  for (const SpmPiece& p : pieces) {
    ProtoWriter piece;
    piece.bytes(field::kPiecePiece, p.piece);
    piece.fixed_float(field::kPieceScore, p.score);
    piece.int32(field::kPieceType, static_cast<int32_t>(p.type));
    model.bytes(field::kModelPieces, piece.str());
  }

  // Only what encoding reads matters (model type, byte fallback); the special ids and their pieces are written
  // so that SentencePiece's own bos_id()/eos_id() lookups agree with the vocabulary.
  ProtoWriter trainer;
  trainer.int32(field::kTrainerModelType, kModelTypeBpe);
  trainer.int32(field::kTrainerVocabSize, static_cast<int32_t>(pieces.size()));
  trainer.boolean(field::kTrainerByteFallback, options.byte_fallback);
  trainer.int32(field::kTrainerUnkId, options.unk_id);
  trainer.int32(field::kTrainerBosId, options.bos_id);
  trainer.int32(field::kTrainerEosId, options.eos_id);
  trainer.int32(field::kTrainerPadId, options.pad_id);
  const auto piece_of = [&](int32_t id) -> std::optional<std::string_view> {
    if (id < 0 || static_cast<size_t>(id) >= pieces.size()) return std::nullopt;
    return pieces[static_cast<size_t>(id)].piece;
  };
  if (auto p = piece_of(options.unk_id)) trainer.bytes(field::kTrainerUnkPiece, *p);
  if (auto p = piece_of(options.bos_id)) trainer.bytes(field::kTrainerBosPiece, *p);
  if (auto p = piece_of(options.eos_id)) trainer.bytes(field::kTrainerEosPiece, *p);
  if (auto p = piece_of(options.pad_id)) trainer.bytes(field::kTrainerPadPiece, *p);
  model.bytes(field::kModelTrainerSpec, trainer.str());

  // "identity" with no precompiled_charsmap: no Unicode normalization, only whitespace escaping to "▁".
  ProtoWriter normalizer;
  normalizer.bytes(field::kNormName, "identity");
  normalizer.boolean(field::kNormAddDummyPrefix, options.add_dummy_prefix);
  normalizer.boolean(field::kNormRemoveExtraWhitespaces, options.remove_extra_whitespaces);
  normalizer.boolean(field::kNormEscapeWhitespaces, true);
  model.bytes(field::kModelNormalizerSpec, normalizer.str());
  return std::move(model.str());
}

std::string spm_normalizer_override(bool add_dummy_prefix, bool remove_extra_whitespaces) {
  ProtoWriter normalizer;
  normalizer.boolean(field::kNormAddDummyPrefix, add_dummy_prefix);
  normalizer.boolean(field::kNormRemoveExtraWhitespaces, remove_extra_whitespaces);
  ProtoWriter model;
  model.bytes(field::kModelNormalizerSpec, normalizer.str());
  return std::move(model.str());
}

SpmNormalizerFlags read_spm_normalizer_flags(std::string_view model_proto) {
  SpmNormalizerFlags flags;
  ProtoReader model(model_proto);
  while (!model.done()) {
    const auto key = model.varint();
    uint64_t number = 0;
    std::string_view payload;
    if (!key || !model.value(static_cast<uint32_t>(*key & 7), &number, &payload)) return SpmNormalizerFlags{};
    if ((*key >> 3) != field::kModelNormalizerSpec) continue;
    ProtoReader norm(payload);
    while (!norm.done()) {
      const auto nkey = norm.varint();
      if (!nkey || !norm.value(static_cast<uint32_t>(*nkey & 7), &number, &payload)) return SpmNormalizerFlags{};
      if ((*nkey & 7) != kVarint) continue;
      if ((*nkey >> 3) == field::kNormAddDummyPrefix) flags.add_dummy_prefix = number != 0;
      if ((*nkey >> 3) == field::kNormRemoveExtraWhitespaces) flags.remove_extra_whitespaces = number != 0;
    }
  }
  return flags;
}

}  // namespace hogwild
