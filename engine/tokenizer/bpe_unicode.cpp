#include "tokenizer/bpe_unicode.h"

#include <algorithm>
#include <array>

#include "tokenizer/bpe_unicode_tables.h"
#include "tokenizer/utf8_assembler.h"

namespace hogwild::unicode {

namespace ut = unicode_tables;

namespace {

bool in_ranges(const ut::CodepointRange* r, size_t n, uint32_t cp) {
  const auto* end = r + n;
  // First range whose last >= cp.
  const auto* it = std::lower_bound(r, end, cp, [](const ut::CodepointRange& x, uint32_t v) { return x.last < v; });
  return it != end && it->first <= cp;
}

// Hangul syllables are composed and decomposed algorithmically (Unicode §3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

void decompose(uint32_t cp, std::vector<uint32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  const auto* begin = ut::kDecompositions;
  const auto* end = begin + ut::kDecompositions_size;
  const auto* it = std::lower_bound(begin, end, cp, [](const ut::CodepointTriple& t, uint32_t v) { return t.a < v; });
  if (it == end || it->a != cp) {
    out.push_back(cp);
    return;
  }
  decompose(it->b, out);
  if (it->c != 0) decompose(it->c, out);
}

// The primary composite of (a, b), or 0.
uint32_t compose(uint32_t a, uint32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount)
    return a + (b - kTBase);
  const auto* begin = ut::kCompositions;
  const auto* end = begin + ut::kCompositions_size;
  const auto* it = std::lower_bound(begin, end, std::make_pair(a, b), [](const ut::CodepointTriple& t, std::pair<uint32_t, uint32_t> v) {
    return t.a < v.first || (t.a == v.first && t.b < v.second);
  });
  return it != end && it->a == a && it->b == b ? it->c : 0;
}

struct ByteMap {
  std::array<uint32_t, 256> to_cp{};
  std::array<int16_t, 324> to_byte{};  // mapped code points are all below 256 + 68
  ByteMap() {
    to_byte.fill(-1);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      to_cp[static_cast<size_t>(b)] = printable ? static_cast<uint32_t>(b) : next++;
      to_byte[to_cp[static_cast<size_t>(b)]] = static_cast<int16_t>(b);
    }
  }
};
const ByteMap& byte_map() {
  static const ByteMap m;
  return m;
}

}  // namespace

std::vector<uint32_t> decode_utf8(std::string_view text) {
  std::vector<uint32_t> cps;
  cps.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<uint8_t>(text[i]);
    if (b0 < 0x80) {
      cps.push_back(b0);
      ++i;
      continue;
    }
    size_t len = 0;
    if (classify_utf8_front(text.substr(i), &len) != Utf8Front::Complete) {
      cps.push_back(0xFFFD);
      ++i;
      continue;
    }
    uint32_t cp = b0 & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<uint8_t>(text[i + k]) & 0x3F);
    cps.push_back(cp);
    i += len;
  }
  return cps;
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(const std::vector<uint32_t>& cps) {
  std::string s;
  s.reserve(cps.size());
  for (uint32_t cp : cps) append_utf8(cp, s);
  return s;
}

bool is_letter(uint32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return in_ranges(ut::kLetters, ut::kLetters_size, cp);
}

bool is_number(uint32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return in_ranges(ut::kNumbers, ut::kNumbers_size, cp);
}

bool is_whitespace(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000: return true;
    default: return cp >= 0x2000 && cp <= 0x200A;
  }
}

uint32_t combining_class(uint32_t cp) {
  if (cp < 0x300) return 0;
  const auto* begin = ut::kCombiningClasses;
  const auto* end = begin + ut::kCombiningClasses_size;
  const auto* it = std::lower_bound(begin, end, cp, [](const ut::CombiningClassRun& r, uint32_t v) { return r.last < v; });
  return it != end && it->first <= cp ? it->ccc : 0;
}

std::string nfc(std::string_view text) {
  // Quick check: below U+0300 every character is a starter with no decomposition that could change.
  bool simple = true;
  for (unsigned char c : text) {
    if (c >= 0xCC) {  // lead bytes of U+0300 and above
      simple = false;
      break;
    }
  }
  if (simple) return std::string(text);

  // 1. Full canonical decomposition.
  std::vector<uint32_t> d;
  d.reserve(text.size());
  for (uint32_t cp : decode_utf8(text)) decompose(cp, d);
  // 2. Canonical ordering: stable sort of every run of non-starters by combining class.
  for (size_t i = 0; i < d.size();) {
    if (combining_class(d[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < d.size() && combining_class(d[j]) != 0) ++j;
    std::stable_sort(d.begin() + static_cast<std::ptrdiff_t>(i), d.begin() + static_cast<std::ptrdiff_t>(j),
                     [](uint32_t a, uint32_t b) { return combining_class(a) < combining_class(b); });
    i = j;
  }
  // 3. Canonical composition: a character joins the last starter unless a character between them blocks it
  //    (has class 0, or a class >= its own).
  std::vector<uint32_t> out;
  out.reserve(d.size());
  ptrdiff_t starter = -1;
  int last_ccc = -1;  // class of the last character after the starter; -1: none (adjacent)
  for (uint32_t cp : d) {
    const int c = static_cast<int>(combining_class(cp));
    if (starter >= 0 && (last_ccc == -1 || (last_ccc != 0 && last_ccc < c))) {
      if (const uint32_t comp = compose(out[static_cast<size_t>(starter)], cp); comp != 0) {
        out[static_cast<size_t>(starter)] = comp;
        continue;
      }
    }
    if (c == 0) {
      starter = static_cast<ptrdiff_t>(out.size());
      last_ccc = -1;
    } else {
      last_ccc = c;
    }
    out.push_back(cp);
  }
  return encode_utf8(out);
}

uint32_t byte_to_codepoint(uint8_t b) { return byte_map().to_cp[b]; }

int codepoint_to_byte(uint32_t cp) { return cp < byte_map().to_byte.size() ? byte_map().to_byte[cp] : -1; }

std::string bytes_to_mapped(std::string_view bytes) {
  std::string s;
  s.reserve(bytes.size() * 2);
  for (char c : bytes) append_utf8(byte_to_codepoint(static_cast<uint8_t>(c)), s);
  return s;
}

std::string mapped_to_bytes(std::string_view mapped) {
  std::string out;
  out.reserve(mapped.size());
  for (uint32_t cp : decode_utf8(mapped)) {
    const int b = codepoint_to_byte(cp);
    if (b >= 0) out.push_back(static_cast<char>(b));
    else append_utf8(cp, out);
  }
  return out;
}

}  // namespace hogwild::unicode
