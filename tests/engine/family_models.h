#pragma once
// Tiny random Qwen2 / Qwen3 / Llama-3 models whose every weight is a pure function of (seed, HF parameter name,
// element index), identical to tests/reference/make_family_refs.py (keep the two in sync). The tests write them as
// GGUF (llama.cpp's tensor names; Q/K rows permuted for the `llama` architecture, as convert_hf_to_gguf.py does) and as
// HF folders (config.json + safetensors, optionally sharded), and compare logits with the HF transformers reference.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/tensor.h"
#include "model/rope.h"
#include "model/gguf_writer.h"
#include "model/safetensors_file.h"

namespace hogwild::test {

struct FamilySpec {
  std::string name, model_type;
  uint64_t seed;
  int vocab, dim, hidden, layers, heads, kv_heads, head_dim;
  double theta, eps;
  bool tied, bias, qk_norm, llama3_scaling;
  // llama3 scaling params (when llama3_scaling)
  double factor = 8, low = 1, high = 4, original = 32;
};

inline void PrintTo(const FamilySpec& s, std::ostream* os) { *os << s.name; }

inline std::vector<FamilySpec> family_specs() {
  return {
      {"qwen2", "qwen2", 0x51E2, 128, 64, 96, 2, 4, 2, 16, 1e6, 1e-6, true, true, false, false},
      {"qwen3", "qwen3", 0x51E3, 128, 64, 96, 2, 4, 2, 32, 1e6, 1e-6, false, false, true, false},
      {"llama3", "llama", 0x11A3, 128, 64, 96, 2, 4, 2, 16, 500000.0, 1e-5, false, false, false, true},
  };
}

inline uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

// Element i of a parameter: splitmix64 at (fnv1a64(name) ^ seed) + (i+1)*gamma, top 24 bits u in [0,1),
// center + amp*(2u-1) in double rounded to float.
inline std::vector<float> family_values(uint64_t seed, const std::string& name, int64_t n) {
  const bool norm = name.size() >= 11 && name.compare(name.size() - 11, 11, "norm.weight") == 0;
  const double center = norm ? 1.0 : 0.0, amp = 0.1;
  const uint64_t base = fnv1a64(name) ^ seed;
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    uint64_t z = base + static_cast<uint64_t>(i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const double u = static_cast<double>(z >> 40) / static_cast<double>(1 << 24);
    v[static_cast<size_t>(i)] = static_cast<float>(center + amp * (2.0 * u - 1.0));
  }
  return v;
}

struct FamilyParam {
  std::string hf, gguf;
  std::vector<int64_t> shape;  // PyTorch order [out, in]
  int permute_heads = 0;       // llama GGUF: permute rows for interleaved RoPE with this many heads
};

inline std::vector<FamilyParam> family_params(const FamilySpec& s) {
  const int64_t q = int64_t{s.heads} * s.head_dim, kv = int64_t{s.kv_heads} * s.head_dim;
  const bool llama = s.model_type == "llama";
  std::vector<FamilyParam> p;
  p.push_back({"model.embed_tokens.weight", "token_embd.weight", {s.vocab, s.dim}});
  for (int l = 0; l < s.layers; ++l) {
    const std::string h = "model.layers." + std::to_string(l) + ".", g = "blk." + std::to_string(l) + ".";
    p.push_back({h + "input_layernorm.weight", g + "attn_norm.weight", {s.dim}});
    p.push_back({h + "self_attn.q_proj.weight", g + "attn_q.weight", {q, s.dim}, llama ? s.heads : 0});
    p.push_back({h + "self_attn.k_proj.weight", g + "attn_k.weight", {kv, s.dim}, llama ? s.kv_heads : 0});
    p.push_back({h + "self_attn.v_proj.weight", g + "attn_v.weight", {kv, s.dim}});
    if (s.bias) {
      p.push_back({h + "self_attn.q_proj.bias", g + "attn_q.bias", {q}});
      p.push_back({h + "self_attn.k_proj.bias", g + "attn_k.bias", {kv}});
      p.push_back({h + "self_attn.v_proj.bias", g + "attn_v.bias", {kv}});
    }
    p.push_back({h + "self_attn.o_proj.weight", g + "attn_output.weight", {s.dim, q}});
    if (s.qk_norm) {
      p.push_back({h + "self_attn.q_norm.weight", g + "attn_q_norm.weight", {s.head_dim}});
      p.push_back({h + "self_attn.k_norm.weight", g + "attn_k_norm.weight", {s.head_dim}});
    }
    p.push_back({h + "post_attention_layernorm.weight", g + "ffn_norm.weight", {s.dim}});
    p.push_back({h + "mlp.gate_proj.weight", g + "ffn_gate.weight", {s.hidden, s.dim}});
    p.push_back({h + "mlp.up_proj.weight", g + "ffn_up.weight", {s.hidden, s.dim}});
    p.push_back({h + "mlp.down_proj.weight", g + "ffn_down.weight", {s.dim, s.hidden}});
  }
  p.push_back({"model.norm.weight", "output_norm.weight", {s.dim}});
  if (!s.tied) p.push_back({"lm_head.weight", "output.weight", {s.vocab, s.dim}});
  return p;
}

inline int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

inline std::vector<uint8_t> encode_values(const std::vector<float>& v, DType t) {
  std::vector<uint8_t> out(dtype_row_bytes(t, static_cast<int64_t>(v.size())));
  for (size_t i = 0; i < v.size(); ++i) {
    if (t == DType::F32) {
      std::memcpy(out.data() + 4 * i, &v[i], 4);
    } else {
      const uint16_t h = t == DType::F16 ? fp32_to_fp16(v[i]) : fp32_to_bf16(v[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  }
  return out;
}

// llama.cpp's permute(): rows (h, s, j) -> (h, j, s) within each head, s in {0, 1}, j < head_dim/2.
inline std::vector<float> permute_rows(const std::vector<float>& w, int heads, int64_t rows, int64_t cols) {
  std::vector<float> out(w.size());
  const int64_t hd = rows / heads, half = hd / 2;
  for (int h = 0; h < heads; ++h) {
    for (int s = 0; s < 2; ++s) {
      for (int64_t j = 0; j < half; ++j) {
        const int64_t from = h * hd + s * half + j, to = h * hd + 2 * j + s;
        std::copy_n(w.begin() + from * cols, cols, out.begin() + to * cols);
      }
    }
  }
  return out;
}

// norms_f32: norms and biases in F32 as llama.cpp writes them; false: every tensor in `type` (as in a HF folder).
inline void write_family_gguf(const FamilySpec& s, const std::string& path, DType type, bool norms_f32 = true) {
  GgufWriter w;
  const std::string a = s.model_type;
  w.set_string("general.architecture", a);
  w.set_string("general.name", "tiny-" + s.name);
  w.set_uint32(a + ".embedding_length", static_cast<uint32_t>(s.dim));
  w.set_uint32(a + ".feed_forward_length", static_cast<uint32_t>(s.hidden));
  w.set_uint32(a + ".block_count", static_cast<uint32_t>(s.layers));
  w.set_uint32(a + ".attention.head_count", static_cast<uint32_t>(s.heads));
  w.set_uint32(a + ".attention.head_count_kv", static_cast<uint32_t>(s.kv_heads));
  w.set_uint32(a + ".attention.key_length", static_cast<uint32_t>(s.head_dim));
  w.set_uint32(a + ".attention.value_length", static_cast<uint32_t>(s.head_dim));
  w.set_uint32(a + ".context_length", 256);
  w.set_uint32(a + ".vocab_size", static_cast<uint32_t>(s.vocab));
  w.set_float32(a + ".rope.freq_base", static_cast<float>(s.theta));
  w.set_float32(a + ".attention.layer_norm_rms_epsilon", static_cast<float>(s.eps));
  if (s.llama3_scaling) {  // what convert_hf_to_gguf.py stores for Llama 3.1+: the factors as rope_freqs.weight
    const auto f = llama3_rope_freq_factors(s.head_dim, s.theta, s.factor, s.low, s.high, s.original);
    w.add_tensor("rope_freqs.weight", DType::F32, {static_cast<int64_t>(f.size())}, f.data(), f.size() * 4);
  }
  for (const auto& p : family_params(s)) {
    auto v = family_values(s.seed, p.hf, numel(p.shape));
    if (p.permute_heads) v = permute_rows(v, p.permute_heads, p.shape[0], p.shape[1]);
    std::vector<int64_t> dims(p.shape.rbegin(), p.shape.rend());
    const DType t = p.shape.size() == 1 && norms_f32 ? DType::F32 : type;
    const auto bytes = encode_values(v, t);
    w.add_tensor(p.gguf, t, dims, bytes.data(), bytes.size());
  }
  w.write(path);
}

// A HF folder: config.json + model.safetensors, or `shards` files with model.safetensors.index.json.
inline void write_family_hf(const FamilySpec& s, const std::string& dir, DType type, int shards = 1) {
  std::filesystem::create_directories(dir);
  nlohmann::json c = {{"model_type", s.model_type}, {"vocab_size", s.vocab}, {"hidden_size", s.dim},
                      {"intermediate_size", s.hidden}, {"num_hidden_layers", s.layers},
                      {"num_attention_heads", s.heads}, {"num_key_value_heads", s.kv_heads}, {"head_dim", s.head_dim},
                      {"max_position_embeddings", 256}, {"rms_norm_eps", s.eps}, {"rope_theta", s.theta},
                      {"tie_word_embeddings", s.tied}, {"torch_dtype", dtype_name(type)}};
  if (s.llama3_scaling)
    c["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", s.factor}, {"low_freq_factor", s.low},
                         {"high_freq_factor", s.high}, {"original_max_position_embeddings", s.original}};
  std::ofstream(dir + "/config.json") << c.dump(2);
  const auto params = family_params(s);
  std::vector<std::vector<SafetensorsEntry>> files(static_cast<size_t>(shards));
  nlohmann::json weight_map = nlohmann::json::object();
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    const size_t shard = i * static_cast<size_t>(shards) / params.size();
    files[shard].push_back({p.hf, type, p.shape, encode_values(family_values(s.seed, p.hf, numel(p.shape)), type)});
    weight_map[p.hf] = "model-0000" + std::to_string(shard + 1) + "-of-0000" + std::to_string(shards) + ".safetensors";
  }
  if (shards == 1) {
    write_safetensors(dir + "/model.safetensors", files[0]);
    return;
  }
  for (int k = 0; k < shards; ++k)
    write_safetensors(dir + "/model-0000" + std::to_string(k + 1) + "-of-0000" + std::to_string(shards) + ".safetensors", files[static_cast<size_t>(k)]);
  std::ofstream(dir + "/model.safetensors.index.json") << nlohmann::json{{"metadata", nlohmann::json::object()}, {"weight_map", weight_map}}.dump(2);
}

}  // namespace hogwild::test
