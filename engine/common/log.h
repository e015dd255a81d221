#pragma once
// One spdlog logger per subsystem ("model", "tokenizer", "cpu", "hogwild", "cuda", "app", "ui").
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace hogwild {

// Returns the named logger, creating it (stderr sink, shared level) on first use. Thread-safe.
std::shared_ptr<spdlog::logger> logger(const std::string& subsystem);

// Sets the level of every logger (existing and future): "trace", "debug", "info", "warn", "error", "off".
void set_log_level(const std::string& level);

// Adds a sink to every logger (existing and future); the GUI's log panel uses this.
void add_log_sink(std::shared_ptr<spdlog::sinks::sink> sink);

}  // namespace hogwild
