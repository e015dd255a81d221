#include "model/gguf_vocab.h"

#include <cmath>

#include "common/error.h"
#include "common/log.h"

namespace hogwild {

namespace {

// A special-token id: absent or out of range (incl. the converters' 0xFFFFFFFF "none") -> -1.
int32_t special_id(const GgufFile& f, const char* key, size_t n_tokens) {
  const GgufValue* v = f.find(key);
  if (v == nullptr) return -1;
  const auto id = v->as_int();
  if (!id) throw ModelError(f.path() + ": metadata key '" + key + "' has type " + gguf_type_name(v->type) + ", expected an integer");
  if (*id < 0 || static_cast<uint64_t>(*id) >= n_tokens) {
    // 0xFFFFFFFF and -1 are how converters say "none"; anything else is worth a warning but not fatal,
    // since the id only matters when the tokenizer is asked for that special token.
    if (*id != -1 && *id != 0xFFFFFFFFll) {
      logger("model")->warn("{}: {} = {} is outside the vocabulary ({} tokens); ignored", f.path(), key, *id, n_tokens);
    }
    return -1;
  }
  return static_cast<int32_t>(*id);
}

}  // namespace

std::optional<VocabData> read_gguf_vocab(const GgufFile& f) {
  auto model = f.get_string("tokenizer.ggml.model");
  if (!model) return std::nullopt;
  VocabData v;
  v.model = std::move(*model);
  v.pre = f.get_string("tokenizer.ggml.pre").value_or("");
  auto tokens = f.get_string_array("tokenizer.ggml.tokens");
  if (!tokens || tokens->empty()) throw ModelError(f.path() + ": vocabulary has no tokens (tokenizer.ggml.tokens)");
  v.tokens = std::move(*tokens);
  const size_t n = v.tokens.size();
  if (n > (size_t{1} << 31) - 1) throw ModelError(f.path() + ": vocabulary has too many tokens (" + std::to_string(n) + ")");

  if (auto scores = f.get_float_array("tokenizer.ggml.scores")) {
    if (scores->size() != n) {
      throw ModelError(f.path() + ": tokenizer.ggml.scores has " + std::to_string(scores->size()) +
                       " entries but there are " + std::to_string(n) + " tokens");
    }
    v.scores.reserve(n);
    for (double s : *scores) v.scores.push_back(static_cast<float>(s));
  }
  if (auto types = f.get_int_array("tokenizer.ggml.token_type")) {
    if (types->size() != n) {
      throw ModelError(f.path() + ": tokenizer.ggml.token_type has " + std::to_string(types->size()) +
                       " entries but there are " + std::to_string(n) + " tokens");
    }
    v.token_types.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const int64_t t = (*types)[i];
      if (t < 0 || t > static_cast<int64_t>(TokenType::Byte)) {
        throw ModelError(f.path() + ": token " + std::to_string(i) + " has invalid token type " + std::to_string(t));
      }
      v.token_types.push_back(static_cast<int32_t>(t));
    }
  }
  if (auto merges = f.get_string_array("tokenizer.ggml.merges")) v.merges = std::move(*merges);

  v.bos_id = special_id(f, "tokenizer.ggml.bos_token_id", n);
  v.eos_id = special_id(f, "tokenizer.ggml.eos_token_id", n);
  v.unk_id = special_id(f, "tokenizer.ggml.unknown_token_id", n);
  v.pad_id = special_id(f, "tokenizer.ggml.padding_token_id", n);
  for (const char* key : {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    if (const int32_t id = special_id(f, key, n); id >= 0) v.extra_stop_ids.push_back(id);
  }
  v.add_bos = f.get_bool("tokenizer.ggml.add_bos_token");
  v.add_eos = f.get_bool("tokenizer.ggml.add_eos_token");
  v.chat_template = f.get_string("tokenizer.chat_template").value_or("");
  return v;
}

VocabData load_gguf_vocab(const std::string& path) {
  const GgufFile f = GgufFile::open(path);
  auto v = read_gguf_vocab(f);
  if (!v) throw ModelError(path + ": no vocabulary (tokenizer.ggml.model is missing)");
  return std::move(*v);
}

}  // namespace hogwild
