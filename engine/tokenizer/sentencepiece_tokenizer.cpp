#include "tokenizer/sentencepiece_tokenizer.h"

#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include <sentencepiece_processor.h>

#include "common/error.h"
#include "model/model.h"

namespace hogwild {

namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // U+2581 "▁", SentencePiece's escaped space

// "<0xE6>" -> 0xE6. SentencePiece writes byte pieces with two upper-case hex digits and accepts nothing else.
std::optional<uint8_t> parse_byte_piece(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return std::nullopt;
  int value = 0;
  for (char c : piece.substr(3, 2)) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return std::nullopt;
    value = value * 16 + digit;
  }
  return static_cast<uint8_t>(value);
}

std::string quoted(std::string_view s) {
  constexpr size_t kMax = 40;  // keep error lines short even for huge garbage tokens
  return "'" + std::string(s.substr(0, kMax)) + (s.size() > kMax ? "...'" : "'");
}

// Checks a `llama` vocabulary and turns it into SentencePiece pieces. Every rule here is one that
// libsentencepiece would otherwise reject with a vaguer message (or that would make BPE ordering undefined).
std::vector<SpmPiece> to_spm_pieces(const VocabData& v, const std::string& origin, SpmModelOptions* options) {
  const auto fail = [&](const std::string& what) { throw ModelError(origin + ": " + what); };
  const size_t n = v.tokens.size();
  if (n == 0) fail("the vocabulary has no tokens");
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) fail("the vocabulary is too large");
  if (v.scores.size() != n) {
    // Scores are the BPE merge priorities; without them the encoding cannot be reproduced.
    fail("the vocabulary has " + std::to_string(n) + " tokens but " + std::to_string(v.scores.size()) +
         " scores");
  }
  if (!v.token_types.empty() && v.token_types.size() != n) {
    fail("the vocabulary has " + std::to_string(n) + " tokens but " + std::to_string(v.token_types.size()) +
         " token types");
  }
  const auto check_special = [&](int32_t id, const char* name) {
    if (id < -1 || id >= static_cast<int64_t>(n)) {
      fail(std::string(name) + " " + std::to_string(id) + " is outside the vocabulary (" + std::to_string(n) +
           " tokens)");
    }
  };
  check_special(v.bos_id, "bos_id");
  check_special(v.eos_id, "eos_id");
  check_special(v.unk_id, "unk_id");
  check_special(v.pad_id, "pad_id");

  std::vector<SpmPiece> pieces(n);
  std::unordered_map<std::string_view, size_t> seen;
  seen.reserve(n);
  int32_t unk = -1;
  size_t byte_pieces = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::string& tok = v.tokens[i];
    const std::string where = "token " + std::to_string(i);
    if (tok.empty()) fail(where + " is an empty string");
    if (auto [it, fresh] = seen.emplace(tok, i); !fresh) {
      fail(where + " " + quoted(tok) + " duplicates token " + std::to_string(it->second));
    }
    if (std::isnan(v.scores[i])) fail(where + " " + quoted(tok) + " has a NaN score");

    SpmPieceType type = SpmPieceType::Normal;
    if (!v.token_types.empty()) {
      const int32_t t = v.token_types[i];
      if (t < 0 || t > static_cast<int32_t>(SpmPieceType::Byte)) {
        fail(where + " " + quoted(tok) + " has token type " + std::to_string(t) + " (expected 0..6)");
      }
      // GGUF type 0 is "undefined"; llama.cpp treats such tokens as ordinary text.
      if (t != 0) type = static_cast<SpmPieceType>(t);
    } else if (static_cast<int32_t>(i) == v.unk_id) {
      type = SpmPieceType::Unknown;  // no types stored: infer them from the special ids and byte pieces
    } else if (static_cast<int32_t>(i) == v.bos_id || static_cast<int32_t>(i) == v.eos_id ||
               static_cast<int32_t>(i) == v.pad_id) {
      type = SpmPieceType::Control;
    } else if (parse_byte_piece(tok)) {
      type = SpmPieceType::Byte;
    }
    if (type == SpmPieceType::Byte) {
      if (!parse_byte_piece(tok)) fail(where + " " + quoted(tok) + " has type byte but is not of the form <0xHH>");
      options->byte_fallback = true;
      ++byte_pieces;
    }
    if (type == SpmPieceType::Unknown) {
      if (unk >= 0) fail(where + " " + quoted(tok) + " is a second unknown token (first: " + std::to_string(unk) + ")");
      unk = static_cast<int32_t>(i);
    }
    pieces[i] = SpmPiece{tok, v.scores[i], type};
  }
  // Distinct pieces (checked above), so 256 of them are exactly <0x00>..<0xFF>.
  if (byte_pieces != 0 && byte_pieces != 256) {
    fail("the vocabulary has " + std::to_string(byte_pieces) + " byte tokens; byte fallback needs all 256");
  }
  if (unk < 0) {
    // SentencePiece needs exactly one unknown piece; a vocabulary that names unk_id but types it otherwise is
    // still usable.
    if (v.unk_id < 0) fail("the vocabulary has no unknown token (SentencePiece needs one)");
    unk = v.unk_id;
    pieces[static_cast<size_t>(unk)].type = SpmPieceType::Unknown;
  }
  options->unk_id = unk;
  options->bos_id = v.bos_id;
  options->eos_id = v.eos_id;
  options->pad_id = v.pad_id;
  return pieces;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> spm,
                                               std::string origin)
    : spm_(std::move(spm)), origin_(std::move(origin)) {
  const int n = spm_->GetPieceSize();
  if (n <= 0) throw ModelError(origin_ + ": the SentencePiece model has no pieces");
  kinds_.assign(static_cast<size_t>(n), Kind::Text);
  byte_value_.assign(static_cast<size_t>(n), 0);
  for (int id = 0; id < n; ++id) {
    Kind& kind = kinds_[static_cast<size_t>(id)];
    if (spm_->IsControl(id)) {
      kind = Kind::Control;
    } else if (spm_->IsUnknown(id)) {
      kind = Kind::Unknown;
    } else if (spm_->IsByte(id)) {
      const auto byte = parse_byte_piece(spm_->IdToPiece(id));
      if (!byte) throw ModelError(origin_ + ": byte piece " + quoted(spm_->IdToPiece(id)) + " is malformed");
      kind = Kind::Byte;
      byte_value_[static_cast<size_t>(id)] = *byte;
    }
  }
  check_pieces_encodable();
  // Ask the library for the <unk> surface: a model may override the default " \u2047 " (trainer_spec.unk_surface).
  // It is emitted as one whole string after the byte run was flushed, so it is made valid UTF-8 once, here.
  if (const int unk = spm_->unk_id(); unk >= 0) {
    Utf8Assembler surface;
    surface.push(spm_->DecodeIds(std::vector<int>{unk}), unk_surface_);
    surface.flush(unk_surface_);
  }
  const std::string proto = spm_->serialized_model_proto();
  flags_ = read_spm_normalizer_flags(proto);
  // Text inserted mid-sequence must not gain a dummy "▁" nor lose its leading spaces: same model, two flags off.
  spm_continuation_ = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = spm_continuation_->LoadFromSerializedProto(proto + spm_normalizer_override(false, false));
  if (!status.ok()) throw ModelError(origin_ + ": cannot build the mid-sequence encoder (" + status.ToString() + ")");
  bos_id_ = spm_->bos_id();
  eos_id_ = spm_->eos_id();
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

// The library's BPE encoder splits the normalized text into single characters or user-defined pieces, merges them
// through the normal pieces, and then looks every resulting symbol up among ALL pieces, control ones first. A symbol
// that names a control piece produces no text, so Encode fails on any text that contains it ("all normalized
// characters are not consumed", fuzz finding F5): the model loads but cannot encode a prompt. Such a symbol can be
//  - a single character: refused when a control piece is one;
//  - a normal, user-defined or unused piece (the result of a merge, or a user-defined match): refused when a control
//    piece has the text of another piece (SentencePiece keeps control pieces in a map of their own, so it accepts
//    that duplicate);
//  - a user-defined piece cut at a NUL byte: libsentencepiece 0.1.97 keys its user-defined matcher by C strings, so
//    "ab\0c" is matched as "ab" (newer versions refuse pieces with NUL bytes). Refused: no piece may hold a NUL.
// All three are checked here, at load, instead of failing at prompt time.
void SentencePieceTokenizer::check_pieces_encodable() const {
  std::unordered_map<std::string_view, int> control;  // text -> id
  for (int id = 0; id < vocab_size(); ++id) {
    const std::string& text = spm_->IdToPiece(id);
    if (const size_t nul = text.find('\0'); nul != std::string::npos) {
      throw ModelError(origin_ + ": token " + std::to_string(id) + " " + quoted(text.substr(0, nul)) +
                       "... holds a NUL byte (SentencePiece would match it cut at the NUL)");
    }
    if (kinds_[static_cast<size_t>(id)] != Kind::Control) continue;
    size_t length = 0;
    if (classify_utf8_front(text, &length) == Utf8Front::Complete && length == text.size()) {
      throw ModelError(origin_ + ": control token " + std::to_string(id) + " " + quoted(text) +
                       " is a single character: text that contains it could not be encoded");
    }
    control.emplace(text, id);
  }
  if (control.empty()) return;
  for (int id = 0; id < vocab_size(); ++id) {
    if (kinds_[static_cast<size_t>(id)] != Kind::Text) continue;
    if (const auto it = control.find(spm_->IdToPiece(id)); it != control.end()) {
      throw ModelError(origin_ + ": control token " + std::to_string(it->second) + " " + quoted(it->first) +
                       " has the text of token " + std::to_string(id) + ": text that contains it could not be encoded");
    }
  }
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_model_file(const std::string& path) {
  auto spm = std::make_unique<sentencepiece::SentencePieceProcessor>();
  if (const auto status = spm->Load(path); !status.ok()) {
    throw ModelError(path + ": not a usable SentencePiece model (" + status.ToString() + ")");
  }
  return std::unique_ptr<SentencePieceTokenizer>(new SentencePieceTokenizer(std::move(spm), path));
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_vocab(const VocabData& vocab,
                                                                           const std::string& origin,
                                                                           bool remove_extra_whitespaces) {
  SpmModelOptions options;
  options.remove_extra_whitespaces = remove_extra_whitespaces;
  const std::vector<SpmPiece> pieces = to_spm_pieces(vocab, origin, &options);
  const std::string proto = serialize_spm_bpe_model(pieces, options);

  auto spm = std::make_unique<sentencepiece::SentencePieceProcessor>();
  if (const auto status = spm->LoadFromSerializedProto(proto); !status.ok()) {
    throw ModelError(origin + ": SentencePiece rejected the vocabulary (" + status.ToString() + ")");
  }
  std::unique_ptr<SentencePieceTokenizer> tok(new SentencePieceTokenizer(std::move(spm), origin));
  // The vocabulary's own ids win over SentencePiece's lookup of the pieces named "<s>"/"</s>".
  tok->bos_id_ = vocab.bos_id;
  tok->eos_id_ = vocab.eos_id;
  tok->add_bos_default_ = vocab.add_bos.value_or(true);
  tok->add_eos_default_ = vocab.add_eos.value_or(false);
  return tok;
}

void SentencePieceTokenizer::check_id(int32_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw Error(origin_ + ": token id " + std::to_string(id) + " is outside the vocabulary (" +
                std::to_string(vocab_size()) + " tokens)");
  }
}

std::vector<int32_t> SentencePieceTokenizer::encode(std::string_view text, bool add_bos) const {
  std::vector<int> ids;
  if (const auto status = spm_->Encode(text, &ids); !status.ok()) {
    throw Error(origin_ + ": cannot encode text (" + status.ToString() + ")");
  }
  std::vector<int32_t> out;
  out.reserve(ids.size() + 1);
  if (add_bos && bos_id_ >= 0) out.push_back(bos_id_);
  out.insert(out.end(), ids.begin(), ids.end());
  return out;
}

std::vector<int32_t> SentencePieceTokenizer::encode_continuation(std::string_view text) const {
  std::vector<int> ids;
  if (const auto status = spm_continuation_->Encode(text, &ids); !status.ok()) {
    throw Error(origin_ + ": cannot encode text (" + status.ToString() + ")");
  }
  return {ids.begin(), ids.end()};
}

std::string SentencePieceTokenizer::piece(int32_t id) const {
  check_id(id);
  return spm_->IdToPiece(id);
}

bool SentencePieceTokenizer::is_control(int32_t id) const {
  return id >= 0 && id < vocab_size() && kinds_[static_cast<size_t>(id)] == Kind::Control;
}

// Mirrors SentencePieceProcessor::Decode (0.1.97), one token at a time:
//  - runs of byte pieces are joined into UTF-8, invalid bytes -> U+FFFD each;
//  - any other piece ends the run; control pieces are invisible, <unk> shows its surface;
//  - at the start, the first piece's leading "▁" is the dummy prefix and is dropped. The start lasts while
//    nothing was emitted and, when spaces are not stripped, until one dummy prefix was consumed (so " ▁▁" ->
//    " " for Llama, but "" for tok512 which strips extra whitespace);
//  - every other "▁" becomes a space.
// Unlike the library, which copies a text piece unchanged, text pieces go through the same Utf8Assembler as byte
// pieces, so a vocabulary piece that is not valid UTF-8 (a corrupt or hand-made .model, .bin or GGUF) cannot make
// the decoded text invalid: its bad bytes become U+FFFD (fuzz finding F1). For a valid piece this is the library's
// output byte for byte: the piece starts with ASCII or a lead byte, so it ends a pending byte run exactly as a
// flush would (each pending byte -> U+FFFD), and it leaves nothing pending itself.
void SentencePieceTokenizer::decode_token(int32_t id, DecodeState& state, std::string& out) const {
  check_id(id);
  const Kind kind = kinds_[static_cast<size_t>(id)];
  if (kind == Kind::Byte) {
    state.bytes.push(byte_value_[static_cast<size_t>(id)], out);
    state.emitted = true;  // every byte surfaces eventually, as part of a character or as U+FFFD
    return;
  }
  if (state.dummy_space_seen || state.emitted) state.at_sequence_start = false;
  state.dummy_space_seen = false;
  if (kind == Kind::Control || kind == Kind::Unknown) {
    state.bytes.flush(out);
    if (kind == Kind::Unknown) {
      out += unk_surface_;
      state.emitted = state.emitted || !unk_surface_.empty();
    }
    return;
  }
  std::string_view text = spm_->IdToPiece(id);
  if (state.at_sequence_start && (flags_.add_dummy_prefix || flags_.remove_extra_whitespaces) &&
      text.starts_with(kSpaceSymbol)) {
    text.remove_prefix(kSpaceSymbol.size());
    // When extra whitespace is stripped, every leading space was the dummy one: keep dropping them.
    state.dummy_space_seen = !flags_.remove_extra_whitespaces;
  }
  for (size_t pos = 0; pos < text.size();) {
    if (text.substr(pos).starts_with(kSpaceSymbol)) {
      state.bytes.push(' ', out);
      pos += kSpaceSymbol.size();
    } else {
      state.bytes.push(static_cast<uint8_t>(text[pos++]), out);
    }
  }
  // Every byte surfaces eventually, as part of a character or as U+FFFD.
  state.emitted = state.emitted || !text.empty();
}

}  // namespace hogwild
