// GGUF reader/writer: a round trip of every metadata type, tensor data and alignment; the real fixtures.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"
#include "fixtures.h"
#include "temp_dir.h"
#include "model/gguf_file.h"
#include "model/gguf_vocab.h"
#include "model/gguf_writer.h"
#include "model/model.h"

namespace hogwild {
namespace {

namespace fs = std::filesystem;


std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every scalar type at its extremes, every array element type, nested and empty arrays.
std::vector<std::pair<std::string, GgufValue>> all_values() {
  using T = GgufType;
  std::vector<std::pair<std::string, GgufValue>> kv;
  kv.emplace_back("t.u8", GgufValue::of_int(T::Uint8, 255));
  kv.emplace_back("t.i8", GgufValue::of_int(T::Int8, -128));
  kv.emplace_back("t.u16", GgufValue::of_int(T::Uint16, 65535));
  kv.emplace_back("t.i16", GgufValue::of_int(T::Int16, -32768));
  kv.emplace_back("t.u32", GgufValue::of_int(T::Uint32, 4294967295ll));
  kv.emplace_back("t.i32", GgufValue::of_int(T::Int32, -2147483647 - 1));
  kv.emplace_back("t.u64", GgufValue::of_uint64(18446744073709551615ull));
  kv.emplace_back("t.i64", GgufValue::of_int(T::Int64, INT64_MIN));
  kv.emplace_back("t.f32", GgufValue::of_float32(-1.5e-7f));
  kv.emplace_back("t.f64", GgufValue::of_float64(3.25e300));
  kv.emplace_back("t.bool_true", GgufValue::of_bool(true));
  kv.emplace_back("t.bool_false", GgufValue::of_bool(false));
  kv.emplace_back("t.string", GgufValue::of_string("h\xC3\xA9llo \xE2\x96\x81world"));
  kv.emplace_back("t.string_empty", GgufValue::of_string(""));
  kv.emplace_back("t.string_nul", GgufValue::of_string(std::string("a\0b", 3)));
  kv.emplace_back("a.u8", GgufValue::of_int_array(T::Uint8, {0, 1, 255}));
  kv.emplace_back("a.i8", GgufValue::of_int_array(T::Int8, {-128, 0, 127}));
  kv.emplace_back("a.u16", GgufValue::of_int_array(T::Uint16, {65535, 7}));
  kv.emplace_back("a.i16", GgufValue::of_int_array(T::Int16, {-32768, 32767}));
  kv.emplace_back("a.u32", GgufValue::of_int_array(T::Uint32, {4294967295ll, 0}));
  kv.emplace_back("a.i32", GgufValue::of_int_array(T::Int32, {-5, 6, 7}));
  kv.emplace_back("a.u64", GgufValue::of_uint64_array({1, 18446744073709551615ull}));
  kv.emplace_back("a.i64", GgufValue::of_int_array(T::Int64, {INT64_MIN, INT64_MAX}));
  kv.emplace_back("a.f32", GgufValue::of_float_array(T::Float32, {0.5, -2.0, 1e30}));
  kv.emplace_back("a.f64", GgufValue::of_float_array(T::Float64, {1e-300, 2.5}));
  kv.emplace_back("a.bool", GgufValue::of_int_array(T::Bool, {1, 0, 1}));
  kv.emplace_back("a.string", GgufValue::of_string_array({"<unk>", "", "\xE2\x96\x81" "a"}));
  kv.emplace_back("a.empty", GgufValue::of_int_array(T::Int32, {}));
  kv.emplace_back("a.nested", GgufValue::of_array_array({GgufValue::of_int_array(T::Int32, {1, 2}),
                                                         GgufValue::of_string_array({"x"}),
                                                         GgufValue::of_array_array({GgufValue::of_float_array(T::Float32, {4})}),
                                                         GgufValue::of_int_array(T::Uint8, {})}));
  return kv;
}

TEST(Gguf, RoundTripsEveryValueTypeTensorsAndAlignment) {
  test::TempDir dir("gguf");
  const std::string path = dir.file("roundtrip.gguf");
  GgufWriter w(64);
  const auto kv = all_values();
  for (const auto& [k, v] : kv) w.set(k, v);

  std::vector<float> f32(4 * 3);
  for (size_t i = 0; i < f32.size(); ++i) f32[i] = 0.25f * static_cast<float>(i) - 1.f;
  std::vector<float> q(64 * 2);
  for (size_t i = 0; i < q.size(); ++i) q[i] = std::sin(static_cast<float>(i));
  w.add_tensor_f32("a.f32", DType::F32, {4, 3}, f32);
  w.add_tensor_f32("b.f16", DType::F16, {4, 3}, f32);
  w.add_tensor_f32("c.bf16", DType::BF16, {12}, f32);
  w.add_tensor_f32("d.q8_0", DType::Q8_0, {64, 2}, q);
  std::vector<uint8_t> q4k(144 * 2);
  for (size_t i = 0; i < q4k.size(); ++i) q4k[i] = static_cast<uint8_t>(i * 7);
  w.add_tensor_raw("e.q4_k", ggml_type::Q4_K, {256, 2}, q4k);
  w.add_tensor("f.filled", DType::F32, {3, 5}, [](int64_t r0, int64_t n, void* dst) {
    auto* out = static_cast<float*>(dst);
    for (int64_t r = 0; r < n; ++r)
      for (int c = 0; c < 3; ++c) out[r * 3 + c] = static_cast<float>((r0 + r) * 10 + c);
  });
  w.write(path);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(read_all(path), w.to_bytes());

  const GgufFile f = GgufFile::open(path);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.data_offset() % 64, 0u);
  ASSERT_EQ(f.metadata().size(), kv.size() + 1);  // + general.alignment, written first
  EXPECT_EQ(f.metadata()[0].key, "general.alignment");
  EXPECT_EQ(f.get_int("general.alignment"), 64);
  for (size_t i = 0; i < kv.size(); ++i) {
    EXPECT_EQ(f.metadata()[i + 1].key, kv[i].first);
    const GgufValue* v = f.find(kv[i].first);
    ASSERT_NE(v, nullptr) << kv[i].first;
    GgufValue expected = kv[i].second;
    if (expected.type == GgufType::Float32) expected.f64 = static_cast<float>(expected.f64);
    if (kv[i].first == "a.f32") expected.floats = {0.5, -2.0, static_cast<double>(1e30f)};
    EXPECT_TRUE(*v == expected) << kv[i].first;
  }
  // Typed getters, their conversions and their type errors.
  EXPECT_EQ(f.get_int("t.i8"), -128);
  EXPECT_EQ(f.get_int("t.u32"), 4294967295ll);
  EXPECT_EQ(f.get_float("t.i32"), -2147483648.0);
  EXPECT_EQ(f.get_bool("t.bool_true"), true);
  EXPECT_EQ(f.get_string("t.string_nul"), std::string("a\0b", 3));
  EXPECT_EQ(f.get_int("missing"), std::nullopt);
  EXPECT_EQ(f.get_string_array("a.string")->size(), 3u);
  EXPECT_EQ(*f.get_int_array("a.i64"), (std::vector<int64_t>{INT64_MIN, INT64_MAX}));
  EXPECT_THROW(f.get_int_array("a.u64"), ModelError);  // an element above INT64_MAX
  EXPECT_EQ((*f.get_float_array("a.i32"))[2], 7.0);
  EXPECT_THROW(f.get_int("t.string"), ModelError);
  EXPECT_THROW(f.get_int("t.u64"), ModelError);  // above INT64_MAX
  EXPECT_THROW(f.get_string("t.u8"), ModelError);
  EXPECT_THROW(f.get_string_array("a.i32"), ModelError);
  try {
    f.get_int("a.nested");
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("roundtrip.gguf: metadata key 'a.nested' has type array of array"), std::string::npos) << e.what();
  }

  ASSERT_EQ(f.tensors().size(), 6u);
  const char* names[] = {"a.f32", "b.f16", "c.bf16", "d.q8_0", "e.q4_k", "f.filled"};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(f.tensors()[i].name, names[i]);
    EXPECT_EQ(f.tensors()[i].offset % 64, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(f.tensor_data(f.tensors()[i])) % 64, 0u);
  }
  const GgufTensorInfo* a = f.find_tensor("a.f32");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dims, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(a->nbytes, 48u);
  EXPECT_EQ(std::memcmp(f.tensor_data(*a), f32.data(), 48), 0);
  const GgufTensorInfo* h = f.find_tensor("b.f16");
  const GgufTensorInfo* b = f.find_tensor("c.bf16");
  std::vector<float> back(12);
  dequantize_row(DType::F16, f.tensor_data(*h), back.data(), 12);
  EXPECT_EQ(back, f32);  // multiples of 0.25 in [-1, 2] are exact in f16 and bf16
  dequantize_row(DType::BF16, f.tensor_data(*b), back.data(), 12);
  EXPECT_EQ(back, f32);
  const GgufTensorInfo* q8 = f.find_tensor("d.q8_0");
  EXPECT_EQ(q8->ggml_type, ggml_type::Q8_0);
  EXPECT_EQ(q8->nbytes, 2u * 2 * 34);
  std::vector<float> qback(128);
  dequantize_row(DType::Q8_0, f.tensor_data(*q8), qback.data(), 128);
  for (size_t i = 0; i < 128; ++i) EXPECT_NEAR(qback[i], q[i], 1.0 / 127 * 0.51 + 1e-6);
  const GgufTensorInfo* k = f.find_tensor("e.q4_k");
  EXPECT_EQ(k->ggml_type, ggml_type::Q4_K);
  EXPECT_EQ(k->nbytes, 288u);
  EXPECT_EQ(std::memcmp(f.tensor_data(*k), q4k.data(), 288), 0);
  const GgufTensorInfo* filled = f.find_tensor("f.filled");
  const auto* fv = static_cast<const float*>(f.tensor_data(*filled));
  EXPECT_EQ(fv[0], 0.f);
  EXPECT_EQ(fv[4 * 3 + 2], 42.f);
  EXPECT_EQ(f.find_tensor("nope"), nullptr);
}

TEST(Gguf, TypeTable) {
  EXPECT_EQ(ggml_type_name(ggml_type::Q4_K), "Q4_K");
  EXPECT_EQ(ggml_type_name(77), "unknown type 77");
  EXPECT_EQ(ggml_type_to_dtype(ggml_type::BF16), DType::BF16);
  EXPECT_EQ(ggml_type_to_dtype(ggml_type::Q6_K), DType::Q6_K);
  EXPECT_EQ(ggml_type_to_dtype(ggml_type::Q2_K), std::nullopt);
  EXPECT_EQ(ggml_type_traits(ggml_type::Q8_0).type_size, 34);
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q8_0}) EXPECT_EQ(ggml_type_to_dtype(dtype_to_ggml_type(t)), t);
}

TEST(Gguf, ReadsStories260K) {
  const GgufFile f = GgufFile::open(test::fixture("stories260K-gguf/stories260K.gguf"));
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.data_offset(), 14176u);
  EXPECT_EQ(f.metadata().size(), 19u);
  ASSERT_EQ(f.tensors().size(), 48u);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_string("general.name"), "llama");
  EXPECT_EQ(f.get_int("llama.context_length"), 2048);
  EXPECT_EQ(f.get_int("llama.embedding_length"), 64);
  EXPECT_EQ(f.get_int("llama.feed_forward_length"), 172);
  EXPECT_EQ(f.get_int("llama.attention.head_count"), 8);
  EXPECT_EQ(f.get_int("llama.attention.head_count_kv"), 4);
  EXPECT_EQ(f.get_int("llama.block_count"), 5);
  EXPECT_EQ(f.get_int("llama.rope.dimension_count"), 8);
  EXPECT_FLOAT_EQ(static_cast<float>(*f.get_float("llama.attention.layer_norm_rms_epsilon")), 1e-5f);
  EXPECT_EQ(f.find("llama.rope.freq_base"), nullptr);
  EXPECT_EQ(f.get_string("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens")->size(), 512u);
  EXPECT_EQ(f.get_float_array("tokenizer.ggml.scores")->size(), 512u);
  EXPECT_EQ(f.get_int_array("tokenizer.ggml.token_type")->size(), 512u);
  EXPECT_EQ(f.get_int("tokenizer.ggml.bos_token_id"), 1);
  EXPECT_EQ(f.get_int("tokenizer.ggml.eos_token_id"), 2);
  EXPECT_EQ(f.get_int("tokenizer.ggml.unknown_token_id"), 0);
  EXPECT_EQ(f.get_int("tokenizer.ggml.seperator_token_id"), 4294967295ll);
  const GgufTensorInfo* e = f.find_tensor("token_embd.weight");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->dims, (std::vector<int64_t>{64, 512}));
  EXPECT_EQ(e->ggml_type, ggml_type::F32);
  EXPECT_EQ(e->nbytes, 64u * 512 * 4);
  EXPECT_EQ(f.find_tensor("blk.4.ffn_down.weight")->dims, (std::vector<int64_t>{172, 64}));
  EXPECT_EQ(f.find_tensor("blk.0.attn_k.weight")->dims, (std::vector<int64_t>{64, 32}));
  for (const GgufTensorInfo& t : f.tensors()) EXPECT_EQ(t.ggml_type, ggml_type::F32) << t.name;

  const auto vocab = read_gguf_vocab(f);
  ASSERT_TRUE(vocab.has_value());
  EXPECT_EQ(vocab->tokens.size(), 512u);
  EXPECT_EQ(vocab->tokens[403], "\xE2\x96\x81Once");
  EXPECT_EQ(vocab->tokens[3], "<0x00>");
  EXPECT_EQ(vocab->token_types[3], static_cast<int32_t>(TokenType::Byte));
  EXPECT_EQ(vocab->bos_id, 1);
  EXPECT_EQ(vocab->eos_id, 2);
  EXPECT_EQ(vocab->unk_id, 0);
  EXPECT_EQ(vocab->pad_id, -1);  // 0xFFFFFFFF: none
  EXPECT_FALSE(vocab->add_bos.has_value());
}

TEST(Gguf, ReadsVocabOnlyFiles) {
  const std::string spm = test::fixture("llama2-tokenizer/ggml-vocab-llama-spm.gguf");
  const GgufFile f = GgufFile::open(spm);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.tensors().size(), 0u);
  EXPECT_EQ(f.metadata().size(), 22u);
  const VocabData v = load_gguf_vocab(spm);
  EXPECT_EQ(v.model, "llama");
  EXPECT_EQ(v.pre, "default");
  EXPECT_EQ(v.tokens.size(), 32000u);
  EXPECT_EQ(v.scores.size(), 32000u);
  EXPECT_EQ(v.add_bos, true);
  EXPECT_EQ(v.add_eos, false);
  EXPECT_EQ(v.bos_id, 1);
  // A vocab-only file is not a model.
  try {
    load_model(spm);
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("ggml-vocab-llama-spm.gguf: missing tensor 'token_embd.weight'"), std::string::npos)
        << e.what();
  }

  const std::string gpt2 = test::fixture("bpe-gguf-vocabs/ggml-vocab-gpt-2.gguf");
  const VocabData b = load_gguf_vocab(gpt2);
  EXPECT_EQ(b.model, "gpt2");
  EXPECT_EQ(b.tokens.size(), 50257u);
  EXPECT_EQ(b.merges.size(), 50000u);
  EXPECT_TRUE(b.scores.empty());
  try {
    load_model(gpt2);
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("ggml-vocab-gpt-2.gguf: unsupported architecture 'gpt2'"), std::string::npos) << e.what();
  }
}

TEST(Gguf, ReadsFromMemory) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  auto file = std::make_shared<const MappedFile>("in-memory.gguf", w.to_bytes());
  const GgufFile f(file);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.path(), "in-memory.gguf");
}

TEST(MappedFile, ReportsMissingAndEmptyFiles) {
  test::TempDir dir("gguf");
  try {
    MappedFile m(dir.file("absent.bin"));
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.bin: cannot open: No such file or directory"), std::string::npos) << e.what();
  }
  EXPECT_THROW(MappedFile m(dir.path().string()), ModelError);  // a folder
  std::ofstream(dir.file("empty.bin")).close();
  const MappedFile empty(dir.file("empty.bin"));
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.data(), nullptr);
}

}  // namespace
}  // namespace hogwild
