#pragma once
// The Hogwild! part of hogwild-cli: runs a HogwildSession with a live terminal view and an optional JSONL
// event log.
#include <string>

#include <nlohmann/json.hpp>

#include "backend/backend_select.h"
#include "cli_options.h"
#include "generation/model_bundle.h"

namespace hogwild::app {

// True when the options ask for Hogwild (workers, preset or layout given).
bool wants_hogwild(const CliOptions& o);
int run_hogwild_cli(const CliOptions& o, ModelBundle& bundle, const std::string& prompt);
// The backend of --backend (auto falls back to the CPU; cuda without CUDA throws one line).
BackendSelection select_cli_backend(const CliOptions& o, const Model& model);
// {"name": "cpu"|"cuda", "device": …, "description": …, "fallback": …}: what computed the tokens.
nlohmann::json backend_json(const BackendSelection& s);

}  // namespace hogwild::app
