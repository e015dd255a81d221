#pragma once
// The Hogwild part of hogwild-bench: lock-step passes of W workers over the shared block cache, through the backend
// interface (CPU, or CUDA for real model files: --backend cuda --models smollm2.gguf).
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/backend_select.h"

namespace hogwild {

struct HogwildBenchOptions {
  std::vector<int> workers;
  int threads = 0;
  int passes = 128;
  int repeats = 3;
  BackendChoice backend = BackendChoice::Cpu;
  CudaOptions cuda;
};

// models: (name, path). Prints a table; returns the rows as JSON (each names the backend that ran it).
nlohmann::json bench_hogwild(const std::vector<std::pair<std::string, std::string>>& models, const HogwildBenchOptions& o);

}  // namespace hogwild
