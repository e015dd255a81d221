// load_model(): the one entry point. GGUF files start with "GGUF"; anything else is tried as a llama2.c
// checkpoint, whose legacy format has no magic (its header checks reject most other files).
#include <cstring>

#include "common/error.h"
#include "common/log.h"
#include "model/hf_loader.h"
#include "model/model_loaders.h"

namespace hogwild {

namespace {

// Magics of llama.cpp's pre-GGUF containers (uint32 'ggml', 'ggmf', 'ggjt' written little-endian), which would
// otherwise be misread as a llama2.c header.
const char* legacy_ggml_format(const MappedFile& f) {
  if (f.size() < 4) return nullptr;
  if (std::memcmp(f.data(), "lmgg", 4) == 0) return "GGML";
  if (std::memcmp(f.data(), "fmgg", 4) == 0) return "GGMF";
  if (std::memcmp(f.data(), "tjgg", 4) == 0) return "GGJT";
  return nullptr;
}

}  // namespace

Model load_model(const std::string& path) {
  if (is_hf_checkpoint(path)) return load_hf_model(path);
  return load_model_file(std::make_shared<const MappedFile>(path));
}

Model load_model_file(std::shared_ptr<const MappedFile> file) {
  const std::string path = file->path();
  if (const char* legacy = legacy_ggml_format(*file)) {
    throw ModelError(path + ": old llama.cpp " + legacy + " format is not supported (convert it to GGUF)");
  }
  const bool is_gguf = file->size() >= 4 && std::memcmp(file->data(), "GGUF", 4) == 0;
  Model m = is_gguf ? load_gguf_model(GgufFile(file)) : load_llama2c_model(file);

  const ModelConfig& c = m.config;
  size_t weight_bytes = 0;
  const auto add = [&](const TensorView& t) { weight_bytes += t.nbytes; };
  add(m.weights.token_embd);
  add(m.weights.output_norm);
  if (!c.tied_output) add(m.weights.output);
  for (const LayerWeights& l : m.weights.layers) {
    for (const TensorView* t : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.w_gate, &l.w_down, &l.w_up}) add(*t);
  }
  logger("model")->info(
      "loaded {} ({} {}, {}): dim {}, hidden {}, layers {}, heads {}/{} kv, head_dim {}, vocab {}, context {}, "
      "rope theta {} dims {}, eps {}, {} output, {} weight {:.1f} MiB, {}",
      path, c.format, c.architecture, c.name, c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.head_dim,
      c.vocab_size, c.context_length, c.rope_theta, c.rope_dim, c.rms_eps, c.tied_output ? "tied" : "separate",
      dtype_name(m.weights.layers.front().wq.type), static_cast<double>(weight_bytes) / (1 << 20),
      m.vocab ? "vocab '" + m.vocab->model + "' " + std::to_string(m.vocab->tokens.size()) + " tokens" : "no vocab");
  return m;
}

}  // namespace hogwild
