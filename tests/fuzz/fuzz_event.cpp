// Fuzz target: session/event JSON lines (docs/EVENTS.md), as a saved session or a newer version's log presents them.
// Arbitrary text -> nlohmann parse -> event_from_json, which must reject anything invalid (an unknown type
// included) with a ConfigError. An accepted event must round-trip through event_to_json unchanged. A number beyond
// an integer field's range must be rejected, never converted with undefined behaviour (finding F2; UBSan reports
// such a conversion).
#include <cmath>
#include <string>
#include <variant>

#include "common/error.h"
#include "fuzz_common.h"
#include "hogwild/event_json.h"

using namespace hogwild;

namespace {

// Open finding F6 (docs/RELIABILITY.md): the ELEMENTS of a stats event's block_owner (int) and block_lengths
// (int64) are still read with get<>(), so a float beyond their range there is converted with undefined behaviour.
// Only such inputs are skipped, until engine/hogwild/event_json.cpp range-checks those elements too; every other
// field is fuzzed strictly (F2 is fixed for them). Remove this filter then.
bool has_unchecked_block_number(const nlohmann::json& j) {
  if (!j.is_object()) return false;
  for (const auto& [key, limit] : {std::pair{"block_owner", 2147483647.0}, std::pair{"block_lengths", 9.2e18}}) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array()) continue;
    for (const auto& v : *it)
      if (v.is_number_float() && !(std::abs(v.get<double>()) < limit)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || has_unchecked_block_number(j)) return 0;
  EngineEvent e;
  try {
    e = event_from_json(j);
  } catch (const ConfigError&) {
    return 0;
  }
  // Finding F4: what readers index by worker and block must be consistent in an accepted stats event.
  if (const auto* stats = std::get_if<StatsEvent>(&e)) {
    FUZZ_CHECK(stats->workers >= 1 && stats->layers >= 1 && stats->heads >= 1, "a stats event has a positive shape");
    const size_t F = stats->block_names.size();
    FUZZ_CHECK(F >= 1 && stats->block_owner.size() == F && stats->block_lengths.size() == F,
               "a stats event has one owner and one length per block");
    FUZZ_CHECK(stats->mass.size() == static_cast<size_t>(stats->workers) * static_cast<size_t>(stats->layers) *
                                         static_cast<size_t>(stats->heads) * F,
               "a stats event's mass is [workers][layers][heads][blocks]");
  }
  const nlohmann::json out = event_to_json(e);
  const nlohmann::json again = event_to_json(event_from_json(out));
  FUZZ_CHECK(again.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) ==
                 out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
             "event_to_json -> event_from_json round trip is lossless");
  return 0;
}
