#pragma once
// Code-point level helpers for the byte-level BPE: UTF-8 <-> code points, the character classes its
// pre-tokenizer regexes use, NFC normalization, and GPT-2's byte <-> printable-character map.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hogwild::unicode {

// Decodes UTF-8 into code points. A byte that does not start a valid, complete character becomes U+FFFD
// (0xFFFD) and decoding resumes at the next byte, so any input decodes.
std::vector<uint32_t> decode_utf8(std::string_view text);
void append_utf8(uint32_t cp, std::string& out);
std::string encode_utf8(const std::vector<uint32_t>& cps);

bool is_letter(uint32_t cp);      // \p{L}
bool is_number(uint32_t cp);      // \p{N}
bool is_whitespace(uint32_t cp);  // \s: the Unicode White_Space property (what Oniguruma and Python `regex` use)
uint32_t combining_class(uint32_t cp);

// Unicode Normalization Form C (canonical decomposition, canonical ordering, canonical composition), as Python's
// unicodedata.normalize("NFC", ...) and the HF `NFC` normalizer do. Text whose code points are all below U+0300
// is returned unchanged without being decoded.
std::string nfc(std::string_view text);

// GPT-2's bijection between the 256 byte values and printable code points ("Ġ" = U+0120 stands for the byte 0x20).
uint32_t byte_to_codepoint(uint8_t b);
// The byte a code point stands for, or -1 when it is not one of the 256 mapped code points.
int codepoint_to_byte(uint32_t cp);
// Raw bytes -> byte-mapped vocabulary text (" the" -> "Ġthe") and back. Code points outside the map (never in a
// real byte-level vocabulary) are kept as their UTF-8 by the way back, so nothing is lost.
std::string bytes_to_mapped(std::string_view bytes);
std::string mapped_to_bytes(std::string_view mapped);

}  // namespace hogwild::unicode
