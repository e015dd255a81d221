#pragma once
// The seeded generator of multi-step arithmetic word problems (`hogwild-lab generate arithmetic --n 100 --seed 1`).
// The same (options, seed) gives the same problems on every platform: the generator uses its own SplitMix64 stream
// and integer arithmetic only, never the standard library's distributions.
#include <cstdint>

#include "lab/problem_set.h"

namespace hogwild::lab {

struct ArithmeticOptions {
  int count = 100;
  uint64_t seed = 1;
  int min_steps = 2;   // operations after the starting amount
  int max_steps = 4;
  int max_start = 30;  // the starting amount is in [2, max_start]
};

// Problems "arith-<seed>-<i>", numeric check, tags {"arithmetic", "steps:<k>"}. Every intermediate amount stays a
// non-negative integer (subtractions never go below zero, divisions are exact "shared equally" steps).
// Throws ConfigError for counts/steps out of range.
ProblemSet generate_arithmetic(const ArithmeticOptions& options);

}  // namespace hogwild::lab
