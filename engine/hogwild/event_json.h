#pragma once
// Engine events <-> JSON objects (one per line in a .jsonl event log; schema in docs/EVENTS.md).
#include <nlohmann/json.hpp>

#include "hogwild/events.h"

namespace hogwild {

nlohmann::json event_to_json(const EngineEvent& e);
// Throws ConfigError naming the problem for an object that is not a valid event.
EngineEvent event_from_json(const nlohmann::json& j);

}  // namespace hogwild
