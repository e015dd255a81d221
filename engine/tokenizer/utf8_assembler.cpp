#include "tokenizer/utf8_assembler.h"

#include <algorithm>

namespace hogwild {

namespace {

bool is_trail(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace

Utf8Front classify_utf8_front(std::string_view bytes, size_t* length) {
  if (bytes.empty()) return Utf8Front::Incomplete;
  const auto b0 = static_cast<uint8_t>(bytes[0]);
  if (b0 < 0x80) {
    *length = 1;
    return Utf8Front::Complete;
  }
  // Sequence length, payload bits of the lead byte and the smallest code point that needs this length.
  size_t need = 0;
  uint32_t lead_bits = 0, min_cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    need = 2, lead_bits = b0 & 0x1F, min_cp = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    need = 3, lead_bits = b0 & 0x0F, min_cp = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    need = 4, lead_bits = b0 & 0x07, min_cp = 0x10000;
  } else {
    return Utf8Front::Invalid;  // a trail byte or 0xF8..0xFF cannot start a character
  }
  const size_t have = std::min(bytes.size(), need);
  // The code points still reachable: missing trail bytes filled with 0x80 (lowest) or 0xBF (highest).
  uint32_t lo = lead_bits, hi = lead_bits;
  for (size_t i = 1; i < need; ++i) {
    uint32_t lo_bits = 0x00, hi_bits = 0x3F;
    if (i < have) {
      const auto b = static_cast<uint8_t>(bytes[i]);
      if (!is_trail(b)) return Utf8Front::Invalid;
      lo_bits = hi_bits = b & 0x3F;
    }
    lo = (lo << 6) | lo_bits;
    hi = (hi << 6) | hi_bits;
  }
  // Valid code points: [min_cp, 0x10FFFF] without the surrogates 0xD800..0xDFFF.
  const uint32_t a = std::max(lo, min_cp), b = std::min(hi, 0x10FFFFu);
  const bool reachable = a <= b && !(a >= 0xD800 && b <= 0xDFFF);
  if (!reachable) return Utf8Front::Invalid;
  if (have < need) return Utf8Front::Incomplete;
  *length = need;  // lo == hi here, and it passed the checks above
  return Utf8Front::Complete;
}

void Utf8Assembler::push(uint8_t byte, std::string& out) {
  pending_.push_back(static_cast<char>(byte));
  drain(out, /*final=*/false);
}

void Utf8Assembler::flush(std::string& out) { drain(out, /*final=*/true); }

void Utf8Assembler::drain(std::string& out, bool final) {
  size_t start = 0;
  while (start < pending_.size()) {
    size_t length = 0;
    const Utf8Front front = classify_utf8_front(std::string_view(pending_).substr(start), &length);
    if (front == Utf8Front::Complete) {
      out.append(pending_, start, length);
      start += length;
    } else if (front == Utf8Front::Invalid || final) {
      // Like SentencePiece: the offending byte alone becomes U+FFFD and decoding resumes at the next byte.
      out.append(kReplacementCharacter);
      start += 1;
    } else {
      break;  // a valid start of a character whose remaining bytes have not arrived yet
    }
  }
  pending_.erase(0, start);
}

}  // namespace hogwild
