#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "common/error.h"

namespace hogwild {

void SamplingParams::validate() const {
  auto bad = [](const std::string& field, const std::string& why) { throw ConfigError("sampling: " + field + " " + why); };
  if (!(temperature >= 0.f) || !std::isfinite(temperature)) bad("temperature", "must be >= 0 (got " + std::to_string(temperature) + ")");
  if (top_k < 0) bad("top_k", "must be >= 0 (got " + std::to_string(top_k) + ")");
  if (!(top_p > 0.f && top_p <= 1.f)) bad("top_p", "must be in (0, 1] (got " + std::to_string(top_p) + ")");
  if (!(min_p >= 0.f && min_p <= 1.f)) bad("min_p", "must be in [0, 1] (got " + std::to_string(min_p) + ")");
  if (!(repetition_penalty > 0.f) || !std::isfinite(repetition_penalty))
    bad("repetition_penalty", "must be > 0 (got " + std::to_string(repetition_penalty) + ")");
  if (repetition_window < 0) bad("repetition_window", "must be >= 0");
}

int32_t argmax(std::span<const float> v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

Sampler::Sampler(const SamplingParams& params, uint64_t stream) : params_(params) {
  params_.validate();
  std::seed_seq seq{static_cast<uint32_t>(params.seed), static_cast<uint32_t>(params.seed >> 32),
                    static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)};
  rng_.seed(seq);
}

int32_t Sampler::sample(std::span<float> logits, std::span<const int32_t> recent, std::span<const int32_t> banned) {
  const auto n = static_cast<int32_t>(logits.size());
  if (params_.repetition_penalty != 1.f) {
    const size_t from = recent.size() > static_cast<size_t>(params_.repetition_window) ? recent.size() - params_.repetition_window : 0;
    std::vector<int32_t> seen(recent.begin() + static_cast<ptrdiff_t>(from), recent.end());
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (int32_t id : seen) {
      if (id < 0 || id >= n) continue;
      float& l = logits[static_cast<size_t>(id)];
      l = l > 0 ? l / params_.repetition_penalty : l * params_.repetition_penalty;
    }
  }
  for (int32_t id : banned)
    if (id >= 0 && id < n) logits[static_cast<size_t>(id)] = -std::numeric_limits<float>::infinity();

  // Probabilities at temperature (1 for greedy, only for the candidate display).
  const float temp = params_.temperature > 0.f ? params_.temperature : 1.f;
  const float mx = *std::max_element(logits.begin(), logits.end());
  last_probs_.resize(static_cast<size_t>(n));
  double sum = 0;
  for (int32_t i = 0; i < n; ++i) {
    const float p = std::exp((logits[static_cast<size_t>(i)] - mx) / temp);
    last_probs_[static_cast<size_t>(i)] = p;
    sum += p;
  }
  for (auto& p : last_probs_) p = static_cast<float>(p / sum);
  if (params_.temperature == 0.f) return argmax(logits);

  // Candidate set sorted by probability; truncation by top-k, then top-p, then min-p.
  candidates_.clear();
  const float pmax = *std::max_element(last_probs_.begin(), last_probs_.end());
  for (int32_t i = 0; i < n; ++i) {
    const float p = last_probs_[static_cast<size_t>(i)];
    if (p > 0.f && (params_.min_p <= 0.f || p >= params_.min_p * pmax)) candidates_.emplace_back(p, i);
  }
  if (candidates_.empty()) return argmax(logits);
  auto by_prob = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  size_t keep = candidates_.size();
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < keep) {
    keep = static_cast<size_t>(params_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<ptrdiff_t>(keep), candidates_.end(), by_prob);
  } else if (params_.top_p < 1.f) {
    // Only the prefix up to the top-p cut is needed: sort a growing prefix (64, 256, ... candidates) until it
    // holds mass top_p. The order is a strict total order, so the prefix equals that of a full sort.
    size_t k = std::min<size_t>(64, keep);
    for (;;) {
      std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<ptrdiff_t>(k), candidates_.end(), by_prob);
      double cum = 0;
      for (size_t i = 0; i < k; ++i) cum += candidates_[i].first;
      if (cum >= params_.top_p || k == keep) break;
      k = std::min(keep, k * 4);
    }
  } else {
    std::sort(candidates_.begin(), candidates_.end(), by_prob);
  }
  candidates_.resize(keep);
  if (params_.top_p < 1.f) {
    double cum = 0;
    size_t cut = candidates_.size();
    for (size_t i = 0; i < candidates_.size(); ++i) {
      cum += candidates_[i].first;
      if (cum >= params_.top_p) {
        cut = i + 1;
        break;
      }
    }
    candidates_.resize(cut);
  }
  double total = 0;
  for (const auto& c : candidates_) total += c.first;
  std::uniform_real_distribution<double> uni(0.0, total);
  const double r = uni(rng_);
  double acc = 0;
  for (const auto& c : candidates_) {
    acc += c.first;
    if (r < acc) return c.second;
  }
  return candidates_.back().second;
}

std::pair<float, int> Sampler::last_rank(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= last_probs_.size()) return {-1.f, 0};
  const float p = last_probs_[static_cast<size_t>(id)];
  int above = 0;
  for (size_t i = 0; i < last_probs_.size(); ++i) {
    const float q = last_probs_[i];
    above += q > p || (q == p && static_cast<int32_t>(i) < id);
  }
  return {p, above + 1};
}

std::vector<std::pair<int32_t, float>> Sampler::last_top(int k) const {
  std::vector<std::pair<int32_t, float>> out;
  if (last_probs_.empty() || k <= 0) return out;
  std::vector<int32_t> idx(last_probs_.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int32_t>(i);
  const size_t kk = std::min(idx.size(), static_cast<size_t>(k));
  std::partial_sort(idx.begin(), idx.begin() + static_cast<ptrdiff_t>(kk), idx.end(),
                    [&](int32_t a, int32_t b) { return last_probs_[static_cast<size_t>(a)] > last_probs_[static_cast<size_t>(b)]; });
  for (size_t i = 0; i < kk; ++i) out.emplace_back(idx[i], last_probs_[static_cast<size_t>(idx[i])]);
  return out;
}

}  // namespace hogwild
