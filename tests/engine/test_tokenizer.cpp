// Tokenizers against known-good encodings: llama2.c's tok512 (SentencePiece reference cases and run.c's
// encoder), the Llama 2 tokenizer through llama.cpp's 46 test vectors (file and in-memory vocabulary paths),
// decoding against libsentencepiece's own decoder, streaming, and malformed vocabularies.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sentencepiece_processor.h>

#include "common/error.h"
#include "fixtures.h"
#include "model/gguf_vocab.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8_assembler.h"

using namespace hogwild;
using hogwild::test::fixture;

namespace {

using Ids = std::vector<int32_t>;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct EncodeCase {
  std::string text;
  Ids ids;  // without BOS
};

// llama.cpp's test vectors: .inp holds the strings, each followed by "\n__ggml_vocab_test__\n"; .out has one line
// of space-separated ids (leading space, no BOS) per string.
std::vector<EncodeCase> llama_vocab_cases() {
  const std::string inp = read_file(fixture("llama2-tokenizer/ggml-vocab-llama-spm.gguf.inp"));
  const std::string out = read_file(fixture("llama2-tokenizer/ggml-vocab-llama-spm.gguf.out"));
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<EncodeCase> cases;
  for (size_t pos = 0; pos < inp.size();) {
    const size_t end = inp.find(sep, pos);
    if (end == std::string::npos) break;  // the file ends with the separator
    cases.push_back({inp.substr(pos, end - pos), {}});
    pos = end + sep.size();
  }
  std::istringstream lines(out);
  std::string line;
  for (size_t i = 0; std::getline(lines, line); ++i) {
    if (i >= cases.size()) break;
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) cases[i].ids.push_back(id);
  }
  return cases;
}

// karpathy/llama2.c test.c: encodings with BOS, agreed on by run.c's encoder and SentencePiece.
std::vector<EncodeCase> llama_bos_cases() {
  return {
      {"", {1}},
      {"I believe the meaning of life is", {1, 306, 4658, 278, 6593, 310, 2834, 338}},
      {"Simply put, the theory of relativity states that ",
       {1, 3439, 17632, 1925, 29892, 278, 6368, 310, 14215, 537, 5922, 393, 29871}},
      {"A brief message congratulating the team on the launch:\n\n        Hi everyone,\n\n        I just ",
       {1, 319, 11473, 2643, 378, 629, 271, 18099, 278, 3815, 373, 278, 6826, 29901, 13, 13, 4706, 6324, 14332, 29892,
        13, 13, 4706, 306, 925, 29871}},
      {"Translate English to French:\n\n        sea otter => loutre de mer\n        peppermint => menthe "
       "poivrée\n        plush girafe => girafe peluche\n        cheese =>",
       {1, 4103, 9632, 4223, 304, 5176, 29901, 13, 13, 4706, 7205, 4932, 357, 1149, 301, 449, 276, 316, 2778, 13, 4706,
        1236, 407, 837, 524, 1149, 6042, 354, 772, 440, 29878, 1318, 13, 4706, 715, 1878, 330, 3055, 1725, 1149, 330,
        3055, 1725, 4639, 28754, 13, 4706, 923, 968, 1149}},
  };
}

struct Tok512Case {
  std::string text;
  Ids spm_ids, run_c_ids;
  std::vector<std::string> spm_pieces;
};

std::vector<Tok512Case> tok512_cases() {
  const auto json = nlohmann::json::parse(read_file(fixture("stories260K/reference/stories260K_reference.json")));
  std::vector<Tok512Case> cases;
  for (const auto& c : json.at("tok512_encode_cases")) {
    cases.push_back({c.at("text"), c.at("spm_ids"), c.at("llama2c_encode_ids_without_bos"), c.at("spm_pieces")});
  }
  return cases;
}

// The vocabulary of a .model file read through libsentencepiece's public API, as a GGUF reader would produce it.
VocabData vocab_via_sentencepiece_api(const std::string& path) {
  sentencepiece::SentencePieceProcessor sp;
  EXPECT_TRUE(sp.Load(path).ok()) << path;
  VocabData v;
  v.model = "llama";
  for (int id = 0; id < sp.GetPieceSize(); ++id) {
    v.tokens.push_back(sp.IdToPiece(id));
    v.scores.push_back(sp.GetScore(id));
    TokenType t = TokenType::Normal;
    if (sp.IsUnknown(id)) t = TokenType::Unknown;
    if (sp.IsControl(id)) t = TokenType::Control;
    if (sp.IsUnused(id)) t = TokenType::Unused;
    if (sp.IsByte(id)) t = TokenType::Byte;
    v.token_types.push_back(static_cast<int32_t>(t));
  }
  v.bos_id = sp.bos_id();
  v.eos_id = sp.eos_id();
  v.unk_id = sp.unk_id();
  v.pad_id = sp.pad_id();
  v.add_bos = true;
  return v;
}

// Feeds ids one at a time; every chunk must be whole UTF-8 characters.
std::string stream_decode(const Tokenizer& tok, const Ids& ids) {
  TokenStreamDecoder decoder(tok);
  std::string text;
  for (int32_t id : ids) {
    const std::string chunk = decoder.push(id);
    for (size_t pos = 0; pos < chunk.size();) {
      size_t length = 0;
      const Utf8Front front = classify_utf8_front(std::string_view(chunk).substr(pos), &length);
      EXPECT_EQ(front, Utf8Front::Complete) << "chunk of id " << id << " splits a UTF-8 character";
      if (front != Utf8Front::Complete) break;
      pos += length;
    }
    text += chunk;
  }
  return text + decoder.flush();
}

std::string tok512_model() { return fixture("stories260K/tok512.model"); }
std::string llama_model() { return fixture("llama2-tokenizer/tokenizer.model"); }

}  // namespace

TEST(Tok512, OnceUponATime) {
  const auto tok = load_tokenizer(tok512_model());
  EXPECT_EQ(tok->encode("Once upon a time", false), (Ids{403, 407, 261, 378}));
  EXPECT_EQ(tok->encode("Once upon a time", true), (Ids{1, 403, 407, 261, 378}));
  EXPECT_EQ(tok->vocab_size(), 512);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_TRUE(tok->add_bos_default());
  EXPECT_TRUE(tok->is_control(1));
  EXPECT_FALSE(tok->is_control(403));
  EXPECT_EQ(tok->piece(403), "\xE2\x96\x81Once");
  EXPECT_EQ(tok->decode({1, 403, 407, 261, 378}), "Once upon a time");
  EXPECT_THROW(tok->piece(512), Error);
  EXPECT_THROW(tok->decode({403, -1}), Error);
}

TEST(Tok512, ReferenceCasesMatchSentencePiece) {
  const auto tok = load_tokenizer(tok512_model());
  const auto cases = tok512_cases();
  ASSERT_EQ(cases.size(), 7u);
  for (const auto& c : cases) {
    const Ids ids = tok->encode(c.text, false);
    EXPECT_EQ(ids, c.spm_ids) << c.text;
    for (size_t i = 0; i < ids.size() && i < c.spm_pieces.size(); ++i) EXPECT_EQ(tok->piece(ids[i]), c.spm_pieces[i]);
    // tok512.model strips leading/duplicate spaces (remove_extra_whitespaces), so " leading space" comes back
    // as "leading space"; every other case round-trips.
    const std::string expected = c.text == " leading space" ? "leading space" : c.text;
    EXPECT_EQ(tok->decode(ids), expected);
    EXPECT_EQ(stream_decode(*tok, ids), tok->decode(ids));
  }
}

// tok512.bin carries the same vocabulary; built without whitespace stripping it reproduces run.c's encoder,
// which differs from tok512.model only on " leading space".
TEST(Tok512, Llama2cBinMatchesRunCEncoder) {
  const auto bin = load_tokenizer(fixture("stories260K/tok512.bin"));
  const auto model = load_tokenizer(tok512_model());
  ASSERT_EQ(bin->vocab_size(), 512);
  for (int32_t id = 0; id < 512; ++id) {
    ASSERT_EQ(bin->piece(id), model->piece(id)) << id;
    ASSERT_EQ(bin->is_control(id), model->is_control(id)) << id;
  }
  EXPECT_EQ(bin->bos_id(), 1);
  EXPECT_EQ(bin->eos_id(), 2);
  for (const auto& c : tok512_cases()) {
    EXPECT_EQ(bin->encode(c.text, false), c.run_c_ids) << c.text;
    EXPECT_EQ(bin->decode(bin->encode(c.text, true)), c.text);
  }
}

// The vocabulary embedded in stories260K.gguf is tok512's. GGUF has no remove_extra_whitespaces flag and
// llama.cpp never strips spaces, so " leading space" encodes as run.c does; every other case as SentencePiece.
TEST(Tok512, GgufVocabMatchesTok512) {
  const std::string path = fixture("stories260K-gguf/stories260K.gguf");
  const auto tok = tokenizer_from_vocab(load_gguf_vocab(path), path);
  const auto model = load_tokenizer(tok512_model());
  ASSERT_EQ(tok->vocab_size(), 512);
  for (int32_t id = 0; id < 512; ++id) {
    ASSERT_EQ(tok->piece(id), model->piece(id)) << id;
    ASSERT_EQ(tok->is_control(id), model->is_control(id)) << id;
  }
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_EQ(tok->encode("Once upon a time", true), (Ids{1, 403, 407, 261, 378}));
  for (const auto& c : tok512_cases()) {
    EXPECT_EQ(tok->encode(c.text, false), c.text == " leading space" ? c.run_c_ids : c.spm_ids) << c.text;
  }
}

TEST(LlamaSpm, FixtureVectorsThroughModelFile) {
  const auto tok = load_tokenizer(llama_model());
  const auto cases = llama_vocab_cases();
  ASSERT_EQ(cases.size(), 46u);
  EXPECT_EQ(tok->vocab_size(), 32000);
  for (const auto& c : cases) EXPECT_EQ(tok->encode(c.text, false), c.ids) << "text: '" << c.text << "'";
  for (const auto& c : llama_bos_cases()) EXPECT_EQ(tok->encode(c.text, true), c.ids) << c.text;
}

TEST(LlamaSpm, FixtureVectorsThroughInMemoryVocab) {
  const auto tok = tokenizer_from_vocab(vocab_via_sentencepiece_api(llama_model()));
  EXPECT_EQ(tok->vocab_size(), 32000);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  for (const auto& c : llama_vocab_cases()) EXPECT_EQ(tok->encode(c.text, false), c.ids) << "text: '" << c.text << "'";
  for (const auto& c : llama_bos_cases()) EXPECT_EQ(tok->encode(c.text, true), c.ids) << c.text;
}

// llama.cpp's vocab-only GGUF of the same tokenizer, read by the engine's GGUF reader.
TEST(LlamaSpm, FixtureVectorsThroughGgufVocab) {
  const std::string path = fixture("llama2-tokenizer/ggml-vocab-llama-spm.gguf");
  const VocabData vocab = load_gguf_vocab(path);
  EXPECT_EQ(vocab.model, "llama");
  const auto tok = tokenizer_from_vocab(vocab, path);
  EXPECT_EQ(tok->vocab_size(), 32000);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_TRUE(tok->add_bos_default());
  for (const auto& c : llama_vocab_cases()) {
    EXPECT_EQ(tok->encode(c.text, false), c.ids) << "text: '" << c.text << "'";
    EXPECT_EQ(tok->decode(tok->encode(c.text, true)), c.text);
  }
  for (const auto& c : llama_bos_cases()) EXPECT_EQ(tok->encode(c.text, true), c.ids) << c.text;
  // load_tokenizer() recognizes GGUF files by their magic.
  EXPECT_EQ(load_tokenizer(path)->encode("Hello world", true), (Ids{1, 15043, 3186}));
}

TEST(LlamaSpm, BosCasesThroughLlama2cBin) {
  const auto tok = load_tokenizer(fixture("llama2-tokenizer/tokenizer.bin"));
  EXPECT_EQ(tok->vocab_size(), 32000);
  for (const auto& c : llama_bos_cases()) EXPECT_EQ(tok->encode(c.text, true), c.ids) << c.text;
  for (const auto& c : llama_vocab_cases()) EXPECT_EQ(tok->encode(c.text, false), c.ids) << "text: '" << c.text << "'";
}

// Llama's tokenizer keeps every space (remove_extra_whitespaces=0) and normalizes nothing, so all cases
// round-trip; streaming gives the same text.
TEST(LlamaSpm, RoundTripAndStreaming) {
  const auto tok = load_tokenizer(llama_model());
  std::vector<EncodeCase> cases = llama_vocab_cases();
  for (const auto& c : llama_bos_cases()) cases.push_back(c);
  for (const auto& c : cases) {
    const Ids ids = tok->encode(c.text, true);
    EXPECT_EQ(tok->decode(ids), c.text);
    EXPECT_EQ(stream_decode(*tok, ids), c.text);
  }
}

// libsentencepiece's own DecodeIds is the oracle for decode(): fixture encodings plus id sequences that stress
// the corner cases (byte runs cut by control tokens, invalid bytes, leading "▁" pieces, <unk>).
TEST(Decode, MatchesSentencePieceDecoder) {
  for (const std::string& path : {llama_model(), tok512_model()}) {
    sentencepiece::SentencePieceProcessor sp;
    ASSERT_TRUE(sp.Load(path).ok());
    const auto tok = load_tokenizer(path);
    const auto byte = [&](int b) { return static_cast<int32_t>(sp.PieceToId(std::string("<0x") + "0123456789ABCDEF"[b >> 4] + "0123456789ABCDEF"[b & 15] + ">")); };
    const int32_t space = sp.PieceToId("\xE2\x96\x81");  // "▁"
    const int32_t a = sp.PieceToId("\xE2\x96\x81" "a");
    std::vector<Ids> sequences = {
        {},
        {1},
        {space, space, a},
        {1, space, 1, space, a},
        {0, a},
        {a, 0, a},
        {byte(0xE6), byte(0x97), byte(0xA5), a},
        {byte(0xE6), 1, byte(0x97), byte(0xA5)},       // a control token ends the byte run
        {byte(0xE6), byte(0x97), a},                   // truncated character
        {byte(0x97), byte(0xE6), byte(0x97), byte(0xA5)},
        {byte(0xED), byte(0xA0), byte(0x80)},          // encoded surrogate
        {byte(0xC0), byte(0x80)},                      // overlong
        {byte(0xF4), byte(0x90), byte(0x80), byte(0x80)},  // above U+10FFFF
        {byte(0xEF), byte(0xBF), byte(0xBD)},          // U+FFFD itself
        {byte(0x20), a},
        {2, space, byte(0xF0), byte(0x9F)},
    };
    for (const auto& c : llama_vocab_cases()) sequences.push_back(sp.EncodeAsIds(c.text));
    for (const auto& ids : sequences) {
      const std::string expected = sp.DecodeIds(std::vector<int>(ids.begin(), ids.end()));
      EXPECT_EQ(tok->decode(ids), expected) << path << " sequence of " << ids.size();
      EXPECT_EQ(stream_decode(*tok, ids), expected) << path;
    }
  }
}

// Random id sequences, mostly byte tokens (every UTF-8 corner: truncation, stray trail bytes, overlongs), and
// random byte strings through encode(): decode() and streaming must equal libsentencepiece, never crash.
TEST(Decode, RandomSequencesMatchSentencePiece) {
  sentencepiece::SentencePieceProcessor sp;
  ASSERT_TRUE(sp.Load(tok512_model()).ok());
  const auto tok = load_tokenizer(tok512_model());
  std::mt19937 rng(1234);
  for (int round = 0; round < 3000; ++round) {
    std::vector<int> ids(1 + rng() % 12);
    for (int& id : ids) id = (rng() % 10 < 7) ? static_cast<int>(3 + 0x80 + rng() % 128) : static_cast<int>(rng() % 512);
    const Ids ours(ids.begin(), ids.end());
    const std::string expected = sp.DecodeIds(ids);
    ASSERT_EQ(tok->decode(ours), expected) << "round " << round;
    ASSERT_EQ(stream_decode(*tok, ours), expected) << "round " << round;

    std::string text(rng() % 16, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 256);
    const std::vector<int> spm_ids = sp.EncodeAsIds(text);
    ASSERT_EQ(tok->encode(text, false), Ids(spm_ids.begin(), spm_ids.end())) << "round " << round;
  }
}

// Characters that fall back to byte tokens come out whole, on the token that completes them.
TEST(Decode, StreamNeverSplitsACharacter) {
  const auto tok = load_tokenizer(tok512_model());
  const Ids ids = tok->encode("日本", false);  // "▁", <0xE6> <0x97> <0xA5>, <0xE6> <0x9C> <0xAC>
  ASSERT_EQ(ids, (Ids{410, 233, 154, 168, 233, 159, 175}));
  TokenStreamDecoder decoder(*tok);
  std::vector<std::string> chunks;
  for (int32_t id : ids) chunks.push_back(decoder.push(id));
  EXPECT_EQ(chunks, (std::vector<std::string>{"", "", "", "日", "", "", "本"}));
  EXPECT_EQ(decoder.flush(), "");

  const auto llama = load_tokenizer(llama_model());
  const Ids emoji = llama->encode("🦙!", true);
  TokenStreamDecoder stream(*llama);
  std::string text;
  for (int32_t id : emoji) {
    const std::string chunk = stream.push(id);
    EXPECT_TRUE(chunk.empty() || chunk == "🦙" || chunk == "!") << "partial chunk of id " << id;
    text += chunk;
  }
  EXPECT_EQ(text + stream.flush(), "🦙!");

  // A character cut off at the end of the stream becomes U+FFFD per byte rather than disappearing.
  decoder.reset();
  EXPECT_EQ(decoder.push(233), "");
  EXPECT_EQ(decoder.push(154), "");
  EXPECT_EQ(decoder.flush(), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Decode, StreamStartAndContinuation) {
  const auto tok = load_tokenizer(tok512_model());
  TokenStreamDecoder decoder(*tok);
  EXPECT_EQ(decoder.push(1), "");         // BOS is invisible
  EXPECT_EQ(decoder.push(403), "Once");   // like run.c: the first piece after BOS drops its space
  EXPECT_EQ(decoder.push(407), " upon");
  EXPECT_EQ(decoder.push(2), "");         // EOS is invisible
  decoder.reset(/*at_sequence_start=*/false);  // generated text continuing a prompt keeps its spaces
  EXPECT_EQ(decoder.push(383), " there");
}

// Text spliced into a running sequence keeps exactly its own spaces: no dummy prefix, no stripping (even for
// tok512.model, whose whole-text encoder strips).
TEST(Encode, ContinuationAppendsExactText) {
  for (const std::string& path : {tok512_model(), llama_model()}) {
    const auto tok = load_tokenizer(path);
    const Ids prompt = tok->encode("Once upon a time", true);
    for (const std::string text : {", there was", " there", "there", "  two  spaces\n\n  x", "日本"}) {
      Ids ids = prompt;
      const Ids cont = tok->encode_continuation(text);
      ids.insert(ids.end(), cont.begin(), cont.end());
      EXPECT_EQ(tok->decode(ids), "Once upon a time" + text) << path;
      EXPECT_EQ(stream_decode(*tok, ids), "Once upon a time" + text) << path;
    }
  }
  const auto tok = load_tokenizer(tok512_model());
  EXPECT_EQ(tok->encode_continuation(" there"), (Ids{383}));
  EXPECT_EQ(tok->encode_continuation(","), (Ids{432}));
}

// ---- malformed vocabularies: always a ModelError with a message, never a crash ----

namespace {

VocabData small_vocab() {
  VocabData v;
  v.model = "llama";
  v.tokens = {"<unk>", "<s>", "</s>", "\xE2\x96\x81" "a", "b"};
  v.scores = {0.f, 0.f, 0.f, -1.f, -2.f};
  v.token_types = {2, 3, 3, 1, 1};
  v.unk_id = 0;
  v.bos_id = 1;
  v.eos_id = 2;
  return v;
}

void expect_model_error(const VocabData& v, const std::string& needle) {
  try {
    tokenizer_from_vocab(v, "test.gguf");
    ADD_FAILURE() << "no ModelError; expected one mentioning '" << needle << "'";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("test.gguf: ", 0), 0u) << e.what();
  }
}

}  // namespace

TEST(MalformedVocab, SmallValidVocabWorks) {
  const auto tok = tokenizer_from_vocab(small_vocab());
  EXPECT_EQ(tok->encode("a", true), (Ids{1, 3}));
  EXPECT_EQ(tok->decode({1, 3, 4}), "ab");
  EXPECT_EQ(tok->encode("z", false), (Ids{0}));  // no byte fallback: "▁z" is one <unk> (runs merge), no crash
}

TEST(MalformedVocab, RejectedWithClearMessages) {
  VocabData v;
  v.model = "llama";
  expect_model_error(v, "no tokens");

  v = small_vocab();
  v.scores.pop_back();
  expect_model_error(v, "5 tokens but 4 scores");

  v = small_vocab();
  v.token_types = {2, 3};
  expect_model_error(v, "5 tokens but 2 token types");

  v = small_vocab();
  v.bos_id = 5;
  expect_model_error(v, "bos_id 5 is outside the vocabulary");

  v = small_vocab();
  v.eos_id = -7;
  expect_model_error(v, "eos_id -7");

  v = small_vocab();
  v.token_types[4] = 9;
  expect_model_error(v, "token 4 'b' has token type 9");

  v = small_vocab();
  v.tokens[4] = "";
  expect_model_error(v, "token 4 is an empty string");

  v = small_vocab();
  v.tokens[4] = "<s>";
  expect_model_error(v, "duplicates token 1");

  v = small_vocab();
  v.token_types[4] = 6;
  expect_model_error(v, "not of the form <0xHH>");

  v = small_vocab();
  v.token_types[0] = 1;
  v.unk_id = -1;
  expect_model_error(v, "no unknown token");

  v = small_vocab();
  v.token_types[4] = 2;
  expect_model_error(v, "second unknown token");

  v = small_vocab();
  v.scores[3] = std::nanf("");
  expect_model_error(v, "NaN score");

  v = small_vocab();  // byte fallback needs every byte; SentencePiece would refuse a partial set
  v.tokens.push_back("<0xE6>");
  v.scores.push_back(0.f);
  v.token_types.push_back(6);
  expect_model_error(v, "1 byte tokens; byte fallback needs all 256");

  v = small_vocab();
  v.model = "gpt2";  // byte-level BPE (tokenizer/bpe_tokenizer.h): a merge of unknown tokens is an error
  v.merges = {"x y"};
  expect_model_error(v, "names a token that is not in the vocabulary");

  v = small_vocab();
  v.model = "rwkv";
  expect_model_error(v, "unknown tokenizer model 'rwkv'");
}

TEST(MalformedVocab, CorruptFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("hogwild_tok_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& bytes) {
    const std::string p = (dir / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  };
  EXPECT_THROW(load_tokenizer((dir / "missing.model").string()), ModelError);
  EXPECT_THROW(load_tokenizer((dir / "missing.bin").string()), ModelError);
  EXPECT_THROW(load_tokenizer(write("garbage.model", "\x0a\xff\xff\xff\x0f garbage")), ModelError);
  EXPECT_THROW(load_tokenizer(write("empty.model", "")), ModelError);
  const std::string bin = read_file(fixture("stories260K/tok512.bin"));
  EXPECT_THROW(load_tokenizer(write("truncated.bin", bin.substr(0, bin.size() - 3))), ModelError);
  EXPECT_THROW(load_tokenizer(write("tiny.bin", std::string("\x07\x00\x00\x00", 4))), ModelError);  // no tokens
  std::string bad_length = bin;
  bad_length[8] = '\x7f';  // first record's length
  EXPECT_THROW(load_tokenizer(write("bad_length.bin", bad_length)), ModelError);
  std::filesystem::remove_all(dir);
}
