#pragma once
// Helpers shared by the libFuzzer targets (docs/RELIABILITY.md). Each target feeds untrusted bytes to one engine
// entry point and lets only the documented exception type through to its catch: any other exception, a crash,
// a sanitizer report, a leak or a broken invariant (FUZZ_CHECK) is a finding.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/log.h"
#include "tokenizer/tokenizer.h"
#include "../engine/utf8_check.h"

namespace hogwild::fuzz {

// A broken invariant: print it and abort, so libFuzzer saves the input as a crash.
#define FUZZ_CHECK(cond, what)                                                          \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d): %s\n", #cond, __FILE__, __LINE__, what); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

// Folder of the model fixtures: $HOGWILD_MODELS_DIR, else the one CMake was configured with.
inline std::string models_dir() {
  if (const char* env = std::getenv("HOGWILD_MODELS_DIR"); env && *env) return env;
  return HOGWILD_MODELS_DIR;
}

// Keeps the engine's logging quiet (a loader logs each model it loads).
inline void quiet_logs() {
  static const bool once = [] {
    set_log_level("off");
    return true;
  }();
  (void)once;
}

using test::valid_utf8;

// Decodes `ids` both ways (whole sequence and streamed token by token) and checks the tokenizer's promises:
// an id outside the vocabulary throws hogwild::Error (and nothing else does), the text is valid UTF-8 (whatever
// the vocabulary's pieces are: finding F1), and the stream equals decode().
inline void check_decode(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  bool out_of_range = false;
  for (int32_t id : ids) out_of_range |= id < 0 || id >= tok.vocab_size();
  std::string whole;
  bool threw = false;
  try {
    whole = tok.decode(ids);
  } catch (const Error&) {
    threw = true;
  }
  FUZZ_CHECK(threw == out_of_range, "decode() throws exactly for ids outside the vocabulary");
  TokenStreamDecoder stream(tok);
  std::string streamed;
  bool stream_threw = false;
  for (int32_t id : ids) {
    try {
      streamed += stream.push(id);
    } catch (const Error&) {
      stream_threw = true;
      break;
    }
  }
  FUZZ_CHECK(stream_threw == out_of_range, "TokenStreamDecoder::push throws exactly for ids outside the vocabulary");
  if (out_of_range) return;
  streamed += stream.flush();
  FUZZ_CHECK(valid_utf8(whole), "decode() returns valid UTF-8");
  FUZZ_CHECK(streamed == whole, "TokenStreamDecoder push/flush equals decode()");
}

// Encodes `text` (any bytes) and checks the ids are in range and decode to valid UTF-8. encode() may not throw:
// a tokenizer that loaded encodes every text (finding F5: SentencePiece models that cannot are refused at load).
inline std::vector<int32_t> check_encode(const Tokenizer& tok, std::string_view text, bool add_bos, bool continuation) {
  const std::vector<int32_t> ids = continuation ? tok.encode_continuation(text) : tok.encode(text, add_bos);
  for (int32_t id : ids) FUZZ_CHECK(id >= 0 && id < tok.vocab_size(), "encode() returns ids inside the vocabulary");
  check_decode(tok, ids);
  return ids;
}

// An anonymous in-memory file (memfd) whose /proc/self/fd path the path-taking loaders can open and map.
class MemFile {
 public:
  MemFile() : fd_(memfd_create("hogwild-fuzz", 0)) {
    if (fd_ < 0) { std::perror("memfd_create"); std::abort(); }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { close(fd_); }
  const std::string& write(const uint8_t* data, size_t size) {
    if (ftruncate(fd_, 0) != 0 || (size && pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size))) {
      std::perror("memfd write");
      std::abort();
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace hogwild::fuzz
