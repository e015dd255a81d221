// load_model(): stories260K as llama2.c checkpoint and as GGUF (same weights, byte for byte), and random-weight
// models from write_random_llama_gguf() in every weight dtype.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "common/error.h"
#include "fixtures.h"
#include "temp_dir.h"
#include "model/gguf_file.h"
#include "model/gguf_writer.h"
#include "model/model.h"

namespace hogwild {
namespace {

namespace fs = std::filesystem;


void expect_stories_shape(const ModelConfig& c) {
  EXPECT_EQ(c.architecture, "llama");
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.hidden_dim, 172);
  EXPECT_EQ(c.n_layers, 5);
  EXPECT_EQ(c.n_heads, 8);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.rope_theta, 10000.f);
  EXPECT_EQ(c.rope_dim, 8);
  EXPECT_EQ(c.rope_style, RopeStyle::Interleaved);
  EXPECT_FLOAT_EQ(c.rms_eps, 1e-5f);
}

// Every view of a model lies inside its file and has nbytes matching type and dims.
void expect_views_consistent(const Model& m) {
  const auto check = [&](const TensorView& t) {
    ASSERT_FALSE(t.empty()) << t.name;
    EXPECT_EQ(t.nbytes, dtype_row_bytes(t.type, t.cols()) * static_cast<size_t>(t.rows())) << t.name;
    const auto* lo = m.file->data();
    const auto* p = static_cast<const uint8_t*>(t.data);
    EXPECT_TRUE(p >= lo && p + t.nbytes <= lo + m.file->size()) << t.name;
  };
  check(m.weights.token_embd);
  check(m.weights.output_norm);
  check(m.weights.output);
  ASSERT_EQ(m.weights.layers.size(), static_cast<size_t>(m.config.n_layers));
  for (const LayerWeights& l : m.weights.layers) {
    for (const TensorView* t : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.w_gate, &l.w_down, &l.w_up}) check(*t);
  }
}

void expect_same_tensor(const TensorView& a, const TensorView& b, bool same_name = true) {
  if (same_name) {
    EXPECT_EQ(a.name, b.name);
  }
  EXPECT_EQ(a.type, b.type) << a.name;
  EXPECT_EQ(a.dims, b.dims) << a.name;
  ASSERT_EQ(a.nbytes, b.nbytes) << a.name;
  EXPECT_EQ(std::memcmp(a.data, b.data, a.nbytes), 0) << a.name << " differs from " << b.name;
}

TEST(ModelLoading, LoadsStories260KLlama2c) {
  const Model m = load_model(test::fixture("stories260K/stories260K.bin"));
  expect_stories_shape(m.config);
  EXPECT_EQ(m.config.format, "llama2c");
  EXPECT_EQ(m.config.name, "stories260K");
  EXPECT_EQ(m.config.context_length, 512);
  EXPECT_TRUE(m.config.tied_output);
  EXPECT_FALSE(m.vocab.has_value());
  expect_views_consistent(m);
  EXPECT_EQ(m.weights.output.data, m.weights.token_embd.data);
  EXPECT_EQ(m.weights.token_embd.dims, (std::vector<int64_t>{64, 512}));
  EXPECT_EQ(m.weights.layers[2].wk.dims, (std::vector<int64_t>{64, 32}));
  EXPECT_EQ(m.weights.layers[2].w_down.dims, (std::vector<int64_t>{172, 64}));
  // The first float after the 28-byte header is token 0's embedding, element 0.
  float first;
  std::memcpy(&first, m.file->data() + 28, 4);
  EXPECT_EQ(static_cast<const float*>(m.weights.token_embd.data)[0], first);
  // The final RMSNorm sits right before the two 512×4 RoPE tables that end the file.
  EXPECT_EQ(static_cast<const uint8_t*>(m.weights.output_norm.data) + 64 * 4 + 2 * 512 * 4 * 4,
            m.file->data() + m.file->size());
}

TEST(ModelLoading, LoadsStories260KGguf) {
  const Model m = load_model(test::fixture("stories260K-gguf/stories260K.gguf"));
  expect_stories_shape(m.config);
  EXPECT_EQ(m.config.format, "gguf");
  EXPECT_EQ(m.config.name, "llama");
  EXPECT_EQ(m.config.context_length, 2048);
  EXPECT_FALSE(m.config.tied_output);  // the converter stored output.weight as an explicit copy
  expect_views_consistent(m);
  ASSERT_TRUE(m.vocab.has_value());
  EXPECT_EQ(m.vocab->model, "llama");
  EXPECT_EQ(m.vocab->tokens.size(), 512u);
  EXPECT_EQ(m.vocab->scores.size(), 512u);
  EXPECT_EQ(m.vocab->token_types.size(), 512u);
  EXPECT_EQ(m.vocab->bos_id, 1);
  EXPECT_EQ(m.vocab->eos_id, 2);
  EXPECT_EQ(m.vocab->unk_id, 0);
  EXPECT_EQ(m.vocab->pad_id, -1);
  EXPECT_EQ(m.vocab->tokens[432], ",");
}

TEST(ModelLoading, BothStories260KFormatsHoldTheSameWeights) {
  const Model bin = load_model(test::fixture("stories260K/stories260K.bin"));
  const Model gguf = load_model(test::fixture("stories260K-gguf/stories260K.gguf"));
  // Equal except the known differences: the converter's default context (2048 vs the trained 512), the
  // format, the name, and the GGUF's explicit output copy.
  const ModelConfig& a = bin.config;
  const ModelConfig& b = gguf.config;
  EXPECT_EQ(a.architecture, b.architecture);
  EXPECT_EQ(a.dim, b.dim);
  EXPECT_EQ(a.hidden_dim, b.hidden_dim);
  EXPECT_EQ(a.n_layers, b.n_layers);
  EXPECT_EQ(a.n_heads, b.n_heads);
  EXPECT_EQ(a.n_kv_heads, b.n_kv_heads);
  EXPECT_EQ(a.head_dim, b.head_dim);
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.rope_theta, b.rope_theta);
  EXPECT_EQ(a.rope_dim, b.rope_dim);
  EXPECT_EQ(a.rope_style, b.rope_style);
  EXPECT_EQ(a.rms_eps, b.rms_eps);
  EXPECT_NE(a.context_length, b.context_length);

  expect_same_tensor(bin.weights.token_embd, gguf.weights.token_embd);
  expect_same_tensor(bin.weights.output_norm, gguf.weights.output_norm);
  expect_same_tensor(bin.weights.output, gguf.weights.output, /*same_name=*/false);  // tied: token_embd's bytes
  for (int l = 0; l < 5; ++l) {
    const LayerWeights& x = bin.weights.layers[l];
    const LayerWeights& y = gguf.weights.layers[l];
    expect_same_tensor(x.attn_norm, y.attn_norm);
    expect_same_tensor(x.wq, y.wq);
    expect_same_tensor(x.wk, y.wk);
    expect_same_tensor(x.wv, y.wv);
    expect_same_tensor(x.wo, y.wo);
    expect_same_tensor(x.ffn_norm, y.ffn_norm);
    expect_same_tensor(x.w_gate, y.w_gate);
    expect_same_tensor(x.w_down, y.w_down);
    expect_same_tensor(x.w_up, y.w_up);
  }
}

TEST(ModelLoading, ViewsOutliveTheLoaderButNotTheModel) {
  Model copy;
  {
    const Model m = load_model(test::fixture("stories260K-gguf/stories260K.gguf"));
    copy = m;
  }
  // The Model keeps the mapping alive through its shared MappedFile.
  float sum = 0;
  const auto* p = static_cast<const float*>(copy.weights.layers[4].w_up.data);
  for (int64_t i = 0; i < copy.weights.layers[4].w_up.numel(); ++i) sum += std::fabs(p[i]);
  EXPECT_GT(sum, 0.f);
}

ModelConfig small_config() {
  ModelConfig c;
  c.name = "tiny-random";
  c.dim = 64;
  c.hidden_dim = 96;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = 16;
  c.vocab_size = 300;
  c.context_length = 128;
  c.rope_theta = 500000.f;
  c.rope_dim = 16;
  c.rms_eps = 1e-6f;
  return c;
}

TEST(ModelLoading, RandomLlamaGgufLoadsInEveryDtype) {
  test::TempDir dir("model");
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q8_0}) {
    SCOPED_TRACE(dtype_name(t));
    const std::string path = dir.file(std::string("random_") + dtype_name(t) + ".gguf");
    const ModelConfig want = small_config();
    write_random_llama_gguf(path, want, t, 42);
    const Model m = load_model(path);
    const ModelConfig& c = m.config;
    EXPECT_EQ(c.name, "tiny-random");
    EXPECT_EQ(c.format, "gguf");
    EXPECT_EQ(c.dim, want.dim);
    EXPECT_EQ(c.hidden_dim, want.hidden_dim);
    EXPECT_EQ(c.n_layers, want.n_layers);
    EXPECT_EQ(c.n_heads, want.n_heads);
    EXPECT_EQ(c.n_kv_heads, want.n_kv_heads);
    EXPECT_EQ(c.head_dim, want.head_dim);
    EXPECT_EQ(c.vocab_size, want.vocab_size);
    EXPECT_EQ(c.context_length, want.context_length);
    EXPECT_EQ(c.rope_theta, want.rope_theta);
    EXPECT_EQ(c.rope_dim, want.rope_dim);
    EXPECT_EQ(c.rms_eps, want.rms_eps);
    EXPECT_FALSE(c.tied_output);
    expect_views_consistent(m);
    EXPECT_EQ(m.weights.layers[1].wq.type, t);
    EXPECT_EQ(m.weights.layers[1].attn_norm.type, DType::F32);

    ASSERT_TRUE(m.vocab.has_value());
    const VocabData& v = *m.vocab;
    ASSERT_EQ(v.tokens.size(), 300u);
    EXPECT_EQ(v.tokens[0], "<unk>");
    EXPECT_EQ(v.tokens[1], "<s>");
    EXPECT_EQ(v.tokens[2], "</s>");
    EXPECT_EQ(v.tokens[3], "<0x00>");
    EXPECT_EQ(v.tokens[258], "<0xFF>");
    EXPECT_EQ(v.token_types[3], static_cast<int32_t>(TokenType::Byte));
    EXPECT_EQ(v.token_types[259], static_cast<int32_t>(TokenType::Normal));
    EXPECT_EQ(v.bos_id, 1);
    EXPECT_EQ(v.eos_id, 2);
    EXPECT_EQ(v.unk_id, 0);
    EXPECT_EQ(v.add_bos, true);
    std::set<std::string> unique(v.tokens.begin(), v.tokens.end());
    EXPECT_EQ(unique.size(), v.tokens.size());

    // Weights: |w| <= 0.02·√3 (+ rounding), standard deviation near 0.02; norms exactly one.
    const TensorView& wg = m.weights.layers[0].w_gate;
    std::vector<float> row(static_cast<size_t>(wg.cols()));
    double sq = 0;
    for (int64_t r = 0; r < wg.rows(); ++r) {
      dequantize_row(wg.type, wg.row_ptr(r), row.data(), wg.cols());
      for (float x : row) {
        ASSERT_LE(std::fabs(x), 0.0348f);
        sq += static_cast<double>(x) * x;
      }
    }
    EXPECT_NEAR(std::sqrt(sq / static_cast<double>(wg.numel())), 0.02, 0.002);
    const auto* norm = static_cast<const float*>(m.weights.layers[1].ffn_norm.data);
    for (int i = 0; i < 64; ++i) ASSERT_EQ(norm[i], 1.f);
  }
}

TEST(ModelLoading, RandomLlamaGgufIsDeterministicAndTies) {
  test::TempDir dir("model");
  ModelConfig c = small_config();
  write_random_llama_gguf(dir.file("a.gguf"), c, DType::F16, 7);
  write_random_llama_gguf(dir.file("b.gguf"), c, DType::F16, 7);
  write_random_llama_gguf(dir.file("c.gguf"), c, DType::F16, 8);
  const auto bytes = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  EXPECT_EQ(bytes(dir.file("a.gguf")), bytes(dir.file("b.gguf")));
  EXPECT_NE(bytes(dir.file("a.gguf")), bytes(dir.file("c.gguf")));

  c.tied_output = true;
  write_random_llama_gguf(dir.file("tied.gguf"), c, DType::BF16, 7);
  const Model m = load_model(dir.file("tied.gguf"));
  EXPECT_TRUE(m.config.tied_output);
  EXPECT_EQ(m.weights.output.data, m.weights.token_embd.data);
  EXPECT_EQ(GgufFile::open(dir.file("tied.gguf")).find_tensor("output.weight"), nullptr);

  // Shapes the writer cannot produce are errors, not files.
  ModelConfig bad = small_config();
  bad.vocab_size = 100;  // no room for the 259 special and byte tokens
  EXPECT_THROW(write_random_llama_gguf(dir.file("bad.gguf"), bad, DType::F32, 1), Error);
  bad = small_config();
  bad.hidden_dim = 100;  // Q8_0 rows of ffn_down need a multiple of 32
  EXPECT_THROW(write_random_llama_gguf(dir.file("bad.gguf"), bad, DType::Q8_0, 1), Error);
  EXPECT_FALSE(fs::exists(dir.file("bad.gguf")));
  EXPECT_FALSE(fs::exists(dir.file("bad.gguf.tmp")));
}

}  // namespace
}  // namespace hogwild
