#include "tokenizer/llama2c_vocab.h"

#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/error.h"

namespace hogwild {

VocabData read_llama2c_vocab(const std::string& path) {
  const auto fail = [&](const std::string& what) { throw ModelError(path + ": " + what); };
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) fail("cannot read the tokenizer file (" + ec.message() + ")");
  constexpr std::uintmax_t kMaxSize = 256u << 20;  // real files are < 1 MB; refuse to slurp anything huge
  if (size > kMaxSize) fail("too large for a llama2.c tokenizer (" + std::to_string(size) + " bytes)");
  std::ifstream in(path, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) fail("cannot read the tokenizer file");

  size_t pos = 0;
  const auto read_word = [&](const char* what) {  // 4 little-endian bytes, as the export wrote them
    if (data.size() - pos < 4) fail(std::string("truncated at byte ") + std::to_string(pos) + " (" + what + ")");
    uint32_t v;
    std::memcpy(&v, data.data() + pos, 4);
    pos += 4;
    return v;
  };
  const auto max_token_length = static_cast<int32_t>(read_word("max_token_length"));
  if (max_token_length <= 0 || max_token_length > (1 << 16)) {
    fail("max_token_length " + std::to_string(max_token_length) + " is not plausible");
  }

  VocabData v;
  v.model = "llama";
  v.unk_id = 0;
  v.bos_id = 1;
  v.eos_id = 2;
  v.add_bos = true;  // run.c always starts the prompt with BOS
  while (pos < data.size()) {
    const size_t id = v.tokens.size();
    const std::string where = "token " + std::to_string(id);
    const auto score = std::bit_cast<float>(read_word("score"));
    const auto length = static_cast<int32_t>(read_word("length"));
    if (length <= 0 || length > max_token_length) {
      fail(where + " has length " + std::to_string(length) + " (max_token_length " +
           std::to_string(max_token_length) + ")");
    }
    if (data.size() - pos < static_cast<size_t>(length)) fail(where + " extends past the end of the file");
    std::string text = data.substr(pos, static_cast<size_t>(length));
    pos += static_cast<size_t>(length);

    if (static_cast<int32_t>(id) == v.bos_id && text == "\n<s>\n") {
      text = "<s>";
    } else if (static_cast<int32_t>(id) == v.eos_id && text == "\n</s>\n") {
      text = "</s>";
    } else {
      // SentencePiece pieces never hold a raw space; the export turned "▁" into " ", so turn it back.
      std::string piece;
      for (char c : text) piece += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
      text = std::move(piece);
    }
    v.tokens.push_back(std::move(text));
    v.scores.push_back(score);
  }
  return v;
}

}  // namespace hogwild
