#include "generation/model_bundle.h"

#include <filesystem>

#include "common/error.h"
#include "common/log.h"
#include "model/hf_loader.h"
#include "tokenizer/bpe_tokenizer.h"

namespace hogwild {
namespace fs = std::filesystem;

ModelBundle open_model_bundle(const std::string& model_path, const std::string& tokenizer_path) {
  ModelBundle b;
  b.model = load_model(model_path);
  const std::string model_name = fs::path(model_path).filename().string();
  if (!tokenizer_path.empty()) {
    b.tokenizer = load_tokenizer(tokenizer_path);
    b.tokenizer_path = tokenizer_path;
  } else if (b.model.vocab) {
    b.tokenizer = tokenizer_from_vocab(*b.model.vocab, model_name);
  } else if (b.model.config.format == "hf") {
    // HF folders keep the tokenizer beside the weights; the embedding may have spare rows (Qwen: 151,936 rows for
    // 151,665 tokens), which become unused tokens.
    auto bpe = BpeTokenizer::from_hf_dir(hf_checkpoint_dir(model_path));
    bpe->pad_vocab_to(b.model.config.vocab_size);
    b.tokenizer = std::move(bpe);
    b.tokenizer_path = hf_checkpoint_dir(model_path);
  } else {
    const fs::path dir = fs::path(model_path).parent_path();
    for (const char* name : {"tok512.model", "tokenizer.model", "tok512.bin", "tokenizer.bin"}) {
      std::error_code ec;
      const fs::path p = dir / name;
      if (fs::is_regular_file(p, ec)) {
        b.tokenizer = load_tokenizer(p.string());
        b.tokenizer_path = p.string();
        break;
      }
    }
    if (!b.tokenizer)
      throw ModelError(model_name + ": the model file has no vocabulary and no tokenizer file was found beside it; "
                                    "pass one with --tokenizer (a SentencePiece .model, a llama2.c tokenizer .bin, a Hugging Face tokenizer folder "
                                    "or tokenizer.json, or a .tiktoken file)");
  }
  if (b.tokenizer->vocab_size() != b.model.config.vocab_size)
    throw ModelError(model_name + ": the tokenizer has " + std::to_string(b.tokenizer->vocab_size()) +
                     " tokens but the model has a vocabulary of " + std::to_string(b.model.config.vocab_size) +
                     ": the tokenizer does not belong to this model");
  b.stop_ids = b.tokenizer->stop_ids();
  if (b.model.vocab && !b.model.vocab->chat_template.empty()) b.chat = detect_chat_template(b.model.vocab->chat_template);
  else if (b.model.config.format == "hf") b.chat = detect_chat_template(read_hf_chat_template(hf_checkpoint_dir(model_path)));
  logger("model")->info("{}: {} layers, dim {}, {} heads ({} kv), vocab {}, tokenizer {}", model_name, b.model.config.n_layers,
                        b.model.config.dim, b.model.config.n_heads, b.model.config.n_kv_heads, b.model.config.vocab_size,
                        b.tokenizer_path.empty() ? "embedded" : b.tokenizer_path);
  return b;
}

}  // namespace hogwild
