// GGUF models: hyper-parameters from "<arch>.*" metadata, weights as views into the map, the embedded
// vocabulary. Each architecture is a row in kArchitectures: its RoPE style and the tensors it adds (attention
// biases for qwen2, per-head q/k norms for qwen3), loaded in load_gguf_model().
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/error.h"
#include "common/log.h"
#include "model/rope.h"
#include "model/gguf_vocab.h"
#include "model/model_loaders.h"

namespace hogwild {

namespace {

struct Architecture {
  const char* name;      // general.architecture, also the metadata key prefix ("llama." ...)
  RopeStyle rope_style;  // llama.cpp's rope type for this architecture
  bool qkv_bias;         // blk.N.attn_{q,k,v}.bias
  bool qk_norm;          // blk.N.attn_{q,k}_norm.weight, RMSNorm per head before RoPE
};

// llama: llama.cpp's LLAMA_ROPE_TYPE_NORM, adjacent pairs (its HF converter permutes Q/K so that this holds).
// qwen2 (Qwen2, Qwen2.5, QwQ, DeepSeek-R1-Distill-Qwen) and qwen3: LLAMA_ROPE_TYPE_NEOX, Q/K as in HF.
constexpr Architecture kArchitectures[] = {
    {"llama", RopeStyle::Interleaved, false, false},
    {"qwen2", RopeStyle::NeoX, true, false},
    {"qwen3", RopeStyle::NeoX, false, true},
};

// Sanity limits for hyper-parameters (far beyond any real model; they keep size arithmetic in 64 bits).
constexpr int64_t kMaxDim = int64_t{1} << 20;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxHeads = int64_t{1} << 14;
constexpr int64_t kMaxVocab = int64_t{1} << 24;
constexpr int64_t kMaxContext = int64_t{1} << 24;

std::string dims_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) s.push_back(',');
    s.append(std::to_string(dims[i]));
  }
  s.push_back(']');
  return s;
}

// Reads "<arch>.<suffix>" keys with range checks; errors name the file and the key.
class Hparams {
 public:
  Hparams(const GgufFile& f, std::string prefix) : f_(f), prefix_(std::move(prefix)) {}

  std::optional<int64_t> int_opt(const std::string& suffix, int64_t lo, int64_t hi) const {
    const std::string key = prefix_ + suffix;
    const auto v = f_.get_int(key);
    if (v && (*v < lo || *v > hi)) {
      throw ModelError(f_.path() + ": " + key + " = " + std::to_string(*v) + " is out of range (" +
                       std::to_string(lo) + ".." + std::to_string(hi) + ")");
    }
    return v;
  }
  int64_t int_req(const std::string& suffix, int64_t lo, int64_t hi) const {
    const auto v = int_opt(suffix, lo, hi);
    if (!v) throw ModelError(f_.path() + ": missing metadata key '" + prefix_ + suffix + "'");
    return *v;
  }
  double float_or(const std::string& suffix, double fallback, double lo, double hi) const {
    const std::string key = prefix_ + suffix;
    const double v = f_.get_float(key).value_or(fallback);
    if (!std::isfinite(v) || v < lo || v > hi) {
      throw ModelError(f_.path() + ": " + key + " = " + std::to_string(v) + " is out of range");
    }
    return v;
  }

 private:
  const GgufFile& f_;
  std::string prefix_;
};

// A weight tensor as a view, checked for presence, a dtype the engine computes with, and the expected dims.
TensorView weight(const GgufFile& f, const std::string& name, const std::vector<int64_t>& expected) {
  const GgufTensorInfo* info = f.find_tensor(name);
  if (info == nullptr) throw ModelError(f.path() + ": missing tensor '" + name + "'");
  const auto dtype = ggml_type_to_dtype(info->ggml_type);
  if (!dtype) {
    throw ModelError(f.path() + ": tensor '" + name + "' has unsupported tensor type " + ggml_type_name(info->ggml_type));
  }
  if (info->dims != expected) {
    throw ModelError(f.path() + ": tensor '" + name + "' has dims " + dims_string(info->dims) + ", expected " +
                     dims_string(expected));
  }
  TensorView v;
  v.name = name;
  v.type = *dtype;
  v.dims = info->dims;
  v.data = f.tensor_data(*info);
  v.nbytes = static_cast<size_t>(info->nbytes);
  // Kernels read F32/F16/BF16 elements directly; an odd general.alignment could misalign them.
  const size_t elem_align = *dtype == DType::F32 ? 4 : 2;
  if (reinterpret_cast<uintptr_t>(v.data) % elem_align != 0) {
    throw ModelError(f.path() + ": tensor '" + name + "' data is not " + std::to_string(elem_align) +
                     "-byte aligned (general.alignment " + std::to_string(f.alignment()) + ")");
  }
  return v;
}

// RoPE frequency scaling (hogwild-method.md §5.1): rope_freqs.weight (Llama 3.1+: llama.cpp stores the Llama-3
// factors as a tensor), or <arch>.rope.scaling.type linear / yarn. "dynamic" scalings are rejected elsewhere by
// never being recognised. All become per-pair divisors of theta (ModelConfig::rope_freq_factors).
void read_rope_scaling(const GgufFile& f, const Hparams& hp, const std::string& prefix, ModelConfig& c) {
  const std::string& path = f.path();
  const int pairs = c.rope_dim / 2;
  if (const GgufTensorInfo* info = f.find_tensor("rope_freqs.weight")) {
    if (info->dims != std::vector<int64_t>{pairs} || info->ggml_type != ggml_type::F32)
      throw ModelError(path + ": tensor 'rope_freqs.weight' must be F32 with dims [" + std::to_string(pairs) + "]");
    const auto* p = static_cast<const float*>(static_cast<const void*>(f.tensor_data(*info)));
    c.rope_freq_factors.assign(p, p + pairs);
    for (float v : c.rope_freq_factors) {
      if (!(v > 0.f) || !std::isfinite(v)) throw ModelError(path + ": rope_freqs.weight holds a factor that is not positive");
    }
    c.rope_scaling = "llama3";
  }
  const auto type = f.get_string(prefix + "rope.scaling.type");
  if (!type || *type == "none" || *type == "") return;
  const double factor = hp.float_or("rope.scaling.factor", 1.0, 1e-3, 1e6);
  if (*type == "linear") {
    if (c.rope_freq_factors.empty() && factor != 1.0) c.rope_freq_factors = linear_rope_freq_factors(c.rope_dim, factor);
    c.rope_scaling = "linear";
  } else if (*type == "yarn") {
    const double orig = hp.float_or("rope.scaling.original_context_length", c.context_length, 1, 1e9);
    c.rope_freq_factors = yarn_rope_freq_factors(c.rope_dim, c.rope_theta, factor, orig, 32.0, 1.0, &c.rope_attn_factor);
    c.rope_scaling = "yarn";
    logger("model")->warn("{}: YaRN attention factor {} is not applied to the softmax scale yet", path, c.rope_attn_factor);
  } else {
    throw ModelError(path + ": RoPE scaling '" + *type + "' is not supported (only linear, yarn, llama3 factors)");
  }
}

// An optional tensor: empty view when absent, else checked like weight().
TensorView optional_weight(const GgufFile& f, const std::string& name, const std::vector<int64_t>& expected) {
  return f.find_tensor(name) == nullptr ? TensorView{} : weight(f, name, expected);
}

}  // namespace

Model load_gguf_model(const GgufFile& f) {
  const std::string& path = f.path();
  const auto arch_name = f.get_string("general.architecture");
  if (!arch_name) throw ModelError(path + ": missing metadata key 'general.architecture'");
  const Architecture* arch = nullptr;
  for (const Architecture& a : kArchitectures) {
    if (*arch_name == a.name) arch = &a;
  }
  if (arch == nullptr) throw ModelError(path + ": unsupported architecture '" + *arch_name + "'");

  Model m;
  m.path = path;
  ModelConfig& c = m.config;
  c.architecture = arch->name;
  c.format = "gguf";
  c.name = f.get_string("general.name").value_or("");
  if (c.name.empty()) c.name = std::filesystem::path(path).stem().string();
  c.rope_style = arch->rope_style;

  const Hparams hp(f, std::string(arch->name) + ".");
  c.dim = static_cast<int>(hp.int_req("embedding_length", 1, kMaxDim));
  c.n_layers = static_cast<int>(hp.int_req("block_count", 1, kMaxLayers));
  c.n_heads = static_cast<int>(hp.int_req("attention.head_count", 1, kMaxHeads));
  c.n_kv_heads = static_cast<int>(hp.int_opt("attention.head_count_kv", 1, c.n_heads).value_or(c.n_heads));
  c.hidden_dim = static_cast<int>(hp.int_req("feed_forward_length", 1, kMaxDim));
  c.context_length = static_cast<int>(hp.int_req("context_length", 1, kMaxContext));
  if (c.n_heads % c.n_kv_heads != 0) {
    throw ModelError(path + ": head_count_kv " + std::to_string(c.n_kv_heads) + " does not divide head_count " +
                     std::to_string(c.n_heads));
  }
  if (const auto kl = hp.int_opt("attention.key_length", 2, kMaxDim)) {
    c.head_dim = static_cast<int>(*kl);
  } else {
    if (c.dim % c.n_heads != 0) {
      throw ModelError(path + ": head_count " + std::to_string(c.n_heads) + " does not divide embedding_length " +
                       std::to_string(c.dim));
    }
    c.head_dim = c.dim / c.n_heads;
  }
  if (c.head_dim % 2 != 0) throw ModelError(path + ": head dimension " + std::to_string(c.head_dim) + " is odd");
  if (const auto vl = hp.int_opt("attention.value_length", 1, kMaxDim); vl && *vl != c.head_dim) {
    throw ModelError(path + ": value_length " + std::to_string(*vl) + " differs from key_length " +
                     std::to_string(c.head_dim) + " (not supported)");
  }
  if (static_cast<int64_t>(c.n_heads) * c.head_dim > kMaxDim) throw ModelError(path + ": head_count × head dimension is too large");
  c.rope_dim = static_cast<int>(hp.int_opt("rope.dimension_count", 2, c.head_dim).value_or(c.head_dim));
  if (c.rope_dim % 2 != 0) throw ModelError(path + ": rope.dimension_count " + std::to_string(c.rope_dim) + " is odd");
  c.rope_theta = static_cast<float>(hp.float_or("rope.freq_base", 10000.0, 1e-3, 1e12));
  c.rms_eps = static_cast<float>(hp.float_or("attention.layer_norm_rms_epsilon", 1e-5, 1e-12, 0.5));
  read_rope_scaling(f, hp, std::string(arch->name) + ".", c);

  // Vocabulary size: explicit key, else the token list, else the embedding's row count.
  m.vocab = read_gguf_vocab(f);
  int64_t vocab = 0;
  if (const auto vs = hp.int_opt("vocab_size", 1, kMaxVocab)) {
    vocab = *vs;
  } else if (m.vocab) {
    vocab = static_cast<int64_t>(m.vocab->tokens.size());
  } else if (const GgufTensorInfo* e = f.find_tensor("token_embd.weight"); e != nullptr && e->dims.size() == 2) {
    vocab = e->dims[1];
  }
  if (vocab < 1 || vocab > kMaxVocab) throw ModelError(path + ": cannot determine a valid vocabulary size");
  c.vocab_size = static_cast<int>(vocab);
  if (m.vocab && static_cast<int64_t>(m.vocab->tokens.size()) != vocab) {
    throw ModelError(path + ": vocabulary has " + std::to_string(m.vocab->tokens.size()) +
                     " tokens but the model's vocab_size is " + std::to_string(vocab));
  }

  const int64_t dim = c.dim, hidden = c.hidden_dim;
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim, kv_dim = int64_t{c.n_kv_heads} * c.head_dim;
  ModelWeights& w = m.weights;
  w.token_embd = weight(f, "token_embd.weight", {dim, vocab});
  w.output_norm = weight(f, "output_norm.weight", {dim});
  if (f.find_tensor("output.weight") != nullptr) {
    w.output = weight(f, "output.weight", {dim, vocab});
  } else {
    w.output = w.token_embd;  // no classifier stored: tied to the embedding
    c.tied_output = true;
  }
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    LayerWeights lw;
    lw.attn_norm = weight(f, p + "attn_norm.weight", {dim});
    lw.wq = weight(f, p + "attn_q.weight", {dim, q_dim});
    lw.wk = weight(f, p + "attn_k.weight", {dim, kv_dim});
    lw.wv = weight(f, p + "attn_v.weight", {dim, kv_dim});
    lw.wo = weight(f, p + "attn_output.weight", {q_dim, dim});
    lw.ffn_norm = weight(f, p + "ffn_norm.weight", {dim});
    lw.w_gate = weight(f, p + "ffn_gate.weight", {dim, hidden});
    lw.w_down = weight(f, p + "ffn_down.weight", {hidden, dim});
    lw.w_up = weight(f, p + "ffn_up.weight", {dim, hidden});
    if (arch->qkv_bias) {
      lw.bq = weight(f, p + "attn_q.bias", {q_dim});
      lw.bk = weight(f, p + "attn_k.bias", {kv_dim});
      lw.bv = weight(f, p + "attn_v.bias", {kv_dim});
    } else {  // some llama-architecture conversions carry biases too
      lw.bq = optional_weight(f, p + "attn_q.bias", {q_dim});
      lw.bk = optional_weight(f, p + "attn_k.bias", {kv_dim});
      lw.bv = optional_weight(f, p + "attn_v.bias", {kv_dim});
    }
    if (arch->qk_norm) {
      lw.q_norm = weight(f, p + "attn_q_norm.weight", {c.head_dim});
      lw.k_norm = weight(f, p + "attn_k_norm.weight", {c.head_dim});
    }
    w.layers.push_back(std::move(lw));
  }
  m.file = f.mapped_file();
  return m;
}

}  // namespace hogwild
