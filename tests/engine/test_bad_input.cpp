// Bad input, end to end (docs/RELIABILITY.md, "Bad-input matrix"): each case gets one clear error (or a
// documented, safe outcome), the process keeps running, and nothing half-written is left behind. Rows already
// covered elsewhere (malformed model corpus, CLI flags, context full mid-run) name their tests in the matrix.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/error.h"
#include "fixtures.h"
#include "stories_bundle.h"
#include "temp_dir.h"
#include "utf8_check.h"
#include "generation/generator.h"
#include "generation/model_bundle.h"
#include "hogwild/event_json.h"
#include "hogwild/layout.h"
#include "hogwild/preset.h"
#include "hogwild/preset_library.h"
#include "hogwild/session.h"
#include "model/gguf_writer.h"
#include "model/model.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace fs = std::filesystem;
using namespace hogwild;
using hogwild::test::fixture;

namespace {



using test::valid_utf8;

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD
// Lone continuation bytes, a truncated 2-byte and 4-byte sequence, an overlong "/", an encoded surrogate, 0xFF.
const std::string kInvalidUtf8 = "Once \x80\xbf upon \xc3 a \xf0\x9f\x98 time \xc0\xaf there \xed\xa0\x80 was \xff.";

ModelBundle& stories() {
  return hogwild::test::stories260k();
}

std::vector<int32_t> greedy(const Model& model, const Tokenizer& tok, int n) {
  Generator gen(model, tok, 1);
  GenerateOptions o;
  o.max_new_tokens = n;
  o.sampling.temperature = 0;
  o.stop_on_eos = o.stop_on_bos = false;
  return gen.generate("Once upon a time", o).new_ids;
}

// Lowers this process's file-size limit for the scope, so that writes past `bytes` fail with EFBIG (a full disk,
// without root or a tiny mount). SIGXFSZ is ignored meanwhile, else the kernel would kill the process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &lim) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit old_{};
  sighandler_t old_handler_{};
  bool ok_ = false;
};

}  // namespace

// ---- model paths that are not model files

TEST(BadInput, ModelPathThatIsNotARegularFile) {
  test::TempDir dir("bad-input");
  const fs::path fifo = dir.path() / "model.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // A FIFO must be refused at once, not wait forever for a writer.
  for (const fs::path& p : {fifo, dir.path()}) {
    try {
      load_model(p.string());
      ADD_FAILURE() << "no error for " << p;
    } catch (const ModelError& e) {
      EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(load_model((dir.path() / "missing.gguf").string()), ModelError);
}

// ---- tokenizer / model mismatches

TEST(BadInput, TokenizerVocabularyOfAnotherSizeIsRejected) {
  // A GGUF model of vocab 260 with a 512-token tokenizer file, and the 32000-token Llama-2 one with stories260K.
  test::TempDir dir("bad-input");
  ModelConfig c;
  c.dim = 8, c.hidden_dim = 16, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 1, c.head_dim = 4;
  c.vocab_size = 260, c.context_length = 32, c.rope_dim = 4, c.tied_output = true;
  const std::string model = (dir.path() / "tiny.gguf").string();
  write_random_llama_gguf(model, c, DType::F32, 1);
  EXPECT_NO_THROW(open_model_bundle(model));  // its own embedded vocabulary fits
  for (const std::string& tok : {fixture("stories260K/tok512.model"), fixture("llama2-tokenizer/tokenizer.model")}) {
    try {
      open_model_bundle(model, tok);
      ADD_FAILURE() << "no error for " << tok;
    } catch (const ModelError& e) {
      EXPECT_NE(std::string(e.what()).find("260"), std::string::npos) << e.what();
    }
  }
}

// ---- prompts longer than the context

TEST(BadInput, GeneratorPromptLongerThanContextIsAConfigError) {
  ModelBundle& b = stories();  // context 512
  std::string prompt;
  for (int i = 0; i < 300; ++i) prompt += "Lily and Tom went to the park. ";
  Generator gen(b.model, *b.tokenizer, 1);
  GenerateOptions o;
  o.max_new_tokens = 4;
  try {
    gen.generate(prompt, o);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("context is 512"), std::string::npos) << e.what();
  }
  // The generator is still usable afterwards.
  EXPECT_EQ(gen.generate("Once", o).new_ids.size(), 4u);
}

TEST(BadInput, GeneratorStopsAtTheContextLimit) {
  ModelBundle& b = stories();
  Generator gen(b.model, *b.tokenizer, 1);
  GenerateOptions o;
  o.max_new_tokens = 10000;
  o.sampling.temperature = 0;
  o.stop_on_eos = o.stop_on_bos = false;
  const GenerateResult r = gen.generate("Once upon a time", o);
  EXPECT_EQ(r.stop_reason, "context");
  // Every cache position is used; the last sampled token needs none (it is never fed back).
  EXPECT_EQ(r.prompt_ids.size() + r.new_ids.size(), static_cast<size_t>(b.model.config.context_length) + 1);
}

// ---- W out of range: preset (JSON and code), layout, session

TEST(BadInput, TooManyWorkersIsAConfigErrorEverywhere) {
  EXPECT_THROW(Layout(LayoutKind::Combined, Layout::kMaxWorkers + 1), ConfigError);
  EXPECT_THROW(Layout(LayoutKind::Contiguous, 0), ConfigError);
  EXPECT_THROW(Layout(LayoutKind::Interleaved, -3), ConfigError);
  nlohmann::json j = preset_to_json(Preset{});
  j["workers"]["count"] = 9;
  try {
    preset_from_json(j, "big.json");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("workers.count"), std::string::npos) << e.what();
  }
  Preset p;
  p.workers = 9;
  ModelBundle& b = stories();
  EXPECT_THROW(HogwildSession(b.model, *b.tokenizer, p, "task"), ConfigError);
}

// ---- invalid sampling values

TEST(BadInput, ImpossibleSamplingValuesAreConfigErrors) {
  const auto bad = [](auto set, const char* field) {
    SamplingParams s;
    set(s);
    try {
      s.validate();
      ADD_FAILURE() << "no error for " << field;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
    EXPECT_THROW(Sampler{s}, ConfigError) << field;
  };
  bad([](SamplingParams& s) { s.temperature = -0.5f; }, "temperature");
  bad([](SamplingParams& s) { s.temperature = NAN; }, "temperature");
  bad([](SamplingParams& s) { s.temperature = INFINITY; }, "temperature");
  bad([](SamplingParams& s) { s.top_p = 1.5f; }, "top_p");
  bad([](SamplingParams& s) { s.top_p = 0.f; }, "top_p");
  bad([](SamplingParams& s) { s.top_k = -1; }, "top_k");
  bad([](SamplingParams& s) { s.min_p = 2.f; }, "min_p");
  bad([](SamplingParams& s) { s.repetition_penalty = 0.f; }, "repetition_penalty");

  for (const auto& [field, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"temperature", -1}, {"top_p", 1.5}, {"top_k", -2}, {"min_p", -0.1}, {"temperature", "hot"}}) {
    nlohmann::json j = preset_to_json(Preset{});
    j["sampling"][field] = value;
    try {
      preset_from_json(j, "s.json");
      ADD_FAILURE() << "no error for sampling." << field << " = " << value.dump();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("sampling." + field), std::string::npos) << e.what();
    }
  }
}

// ---- presets: missing, extra, wrong-typed fields; schema and version

TEST(BadInput, PresetSchemaProblemsAreOneLineConfigErrors) {
  const nlohmann::json good = preset_to_json(Preset{});
  struct Case {
    const char* what;
    nlohmann::json j;
    const char* expect;  // in the message
  };
  std::vector<Case> cases;
  nlohmann::json j = good;
  j["version"] = kPresetVersion + 1;
  cases.push_back({"newer version", j, "version"});
  j = good;
  j.erase("schema");
  cases.push_back({"no schema", j, "schema"});
  j = good;
  j["schema"] = "something-else";
  cases.push_back({"foreign schema", j, "schema"});
  j = good;
  j["colour"] = "blue";
  cases.push_back({"unknown top-level field", j, "colour"});
  j = good;
  j["sampling"]["warmth"] = 1;
  cases.push_back({"unknown nested field", j, "warmth"});
  j = good;
  j["workers"]["count"] = "two";
  cases.push_back({"string for an integer", j, "workers.count"});
  j = good;
  j["workers"]["count"] = 2.5;
  cases.push_back({"fraction for an integer", j, "workers.count"});
  j = good;
  j["step"]["openers"] = "not a list";
  cases.push_back({"string for a list", j, "step.openers"});
  cases.push_back({"array instead of object", nlohmann::json::array({1, 2}), "preset"});
  for (const Case& c : cases) {
    try {
      preset_from_json(c.j, "p.json");
      ADD_FAILURE() << c.what << ": no error";
    } catch (const ConfigError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << c.what << ": " << msg;
      EXPECT_EQ(msg.rfind("p.json", 0), 0u) << c.what << ": " << msg;
      EXPECT_NE(msg.find(c.expect), std::string::npos) << c.what << ": " << msg;
    }
  }
  // Missing optional fields keep their defaults.
  const Preset minimal = preset_from_json({{"schema", "hogwild-preset"}, {"version", kPresetVersion}}, "min.json");
  EXPECT_EQ(preset_to_json(minimal), good);
}

// ---- session/event files from a newer version

TEST(BadInput, EventsOfANewerVersionAreConfigErrors) {
  const auto fails = [](const nlohmann::json& j, const std::string& expect) {
    try {
      event_from_json(j);
      ADD_FAILURE() << "no error for " << j.dump();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
    }
  };
  fails({{"type", "worker_paused"}, {"worker", 0}, {"pass", 3}}, "unknown event type 'worker_paused'");
  fails({{"worker", 0}}, "malformed event");
  fails({{"type", "token"}, {"worker", "zero"}}, "malformed event");
  fails({{"type", "stats"}, {"pass", 0}, {"workers", 2}, {"layers", 1}, {"heads", 1}, {"blocks", {"a"}},
         {"block_owner", {-1}}, {"block_lengths", {3}}, {"mass", {0.5}}},
        "mass has the wrong size");
  fails(nlohmann::json::array(), "malformed event");
  // A known event with an extra field written by a newer version still reads.
  const nlohmann::json tok = {{"type", "token"}, {"worker", 1},    {"token", 42},          {"text", "x"},
                              {"step", 1},       {"pass", 7},      {"inserted", false},    {"new_field", true}};
  EXPECT_EQ(std::get<TokenEvent>(event_from_json(tok)).token, 42);
}

// ---- text that is not UTF-8

TEST(BadInput, InvalidUtf8PromptsEncodeAndDecodeToValidUtf8) {
  for (const std::string& path : {fixture("stories260K/tok512.model"), fixture("llama2-tokenizer/tokenizer.model"),
                                  fixture("stories260K/tok512.bin")}) {
    const auto tok = load_tokenizer(path);
    std::vector<int32_t> ids;
    ASSERT_NO_THROW(ids = tok->encode(kInvalidUtf8, true)) << path;
    ASSERT_NO_THROW(tok->encode_continuation(kInvalidUtf8)) << path;
    const std::string text = tok->decode(ids);
    EXPECT_TRUE(valid_utf8(text)) << path << ": " << text;
    EXPECT_NE(text.find("upon"), std::string::npos) << path << ": " << text;
    // One U+FFFD per byte that belongs to no valid character.
    const std::string R = kReplacement;
    EXPECT_EQ(text, "Once " + R + R + " upon " + R + " a " + R + R + R + " time " + R + R + " there " + R + R + R +
                        " was " + R + ".")
        << path;
    TokenStreamDecoder stream(*tok);
    std::string streamed;
    for (int32_t id : ids) streamed += stream.push(id);
    streamed += stream.flush();
    EXPECT_EQ(streamed, text) << path;
  }
  // Byte tokens that form no character decode to U+FFFD, one per byte, in both decoders.
  const auto tok = load_tokenizer(fixture("stories260K/tok512.model"));
  const int32_t byte_ff = 3 + 0xff, byte_c3 = 3 + 0xc3;  // <0xFF>, <0xC3> (tok512: <unk> <s> </s> then 256 bytes)
  ASSERT_EQ(tok->piece(byte_ff), "<0xFF>");
  const std::string text = tok->decode({1, byte_ff, byte_c3});
  EXPECT_EQ(text, kReplacement + kReplacement);
  TokenStreamDecoder stream(*tok);
  std::string streamed = stream.push(1) + stream.push(byte_ff) + stream.push(byte_c3);
  streamed += stream.flush();
  EXPECT_EQ(streamed, text);
}

TEST(BadInput, InvalidUtf8PromptRunsThroughGeneratorAndSession) {
  ModelBundle& b = stories();
  Generator gen(b.model, *b.tokenizer, 1);
  GenerateOptions o;
  o.max_new_tokens = 16;
  const GenerateResult r = gen.generate(kInvalidUtf8, o);
  EXPECT_TRUE(valid_utf8(r.text)) << r.text;
  Preset p = load_preset(find_preset("tiny-stories"));  // a prompt that fits stories260K's 512 positions
  p.workers = 2;
  p.budget.max_passes = 8;
  SessionOptions so;
  so.threads = 1;
  HogwildSession s(b.model, *b.tokenizer, p, kInvalidUtf8, so);
  while (s.step()) {
  }
  EXPECT_NE(s.prompt_text().find(kInvalidUtf8), std::string::npos);  // the task is kept as given
  EXPECT_GT(s.passes(), 0);
  for (int w = 0; w < 2; ++w) EXPECT_TRUE(valid_utf8(s.transcript(w))) << s.transcript(w);
  EXPECT_TRUE(valid_utf8(s.assembled_response().substr(s.prompt_text().size())));
}

// ---- a model file deleted or replaced while mapped

TEST(BadInput, ModelFileDeletedOrReplacedWhileLoaded) {
  test::TempDir dir("bad-input");
  const fs::path path = dir.path() / "m.bin";
  fs::copy_file(fixture("stories260K/stories260K.bin"), path);
  const ModelBundle b = open_model_bundle(path.string(), fixture("stories260K/tok512.model"));
  const std::vector<int32_t> before = greedy(b.model, *b.tokenizer, 24);

  // Deleted: the map keeps the old inode alive.
  fs::remove(path);
  EXPECT_EQ(greedy(b.model, *b.tokenizer, 24), before);

  // Replaced by another file under the same name (a new inode: a rename over it, or delete + write).
  {
    std::string other = test::read_all(fixture("stories260K/stories260K.bin"));
    for (size_t i = 28; i < other.size(); i += 7) other[i] = static_cast<char>(other[i] ^ 0x5a);
    const fs::path tmp = dir.path() / "m.bin.new";
    std::ofstream(tmp, std::ios::binary) << other;
    fs::rename(tmp, path);
  }
  EXPECT_EQ(greedy(b.model, *b.tokenizer, 24), before);
  // ... and a load of the new file sees the new bytes.
  const Model replaced = load_model(path.string());
  EXPECT_NE(greedy(replaced, *b.tokenizer, 24), before);
}

// ---- disk full while saving

TEST(BadInput, DiskFullWhenSavingAPresetKeepsTheOldFile) {
  test::TempDir dir("bad-input");
  const fs::path target = dir.path() / "mine.json";
  Preset p;
  save_preset(p, target);
  const std::string original = test::read_all(target);
  ASSERT_GT(original.size(), 1024u);
  Preset bigger = p;
  bigger.description = std::string(8192, 'x');
  {
    FileSizeLimit limit(1024);
    ASSERT_TRUE(limit.ok());
    try {
      save_preset(bigger, target);
      ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(target.filename().string()), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(test::read_all(target), original);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"mine.json"});  // no temp file left
  save_preset(bigger, target);  // space again: saving works
  EXPECT_EQ(load_preset(target).description, bigger.description);
}

TEST(BadInput, DiskFullWhenWritingAGgufKeepsTheOldFile) {
  test::TempDir dir("bad-input");
  const fs::path target = dir.path() / "model.gguf";
  GgufWriter small;
  small.set_string("general.architecture", "llama");
  small.write(target.string());
  const std::string original = test::read_all(target);
  GgufWriter big;
  big.set_string("general.architecture", "llama");
  big.add_tensor_f32("t", DType::F32, {1024, 4}, std::vector<float>(4096, 1.f));
  {
    FileSizeLimit limit(4096);
    ASSERT_TRUE(limit.ok());
    EXPECT_THROW(big.write(target.string()), Error);
  }
  EXPECT_EQ(test::read_all(target), original);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.gguf"});  // no temp file left
}

// Fuzz findings F2, F4 and F6 (docs/RELIABILITY.md): integers out of range, floats where integers belong and
// inconsistent stats shapes are errors, never wrapped or undefined conversions.
TEST(BadInput, EventIntegersAreRangeChecked) {
  const auto fails = [](const nlohmann::json& j) {
    EXPECT_THROW(event_from_json(j), ConfigError) << j.dump();
  };
  fails({{"type", "token"}, {"worker", 0}, {"token", 1}, {"text", ""}, {"step", 1}, {"pass", 0}, {"inserted", false},
         {"top", {{38336203263181075.0, 0.5}}}});
  fails({{"type", "token"}, {"worker", 1e30}, {"token", 1}, {"text", ""}, {"step", 1}, {"pass", 0}, {"inserted", false}});
  fails({{"type", "token"}, {"worker", 0}, {"token", 4294967296LL}, {"text", ""}, {"step", 1}, {"pass", 0}, {"inserted", false}});
  fails({{"type", "stats"}, {"pass", 0}, {"workers", -1}, {"layers", -1}, {"heads", 1}, {"blocks", {"a"}},
         {"block_owner", {-1}}, {"block_lengths", {3}}, {"mass", {0.5}}});
  fails({{"type", "stats"}, {"pass", 0}, {"workers", 1}, {"layers", 1}, {"heads", 1}, {"blocks", {"a", "b"}},
         {"block_owner", {-1}}, {"block_lengths", {3}}, {"mass", {0.5, 0.5}}});
  // Finding F6: the elements of block_owner / block_lengths (floats, huge values, owners that are no worker).
  const auto stats = [](nlohmann::json owner, nlohmann::json lengths) {
    return nlohmann::json{{"type", "stats"}, {"pass", 0}, {"workers", 2}, {"layers", 1}, {"heads", 1}, {"blocks", {"a", "b"}},
                          {"block_owner", std::move(owner)}, {"block_lengths", std::move(lengths)}, {"mass", {0.5, 0.5, 0.5, 0.5}}};
  };
  EXPECT_NO_THROW(event_from_json(stats({-1, 1}, {3, 0})));
  fails(stats({1e22, 0}, {3, 3}));
  fails(stats({-1, 0}, {1e300, 3}));
  fails(stats({-1, 4294967296LL}, {3, 3}));
  fails(stats({-1, 2}, {3, 3}));  // worker 2 of 2
  fails(stats({-2, 0}, {3, 3}));
  fails(stats({-1, 0}, {-3, 3}));
  fails(stats({-1, 0.5}, {3, 3}));
  fails(stats({-1, 0}, {3, "3"}));
  fails(stats("owners", {3, 3}));
}

// Fuzz finding F3: a tokenizer path that is a FIFO fails at once instead of blocking.
TEST(BadInput, TokenizerFifoIsRejected) {
  const std::string fifo = (std::filesystem::temp_directory_path() / ("hogwild_tok_fifo_" + std::to_string(::getpid()))).string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THROW(load_tokenizer(fifo), ModelError);
  EXPECT_THROW(load_tokenizer(fifo + ".missing"), ModelError);
  std::filesystem::remove(fifo);
}

// ---- vocabulary pieces that are not UTF-8 (fuzz finding F1)

namespace {

// llama2.c's tokenizer.bin: int32 max_token_length, then {f32 score, i32 length, bytes} per token.
struct Llama2cToken {
  float score = 0.f;
  std::string text;
};

std::vector<Llama2cToken> read_llama2c_tokens(const std::string& bin) {
  std::vector<Llama2cToken> tokens;
  for (size_t pos = 4; pos + 8 <= bin.size();) {
    Llama2cToken t;
    int32_t length = 0;
    std::memcpy(&t.score, bin.data() + pos, 4);
    std::memcpy(&length, bin.data() + pos + 4, 4);
    t.text = bin.substr(pos + 8, static_cast<size_t>(length));
    pos += 8 + static_cast<size_t>(length);
    tokens.push_back(std::move(t));
  }
  return tokens;
}

std::string write_llama2c_tokens(const std::vector<Llama2cToken>& tokens) {
  int32_t max_length = 1;
  for (const Llama2cToken& t : tokens) max_length = std::max(max_length, static_cast<int32_t>(t.text.size()));
  std::string bin(reinterpret_cast<const char*>(&max_length), 4);
  for (const Llama2cToken& t : tokens) {
    const auto length = static_cast<int32_t>(t.text.size());
    bin.append(reinterpret_cast<const char*>(&t.score), 4);
    bin.append(reinterpret_cast<const char*>(&length), 4);
    bin += t.text;
  }
  return bin;
}

// Decodes `ids` whole and streamed; both must be valid UTF-8 (every push() part too), agree byte for byte and
// serialize into an event line (a non-UTF-8 text used to make event_to_json(...).dump() throw). Returns the text.
std::string decode_checked(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  const std::string text = tok.decode(ids);
  EXPECT_TRUE(valid_utf8(text)) << text;
  TokenStreamDecoder stream(tok);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string part = stream.push(id);
    EXPECT_TRUE(valid_utf8(part)) << "push(" << id << ") = " << part;
    streamed += part;
  }
  streamed += stream.flush();
  EXPECT_EQ(streamed, text);
  TokenEvent e;
  e.text = text;
  EXPECT_NO_THROW((void)event_to_json(e).dump());
  return text;
}

}  // namespace

TEST(BadInput, NonUtf8VocabularyPiecesDecodeToValidUtf8) {
  const std::string R = kReplacement;
  // A GGUF `llama` vocabulary (SentencePiece). The bytes of text pieces are assembled like those of byte pieces:
  // a bad byte becomes U+FFFD, and a character split over two pieces is joined, in decode() and in the stream.
  VocabData v;
  v.model = "llama";
  v.tokens = {"<unk>", "<s>", "</s>", "\xff" "x", "\xE2\x96\x81" "a\xc3", "\xa9" "b", "c\xed\xa0\x80"};
  v.scores.assign(v.tokens.size(), 0.f);
  v.token_types = {2, 3, 3, 1, 1, 1, 1};
  v.unk_id = 0, v.bos_id = 1, v.eos_id = 2;
  const auto spm = tokenizer_from_vocab(v, "f1.gguf");
  EXPECT_EQ(decode_checked(*spm, {1, 3}), R + "x");
  EXPECT_EQ(decode_checked(*spm, {1, 4, 3}), "a" + R + R + "x");
  EXPECT_EQ(decode_checked(*spm, {1, 4, 5}), "a\xc3\xa9" "b");   // "é" across two pieces
  EXPECT_EQ(decode_checked(*spm, {1, 4, 2}), "a" + R);          // a control token ends the byte run
  EXPECT_EQ(decode_checked(*spm, {1, 6, 3}), "c" + R + R + R + R + "x");  // an encoded surrogate, then 0xFF
  EXPECT_EQ(decode_checked(*spm, {4}), "a" + R);                // the end of the stream flushes
  EXPECT_EQ(decode_checked(*spm, {5, 4}), R + "b a" + R);

  // A byte-level BPE vocabulary: "ÿ" maps to the byte 0xFF, "Ã" and "©" to 0xC3 and 0xA9; a user-defined token is
  // literal text, here not UTF-8 itself.
  VocabData g;
  g.model = "gpt2";
  g.tokens = {"a", "b", "\xC3\xBF", "\xC3\x83", "\xC2\xA9", "\xfe<"};
  g.token_types = {1, 1, 1, 1, 1, 4};
  g.bos_id = g.eos_id = -1;
  const auto bpe = tokenizer_from_vocab(g, "f1-bpe.gguf");
  EXPECT_EQ(decode_checked(*bpe, {0, 2, 1}), "a" + R + "b");
  EXPECT_EQ(decode_checked(*bpe, {3, 4}), "\xc3\xa9");
  EXPECT_EQ(decode_checked(*bpe, {5, 0, 3}), R + "<a" + R);

  test::TempDir dir("bad-input");
  // tok512.bin (llama2.c) with "▁the" (id 265) turned into " t\xffhe".
  std::vector<Llama2cToken> tokens = read_llama2c_tokens(test::read_all(fixture("stories260K/tok512.bin")));
  ASSERT_EQ(tokens.size(), 512u);
  ASSERT_EQ(tokens[265].text, " the");
  tokens[265].text = " t\xffhe";
  const auto bin = load_tokenizer(dir.write("f1.bin", write_llama2c_tokens(tokens)).string());
  EXPECT_EQ(decode_checked(*bin, {1, 403, 265}), "Once t" + R + "he");
  EXPECT_EQ(decode_checked(*bin, bin->encode("Once upon a time", true)), "Once upon a time");

  // tok512.model with the piece "ing" (id 299) turned into "i\xffg" (same length: the protobuf stays valid).
  std::string model = test::read_all(fixture("stories260K/tok512.model"));
  const size_t at = model.find(std::string("\x0a\x03ing", 5));
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(model.find(std::string("\x0a\x03ing", 5), at + 1), std::string::npos);
  model[at + 3] = '\xff';
  const auto spm_file = load_tokenizer(dir.write("f1.model", model).string());
  EXPECT_EQ(decode_checked(*spm_file, {1, 403, 299}), "Oncei" + R + "g");
  std::vector<int32_t> all(512);
  for (int32_t id = 0; id < 512; ++id) all[static_cast<size_t>(id)] = id;
  for (const Tokenizer* tok : {spm.get(), bpe.get(), bin.get(), spm_file.get()}) {
    std::vector<int32_t> ids;
    for (int32_t id : all) if (id < tok->vocab_size()) ids.push_back(id);
    decode_checked(*tok, ids);
  }
}

// ---- SentencePiece models that load but cannot encode (fuzz finding F5)

TEST(BadInput, TokenizerThatCannotEncodeIsRejectedAtLoad) {
  const auto rejected = [](const std::function<void()>& load, const std::string& origin, const std::string& needle) {
    try {
      load();
      ADD_FAILURE() << origin << ": loaded; expected a ModelError mentioning '" << needle << "'";
    } catch (const ModelError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(origin + ": ", 0), 0u) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  };
  test::TempDir dir("bad-input");
  // tok512.model with its BOS piece "<s>" renamed to a text of the same length (the protobuf stays valid). Such
  // models used to load, and then every text containing "€" (or, for "ing", merging into it) failed to encode
  // with "all normalized characters are not consumed".
  const std::string model = test::read_all(fixture("stories260K/tok512.model"));
  const size_t at = model.find(std::string("\x0a\x03<s>", 5));
  ASSERT_NE(at, std::string::npos);
  const auto renamed = [&](const std::string& name, const std::string& piece) {
    std::string m = model;
    m.replace(at + 2, 3, piece);
    return dir.write(name, m).string();
  };
  const std::string euro = renamed("euro.model", "\xE2\x82\xAC");  // also a normal piece of tok512
  rejected([&] { load_tokenizer(euro); }, euro, "control token 1 '\xE2\x82\xAC' is a single character");
  const std::string snow = renamed("snowman.model", "\xE2\x98\x83");  // in no other piece
  rejected([&] { load_tokenizer(snow); }, snow, "control token 1 '\xE2\x98\x83' is a single character");
  const std::string ing = renamed("ing.model", "ing");
  rejected([&] { load_tokenizer(ing); }, ing, "control token 1 'ing' has the text of token 299");

  // tok512.bin whose BOS record is one character (the fuzz input had "<" and ">" as BOS and EOS): llama2.c's BOS
  // is a control token. (tok512 has "<" as a normal piece too, which the vocabulary check refuses as a duplicate.)
  std::vector<Llama2cToken> tokens = read_llama2c_tokens(test::read_all(fixture("stories260K/tok512.bin")));
  tokens[1].text = "#";
  const std::string bin = dir.write("hash.bin", write_llama2c_tokens(tokens)).string();
  rejected([&] { load_tokenizer(bin); }, bin, "control token 1 '#' is a single character");

  // A GGUF vocabulary whose token types make a single character a control token.
  VocabData v;
  v.model = "llama";
  v.tokens = {"<unk>", "<s>", "</s>", "\xE2\x96\x81" "a", "b"};
  v.scores.assign(v.tokens.size(), 0.f);
  v.token_types = {2, 3, 3, 1, 3};
  v.unk_id = 0, v.bos_id = 1, v.eos_id = 2;
  rejected([&] { tokenizer_from_vocab(v, "ctl.gguf"); }, "ctl.gguf", "control token 4 'b' is a single character");
  // ... or a user-defined piece with a NUL byte, which libsentencepiece matches cut at the NUL: "ab\0c" matched "ab"
  // in "xab", which named the control token "ab", and encoding "xab" failed (found by fuzz_vocab).
  v.tokens = {"<unk>", "<s>", "</s>", std::string("ab\0c", 4), "ab", "x"};
  v.scores.assign(v.tokens.size(), 0.f);
  v.token_types = {2, 3, 3, 4, 3, 1};
  rejected([&] { tokenizer_from_vocab(v, "nul.gguf"); }, "nul.gguf", "token 3 'ab'... holds a NUL byte");

  // The rule refuses none of the shipped SentencePiece tokenizers, and their control tokens' text encodes.
  for (const std::string& path : {fixture("stories260K/tok512.model"), fixture("stories260K/tok512.bin"),
                                  fixture("llama2-tokenizer/tokenizer.model"), fixture("llama2-tokenizer/tokenizer.bin"),
                                  fixture("llama2-tokenizer/ggml-vocab-llama-spm.gguf")}) {
    const auto tok = load_tokenizer(path);
    EXPECT_NO_THROW(tok->encode("<s>Once upon a time</s> <unk> \xE2\x82\xAC ing", true)) << path;
  }
}
