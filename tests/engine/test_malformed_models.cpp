// Untrusted model files: a corpus of corrupted GGUF and llama2.c files, generated here from the real fixtures.
// Every one must be refused with a hogwild::ModelError naming the file — never another exception, a crash or
// an absurd allocation (the sanitizer build runs this too).
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <typeinfo>

#include "common/error.h"
#include "fixtures.h"
#include "temp_dir.h"
#include "model/gguf_file.h"
#include "model/gguf_writer.h"
#include "model/model.h"
#include "model/model_loaders.h"

namespace hogwild {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;


Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void put_u32(Bytes& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
void put_u64(Bytes& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }
void put_i32(Bytes& b, size_t at, int32_t v) { std::memcpy(b.data() + at, &v, 4); }

// Position just after a GGUF string (uint64 length + bytes) equal to `s`: for a key, its value type; for a
// tensor name, its n_dims.
size_t after_string(const Bytes& b, const std::string& s) {
  const uint64_t n = s.size();
  std::string needle(reinterpret_cast<const char*>(&n), 8);
  needle += s;
  const auto it = std::search(b.begin(), b.end(), needle.begin(), needle.end());
  if (it == b.end()) {
    ADD_FAILURE() << "string '" << s << "' not found";
    return 0;
  }
  return static_cast<size_t>(it - b.begin()) + needle.size();
}

// Loads `bytes` as the file `name`; returns the ModelError message ("" and a test failure otherwise).
std::string load_error(const test::TempDir& dir, const std::string& name, const Bytes& bytes) {
  const std::string path = dir.file(name);
  write_all(path, bytes);
  try {
    load_model(path);
    ADD_FAILURE() << name << ": loaded without error";
  } catch (const ModelError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(name), std::string::npos) << "message does not name the file: " << msg;
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << name << ": threw " << typeid(e).name() << " instead of ModelError: " << e.what();
  }
  return "";
}

#define EXPECT_LOAD_ERROR(name, bytes, substring)                                             \
  do {                                                                                        \
    const std::string msg_ = load_error(dir, name, bytes);                                    \
    EXPECT_NE(msg_.find(substring), std::string::npos) << (name) << ": got \"" << msg_ << "\""; \
  } while (0)

class MalformedModels : public ::testing::Test {
 protected:
  void SetUp() override {
    gguf = read_all(test::fixture("stories260K-gguf/stories260K.gguf"));
    bin = read_all(test::fixture("stories260K/stories260K.bin"));
    ASSERT_EQ(gguf.size(), 1185376u);
    ASSERT_EQ(bin.size(), 1056540u);
  }
  test::TempDir dir{"malformed"};
  Bytes gguf, bin;
};

// Truncation at every offset of the header region and at a stride through the weights, done in place with
// resize_file (shrinking only) so the corpus costs no rewrites.
void expect_truncations_fail(const test::TempDir& dir, const std::string& name, const Bytes& full, size_t every_below, size_t stride) {
  const std::string path = dir.file(name);
  write_all(path, full);
  std::vector<size_t> sizes;
  for (size_t n = full.size() - 1; n > every_below; n = n > stride ? n - stride : 0) sizes.push_back(n);
  for (size_t n = std::min(every_below, full.size() - 1) + 1; n-- > 0;) sizes.push_back(n);
  int failures = 0;
  for (size_t n : sizes) {
    fs::resize_file(path, n);
    try {
      load_model(path);
      if (failures++ < 5) ADD_FAILURE() << name << " truncated to " << n << " bytes loaded without error";
    } catch (const ModelError& e) {
      if (std::string(e.what()).find(name) == std::string::npos && failures++ < 5) {
        ADD_FAILURE() << "message does not name the file: " << e.what();
      }
    } catch (const std::exception& e) {
      if (failures++ < 5) ADD_FAILURE() << name << " truncated to " << n << ": " << typeid(e).name() << ": " << e.what();
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_GT(sizes.size(), every_below);
}

TEST_F(MalformedModels, TruncatedGguf) {
  expect_truncations_fail(dir, "truncated.gguf", gguf, /*data section starts at*/ 14176, 4099);
  Bytes head(gguf.begin(), gguf.begin() + 12);
  EXPECT_LOAD_ERROR("short.gguf", head, "short.gguf: truncated header (file is 12 bytes, need 24)");
  Bytes cut(gguf.begin(), gguf.end() - 1);
  EXPECT_LOAD_ERROR("cut.gguf", cut, "extends past end of file");
}

TEST_F(MalformedModels, TruncatedLlama2c) {
  expect_truncations_fail(dir, "truncated.bin", bin, 256, 1021);
  Bytes cut(bin.begin(), bin.end() - 1);
  EXPECT_LOAD_ERROR("cut.bin", cut, "cut.bin: truncated: need 1056540 bytes, file has 1056539");
  EXPECT_LOAD_ERROR("empty.bin", Bytes{}, "too small for a llama2.c checkpoint (file is 0 bytes");
  const std::string text = "hello, this is not a model file at all\n";
  EXPECT_LOAD_ERROR("text.txt", Bytes(text.begin(), text.end()), "bad llama2.c header");
}

TEST_F(MalformedModels, GgufHeader) {
  Bytes b = gguf;
  b[3] = 'X';
  EXPECT_LOAD_ERROR("magic.gguf", b, "magic.gguf");  // not GGUF, so read as llama2.c, whose header is absurd
  try {
    GgufFile::open(dir.file("magic.gguf"));
    ADD_FAILURE() << "bad magic accepted";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("magic.gguf: bad magic (not a GGUF file)"), std::string::npos) << e.what();
  }
  b = gguf;
  std::memcpy(b.data(), "tjgg", 4);
  EXPECT_LOAD_ERROR("ggjt.bin", b, "old llama.cpp GGJT format is not supported");

  b = gguf;
  put_u32(b, 4, 1);
  EXPECT_LOAD_ERROR("v1.gguf", b, "v1.gguf: unsupported GGUF version 1");
  put_u32(b, 4, 99);
  EXPECT_LOAD_ERROR("v99.gguf", b, "v99.gguf: unsupported GGUF version 99");
  put_u32(b, 4, 0x03000000);
  EXPECT_LOAD_ERROR("bigendian.gguf", b, "big-endian GGUF files are not supported");

  b = gguf;
  put_u64(b, 8, uint64_t{1} << 60);
  EXPECT_LOAD_ERROR("ntensors.gguf", b, "absurd tensor count 1152921504606846976");
  b = gguf;
  put_u64(b, 16, uint64_t{1} << 40);
  EXPECT_LOAD_ERROR("nkv.gguf", b, "absurd metadata count 1099511627776");
  b = gguf;
  put_u64(b, 16, 20);  // one more pair than there is: the first tensor info is read as a key/value
  EXPECT_LOAD_ERROR("nkv20.gguf", b, "nkv20.gguf");
  b = gguf;
  put_u64(b, 8, 49);  // one more tensor than there is: the padding is read as a tensor info
  EXPECT_LOAD_ERROR("nt49.gguf", b, "nt49.gguf");
}

TEST_F(MalformedModels, GgufMetadata) {
  Bytes b = gguf;
  put_u64(b, 24, uint64_t{1} << 62);  // the first key's length
  EXPECT_LOAD_ERROR("keylen.gguf", b, "key of metadata pair 0 has length 4611686018427387904 but only");
  b = gguf;
  put_u64(b, 24, 0);
  EXPECT_LOAD_ERROR("emptykey.gguf", b, "emptykey.gguf");

  const size_t tokens = after_string(gguf, "tokenizer.ggml.tokens");  // type (9), element type, count
  b = gguf;
  put_u64(b, tokens + 8, uint64_t{1} << 58);
  EXPECT_LOAD_ERROR("arraycount.gguf", b, "metadata key 'tokenizer.ggml.tokens' has array count 288230376151711744 but only");
  b = gguf;
  put_u64(b, tokens + 8, 600);  // plausible count: the following pairs are misread as strings
  EXPECT_LOAD_ERROR("arraycount600.gguf", b, "arraycount600.gguf");
  b = gguf;
  put_u32(b, tokens + 4, 99);
  EXPECT_LOAD_ERROR("elemtype.gguf", b, "metadata key 'tokenizer.ggml.tokens' has invalid array element type 99");
  b = gguf;
  put_u64(b, tokens + 16, uint64_t{1} << 50);  // the first token's length
  EXPECT_LOAD_ERROR("strlen.gguf", b, "has length 1125899906842624 but only");

  b = gguf;
  put_u32(b, after_string(gguf, "general.name"), 13);
  EXPECT_LOAD_ERROR("valuetype.gguf", b, "metadata key 'general.name' has invalid value type 13");
  b = gguf;
  const size_t eos = after_string(gguf, "tokenizer.ggml.eos_token_id");
  b[eos - 12] = 'b';  // "eos_token_id" -> "bos_token_id"
  EXPECT_LOAD_ERROR("dupkey.gguf", b, "duplicate metadata key 'tokenizer.ggml.bos_token_id'");

  b = gguf;
  const size_t arch = after_string(gguf, "general.architecture");
  std::memcpy(b.data() + arch + 4 + 8, "mamba", 5);
  EXPECT_LOAD_ERROR("arch.gguf", b, "arch.gguf: unsupported architecture 'mamba'");
  b = gguf;
  put_u32(b, after_string(gguf, "llama.block_count") + 4, 0);
  EXPECT_LOAD_ERROR("layers0.gguf", b, "llama.block_count = 0 is out of range");
  b = gguf;
  put_u32(b, after_string(gguf, "llama.embedding_length") + 4, 1u << 30);
  EXPECT_LOAD_ERROR("dimhuge.gguf", b, "llama.embedding_length = 1073741824 is out of range");
  b = gguf;
  put_u32(b, after_string(gguf, "llama.attention.head_count_kv") + 4, 3);
  EXPECT_LOAD_ERROR("kvheads.gguf", b, "head_count_kv 3 does not divide head_count 8");
  b = gguf;
  put_u32(b, after_string(gguf, "llama.attention.head_count") + 4, 12);
  EXPECT_LOAD_ERROR("heads.gguf", b, "head_count 12 does not divide embedding_length 64");
  b = gguf;
  b[after_string(gguf, "llama.context_length") - 1] = 'X';
  EXPECT_LOAD_ERROR("noctx.gguf", b, "missing metadata key 'llama.context_length'");
}

TEST_F(MalformedModels, GgufTensorInfos) {
  const size_t embd = after_string(gguf, "token_embd.weight");  // n_dims, dims[2], type, offset
  Bytes b = gguf;
  put_u32(b, embd, 5);
  EXPECT_LOAD_ERROR("ndims5.gguf", b, "tensor 'token_embd.weight' has n_dims 5 (must be 1..4)");
  put_u32(b, embd, 0);
  EXPECT_LOAD_ERROR("ndims0.gguf", b, "tensor 'token_embd.weight' has n_dims 0");
  b = gguf;
  put_u64(b, embd + 4, 0);
  EXPECT_LOAD_ERROR("dim0.gguf", b, "tensor 'token_embd.weight' has invalid dimension 0");
  b = gguf;
  put_u64(b, embd + 4, ~uint64_t{0});
  EXPECT_LOAD_ERROR("dimneg.gguf", b, "has invalid dimension 18446744073709551615");
  b = gguf;
  put_u64(b, embd + 4, uint64_t{1} << 40);
  put_u64(b, embd + 12, uint64_t{1} << 40);
  EXPECT_LOAD_ERROR("dimoverflow.gguf", b, "tensor 'token_embd.weight' has dims whose product overflows");
  b = gguf;
  put_u64(b, embd + 4, uint64_t{1} << 32);
  EXPECT_LOAD_ERROR("dimhuge.gguf", b, "tensor 'token_embd.weight' extends past end of file");
  b = gguf;
  put_u32(b, embd + 20, 77);
  EXPECT_LOAD_ERROR("type77.gguf", b, "tensor 'token_embd.weight' has unknown tensor type id 77");

  const size_t out = after_string(gguf, "output.weight");
  b = gguf;
  put_u64(b, out + 24, (gguf.size() + 31) / 32 * 32);
  EXPECT_LOAD_ERROR("pastend.gguf", b, "tensor 'output.weight' extends past end of file (offset ");
  b = gguf;
  put_u64(b, out + 24, ~uint64_t{31});  // aligned, and data offset + offset overflows 64 bits
  EXPECT_LOAD_ERROR("offsetwrap.gguf", b, "tensor 'output.weight' extends past end of file");
  b = gguf;
  uint64_t off;
  std::memcpy(&off, gguf.data() + out + 24, 8);
  put_u64(b, out + 24, off + 4);
  EXPECT_LOAD_ERROR("misaligned.gguf", b, "that is not a multiple of the alignment 32");

  const size_t q0 = after_string(gguf, "blk.0.attn_q.weight");
  b = gguf;
  put_u32(b, q0 + 20, 20);  // IQ4_NL: known to ggml, not computed with
  EXPECT_LOAD_ERROR("iq4_nl.gguf", b, "tensor 'blk.0.attn_q.weight' has unsupported tensor type IQ4_NL");
  put_u32(b, q0 + 20, ggml_type::Q4_K);
  EXPECT_LOAD_ERROR("q4_k_row.gguf", b, "is not a multiple of the Q4_K block size 256");
  b = gguf;
  b[q0 - 8] = 'k';  // "blk.0.attn_q.weight" -> "blk.0.attn_k.weight"
  EXPECT_LOAD_ERROR("duptensor.gguf", b, "duplicate tensor name 'blk.0.attn_k.weight'");
  b = gguf;
  b[after_string(gguf, "blk.2.ffn_up.weight") - 8] = 'X';
  EXPECT_LOAD_ERROR("missing.gguf", b, "missing.gguf: missing tensor 'blk.2.ffn_up.weight'");

  const size_t q3 = after_string(gguf, "blk.3.attn_q.weight");
  b = gguf;
  put_u64(b, q3 + 12, 32);
  EXPECT_LOAD_ERROR("dims.gguf", b, "tensor 'blk.3.attn_q.weight' has dims [64,32], expected [64,64]");
  b = gguf;
  put_u32(b, q3, 1);  // [64] then the second dim is read as the type: unknown
  EXPECT_LOAD_ERROR("dims1.gguf", b, "dims1.gguf");
}

// Rebuilds stories260K.gguf through the writer, so metadata can be changed structurally.
GgufWriter rewrite(const std::string& path) {
  const GgufFile f = GgufFile::open(path);
  GgufWriter w(f.alignment());
  for (const GgufKeyValue& kv : f.metadata()) w.set(kv.key, kv.value);
  for (const GgufTensorInfo& t : f.tensors()) {
    const auto* p = static_cast<const uint8_t*>(f.tensor_data(t));
    w.add_tensor_raw(t.name, t.ggml_type, t.dims, Bytes(p, p + t.nbytes));
  }
  return w;
}

TEST_F(MalformedModels, GgufStructure) {
  const std::string src = test::fixture("stories260K-gguf/stories260K.gguf");
  const GgufFile f = GgufFile::open(src);
  EXPECT_NO_THROW(load_model_file(std::make_shared<const MappedFile>("rewritten.gguf", rewrite(src).to_bytes())));

  GgufWriter w = rewrite(src);
  auto tokens = *f.get_string_array("tokenizer.ggml.tokens");
  tokens.pop_back();
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  EXPECT_LOAD_ERROR("ntokens.gguf", w.to_bytes(), "tokenizer.ggml.scores has 512 entries but there are 511 tokens");
  auto scores = *f.get_float_array("tokenizer.ggml.scores");
  auto types = *f.get_int_array("tokenizer.ggml.token_type");
  w.set("tokenizer.ggml.scores", GgufValue::of_float_array(GgufType::Float32, {scores.begin(), scores.end() - 1}));
  w.set("tokenizer.ggml.token_type", GgufValue::of_int_array(GgufType::Int32, {types.begin(), types.end() - 1}));
  EXPECT_LOAD_ERROR("ntokens2.gguf", w.to_bytes(), "tensor 'token_embd.weight' has dims [64,512], expected [64,511]");
  w.set_uint32("llama.vocab_size", 512);
  EXPECT_LOAD_ERROR("ntokens3.gguf", w.to_bytes(), "vocabulary has 511 tokens but the model's vocab_size is 512");

  w = rewrite(src);
  types[5] = 9;
  w.set("tokenizer.ggml.token_type", GgufValue::of_int_array(GgufType::Int32, types));
  EXPECT_LOAD_ERROR("tokentype.gguf", w.to_bytes(), "token 5 has invalid token type 9");
  w = rewrite(src);
  w.set_string_array("tokenizer.ggml.tokens", {});
  EXPECT_LOAD_ERROR("notokens.gguf", w.to_bytes(), "vocabulary has no tokens");
  w = rewrite(src);
  w.set_string("llama.block_count", "five");
  EXPECT_LOAD_ERROR("keytype.gguf", w.to_bytes(), "metadata key 'llama.block_count' has type string, expected an integer");
  w = rewrite(src);
  w.set_float32("llama.attention.layer_norm_rms_epsilon", NAN);
  EXPECT_LOAD_ERROR("eps.gguf", w.to_bytes(), "layer_norm_rms_epsilon");
  w = rewrite(src);
  w.set_uint32("llama.rope.dimension_count", 9);
  EXPECT_LOAD_ERROR("ropedim.gguf", w.to_bytes(), "llama.rope.dimension_count = 9 is out of range (2..8)");

  for (uint32_t a : {0u, 48u}) {
    w = rewrite(src);
    w.set_uint32("general.alignment", a);
    EXPECT_LOAD_ERROR("align" + std::to_string(a) + ".gguf", w.to_bytes(),
                      "general.alignment " + std::to_string(a) + " is not a power of two");
  }
  // Alignment 1 is legal GGUF, but F32 data at an odd address is not usable: refused cleanly.
  for (int pad = 0; pad < 4; ++pad) {
    GgufWriter one = rewrite(src);
    one.set_uint32("general.alignment", 1);
    one.set_string("padding", std::string(static_cast<size_t>(pad), 'x'));
    const Bytes bytes = one.to_bytes();
    if (GgufFile(std::make_shared<const MappedFile>("probe", bytes)).data_offset() % 4 == 0) continue;
    EXPECT_LOAD_ERROR("align1.gguf", bytes, "data is not 4-byte aligned (general.alignment 1)");
    break;
  }

  GgufValue deep = GgufValue::of_int_array(GgufType::Int32, {1});
  for (int i = 0; i < 12; ++i) deep = GgufValue::of_array_array({deep});
  w = rewrite(src);
  w.set("deep", deep);
  EXPECT_LOAD_ERROR("deep.gguf", w.to_bytes(), "nests arrays deeper than 8 levels");
  w = rewrite(src);
  w.set_bool("flag", true);
  Bytes b = w.to_bytes();
  b[after_string(b, "flag") + 4] = 2;
  EXPECT_LOAD_ERROR("bool.gguf", b, "metadata key 'flag' has invalid bool value 2");

  // A known but unsupported quantization on a row length it allows.
  GgufWriter q;
  q.set_string("general.architecture", "llama");
  q.set_uint32("llama.embedding_length", 256);
  q.set_uint32("llama.block_count", 1);
  q.set_uint32("llama.attention.head_count", 4);
  q.set_uint32("llama.feed_forward_length", 256);
  q.set_uint32("llama.context_length", 64);
  q.set_uint32("llama.vocab_size", 300);
  q.add_tensor_f32("token_embd.weight", DType::F32, {256, 300}, std::vector<float>(256 * 300, 0.f));
  q.add_tensor_f32("output_norm.weight", DType::F32, {256}, std::vector<float>(256, 1.f));
  q.add_tensor_f32("blk.0.attn_norm.weight", DType::F32, {256}, std::vector<float>(256, 1.f));
  q.add_tensor_raw("blk.0.attn_q.weight", ggml_type::Q3_K, {256, 256}, Bytes(256 * 110, 0));
  EXPECT_LOAD_ERROR("q3k.gguf", q.to_bytes(), "q3k.gguf: tensor 'blk.0.attn_q.weight' has unsupported tensor type Q3_K");
}

TEST_F(MalformedModels, Llama2cHeader) {
  struct Case {
    int field;  // 0 dim, 1 hidden_dim, 2 n_layers, 3 n_heads, 4 n_kv_heads, 5 vocab_size, 6 seq_len
    int32_t value;
    const char* expected;
  };
  const Case cases[] = {
      {0, 0, "bad llama2.c header: dim = 0 is out of range"},
      {0, -64, "bad llama2.c header: dim = -64 is out of range"},
      {0, 1 << 30, "bad llama2.c header: dim = 1073741824 is out of range"},
      {0, 72, "head size 9 is odd"},
      {0, 128, "truncated: need"},
      {1, 0, "hidden_dim = 0 is out of range"},
      {1, -1, "hidden_dim = -1 is out of range"},
      {1, INT_MAX, "hidden_dim = 2147483647 is out of range"},
      {1, 173, "truncated: need"},
      {2, 0, "n_layers = 0 is out of range"},
      {2, 2000, "n_layers = 2000 is out of range"},
      {2, 6, "truncated: need"},
      {3, 0, "n_heads = 0 is out of range"},
      {3, 65, "n_heads = 65 is out of range (1..64)"},
      {3, 7, "n_heads = 7 does not divide dim = 64"},
      {4, 0, "n_kv_heads = 0 is out of range"},
      {4, 9, "n_kv_heads = 9 is out of range (1..8)"},
      {4, 3, "n_kv_heads = 3 does not divide n_heads = 8"},
      {5, 0, "vocab_size = 0 is out of range"},
      {5, INT_MIN, "vocab_size = -2147483648 is out of range"},
      {5, 1 << 30, "vocab_size = 1073741824 is out of range"},
      {5, -(1 << 30), "vocab_size = -1073741824 is out of range"},
      {5, -512, "truncated: need 1187612 bytes, file has 1056540"},  // negative: a separate classifier follows
      {6, 0, "seq_len = 0 is out of range"},
      {6, -1, "seq_len = -1 is out of range"},
      {6, 1 << 20, "truncated: need"},
  };
  const char* fields[] = {"dim", "hidden", "layers", "heads", "kvheads", "vocab", "seqlen"};
  for (const Case& c : cases) {
    Bytes b = bin;
    put_i32(b, static_cast<size_t>(c.field) * 4, c.value);
    EXPECT_LOAD_ERROR(std::string("hdr_") + fields[c.field] + "_" + std::to_string(c.value) + ".bin", b, c.expected);
  }
  // A file with extra bytes at the end still loads (run.c ignores them too).
  Bytes longer = bin;
  longer.resize(bin.size() + 100, 0);
  write_all(dir.file("longer.bin"), longer);
  EXPECT_NO_THROW(load_model(dir.file("longer.bin")));
}

// A metadata array that fits in the file but would grow past the parse budget in memory (70M uint8 elements
// become 560 MB of int64): refused before the allocation.
TEST_F(MalformedModels, MetadataMemoryBudget) {
  const uint64_t n = 70'000'000;
  Bytes b(4 + 4 + 8 + 8 + 8 + 3 + 4 + 4 + 8, 0);
  std::memcpy(b.data(), "GGUF", 4);
  put_u32(b, 4, 3);
  put_u64(b, 8, 0);       // tensors
  put_u64(b, 16, 1);      // metadata pairs
  put_u64(b, 24, 3);      // key length
  std::memcpy(b.data() + 32, "big", 3);
  put_u32(b, 35, static_cast<uint32_t>(GgufType::Array));
  put_u32(b, 39, static_cast<uint32_t>(GgufType::Uint8));
  put_u64(b, 43, n);
  b.resize(b.size() + n, 0);
  try {
    GgufFile f(std::make_shared<const MappedFile>("budget.gguf", std::move(b)));
    ADD_FAILURE() << "parsed";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("budget.gguf: metadata key 'big' needs more than 512 MiB"), std::string::npos) << e.what();
  }
}

// Random corruption of header bytes: each file loads or is refused with ModelError; nothing else may happen.
TEST_F(MalformedModels, RandomHeaderCorruption) {
  std::mt19937_64 rng(20240611);
  int loaded = 0, refused = 0;
  for (int iter = 0; iter < 400; ++iter) {
    const bool use_gguf = iter % 4 != 3;
    Bytes b = use_gguf ? gguf : bin;
    const size_t region = use_gguf ? 14176 : 28;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) b[rng() % region] ^= static_cast<uint8_t>(1u << (rng() % 8));
    const std::string name = "fuzz" + std::to_string(iter) + (use_gguf ? ".gguf" : ".bin");
    try {
      load_model_file(std::make_shared<const MappedFile>(name, std::move(b)));
      ++loaded;
    } catch (const ModelError& e) {
      ++refused;
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << ": " << typeid(e).name() << ": " << e.what();
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_EQ(loaded + refused, 400);
}

}  // namespace
}  // namespace hogwild
