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
#include "cuda/cuda_backend.h"
#include "generation/generator.h"
#include "generation/model_bundle.h"
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

int run(const app::CliOptions& o) {
  set_log_level(o.log_level);
  std::string model_path = o.model, tokenizer_path = o.tokenizer;
  if (model_path.empty()) {
    const ModelFiles f = ensure_default_model([&](const std::string& s) { if (!o.quiet) std::cerr << s << "\n"; });
    model_path = f.model;
    if (tokenizer_path.empty()) tokenizer_path = f.tokenizer;
  }
  ModelBundle bundle = open_model_bundle(model_path, tokenizer_path);
  const Tokenizer& tok = *bundle.tokenizer;

  if (o.tokenize) {
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

  const std::string prompt = !o.prompt_file.empty() ? read_file(o.prompt_file) : o.prompt.value_or("");
  if (app::wants_hogwild(o)) return app::run_hogwild_cli(o, bundle, prompt);

  GenerateOptions g;
  g.max_new_tokens = o.new_tokens;
  g.sampling = o.sampling;
  Generator gen(bundle.model, tok, o.threads);
  auto on_text = [&](std::string_view s) {
    if (o.json) return;
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
  };
  const GenerateResult r = gen.generate(prompt, g, on_text);
  const double decode_tps = r.decode_seconds > 0 ? static_cast<double>(r.new_ids.size()) / r.decode_seconds : 0.0;
  const double prefill_tps = r.prefill_seconds > 0 ? static_cast<double>(r.prompt_ids.size()) / r.prefill_seconds : 0.0;
  if (o.json) {
    nlohmann::json j;
    j["model"] = model_path;
    j["prompt_ids"] = r.prompt_ids;
    j["new_ids"] = r.new_ids;
    j["text"] = r.text;
    j["stop_reason"] = r.stop_reason;
    j["backend"] = cuda::describe(cuda::probe_device());
    j["timings"] = {{"prefill_seconds", r.prefill_seconds}, {"decode_seconds", r.decode_seconds},
                    {"prefill_tokens_per_second", prefill_tps}, {"decode_tokens_per_second", decode_tps}};
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << "\n";
    if (!o.quiet)
      std::fprintf(stderr, "[%zu prompt tokens, %zu new tokens, prefill %.1f tok/s, decode %.1f tok/s, stop: %s; backend %s]\n",
                   r.prompt_ids.size(), r.new_ids.size(), prefill_tps, decode_tps, r.stop_reason.c_str(),
                   cuda::describe(cuda::probe_device()).c_str());
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
