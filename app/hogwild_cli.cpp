// hogwild-cli: headless generation. Plain single-stream decoding, or Hogwild! Inference with --workers /
// --preset / --layout (several workers over one shared KV cache, streamed live to the terminal).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_hogwild.h"
#include "cli_options.h"
#include "common/error.h"
#include "common/log.h"
#include "backend/backend_select.h"
#include "generation/generator.h"
#include "generation/model_bundle.h"
#include "hogwild/prompt_builder.h"
#include "model/default_model.h"

using namespace hogwild;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the prompt file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// --tokenize: the tokenizer alone when one is given (any form load_tokenizer reads), else the model's. Never
// downloads anything.
int tokenize(const app::CliOptions& o) {
  std::unique_ptr<ModelBundle> bundle;
  std::unique_ptr<Tokenizer> own;
  if (!o.model.empty()) {
    bundle = std::make_unique<ModelBundle>(open_model_bundle(o.model, o.tokenizer));
  } else if (!o.tokenizer.empty()) {
    own = load_tokenizer(o.tokenizer);
  } else {
    throw ConfigError("--tokenize needs --tokenizer FILE or --model FILE (it does not download the default model)");
  }
  const Tokenizer& tok = bundle ? *bundle->tokenizer : *own;
  {
    const auto ids = tok.encode(*o.tokenize, false);
    nlohmann::json j;
    j["text"] = *o.tokenize;
    j["ids"] = ids;
    nlohmann::json pieces = nlohmann::json::array();
    for (int32_t id : ids) pieces.push_back(tok.piece(id));
    j["pieces"] = pieces;
    j["count"] = ids.size();
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
}

int run(const app::CliOptions& o) {
  set_log_level(o.log_level);
  if (o.tokenize) return tokenize(o);
  std::string model_path = o.model, tokenizer_path = o.tokenizer;
  if (model_path.empty()) {
    const ModelFiles f = ensure_default_model([&](const std::string& s) { if (!o.quiet) std::cerr << s << "\n"; });
    model_path = f.model;
    if (tokenizer_path.empty()) tokenizer_path = f.tokenizer;
  }
  ModelBundle bundle = open_model_bundle(model_path, tokenizer_path);
  const Tokenizer& tok = *bundle.tokenizer;

  std::string prompt = !o.prompt_file.empty() ? read_file(o.prompt_file) : o.prompt.value_or("");
  if (app::wants_hogwild(o)) {
    if (!o.system.empty()) throw ConfigError("--system is for plain generation; a Hogwild run takes its prompt sections from the preset");
    return app::run_hogwild_cli(o, bundle, prompt);
  }

  GenerateOptions g;
  g.max_new_tokens = o.new_tokens;
  g.sampling = o.sampling;
  g.bos = o.bos;
  // Instruct models answer inside their chat template (--chat, on by default when the model has one): without it
  // SmolLM2 continues "What is the capital of France?" as plain text ("A:") instead of answering.
  const bool chat = o.chat.value_or(bundle.chat.kind != ChatTemplateKind::None);
  if (chat) {
    if (bundle.chat.kind == ChatTemplateKind::None)
      throw ConfigError("--chat: the model has no chat template (it is not an instruct model); drop --chat");
    prompt = wrap_in_chat_template(bundle.chat.kind, o.system, prompt) + (bundle.chat.thinking ? bundle.chat.think_opener : std::string());
  } else if (!o.system.empty()) {
    throw ConfigError("--system needs the model's chat template, and this model has none");
  }
  const BackendSelection sel = app::select_cli_backend(o, bundle.model);
  Generator gen(*sel.backend, tok);
  // BOS (and EOS) exactly as for any prompt: Tokenizer::encode_prompt, the one rule (--bos/--no-bos override it).
  std::vector<int32_t> ids = tok.encode_prompt(prompt, g.bos);
  if (ids.empty()) {
    if (tok.bos_id() < 0) throw ConfigError("empty prompt and the vocabulary has no BOS token to start from");
    ids.push_back(tok.bos_id());
  }
  // With the chat template the prompt is not echoed (its special tokens decode to nothing): only the answer. The
  // stream decodes the prompt exactly as decode() does, so its length is known.
  size_t hidden = chat ? tok.decode(ids).size() : 0;
  auto on_text = [&](std::string_view s) {
    if (o.json) return;
    if (hidden > 0) {
      const size_t skip = std::min(hidden, s.size());
      hidden -= skip;
      s.remove_prefix(skip);
    }
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
  };
  const GenerateResult r = gen.generate_ids(ids, g, on_text);
  const double decode_tps = r.decode_seconds > 0 ? static_cast<double>(r.new_ids.size()) / r.decode_seconds : 0.0;
  const double prefill_tps = r.prefill_seconds > 0 ? static_cast<double>(r.prompt_ids.size()) / r.prefill_seconds : 0.0;
  if (o.json) {
    nlohmann::json j;
    j["model"] = model_path;
    j["prompt_ids"] = r.prompt_ids;
    j["new_ids"] = r.new_ids;
    j["text"] = r.text;
    j["stop_reason"] = r.stop_reason;
    j["backend"] = app::backend_json(sel);
    j["timings"] = {{"prefill_seconds", r.prefill_seconds}, {"decode_seconds", r.decode_seconds},
                    {"prefill_tokens_per_second", prefill_tps}, {"decode_tokens_per_second", decode_tps}};
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << "\n" << std::flush;  // the text ends before the speed line when stdout and stderr share a pipe
    if (!o.quiet)
      std::fprintf(stderr, "[%zu prompt tokens, %zu new tokens, prefill %.1f tok/s, decode %.1f tok/s, stop: %s; backend %s]\n",
                   r.prompt_ids.size(), r.new_ids.size(), prefill_tps, decode_tps, r.stop_reason.c_str(), sel.describe().c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const app::CliOptions o = app::parse_cli(std::vector<std::string>(argv + 1, argv + argc));
    if (o.show_help) {
      std::cout << app::cli_usage();
      return 0;
    }
    if (o.show_version) {
      std::cout << "hogwild-cli " << HOGWILD_VERSION << "\n";
      return 0;
    }
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "hogwild-cli: " << e.what() << "\n";
    return 1;
  }
}
