#pragma once
// Joins a stream of raw bytes (byte-fallback tokens such as <0xE6><0x97><0xA5>) into UTF-8 text, emitting each
// character only once it is complete. A byte that cannot start or continue a valid character becomes U+FFFD,
// one per byte, exactly as SentencePiece's decoder does (so streamed and whole-sequence decoding agree).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hogwild {

// What the bytes at the front of a buffer are, under the strict rules SentencePiece uses (no overlong forms,
// no surrogates, nothing above U+10FFFF).
enum class Utf8Front : uint8_t { Complete, Incomplete, Invalid };
// `length` receives the character's byte count when Complete.
Utf8Front classify_utf8_front(std::string_view bytes, size_t* length);

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

class Utf8Assembler {
 public:
  // Adds one byte; appends every character it completes (and U+FFFD for bytes that can no longer be valid).
  void push(uint8_t byte, std::string& out);
  // Adds every byte of `bytes`, in order.
  void push(std::string_view bytes, std::string& out) {
    for (char c : bytes) push(static_cast<uint8_t>(c), out);
  }
  // Ends the byte run: an unfinished character's bytes become U+FFFD each.
  void flush(std::string& out);
  bool empty() const { return pending_.empty(); }

 private:
  void drain(std::string& out, bool final);
  std::string pending_;  // at most 3 bytes: a valid but unfinished character
};

}  // namespace hogwild
