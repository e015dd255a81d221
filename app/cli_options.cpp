#include "cli_options.h"

#include <charconv>
#include <cmath>

#include "backend/backend_select.h"
#include "common/error.h"

namespace hogwild::app {

namespace {
template <typename T>
T parse_number(const std::string& flag, const std::string& v) {
  T out{};
  const char* end = v.data() + v.size();
  auto [p, ec] = std::from_chars(v.data(), end, out);
  if (ec != std::errc() || p != end) throw ConfigError(flag + ": '" + v + "' is not a valid number");
  return out;
}
}  // namespace

const char* cli_usage() {
  return R"(usage: hogwild-cli [--model PATH] [--tokenizer PATH] [--prompt TEXT | --prompt-file F] [options]

Generates text with a GGUF model (llama, qwen2, qwen3 families: SmolLM2, Qwen2.5, Qwen3, DeepSeek-R1-Distill,
QwQ, ...), a llama2.c .bin checkpoint or a Hugging Face folder (config.json + safetensors). Without --model the
default model (stories260K) is used: from the model folder, downloaded on first use, or from ../shared/models
offline. The generated text goes to stdout; the speed line and messages go to stderr.

  --model PATH        model file (.gguf, llama2.c .bin) or Hugging Face folder
  --tokenizer PATH    tokenizer: SentencePiece .model, llama2.c tokenizer .bin, a Hugging Face tokenizer folder
                      (tokenizer.json, or vocab.json + merges.txt) or one of its files, a .tiktoken file (or
                      Llama 3's tokenizer.model); default: the model's own vocabulary or one beside it
  --prompt TEXT       prompt text (default: empty, i.e. generation starts from BOS)
  --prompt-file F     read the prompt from a file
  --chat, --no-chat   wrap the prompt in the model's chat template (default: on when the model has one, i.e. for
                      instruct models; plain generation only)
  --system TEXT       system message for --chat
  -n, --new-tokens N  tokens to generate per worker (plain generation; default 256)
  --temp T            temperature, 0 = greedy (default 0.8)
  --top-k K           keep the K most likely tokens, 0 = off (default 40)
  --top-p P           nucleus sampling in (0,1] (default 0.95)
  --min-p M           drop tokens below M x the top probability (default 0.05)
  --repeat-penalty R  repetition penalty, 1 = off (default 1)
  --seed S            random seed (default 42)
  --threads N         CPU threads (default: all)
  --backend B         auto (default): CUDA when a device is usable, else the CPU (the banner says why);
                      cpu; cuda: fail with one line when CUDA cannot run the model
  --bos, --no-bos     start the prompt with BOS or not (default: as the model says, e.g. GGUF add_bos_token)
  --json              print one JSON object (ids, text, timings) instead of streaming text
  --tokenize TEXT     print the token ids and pieces of TEXT as JSON and exit (needs --tokenizer or --model;
                      nothing is downloaded)
  --log-level L       trace, debug, info, warn (default), error, off
  --quiet             no speed line on stderr
Hogwild! Inference (several workers over one shared KV cache):
  --workers N         number of workers 1..8 (default: the preset's)
  --layout L          contiguous | interleaved | combined (default: the preset's)
  --preset P          collaboration preset: a shipped name (tiny-stories, smollm2-hogwild, qwen25-hogwild,
                      hogwild-paper, ...), a JSON file, or auto (default): the preset recommended for the model
  --max-passes N      budget in forward passes (each gives one token per worker)
  --events FILE       write every engine event as one JSON object per line
  --no-stats          do not compute attention statistics
  --version, --help
)";
}

CliOptions parse_cli(const std::vector<std::string>& args) {
  CliOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw ConfigError(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") o.show_help = true;
    else if (a == "--version") o.show_version = true;
    else if (a == "--model" || a == "-m") o.model = value();
    else if (a == "--tokenizer" || a == "-z") o.tokenizer = value();
    else if (a == "--prompt" || a == "-p" || a == "-i") o.prompt = value();
    else if (a == "--prompt-file") o.prompt_file = value();
    else if (a == "--tokenize") o.tokenize = value();
    else if (a == "--chat") o.chat = true;
    else if (a == "--no-chat") o.chat = false;
    else if (a == "--system") o.system = value();
    else if (a == "-n" || a == "--new-tokens") o.new_tokens = parse_number<int>(a, value());
    else if (a == "--temp" || a == "-t") { o.sampling.temperature = parse_number<float>(a, value()); o.sampling_overridden = true; }
    else if (a == "--top-k") { o.sampling.top_k = parse_number<int>(a, value()); o.sampling_overridden = true; }
    else if (a == "--top-p") { o.sampling.top_p = parse_number<float>(a, value()); o.sampling_overridden = true; }
    else if (a == "--min-p") { o.sampling.min_p = parse_number<float>(a, value()); o.sampling_overridden = true; }
    else if (a == "--repeat-penalty") { o.sampling.repetition_penalty = parse_number<float>(a, value()); o.sampling_overridden = true; }
    else if (a == "--seed" || a == "-s") { o.sampling.seed = parse_number<uint64_t>(a, value()); o.sampling_overridden = true; }
    else if (a == "--threads") o.threads = parse_number<int>(a, value());
    else if (a == "--backend") o.backend = value();
    else if (a == "--bos") o.bos = true;
    else if (a == "--no-bos") o.bos = false;
    else if (a == "--json") o.json = true;
    else if (a == "--quiet") o.quiet = true;
    else if (a == "--log-level") o.log_level = value();
    else if (a == "--workers") o.workers = parse_number<int>(a, value());
    else if (a == "--layout") o.layout = value();
    else if (a == "--preset") o.preset = value();
    else if (a == "--max-passes") o.max_passes = parse_number<long>(a, value());
    else if (a == "--events") o.events_file = value();
    else if (a == "--no-stats") o.no_stats = true;
    else throw ConfigError("unknown option '" + a + "' (see --help)");
  }
  if (o.prompt && !o.prompt_file.empty()) throw ConfigError("--prompt and --prompt-file cannot be used together");
  if (!o.system.empty() && o.chat == false) throw ConfigError("--system needs the chat template (drop --no-chat)");
  if (o.new_tokens < 0) throw ConfigError("-n: the number of new tokens must be >= 0");
  if (o.threads < 0) throw ConfigError("--threads must be >= 0");
  parse_backend_choice(o.backend);  // one clear line for a bad value
  if (o.workers < 0 || o.workers > 8) throw ConfigError("--workers must be between 1 and 8 (got " + std::to_string(o.workers) + ")");
  if (!o.layout.empty() && o.layout != "contiguous" && o.layout != "interleaved" && o.layout != "combined")
    throw ConfigError("--layout must be contiguous, interleaved or combined (got '" + o.layout + "')");
  if (o.max_passes == 0 || o.max_passes < -1) throw ConfigError("--max-passes must be a positive number");
  o.sampling.validate();
  return o;
}

}  // namespace hogwild::app
