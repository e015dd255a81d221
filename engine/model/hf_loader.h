#pragma once
// Hugging Face checkpoints: a folder with config.json and model.safetensors, or shards listed by
// model.safetensors.index.json. Architectures (config.json model_type): llama (also mistral), qwen2, qwen3.
// Weights stay in the mapped files in their dtype (F32, F16, BF16). HF stores Q/K unpermuted, so RoPE pairs
// dimensions NeoX-style (i, i + rope_dim/2) for every architecture here.
#include <string>

#include "model/model.h"

namespace hogwild {

// True when `path` names a HF checkpoint: a folder holding config.json, or that config.json, or a
// *.safetensors / *.safetensors.index.json file in such a folder.
bool is_hf_checkpoint(const std::string& path);
// The folder of a HF checkpoint path (see is_hf_checkpoint).
std::string hf_checkpoint_dir(const std::string& path);

// Loads the model of a HF folder. Throws ModelError with one line naming the file and the problem.
Model load_hf_model(const std::string& path);

}  // namespace hogwild
