// Fuzz target: preset JSON (docs/PRESETS.md). Arbitrary text -> nlohmann parse -> preset_from_json, which must
// reject anything invalid with a ConfigError. An accepted preset must survive preset_to_json -> preset_from_json
// unchanged and render its prompt texts (placeholders) without throwing.
#include <string>

#include "common/error.h"
#include "fuzz_common.h"
#include "hogwild/preset.h"
#include "hogwild/prompt_builder.h"

using namespace hogwild;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  Preset p;
  try {
    p = preset_from_json(j, "fuzz.json");
  } catch (const ConfigError&) {
    return 0;
  }
  p.validate("fuzz.json");  // accepted presets are valid (a throw here is a finding)
  const nlohmann::json out = preset_to_json(p);
  const Preset again = preset_from_json(out, "round trip");
  FUZZ_CHECK(preset_to_json(again) == out, "preset_to_json -> preset_from_json round trip is lossless");
  (void)build_prompt(p, "task");
  for (int w = 0; w < p.workers; ++w) {
    (void)step_prefix(p, w, 1);
    (void)worker_opener(p, w);
    (void)workspace_header(p, w);
  }
  return 0;
}
