// Oracle 1: stories260K greedy text and logits equal llama2.c's published outputs, from the llama2.c
// checkpoint + tok512.model AND from the GGUF file alone (embedded vocabulary).
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "cpu/sequence_cache.h"
#include "cpu/transformer.h"
#include "fixtures.h"
#include "generation/generator.h"
#include "generation/model_bundle.h"

using namespace hogwild;
using hogwild::test::fixture;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json reference() { return nlohmann::json::parse(read_text(fixture("stories260K/reference/stories260K_reference.json"))); }

struct Source {
  const char* name;
  const char* model;
  const char* tokenizer;
};

class Stories260K : public ::testing::TestWithParam<Source> {
 protected:
  ModelBundle open() {
    const Source s = GetParam();
    return open_model_bundle(fixture(s.model), s.tokenizer[0] ? fixture(s.tokenizer) : "");
  }
};

// run.c prints the text and a final "\n"; the reference files hold exactly that.
std::string expected_text(const char* file) {
  std::string t = read_text(fixture(std::string("stories260K/reference/") + file));
  if (!t.empty() && t.back() == '\n') t.pop_back();
  return t;
}

GenerateOptions greedy(int n) {
  GenerateOptions g;
  g.max_new_tokens = n;
  g.sampling.temperature = 0.f;
  return g;
}

}  // namespace

TEST_P(Stories260K, GreedyFromBosMatchesRunC) {
  ModelBundle b = open();
  Generator gen(b.model, *b.tokenizer, 2);
  std::string streamed;
  const auto r = gen.generate("", greedy(256), [&](std::string_view s) { streamed += s; });
  EXPECT_EQ(r.text, expected_text("run_t0_noprompt_256steps.txt"));
  EXPECT_EQ(streamed, r.text);
  const auto ref = reference()["bos_only_greedy_256"]["generated_ids"].get<std::vector<int32_t>>();
  EXPECT_EQ(r.new_ids, ref);
}

TEST_P(Stories260K, GreedyOnceUponATimeMatchesRunC) {
  ModelBundle b = open();
  Generator gen(b.model, *b.tokenizer, 2);
  const auto r = gen.generate("Once upon a time", greedy(60));
  const auto ref = reference()["once_upon_a_time_greedy_64"];
  EXPECT_EQ(r.prompt_ids, ref["prompt_ids"].get<std::vector<int32_t>>());
  EXPECT_EQ(r.new_ids, ref["new_ids"].get<std::vector<int32_t>>());
  EXPECT_EQ(r.text, expected_text("run_t0_once_upon_a_time_64steps.txt"));
}

TEST_P(Stories260K, LogitsMatchReferenceWithin1e4) {
  ModelBundle b = open();
  Generator gen(b.model, *b.tokenizer, 2);
  const auto ref = reference();
  const auto prompt = ref["logits_after_prompt_once_upon_a_time"]["ids"].get<std::vector<int32_t>>();
  const auto logits = gen.prompt_logits(prompt);
  const int V = b.model.config.vocab_size;
  const auto at0 = ref["logits_pos0_after_bos"]["logits"].get<std::vector<float>>();
  const auto at4 = ref["logits_after_prompt_once_upon_a_time"]["logits"].get<std::vector<float>>();
  ASSERT_EQ(static_cast<int>(at0.size()), V);
  ASSERT_EQ(static_cast<int>(at4.size()), V);
  const size_t last = (prompt.size() - 1) * static_cast<size_t>(V);
  float max0 = 0, max4 = 0;
  for (int i = 0; i < V; ++i) {
    max0 = std::max(max0, std::abs(logits[static_cast<size_t>(i)] - at0[static_cast<size_t>(i)]));
    max4 = std::max(max4, std::abs(logits[last + static_cast<size_t>(i)] - at4[static_cast<size_t>(i)]));
  }
  EXPECT_LT(max0, 1e-4f);
  EXPECT_LT(max4, 1e-4f);
}

TEST_P(Stories260K, BatchedRowsEqualSingleRows) {
  // Two independent sequences in one batch (different lengths, left padding) give the same logits as
  // each alone: the batch shares weight reads, never state.
  ModelBundle b = open();
  Generator gen(b.model, *b.tokenizer, 2);
  const std::vector<int32_t> a{1, 403, 407, 261, 378}, c{1, 385};
  const auto la = gen.prompt_logits(a), lc = gen.prompt_logits(c);
  const auto& cfg = b.model.config;
  cpu::Transformer tf(b.model, 2);
  cpu::SequenceCache cache(cfg, 2, cfg.context_length, &tf.pool());
  std::vector<float> logits(2 * static_cast<size_t>(cfg.vocab_size));
  tf.forward(ForwardBatch::from_rows({a, c}), cache, logits.data());
  const size_t V = static_cast<size_t>(cfg.vocab_size);
  for (size_t i = 0; i < V; ++i) {
    ASSERT_NEAR(logits[i], la[(a.size() - 1) * V + i], 1e-4f);
    ASSERT_NEAR(logits[V + i], lc[(c.size() - 1) * V + i], 1e-4f);
  }
}

INSTANTIATE_TEST_SUITE_P(Sources, Stories260K,
                         ::testing::Values(Source{"llama2c", "stories260K/stories260K.bin", "stories260K/tok512.model"},
                                           Source{"gguf", "stories260K-gguf/stories260K.gguf", ""}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Generation, SameSeedSameOutput) {
  ModelBundle b = open_model_bundle(fixture("stories260K/stories260K.bin"), fixture("stories260K/tok512.model"));
  Generator gen(b.model, *b.tokenizer, 2);
  GenerateOptions g;
  g.max_new_tokens = 40;
  g.sampling.temperature = 1.0f;
  g.sampling.seed = 7;
  const auto r1 = gen.generate("Once", g), r2 = gen.generate("Once", g);
  EXPECT_EQ(r1.new_ids, r2.new_ids);
  g.sampling.seed = 8;
  const auto r3 = gen.generate("Once", g);
  EXPECT_NE(r1.new_ids, r3.new_ids);
}

TEST(Generation, TokenizerOfAnotherModelIsRejected) {
  EXPECT_THROW(open_model_bundle(fixture("stories260K/stories260K.bin"), fixture("llama2-tokenizer/tokenizer.model")), ModelError);
}

// Issue #19: --threads N means N threads everywhere, OpenBLAS's prefill GEMMs included. Read back through
// OpenBLAS's own getter (not our bookkeeping), for both orders so a stale value cannot pass.
extern "C" int openblas_get_num_threads(void);
TEST(Generation, ThreadCountReachesOpenBlas) {
  ModelBundle b = open_model_bundle(fixture("stories260K/stories260K.bin"), fixture("stories260K/tok512.model"));
  {
    Generator gen(b.model, *b.tokenizer, 1);
    EXPECT_EQ(openblas_get_num_threads(), 1);
  }
  {
    Generator gen(b.model, *b.tokenizer, 2);
    EXPECT_EQ(openblas_get_num_threads(), 2);
  }
  {
    Generator gen(b.model, *b.tokenizer, 1);
    EXPECT_EQ(openblas_get_num_threads(), 1);
  }
}
