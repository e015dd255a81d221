#include "bench_hogwild.h"

#include "common/error.h"

namespace hogwild {

nlohmann::json bench_hogwild(const std::vector<std::pair<std::string, std::string>>&, const HogwildBenchOptions&) {
  throw ConfigError("--workers: the Hogwild benchmark is not built yet");
}

}  // namespace hogwild
