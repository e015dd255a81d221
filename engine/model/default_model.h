#pragma once
// The default model (stories260K, Karpathy's TinyStories Llama, MIT): where the user's models live, and how
// the default one is found or fetched on first run.
#include <functional>
#include <string>

namespace hogwild {

// $HOGWILD_MODEL_DIR, else $XDG_DATA_HOME/hogwild-studio/models, else ~/.local/share/hogwild-studio/models.
std::string user_model_dir();

struct ModelFiles {
  std::string model;      // checkpoint (.bin/.gguf)
  std::string tokenizer;  // separate tokenizer file, empty when the model embeds its vocabulary
  std::string origin;     // "model folder", "downloaded", "shared fixtures"
};

// Finds the default model: the user's model folder first; when missing, downloads it from Hugging Face
// (karpathy/tinyllamas at a pinned revision, sha256 verified, written atomically); when there is no network,
// uses the project's shared fixtures folder beside the checkout ($HOGWILD_SHARED_MODELS or the source tree's
// ../shared/models). `status` receives one-line progress messages. Throws Error with a clear message when
// none of these works.
ModelFiles ensure_default_model(const std::function<void(const std::string&)>& status = {});

}  // namespace hogwild
