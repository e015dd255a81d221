#pragma once
// Unicode data the byte-level BPE needs, generated from Python's unicodedata by
// tests/reference/make_unicode_tables.py into bpe_unicode_tables.cpp. All tables are sorted by their first column.
#include <cstddef>
#include <cstdint>

namespace hogwild::unicode_tables {

struct CodepointRange {
  uint32_t first, last;  // inclusive
};
struct CombiningClassRun {
  uint32_t first, last;  // inclusive; every code point in the run has this canonical combining class
  uint32_t ccc;
};
struct CodepointTriple {
  uint32_t a, b, c;
};

extern const char* const kUnicodeVersion;
extern const CodepointRange kLetters[];  // general category L* (Lu, Ll, Lt, Lm, Lo): regex \p{L}
extern const size_t kLetters_size;
extern const CodepointRange kNumbers[];  // general category N* (Nd, Nl, No): regex \p{N}
extern const size_t kNumbers_size;
extern const CombiningClassRun kCombiningClasses[];  // non-zero canonical combining classes
extern const size_t kCombiningClasses_size;
// {code point, first, second (0 when the decomposition is a single code point)}: canonical decompositions
// (one level; apply recursively). Hangul syllables are algorithmic and not listed.
extern const CodepointTriple kDecompositions[];
extern const size_t kDecompositions_size;
// {first, second, composite}: primary composites that NFC recomposes, sorted by (first, second).
extern const CodepointTriple kCompositions[];
extern const size_t kCompositions_size;

}  // namespace hogwild::unicode_tables
