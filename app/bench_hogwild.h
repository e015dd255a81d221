#pragma once
// The Hogwild part of hogwild-bench: lock-step passes of W workers over the shared block cache.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace hogwild {

struct HogwildBenchOptions {
  std::vector<int> workers;
  int threads = 0;
  int passes = 128;
  int repeats = 3;
};

// models: (name, path). Prints a table; returns the rows as JSON.
nlohmann::json bench_hogwild(const std::vector<std::pair<std::string, std::string>>& models, const HogwildBenchOptions& o);

}  // namespace hogwild
