#pragma once
// The Hogwild! part of hogwild-cli: runs a HogwildSession with a live terminal view and an optional JSONL
// event log.
#include <string>

#include "cli_options.h"
#include "generation/model_bundle.h"

namespace hogwild::app {

// True when the options ask for Hogwild (workers, preset or layout given).
bool wants_hogwild(const CliOptions& o);
int run_hogwild_cli(const CliOptions& o, ModelBundle& bundle, const std::string& prompt);

}  // namespace hogwild::app
