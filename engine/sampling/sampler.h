#pragma once
// Token sampling: greedy (temperature 0), temperature, top-k, top-p, min-p, optional repetition penalty,
// with a seeded per-sampler RNG (each Hogwild worker owns one: same seed -> same outputs).
#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

namespace hogwild {

struct SamplingParams {
  float temperature = 0.8f;        // 0 = greedy
  int top_k = 40;                  // 0 = off
  float top_p = 0.95f;             // 1 = off
  float min_p = 0.05f;             // 0 = off
  float repetition_penalty = 1.0f; // 1 = off (llama.cpp/CTRL style: divide positive logits, multiply negative)
  int repetition_window = 64;      // how many recent tokens the penalty looks at
  uint64_t seed = 42;

  // Throws ConfigError naming the field when a value is impossible.
  void validate() const;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params, uint64_t stream = 0);

  // Samples from raw logits (modified in place). `recent` feeds the repetition penalty; `banned` ids get
  // -inf. Returns the token id.
  int32_t sample(std::span<float> logits, std::span<const int32_t> recent = {}, std::span<const int32_t> banned = {});

  // The k most probable tokens of the distribution the last sample() drew from (after temperature,
  // before truncation), as (id, probability) — used for the "next-token candidates" display.
  std::vector<std::pair<int32_t, float>> last_top(int k) const;
  // Probability of `id` in that distribution and its rank (1 = most likely; ties rank by id as in last_top);
  // {-1, 0} before any sample.
  std::pair<float, int> last_rank(int32_t id) const;

  const SamplingParams& params() const { return params_; }

 private:
  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> candidates_;  // scratch: (prob, id)
  std::vector<float> last_probs_;
};

// Index of the largest value (first one on ties).
int32_t argmax(std::span<const float> v);

}  // namespace hogwild
