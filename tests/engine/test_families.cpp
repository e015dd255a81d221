// Qwen2 (biases), Qwen3 (per-head q/k RMSNorm, head_dim != dim/heads) and Llama 3 (RoPE frequency scaling) against
// Hugging Face transformers: tests/reference/data/family_refs.json holds fp32 logits of tiny random models built by
// tests/reference/make_family_refs.py; family_models.h rebuilds the same weights here, as GGUF and as HF folders.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "common/error.h"
#include "cpu/sequence_cache.h"
#include "cpu/transformer.h"
#include "family_models.h"
#include "fixtures.h"
#include "generation/model_bundle.h"
#include "hogwild/session.h"
#include "model/hf_chat_template.h"
#include "model/hf_loader.h"
#include "tokenizer/bpe_unicode.h"

namespace hogwild {
namespace {

namespace fs = std::filesystem;

const nlohmann::json& refs() {
  static const nlohmann::json j = [] {
    std::ifstream in(test::source_dir() + "/tests/reference/data/family_refs.json");
    std::ostringstream ss;
    ss << in.rdbuf();
    return nlohmann::json::parse(ss.str());
  }();
  return j;
}

fs::path temp_root() { return fs::temp_directory_path() / ("hogwild_families_" + std::to_string(::getpid())); }

// Removes the models the tests wrote when the program ends.
class Cleanup : public ::testing::Environment {
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(temp_root(), ec);
  }
};
[[maybe_unused]] const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new Cleanup);

std::string temp_dir(const std::string& name) {
  const fs::path p = temp_root() / name;
  fs::create_directories(p.parent_path());
  return p.string();
}

// Logits of every position of `ids` in one row.
std::vector<float> all_logits(const Model& m, const std::vector<int32_t>& ids) {
  cpu::Transformer t(m, 2);
  cpu::SequenceCache cache(m.config, 1, 256, &t.pool());
  std::vector<float> logits(ids.size() * static_cast<size_t>(m.config.vocab_size));
  t.forward(ForwardBatch::from_rows({ids}), cache, logits.data(), /*all_slots=*/true);
  return logits;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
  return d;
}

class Families : public ::testing::TestWithParam<test::FamilySpec> {};

TEST_P(Families, GgufMatchesTransformers) {
  const auto& s = GetParam();
  const auto& r = refs()["families"][s.name];
  ASSERT_FALSE(r.is_null()) << s.name;
  const auto ids = refs()["ids"].get<std::vector<int32_t>>();
  std::vector<float> expected;
  for (const auto& row : r["logits"]) for (double v : row) expected.push_back(static_cast<float>(v));
  // The parameter list is the one transformers has.
  std::vector<std::string> names;
  for (const auto& p : test::family_params(s)) names.push_back(p.hf);
  auto hf_names = r["parameters"].get<std::vector<std::string>>();
  std::sort(names.begin(), names.end());
  std::sort(hf_names.begin(), hf_names.end());
  EXPECT_EQ(names, hf_names);

  const std::string path = temp_dir(s.name + ".gguf");
  test::write_family_gguf(s, path, DType::F32);
  const Model m = load_model(path);
  EXPECT_EQ(m.config.architecture, s.model_type);
  EXPECT_EQ(m.config.head_dim, s.head_dim);
  EXPECT_EQ(m.config.tied_output, s.tied);
  EXPECT_EQ(m.config.rope_style, s.model_type == "llama" ? RopeStyle::Interleaved : RopeStyle::NeoX);
  EXPECT_EQ(m.config.rope_freq_factors.empty(), !s.llama3_scaling);
  const auto got = all_logits(m, ids);
  ASSERT_EQ(got.size(), expected.size());
  // fp32 both sides; differences are summation order (and 7 printed digits): 1e-4 on logits of size ~1.
  EXPECT_LT(max_abs_diff(got, expected), 1e-4) << s.name;
}

TEST_P(Families, HfFolderMatchesGguf) {
  const auto& s = GetParam();
  const auto ids = refs()["ids"].get<std::vector<int32_t>>();
  for (const DType t : {DType::F32, DType::F16, DType::BF16}) {
    SCOPED_TRACE(dtype_name(t));
    const std::string gguf = temp_dir(s.name + "_" + dtype_name(t) + ".gguf");
    const std::string hf1 = temp_dir(s.name + "_" + dtype_name(t) + "_hf1");
    const std::string hf3 = temp_dir(s.name + "_" + dtype_name(t) + "_hf3");
    test::write_family_gguf(s, gguf, t, /*norms_f32=*/false);
    test::write_family_hf(s, hf1, t, 1);
    test::write_family_hf(s, hf3, t, 3);
    const Model g = load_model(gguf), h1 = load_model(hf1), h3 = load_model(hf3 + "/config.json");
    EXPECT_EQ(h1.config.format, "hf");
    EXPECT_EQ(h3.extra_files.size(), 2u);
    EXPECT_EQ(h1.config.rope_freq_factors, g.config.rope_freq_factors);
    const auto lg = all_logits(g, ids), l1 = all_logits(h1, ids), l3 = all_logits(h3, ids);
    EXPECT_EQ(l1, l3);  // sharding changes nothing
    if (s.model_type == "llama") {
      // GGUF llama: permuted Q/K + interleaved pairs; HF: NeoX pairs. Same math, different summation order.
      EXPECT_LT(max_abs_diff(lg, l1), 1e-5);
    } else {
      EXPECT_EQ(lg, l1);  // same weights, same pairing, same kernels: bit-identical
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny, Families, ::testing::ValuesIn(test::family_specs()),
                         [](const auto& info) { return info.param.name; });

TEST(FamilyLoading, HfErrorsNameTheFile) {
  const auto s = test::family_specs()[0];
  const std::string dir = temp_dir("broken_hf");
  test::write_family_hf(s, dir, DType::F32);
  std::ofstream(dir + "/config.json") << R"({"model_type": "gpt_neox", "hidden_size": 64})";
  try {
    load_model(dir);
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("config.json: unsupported model_type 'gpt_neox'"), std::string::npos) << e.what();
  }
  // A truncated safetensors file.
  test::write_family_hf(s, dir, DType::F32);
  fs::resize_file(dir + "/model.safetensors", fs::file_size(dir + "/model.safetensors") - 100);
  EXPECT_THROW(load_model(dir), ModelError);
}

TEST(FamilyLoading, ChatTemplatesFromMetadata) {
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string q = "qwen2-tokenizer/chat_templates/";
  const auto qwen25 = detect_chat_template(slurp(test::fixture(q + "Qwen-Qwen2.5-7B-Instruct.jinja")));
  EXPECT_EQ(qwen25.kind, ChatTemplateKind::ChatML);
  EXPECT_FALSE(qwen25.thinking);
  EXPECT_EQ(qwen25.think_opener, "");
  for (const char* f : {"Qwen-QwQ-32B.jinja", "Qwen-Qwen3-0.6B.jinja", "Qwen-Qwen3-0.6B.2025-08-revision.jinja"}) {
    const auto t = detect_chat_template(slurp(test::fixture(q + f)));
    EXPECT_EQ(t.kind, ChatTemplateKind::ChatML) << f;
    EXPECT_EQ(t.think_opener, "<think>\n") << f;
  }
  const auto r1 = detect_chat_template(slurp(test::fixture(q + "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja")));
  EXPECT_EQ(r1.kind, ChatTemplateKind::DeepSeekR1);
  EXPECT_EQ(r1.think_opener, "");
  for (const char* f : {"meta-llama-Llama-3.1-8B-Instruct.jinja", "meta-llama-Llama-3.2-3B-Instruct.jinja"}) {
    EXPECT_EQ(detect_chat_template(slurp(test::fixture("llama3-tokenizer/chat_templates/" + std::string(f)))).kind,
              ChatTemplateKind::Llama3) << f;
  }
  EXPECT_EQ(detect_chat_template("{{ bos_token }}{{ messages }}").kind, ChatTemplateKind::None);
}

TEST(FamilyLoading, HfBundleWithTokenizerPadsVocabularyAndStops) {
  // A Qwen-style HF folder: tiny weights (vocab 128) would not fit Qwen's vocabulary, so use a GPT-2 style
  // tokenizer.json with a handful of tokens and check the bundle wiring (tokenizer, padding, stops, template).
  const auto s = test::family_specs()[0];
  const std::string dir = temp_dir("bundle_hf");
  test::write_family_hf(s, dir, DType::F32);
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256 && vocab.size() < 100; ++b) {
    std::string m;
    unicode::append_utf8(unicode::byte_to_codepoint(static_cast<uint8_t>(b)), m);
    vocab[m] = static_cast<int>(vocab.size());
  }
  const nlohmann::json tok = {
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", nlohmann::json::array()}}},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Split"}, {"pattern", {{"Regex", R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}}}}, {{"type", "ByteLevel"}, {"use_regex", false}}}}}},
      {"added_tokens", {{{"id", 100}, {"content", "<|im_start|>"}, {"special", true}}, {{"id", 101}, {"content", "<|im_end|>"}, {"special", true}}}}};
  std::ofstream(dir + "/tokenizer.json") << tok.dump();
  std::ofstream(dir + "/tokenizer_config.json")
      << nlohmann::json{{"eos_token", "<|im_end|>"}, {"chat_template", "{{'<|im_start|>assistant\\n<think>\\n'}}"}}.dump();
  const ModelBundle b = open_model_bundle(dir);
  EXPECT_EQ(b.tokenizer->vocab_size(), 128);
  EXPECT_EQ(b.tokenizer->eos_id(), 101);
  EXPECT_EQ(b.stop_ids, std::vector<int32_t>{101});
  EXPECT_EQ(b.chat.kind, ChatTemplateKind::ChatML);
  EXPECT_EQ(b.chat.think_opener, "<think>\n");
  EXPECT_EQ(b.tokenizer->encode("<|im_start|>", false), std::vector<int32_t>{100});
}

}  // namespace
// Hogwild on each family (mechanics): W = 2, combined layout, over the tiny random model of every family — q/k
// biases, per-head q/k norms, NeoX pairing and Llama-3 frequency factors all go through the shared block cache.
// The models carry no vocabulary, so a word-per-id tokenizer stands in: every 5th id ends a sentence and a
// paragraph, so steps finish and merge.
namespace {
class WordTokenizer : public Tokenizer {
 public:
  explicit WordTokenizer(int n) : n_(n) {}
  std::vector<int32_t> encode(std::string_view text, bool add_bos) const override {
    std::vector<int32_t> ids;
    if (add_bos) ids.push_back(1);
    // One id per word (hash), so inserted headers and prefixes stay a few tokens long.
    size_t h = 0;
    bool in_word = false;
    for (char ch : text) {
      if (ch == ' ' || ch == '\n') {
        if (in_word) ids.push_back(3 + static_cast<int32_t>(h % static_cast<size_t>(n_ - 3)));
        in_word = false;
        h = 0;
      } else {
        h = h * 131 + static_cast<unsigned char>(ch);
        in_word = true;
      }
    }
    if (in_word) ids.push_back(3 + static_cast<int32_t>(h % static_cast<size_t>(n_ - 3)));
    return ids;
  }
  std::string piece(int32_t id) const override { return text_of(id); }
  int vocab_size() const override { return n_; }
  int32_t bos_id() const override { return 1; }
  int32_t eos_id() const override { return 2; }
  bool is_control(int32_t id) const override { return id < 3; }
  bool add_bos_default() const override { return true; }
  void decode_token(int32_t id, DecodeState&, std::string& out) const override {
    if (id < 0 || id >= n_) throw Error("id out of range");
    if (id >= 3) out += text_of(id);
  }

 private:
  static std::string text_of(int32_t id) { return "w" + std::to_string(id) + (id % 5 == 0 ? ".\n\n" : " "); }
  int n_;
};
}  // namespace

TEST_P(Families, HogwildTwoWorkersCombinedRunsEndToEnd) {
  const auto& s = GetParam();
  const std::string path = temp_dir(s.name + "-hw.gguf");
  test::write_family_gguf(s, path, DType::F32);
  const Model m = load_model(path);
  WordTokenizer tok(m.config.vocab_size);
  Preset p;
  p.workers = 2;
  p.layout = PresetLayout::Combined;
  p.budget.max_passes = 25;  // tokens, prefixes and questions of 2 workers stay inside the 256-token context
  p.finisher.max_tokens = 0;
  p.sampling.temperature = 1.0;
  p.sampling.top_k = 0;
  p.sampling.seed = 3;
  p.banned.strings.clear();
  p.stop.on_eos = false;
  p.collaboration.interval = 8;  // the question comes up within the run
  p.prompt.rules.clear();  // the paper's prompt is longer than these models' 256-token context
  p.prompt.how_to_collaborate.clear();
  p.prompt.solve.clear();
  HogwildSession session(m, tok, p, "task");
  int merged = 0;
  struct Count : EventObserver {
    int* merged;
    void on_event(const EngineEvent& e) override { *merged += std::holds_alternative<StepFinishedEvent>(e); }
  } count;
  count.merged = &merged;
  session.set_observer(&count);
  while (session.step()) {
  }
  ASSERT_TRUE(session.finished());
  EXPECT_EQ(session.result()->reason, "budget") << session.result()->message;
  EXPECT_EQ(session.passes(), 25);
  EXPECT_GT(merged, 0) << "steps ending in '.\\n\\n' merge into common";
  for (int w = 0; w < 2; ++w) EXPECT_GE(session.sampled(w).size(), 25u);
  for (float v : session.last_logits()) ASSERT_TRUE(std::isfinite(v));
}

}  // namespace hogwild

