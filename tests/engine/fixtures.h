#pragma once
// Where the tests find the model fixtures (../shared/models by default, CMake cache HOGWILD_MODELS_DIR).
// A missing fixture is a test FAILURE, never a skip.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace hogwild::test {

// $HOGWILD_MODELS_DIR overrides the build's folder (the GPU bundle carries its own fixtures).
inline std::string models_dir() {
  if (const char* e = std::getenv("HOGWILD_MODELS_DIR"); e && *e) return e;
  return HOGWILD_MODELS_DIR;
}

// Returns the path of a fixture below models_dir(); records a fatal failure when it does not exist.
inline std::string fixture(const std::string& relative) {
  const std::string p = models_dir() + "/" + relative;
  if (!std::filesystem::exists(p)) {
    ADD_FAILURE() << "missing model fixture " << p << " (set -DHOGWILD_MODELS_DIR to the shared models folder)";
  }
  return p;
}

inline std::string source_dir() { return HOGWILD_SOURCE_DIR; }

}  // namespace hogwild::test
