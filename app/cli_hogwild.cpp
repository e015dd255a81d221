#include "cli_hogwild.h"

#include "common/error.h"

namespace hogwild::app {

bool wants_hogwild(const CliOptions& o) { return o.workers > 0 || !o.preset.empty() || !o.layout.empty(); }

int run_hogwild_cli(const CliOptions&, ModelBundle&, const std::string&) {
  throw ConfigError("Hogwild mode is not built yet");
}

}  // namespace hogwild::app
