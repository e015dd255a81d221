#pragma once
// A loaded model: hyper-parameters, weight views (in their file dtype) and, when the file carries one,
// its vocabulary. Produced by load_model() from a GGUF file or a llama2.c checkpoint.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/tensor.h"

namespace hogwild {

// How RoPE pairs dimensions. Interleaved: (2i, 2i+1) — GGUF `llama` and llama2.c.
// NeoX: (i, i + rope_dim/2) — "rotate half", Qwen2/3 and HF Llama.
enum class RopeStyle : uint8_t { Interleaved, NeoX };

struct ModelConfig {
  std::string architecture = "llama";  // GGUF general.architecture
  std::string name;                    // general.name or file stem
  std::string format;                  // "gguf", "llama2c" or "hf" (safetensors folder)
  int dim = 0;                         // embedding length
  int hidden_dim = 0;                  // FFN length
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;                    // usually dim / n_heads
  int vocab_size = 0;
  int context_length = 0;              // trained context (positions the model may use)
  float rope_theta = 10000.f;
  int rope_dim = 0;                    // rotated dimensions per head (<= head_dim)
  RopeStyle rope_style = RopeStyle::Interleaved;
  float rms_eps = 1e-5f;
  bool tied_output = false;            // classifier shares the token embedding
  // RoPE frequency scaling as per-pair divisors of theta_d (llama.cpp "freq_factors"): empty = none; else
  // rope_dim/2 entries and Rope uses theta_d / rope_freq_factors[d]. Llama-3 scaling (rope_freqs.weight or
  // rope_scaling {rope_type: llama3}), linear scaling and YaRN's frequency blend all take this form, so the
  // rotation stays pure (hogwild-method.md §5.1, §12f).
  std::vector<float> rope_freq_factors;
  std::string rope_scaling;            // "" (none), "linear", "llama3" or "yarn": where the factors came from
  // YaRN's attention factor (mscale); 1 otherwise. It belongs to the softmax scale (multiply it by the square),
  // never to the cos/sin tables; the attention caches do not apply it yet (a warning says so at load).
  float rope_attn_factor = 1.0f;
};

struct LayerWeights {
  TensorView attn_norm;  // [dim]
  TensorView wq;         // [dim, n_heads*head_dim]    (GGUF dims: in first)
  TensorView wk;         // [dim, n_kv_heads*head_dim]
  TensorView wv;         // [dim, n_kv_heads*head_dim]
  TensorView wo;         // [n_heads*head_dim, dim]
  TensorView ffn_norm;   // [dim]
  TensorView w_gate;     // [dim, hidden]   (llama2.c w1)
  TensorView w_down;     // [hidden, dim]   (llama2.c w2)
  TensorView w_up;       // [dim, hidden]   (llama2.c w3)
  // Optional (empty views when the architecture has none):
  TensorView bq, bk, bv;        // attention biases [n_heads*head_dim], [n_kv_heads*head_dim] x2 (qwen2)
  TensorView q_norm, k_norm;    // per-head RMSNorm weights [head_dim] applied to q and k before RoPE (qwen3)
};

struct ModelWeights {
  TensorView token_embd;   // [dim, vocab]
  TensorView output_norm;  // [dim]
  TensorView output;       // [dim, vocab]; equals token_embd when tied
  std::vector<LayerWeights> layers;
};

// Token types as GGUF stores them (tokenizer.ggml.token_type), same numbers as SentencePiece + 1.
enum class TokenType : int32_t { Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

// A vocabulary embedded in a model file (GGUF tokenizer.ggml.*).
struct VocabData {
  std::string model;                 // "llama" (SentencePiece) or "gpt2" (byte-level BPE)
  std::string pre;                   // tokenizer.ggml.pre (BPE pre-tokenizer name), may be empty
  std::vector<std::string> tokens;
  std::vector<float> scores;         // may be empty (BPE)
  std::vector<int32_t> token_types;  // may be empty
  std::vector<std::string> merges;   // BPE only: "a b"
  int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;
  std::optional<bool> add_bos;       // tokenizer.ggml.add_bos_token when present
  std::optional<bool> add_eos;
  std::string chat_template;         // tokenizer.chat_template when present
  std::vector<int32_t> extra_stop_ids;  // tokenizer.ggml.eot_token_id / eom_token_id when present (end of turn)
};

class MappedFile;  // read-only mmap of a file (model/mapped_file.h)

struct Model {
  std::string path;
  ModelConfig config;
  ModelWeights weights;
  std::optional<VocabData> vocab;
  // Keeps the data behind the TensorViews alive.
  std::shared_ptr<const MappedFile> file;
  std::vector<std::shared_ptr<const MappedFile>> extra_files;  // further shards (sharded safetensors)
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> owned;
};

// Loads a model from a GGUF file (magic "GGUF"), a Hugging Face folder (config.json + *.safetensors; the path of
// the folder, its config.json or its model.safetensors[.index.json]) or a llama2.c checkpoint (anything else).
// Every size and offset is validated before memory is touched; on any problem throws ModelError with
// one line naming the file and the problem.
Model load_model(const std::string& path);

}  // namespace hogwild
