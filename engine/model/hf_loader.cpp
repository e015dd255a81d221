#include "model/hf_loader.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/log.h"
#include "model/rope.h"
#include "model/safetensors_file.h"

namespace hogwild {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int64_t kMaxDim = int64_t{1} << 20;

json read_json(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw ModelError(p.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::exception& e) {
    throw ModelError(p.string() + ": invalid JSON: " + e.what());
  }
}

class Config {
 public:
  Config(json j, std::string path) : j_(std::move(j)), path_(std::move(path)) {}
  int64_t int_req(const char* key, int64_t lo, int64_t hi) const {
    const auto v = int_opt(key, lo, hi);
    if (!v) throw ModelError(path_ + ": missing '" + key + "'");
    return *v;
  }
  std::optional<int64_t> int_opt(const char* key, int64_t lo, int64_t hi) const {
    if (!j_.contains(key) || j_[key].is_null()) return std::nullopt;
    if (!j_[key].is_number_integer()) throw ModelError(path_ + ": '" + key + "' is not an integer");
    const auto v = j_[key].get<int64_t>();
    if (v < lo || v > hi) throw ModelError(path_ + ": '" + key + "' = " + std::to_string(v) + " is out of range");
    return v;
  }
  double num_or(const json& obj, const char* key, double fallback) const {
    if (!obj.contains(key) || obj[key].is_null()) return fallback;
    if (!obj[key].is_number()) throw ModelError(path_ + ": '" + key + "' is not a number");
    const double v = obj[key].get<double>();
    if (!std::isfinite(v)) throw ModelError(path_ + ": '" + key + "' is not finite");
    return v;
  }
  const json& j() const { return j_; }
  const std::string& path() const { return path_; }

 private:
  json j_;
  std::string path_;
};

// Tensors of all shards by name.
struct Shards {
  std::vector<SafetensorsFile> files;
  std::map<std::string, std::pair<size_t, const SafetensorsTensor*>> by_name;
};

Shards open_shards(const fs::path& dir) {
  Shards s;
  std::vector<std::string> names;
  if (fs::exists(dir / "model.safetensors.index.json")) {
    const json idx = read_json(dir / "model.safetensors.index.json");
    if (!idx.contains("weight_map") || !idx["weight_map"].is_object())
      throw ModelError((dir / "model.safetensors.index.json").string() + ": no weight_map");
    for (const auto& [tensor, file] : idx["weight_map"].items()) {
      if (!file.is_string()) throw ModelError((dir / "model.safetensors.index.json").string() + ": weight_map value is not a file name");
      const std::string f = file.get<std::string>();
      if (f.find('/') != std::string::npos || f.find("..") != std::string::npos)
        throw ModelError((dir / "model.safetensors.index.json").string() + ": shard name '" + f + "' is not a plain file name");
      if (std::find(names.begin(), names.end(), f) == names.end()) names.push_back(f);
    }
  } else if (fs::exists(dir / "model.safetensors")) {
    names.push_back("model.safetensors");
  } else {
    throw ModelError(dir.string() + ": no model.safetensors or model.safetensors.index.json");
  }
  s.files.reserve(names.size());
  for (const auto& n : names) s.files.push_back(SafetensorsFile::open((dir / n).string()));
  for (size_t i = 0; i < s.files.size(); ++i) {
    for (const auto& [name, t] : s.files[i].tensors()) s.by_name[name] = {i, &t};
  }
  return s;
}

// GGUF-order dims ({in, out}) of a PyTorch shape ([out, in]).
std::vector<int64_t> reversed(std::vector<int64_t> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

std::string dims_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

class TensorSource {
 public:
  TensorSource(const Shards& s, Model& m) : s_(s), m_(m) {}
  bool has(const std::string& name) const { return s_.by_name.count(name) != 0; }
  TensorView get(const std::string& name, const std::vector<int64_t>& expected) {
    const auto it = s_.by_name.find(name);
    if (it == s_.by_name.end()) throw ModelError(m_.path + ": missing tensor '" + name + "'");
    const auto& [file, t] = it->second;
    const std::string where = s_.files[file].path() + ": tensor '" + name + "'";
    const auto type = safetensors_dtype(t->dtype);
    if (!type) throw ModelError(where + " has unsupported dtype " + t->dtype + " (F32, F16, BF16 are)");
    TensorView v;
    v.name = name;
    v.type = *type;
    v.dims = reversed(t->shape);
    if (v.dims != expected) throw ModelError(where + " has dims " + dims_string(v.dims) + ", expected " + dims_string(expected));
    v.nbytes = t->nbytes;
    v.data = t->data;
    const size_t align = *type == DType::F32 ? 4 : 2;
    if (reinterpret_cast<uintptr_t>(v.data) % align != 0) {  // safetensors does not promise alignment: copy
      auto copy = std::make_shared<std::vector<uint8_t>>(t->data, t->data + t->nbytes);
      v.data = copy->data();
      m_.owned.push_back(std::move(copy));
    }
    return v;
  }

 private:
  const Shards& s_;
  Model& m_;
};

void read_rope(const Config& cfg, ModelConfig& c) {
  const json& j = cfg.j();
  // transformers >= 5 writes rope_parameters {rope_type, rope_theta, ...}; older configs rope_theta + rope_scaling.
  json scaling = json();
  if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) {
    scaling = j["rope_parameters"];
    c.rope_theta = static_cast<float>(cfg.num_or(scaling, "rope_theta", cfg.num_or(j, "rope_theta", 10000.0)));
  } else {
    c.rope_theta = static_cast<float>(cfg.num_or(j, "rope_theta", 10000.0));
    if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) scaling = j["rope_scaling"];
  }
  if (!(c.rope_theta > 0)) throw ModelError(cfg.path() + ": rope_theta must be positive");
  if (!scaling.is_object()) return;
  std::string type = scaling.value("rope_type", scaling.value("type", std::string("default")));
  if (type == "default") return;
  const double factor = cfg.num_or(scaling, "factor", 1.0);
  if (!(factor > 0)) throw ModelError(cfg.path() + ": rope scaling factor must be positive");
  if (type == "linear") {
    c.rope_freq_factors = linear_rope_freq_factors(c.rope_dim, factor);
  } else if (type == "llama3") {
    const double orig = cfg.num_or(scaling, "original_max_position_embeddings", 8192);
    const double lo = cfg.num_or(scaling, "low_freq_factor", 1.0), hi = cfg.num_or(scaling, "high_freq_factor", 4.0);
    if (!(hi > lo) || !(orig > 0)) throw ModelError(cfg.path() + ": invalid llama3 rope scaling");
    c.rope_freq_factors = llama3_rope_freq_factors(c.rope_dim, c.rope_theta, factor, lo, hi, orig);
  } else if (type == "yarn") {
    const double orig = cfg.num_or(scaling, "original_max_position_embeddings", c.context_length);
    c.rope_freq_factors = yarn_rope_freq_factors(c.rope_dim, c.rope_theta, factor, orig, cfg.num_or(scaling, "beta_fast", 32),
                                                 cfg.num_or(scaling, "beta_slow", 1), &c.rope_attn_factor);
    if (scaling.contains("attention_factor") && scaling["attention_factor"].is_number())
      c.rope_attn_factor = scaling["attention_factor"].get<float>();
    logger("model")->warn("{}: YaRN attention factor {} is not applied to the softmax scale yet", cfg.path(), c.rope_attn_factor);
  } else {
    // "dynamic" (NTK) changes theta with the sequence length and breaks the rotation identities (§5.1).
    throw ModelError(cfg.path() + ": RoPE scaling '" + type + "' is not supported (default, linear, llama3, yarn are)");
  }
  c.rope_scaling = type;
}

}  // namespace

bool is_hf_checkpoint(const std::string& path) {
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) return fs::exists(p / "config.json", ec);
  const std::string name = p.filename().string();
  if (name == "config.json" || name.ends_with(".safetensors") || name.ends_with(".safetensors.index.json"))
    return fs::exists(p.parent_path() / "config.json", ec);
  return false;
}

std::string hf_checkpoint_dir(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) ? path : fs::path(path).parent_path().string();
}

Model load_hf_model(const std::string& path) {
  const fs::path dir(hf_checkpoint_dir(path));
  const std::string cfg_path = (dir / "config.json").string();
  const Config cfg(read_json(cfg_path), cfg_path);
  const json& j = cfg.j();
  const std::string type = j.value("model_type", "");
  const bool qwen2 = type == "qwen2", qwen3 = type == "qwen3";
  if (!(type == "llama" || type == "mistral" || qwen2 || qwen3))
    throw ModelError(cfg_path + ": unsupported model_type '" + type + "' (llama, mistral, qwen2, qwen3 are)");

  Model m;
  m.path = dir.string();
  ModelConfig& c = m.config;
  c.architecture = qwen2 ? "qwen2" : qwen3 ? "qwen3" : "llama";
  c.format = "hf";
  c.name = dir.filename().string();
  c.rope_style = RopeStyle::NeoX;
  c.dim = static_cast<int>(cfg.int_req("hidden_size", 1, kMaxDim));
  c.hidden_dim = static_cast<int>(cfg.int_req("intermediate_size", 1, kMaxDim));
  c.n_layers = static_cast<int>(cfg.int_req("num_hidden_layers", 1, 1024));
  c.n_heads = static_cast<int>(cfg.int_req("num_attention_heads", 1, 1 << 14));
  c.n_kv_heads = static_cast<int>(cfg.int_opt("num_key_value_heads", 1, c.n_heads).value_or(c.n_heads));
  if (c.n_heads % c.n_kv_heads != 0) throw ModelError(cfg_path + ": num_key_value_heads does not divide num_attention_heads");
  c.vocab_size = static_cast<int>(cfg.int_req("vocab_size", 1, 1 << 24));
  c.context_length = static_cast<int>(cfg.int_opt("max_position_embeddings", 1, 1 << 24).value_or(4096));
  if (const auto hd = cfg.int_opt("head_dim", 2, kMaxDim)) {
    c.head_dim = static_cast<int>(*hd);
  } else {
    if (c.dim % c.n_heads != 0) throw ModelError(cfg_path + ": num_attention_heads does not divide hidden_size");
    c.head_dim = c.dim / c.n_heads;
  }
  if (c.head_dim % 2 != 0) throw ModelError(cfg_path + ": head dimension " + std::to_string(c.head_dim) + " is odd");
  const double partial = cfg.num_or(j, "partial_rotary_factor", 1.0);
  c.rope_dim = static_cast<int>(std::lround(c.head_dim * partial)) & ~1;
  if (c.rope_dim < 2 || c.rope_dim > c.head_dim) throw ModelError(cfg_path + ": invalid partial_rotary_factor");
  c.rms_eps = static_cast<float>(cfg.num_or(j, "rms_norm_eps", 1e-6));
  if (!(c.rms_eps > 0) || c.rms_eps > 0.5f) throw ModelError(cfg_path + ": rms_norm_eps is out of range");
  read_rope(cfg, c);

  const Shards shards = open_shards(dir);
  TensorSource src(shards, m);
  const int64_t dim = c.dim, hidden = c.hidden_dim, vocab = c.vocab_size;
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim, kv_dim = int64_t{c.n_kv_heads} * c.head_dim;
  ModelWeights& w = m.weights;
  w.token_embd = src.get("model.embed_tokens.weight", {dim, vocab});
  w.output_norm = src.get("model.norm.weight", {dim});
  const bool tie = j.value("tie_word_embeddings", false);
  if (!tie && src.has("lm_head.weight")) {
    w.output = src.get("lm_head.weight", {dim, vocab});
  } else {
    w.output = w.token_embd;
    c.tied_output = true;
  }
  const bool bias = qwen2 || j.value("attention_bias", false);
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    LayerWeights lw;
    lw.attn_norm = src.get(p + "input_layernorm.weight", {dim});
    lw.wq = src.get(p + "self_attn.q_proj.weight", {dim, q_dim});
    lw.wk = src.get(p + "self_attn.k_proj.weight", {dim, kv_dim});
    lw.wv = src.get(p + "self_attn.v_proj.weight", {dim, kv_dim});
    lw.wo = src.get(p + "self_attn.o_proj.weight", {q_dim, dim});
    lw.ffn_norm = src.get(p + "post_attention_layernorm.weight", {dim});
    lw.w_gate = src.get(p + "mlp.gate_proj.weight", {dim, hidden});
    lw.w_up = src.get(p + "mlp.up_proj.weight", {dim, hidden});
    lw.w_down = src.get(p + "mlp.down_proj.weight", {hidden, dim});
    if (bias) {
      lw.bq = src.get(p + "self_attn.q_proj.bias", {q_dim});
      lw.bk = src.get(p + "self_attn.k_proj.bias", {kv_dim});
      lw.bv = src.get(p + "self_attn.v_proj.bias", {kv_dim});
    }
    if (qwen3) {
      lw.q_norm = src.get(p + "self_attn.q_norm.weight", {c.head_dim});
      lw.k_norm = src.get(p + "self_attn.k_norm.weight", {c.head_dim});
    }
    w.layers.push_back(std::move(lw));
  }
  m.file = shards.files.front().mapped_file();
  for (size_t i = 1; i < shards.files.size(); ++i) m.extra_files.push_back(shards.files[i].mapped_file());
  return m;
}

}  // namespace hogwild
