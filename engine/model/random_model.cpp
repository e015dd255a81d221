// write_random_llama_gguf(): random-weight llama models of real shapes, for benchmarks and tests.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "model/gguf_writer.h"

namespace hogwild {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Uniform weights with standard deviation 0.02 (half-width 0.02 * sqrt(3)). Each row has its own stream,
// seeded from (seed, tensor name, row), so the values do not depend on how the writer chunks rows.
GgufWriter::RowFiller random_rows(uint64_t seed, const std::string& name, DType type, int64_t cols) {
  const uint64_t tensor_seed = splitmix64(seed ^ fnv1a(name));
  return [=](int64_t first_row, int64_t n_rows, void* dst) {
    const float half_width = 0.02f * std::sqrt(3.0f);
    std::vector<float> row(static_cast<size_t>(cols));
    const size_t row_bytes = dtype_row_bytes(type, cols);
    for (int64_t r = 0; r < n_rows; ++r) {
      uint64_t state = splitmix64(tensor_seed + static_cast<uint64_t>(first_row + r));
      for (float& v : row) {
        state = splitmix64(state);
        const float u = static_cast<float>(state >> 40) * (1.0f / 16777216.0f);  // [0, 1), 24 bits
        v = (2.f * u - 1.f) * half_width;
      }
      void* out = static_cast<uint8_t*>(dst) + static_cast<size_t>(r) * row_bytes;
      if (!quantize_row(type, row.data(), out, cols))
      {
        std::string msg = "random model: cannot store " + name;
        msg += " (rows of " + std::to_string(cols) + " values) as ";
        msg += dtype_name(type);
        msg += ": blocks of " + std::to_string(dtype_block_size(type));
        throw Error(msg);
      }
    }
  };
}

// Filler pieces "▁a".."▁z", "▁aa", ...: distinct, SentencePiece-looking words.
std::string filler_piece(int i) {
  std::string letters;
  for (int n = i + 1; n > 0; n = (n - 1) / 26) letters.insert(letters.begin(), static_cast<char>('a' + (n - 1) % 26));
  return "\xE2\x96\x81" + letters;
}

}  // namespace

void write_random_llama_gguf(const std::string& path, const ModelConfig& cfg, DType weight_type, uint64_t seed) {
  const int head_dim = cfg.head_dim > 0 ? cfg.head_dim : (cfg.n_heads > 0 ? cfg.dim / cfg.n_heads : 0);
  const int n_kv_heads = cfg.n_kv_heads > 0 ? cfg.n_kv_heads : cfg.n_heads;
  if (cfg.dim <= 0 || cfg.hidden_dim <= 0 || cfg.n_layers <= 0 || cfg.n_heads <= 0 || head_dim <= 0 ||
      cfg.n_heads % n_kv_heads != 0 || cfg.context_length <= 0) {
    throw Error(path + ": cannot write a random model: invalid shape");
  }
  if (cfg.vocab_size < 259) throw Error(path + ": cannot write a random model: vocab_size must be >= 259");
  const int q_dim = cfg.n_heads * head_dim, kv_dim = n_kv_heads * head_dim;

  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_string("general.name", cfg.name.empty() ? "random-llama" : cfg.name);
  w.set_uint32("llama.context_length", static_cast<uint32_t>(cfg.context_length));
  w.set_uint32("llama.embedding_length", static_cast<uint32_t>(cfg.dim));
  w.set_uint32("llama.block_count", static_cast<uint32_t>(cfg.n_layers));
  w.set_uint32("llama.feed_forward_length", static_cast<uint32_t>(cfg.hidden_dim));
  w.set_uint32("llama.attention.head_count", static_cast<uint32_t>(cfg.n_heads));
  w.set_uint32("llama.attention.head_count_kv", static_cast<uint32_t>(n_kv_heads));
  w.set_uint32("llama.attention.key_length", static_cast<uint32_t>(head_dim));
  w.set_uint32("llama.attention.value_length", static_cast<uint32_t>(head_dim));
  w.set_uint32("llama.rope.dimension_count", static_cast<uint32_t>(cfg.rope_dim > 0 ? cfg.rope_dim : head_dim));
  w.set_float32("llama.rope.freq_base", cfg.rope_theta);
  w.set_float32("llama.attention.layer_norm_rms_epsilon", cfg.rms_eps);
  w.set_uint32("llama.vocab_size", static_cast<uint32_t>(cfg.vocab_size));

  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0.f, 0.f, 0.f};
  std::vector<int32_t> types = {2, 3, 3};  // unknown, control, control
  for (int b = 0; b < 256; ++b) {
    char piece[8];
    std::snprintf(piece, sizeof piece, "<0x%02X>", b);
    tokens.emplace_back(piece);
    scores.push_back(0.f);
    types.push_back(6);
  }
  for (int i = 0; static_cast<int>(tokens.size()) < cfg.vocab_size; ++i) {
    tokens.push_back(filler_piece(i));
    scores.push_back(-static_cast<float>(i));  // SentencePiece BPE scores: negative merge ranks
    types.push_back(1);
  }
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_string_array("tokenizer.ggml.tokens", std::move(tokens));
  w.set_float32_array("tokenizer.ggml.scores", scores);
  w.set_int32_array("tokenizer.ggml.token_type", types);
  w.set_uint32("tokenizer.ggml.bos_token_id", 1);
  w.set_uint32("tokenizer.ggml.eos_token_id", 2);
  w.set_uint32("tokenizer.ggml.unknown_token_id", 0);
  w.set_bool("tokenizer.ggml.add_bos_token", true);
  w.set_bool("tokenizer.ggml.add_eos_token", false);

  const auto matrix = [&](const std::string& name, int64_t in, int64_t out) {
    w.add_tensor(name, weight_type, {in, out}, random_rows(seed, name, weight_type, in));
  };
  const auto ones = [&](const std::string& name, int64_t n) {
    w.add_tensor_f32(name, DType::F32, {n}, std::vector<float>(static_cast<size_t>(n), 1.f));
  };
  matrix("token_embd.weight", cfg.dim, cfg.vocab_size);
  ones("output_norm.weight", cfg.dim);
  if (!cfg.tied_output) matrix("output.weight", cfg.dim, cfg.vocab_size);
  for (int l = 0; l < cfg.n_layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    ones(p + "attn_norm.weight", cfg.dim);
    matrix(p + "attn_q.weight", cfg.dim, q_dim);
    matrix(p + "attn_k.weight", cfg.dim, kv_dim);
    matrix(p + "attn_v.weight", cfg.dim, kv_dim);
    matrix(p + "attn_output.weight", q_dim, cfg.dim);
    ones(p + "ffn_norm.weight", cfg.dim);
    matrix(p + "ffn_gate.weight", cfg.dim, cfg.hidden_dim);
    matrix(p + "ffn_down.weight", cfg.hidden_dim, cfg.dim);
    matrix(p + "ffn_up.weight", cfg.dim, cfg.hidden_dim);
  }
  w.write(path);
}

}  // namespace hogwild
