// Fuzz target: session/event JSON lines (docs/EVENTS.md), as a saved session or a newer version's log presents them.
// Arbitrary text -> nlohmann parse -> event_from_json, which must reject anything invalid (an unknown type
// included) with a ConfigError. An accepted event must round-trip through event_to_json unchanged. A number beyond
// an integer field's range, an array element included, must be rejected, never converted with undefined behaviour
// (findings F2 and F6; UBSan reports such a conversion).
#include <string>
#include <variant>

#include "common/error.h"
#include "fuzz_common.h"
#include "hogwild/event_json.h"

using namespace hogwild;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
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
    for (size_t b = 0; b < F; ++b)
      FUZZ_CHECK(stats->block_owner[b] >= -1 && stats->block_owner[b] < stats->workers && stats->block_lengths[b] >= 0,
                 "a block is shared or owned by a worker, and has a length >= 0");
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
