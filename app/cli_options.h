#pragma once
// Command-line options of hogwild-cli, parsed strictly: an unknown flag or a bad value is one clear error.
#include <optional>
#include <string>
#include <vector>

#include "sampling/sampler.h"

namespace hogwild::app {

struct CliOptions {
  std::string model, tokenizer;
  std::optional<std::string> prompt;
  std::string prompt_file;
  std::optional<std::string> tokenize;  // --tokenize TEXT
  std::optional<bool> chat;             // --chat / --no-chat; unset: on when the model has a chat template
  std::string system;                   // --system TEXT (plain generation with a chat template)
  int new_tokens = 256;
  SamplingParams sampling;
  bool sampling_overridden = false;     // any sampling flag given (overrides the preset's)
  int threads = 0;
  std::string backend = "auto";         // --backend auto|cpu|cuda
  std::optional<bool> bos;              // --bos / --no-bos; unset: as the model says
  bool json = false;
  bool quiet = false;
  std::string log_level = "warn";
  // Hogwild
  int workers = 0;                      // 0: plain generation unless a preset/layout is given
  std::string layout;
  std::string preset;
  long max_passes = -1;
  std::string events_file;
  bool no_stats = false;
  bool show_help = false, show_version = false;
};

// Throws ConfigError("...") naming the flag.
CliOptions parse_cli(const std::vector<std::string>& args);
const char* cli_usage();

}  // namespace hogwild::app
