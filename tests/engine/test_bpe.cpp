// Byte-level BPE against Hugging Face: llama.cpp's .inp/.out vectors (made with HF AutoTokenizer), the Qwen2.5
// golden ids, and tests/reference/data/bpe_vectors.json (made by tests/reference/make_bpe_vectors.py with the HF
// `tokenizers` library). Plus NFC against Python's unicodedata, streaming decode and round trips.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "model/gguf_vocab.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/bpe_unicode.h"

namespace hogwild {
namespace {

using test::fixture;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Vector {
  std::string text;
  std::vector<int32_t> ids;
};

// llama.cpp's format: texts separated by "\n__ggml_vocab_test__\n"; one line of space-separated ids per text.
std::vector<Vector> read_llamacpp_vectors(const std::string& inp, const std::string& out) {
  const std::string texts = slurp(inp), ids = slurp(out);
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<Vector> v;
  for (size_t pos = 0;;) {
    const size_t e = texts.find(sep, pos);
    if (e == std::string::npos) break;
    v.push_back({texts.substr(pos, e - pos), {}});
    pos = e + sep.size();
  }
  std::istringstream lines(ids);
  std::string line;
  for (auto& t : v) {
    std::getline(lines, line);
    std::istringstream nums(line);
    int32_t id;
    while (nums >> id) t.ids.push_back(id);
  }
  return v;
}

const BpeTokenizer& qwen2() {
  static const auto t = [] {
    // Qwen3's added tokens (a superset of Qwen2.5's): ids 151643.. in this order (qwen2-tokenizer/SOURCE.md).
    const std::vector<std::pair<const char*, bool>> names = {
        {"<|endoftext|>", true}, {"<|im_start|>", true}, {"<|im_end|>", true}, {"<|object_ref_start|>", true},
        {"<|object_ref_end|>", true}, {"<|box_start|>", true}, {"<|box_end|>", true}, {"<|quad_start|>", true},
        {"<|quad_end|>", true}, {"<|vision_start|>", true}, {"<|vision_end|>", true}, {"<|vision_pad|>", true},
        {"<|image_pad|>", true}, {"<|video_pad|>", true}, {"<tool_call>", false}, {"</tool_call>", false},
        {"<|fim_prefix|>", false}, {"<|fim_middle|>", false}, {"<|fim_suffix|>", false}, {"<|fim_pad|>", false},
        {"<|repo_name|>", false}, {"<|file_sep|>", false}, {"<tool_response>", false}, {"</tool_response>", false},
        {"<think>", false}, {"</think>", false}};
    std::vector<BpeAddedToken> added;
    for (size_t i = 0; i < names.size(); ++i) added.push_back({151643 + static_cast<int32_t>(i), names[i].first, names[i].second});
    BpeOptions o = bpe_options_for(BpePreTokenizer::Qwen2);
    o.eos_id = 151645;
    return BpeTokenizer::from_hf_files(fixture("qwen2-tokenizer/vocab.json"), fixture("qwen2-tokenizer/merges.txt"), added, o);
  }();
  return *t;
}

const BpeTokenizer& llama3() {
  static const auto t = [] {
    BpeOptions o = bpe_options_for(BpePreTokenizer::Llama3);
    o.bos_id = 128000;
    o.eos_id = 128009;
    o.add_bos = true;
    return BpeTokenizer::from_tiktoken(fixture("llama3-tokenizer/tokenizer.model"), llama3_special_tokens(), o);
  }();
  return *t;
}

const BpeTokenizer& gguf_vocab(const std::string& name) {
  static std::map<std::string, std::unique_ptr<BpeTokenizer>> cache;
  auto& t = cache[name];
  if (!t) {
    const std::string path = fixture("bpe-gguf-vocabs/ggml-vocab-" + name + ".gguf");
    t = BpeTokenizer::from_vocab(load_gguf_vocab(path), path);
  }
  return *t;
}

void expect_vectors(const BpeTokenizer& tok, const std::vector<Vector>& vectors, size_t expected_count) {
  ASSERT_EQ(vectors.size(), expected_count);
  int ok = 0;
  for (const auto& v : vectors) {
    const auto ids = tok.encode(v.text, false);
    EXPECT_EQ(ids, v.ids) << "text: [" << v.text << "]";
    ok += ids == v.ids;
    // Round trip: byte-level BPE is lossless on valid UTF-8 (the Qwen2 family normalizes to NFC first).
    if (!tok.options().nfc) {
      EXPECT_EQ(tok.decode(ids), v.text);
    }
  }
  EXPECT_EQ(ok, static_cast<int>(expected_count));
}

TEST(Bpe, Gpt2GgufVocabMatchesLlamaCppVectors) {
  const auto v = read_llamacpp_vectors(fixture("bpe-gguf-vocabs/ggml-vocab-gpt-2.gguf.inp"),
                                       fixture("bpe-gguf-vocabs/ggml-vocab-gpt-2.gguf.out"));
  expect_vectors(gguf_vocab("gpt-2"), v, 46);
}

TEST(Bpe, StarcoderGgufVocabMatchesLlamaCppVectors) {
  const auto v = read_llamacpp_vectors(fixture("bpe-gguf-vocabs/ggml-vocab-starcoder.gguf.inp"),
                                       fixture("bpe-gguf-vocabs/ggml-vocab-starcoder.gguf.out"));
  expect_vectors(gguf_vocab("starcoder"), v, 46);
}

TEST(Bpe, Qwen2VocabJsonMatchesLlamaCppVectors) {
  const auto v = read_llamacpp_vectors(fixture("qwen2-tokenizer/ggml-vocab-qwen2.gguf.inp"),
                                       fixture("qwen2-tokenizer/ggml-vocab-qwen2.gguf.out"));
  expect_vectors(qwen2(), v, 46);
}

TEST(Bpe, Llama3TiktokenMatchesLlamaCppVectors) {
  const auto v = read_llamacpp_vectors(fixture("llama3-tokenizer/ggml-vocab-llama-bpe.gguf.inp"),
                                       fixture("llama3-tokenizer/ggml-vocab-llama-bpe.gguf.out"));
  expect_vectors(llama3(), v, 46);
}

TEST(Bpe, Llama3KnownIds) {
  const auto& t = llama3();
  EXPECT_EQ(t.vocab_size(), 128256);
  EXPECT_EQ(t.encode("This is a test sentence.", true), (std::vector<int32_t>{128000, 2028, 374, 264, 1296, 11914, 13}));
  EXPECT_EQ(t.encode("user", false), std::vector<int32_t>{882});
  EXPECT_EQ(t.encode("assistant", false), std::vector<int32_t>{78191});
  EXPECT_EQ(t.encode("\n\n", false), std::vector<int32_t>{271});
  EXPECT_EQ(t.encode("12345", false), (std::vector<int32_t>{4513, 1774}));
  EXPECT_EQ(t.encode("<|start_header_id|>user<|end_header_id|>\n\n", false),
            (std::vector<int32_t>{128006, 882, 128007, 271}));
  const auto stops = t.stop_ids();
  EXPECT_NE(std::find(stops.begin(), stops.end(), 128009), stops.end());  // <|eot_id|>
  EXPECT_NE(std::find(stops.begin(), stops.end(), 128001), stops.end());  // <|end_of_text|>
}

TEST(Bpe, Qwen25GoldenTokens) {
  const auto j = nlohmann::json::parse(slurp(fixture("qwen2-tokenizer/golden_tokens_qwen2.5-0.5b.json")));
  ASSERT_EQ(j.size(), 51u);
  int ok = 0;
  for (const auto& c : j) {
    const auto ids = qwen2().encode(c["text"].get<std::string>(), false);
    EXPECT_EQ(ids, c["ids"].get<std::vector<int32_t>>()) << c["text"];
    ok += ids == c["ids"].get<std::vector<int32_t>>();
  }
  EXPECT_EQ(ok, 51);
}

TEST(Bpe, Qwen2KnownIdsAndNfc) {
  const auto& t = qwen2();
  EXPECT_EQ(t.encode("<|im_start|>hello<|im_end|>", false), (std::vector<int32_t>{151644, 14990, 151645}));
  EXPECT_EQ(t.encode("Hello, world!", false), (std::vector<int32_t>{9707, 11, 1879, 0}));
  EXPECT_EQ(t.encode(" Hello world", false), (std::vector<int32_t>{21927, 1879}));
  EXPECT_EQ(t.encode("12345", false), (std::vector<int32_t>{16, 17, 18, 19, 20}));
  // NFC as HF (qwen2-tokenizer/SOURCE.md): "e" + U+0301 is "é".
  EXPECT_EQ(t.encode("e\xCC\x81", false), std::vector<int32_t>{963});
  EXPECT_EQ(t.encode("Cu\xCC\x89" "a Vie\xCC\xA3\xCC\x82t", false), (std::vector<int32_t>{34, 58996, 128324}));
  EXPECT_FALSE(t.add_bos_default());
  EXPECT_EQ(t.find_token("<think>"), 151667);
  // <think> is a non-special added token: visible when decoded; <|im_end|> is special: invisible.
  EXPECT_EQ(t.decode({151667, 14990, 151645}), "<think>hello");
  const auto stops = t.stop_ids();
  EXPECT_NE(std::find(stops.begin(), stops.end(), 151645), stops.end());  // <|im_end|>
  EXPECT_NE(std::find(stops.begin(), stops.end(), 151643), stops.end());  // <|endoftext|>
}

TEST(Bpe, HuggingFaceTokenizersVectors) {
  const auto j = nlohmann::json::parse(slurp(test::source_dir() + "/tests/reference/data/bpe_vectors.json"));
  const std::pair<const char*, const BpeTokenizer*> cases[] = {
      {"qwen2", &qwen2()}, {"llama3", &llama3()}, {"gpt-2", &gguf_vocab("gpt-2")}, {"starcoder", &gguf_vocab("starcoder")}};
  for (const auto& [name, tok] : cases) {
    ASSERT_TRUE(j.contains(name)) << name;
    int ok = 0;
    for (const auto& c : j[name]) {
      const auto text = c["text"].get<std::string>();
      const auto ids = tok->encode(text, false);
      EXPECT_EQ(ids, c["ids"].get<std::vector<int32_t>>()) << name << " text: [" << text << "]";
      ok += ids == c["ids"].get<std::vector<int32_t>>();
    }
    EXPECT_EQ(ok, static_cast<int>(j[name].size())) << name;
  }
}

TEST(Bpe, NfcMatchesPythonUnicodedata) {
  const auto j = nlohmann::json::parse(slurp(test::source_dir() + "/tests/reference/data/bpe_vectors.json"));
  ASSERT_TRUE(j.contains("nfc"));
  for (const auto& c : j["nfc"]) EXPECT_EQ(unicode::nfc(c["text"].get<std::string>()), c["nfc"].get<std::string>());
}

TEST(Bpe, StreamingDecodeNeverSplitsACharacter) {
  const auto& t = qwen2();
  const std::string text = "日本語 😀 é ü 你好 👩\u200d👩\u200d👧 ok";
  const auto ids = t.encode(text, false);
  TokenStreamDecoder dec(t);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string part = dec.push(id);
    size_t len = 0;
    for (size_t i = 0; i < part.size(); i += len) {
      ASSERT_EQ(classify_utf8_front(std::string_view(part).substr(i), &len), Utf8Front::Complete) << "split character";
    }
    streamed += part;
  }
  streamed += dec.flush();
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(t.decode(ids), text);
  // A lone continuation of a multi-byte character at the end becomes U+FFFD on flush.
  std::vector<int32_t> emoji;
  for (const char* c : {"😀", "🦙", "𝔘", "齉", "𒀀"}) {
    emoji = t.encode(c, false);
    if (emoji.size() > 1 && t.decode({emoji[0]}) != c) break;
  }
  ASSERT_GT(emoji.size(), 1u);
  TokenStreamDecoder partial(t);
  EXPECT_EQ(partial.push(emoji[0]), "");
  EXPECT_FALSE(partial.flush().empty());
}

TEST(Bpe, ByteMapIsABijection) {
  std::set<uint32_t> seen;
  for (int b = 0; b < 256; ++b) {
    const uint32_t cp = unicode::byte_to_codepoint(static_cast<uint8_t>(b));
    EXPECT_TRUE(seen.insert(cp).second);
    EXPECT_EQ(unicode::codepoint_to_byte(cp), b);
  }
  EXPECT_EQ(unicode::byte_to_codepoint(' '), 0x120u);  // "Ġ"
  EXPECT_EQ(unicode::codepoint_to_byte('A'), 'A');
}

TEST(Bpe, RoundTripsArbitraryText) {
  const std::string texts[] = {"", " ", "\n\n\n", "a\tb\r\nc", "🦙🦙🦙 x", std::string(300, ' ') + "y", "'''s 'LL"};
  for (const auto* tok : {&llama3(), &gguf_vocab("gpt-2"), &gguf_vocab("starcoder")}) {
    for (const auto& s : texts) EXPECT_EQ(tok->decode(tok->encode(s, false)), s);
  }
}

TEST(Bpe, GgufPreTokenizerNames) {
  EXPECT_EQ(bpe_pre_tokenizer_from_name("qwen2"), BpePreTokenizer::Qwen2);
  EXPECT_EQ(bpe_pre_tokenizer_from_name("deepseek-r1-qwen"), BpePreTokenizer::Qwen2);
  EXPECT_EQ(bpe_pre_tokenizer_from_name("llama-bpe"), BpePreTokenizer::Llama3);
  EXPECT_EQ(bpe_pre_tokenizer_from_name("smollm"), BpePreTokenizer::Starcoder);
  EXPECT_EQ(bpe_pre_tokenizer_from_name("gpt-2"), BpePreTokenizer::Gpt2);
  EXPECT_FALSE(bpe_pre_tokenizer_from_name("chameleon"));
}

}  // namespace
}  // namespace hogwild
