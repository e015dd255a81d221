#include "bench_hogwild.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/error.h"
#include "cpu/rope.h"
#include "cpu/transformer.h"
#include "hogwild/hogwild_attention.h"
#include "model/model.h"
#include "sampling/sampler.h"

namespace hogwild {

namespace {

struct Row {
  double ms_per_pass = 0, aggregate_tps = 0, per_worker_tps = 0;
};

// W workers in lock-step over the combined layout: a prompt of 64 tokens in common, then `passes` passes of one
// token per worker (argmax of random logits; no step merges, which cost O(step) once per step).
Row run(const Model& m, int workers, int threads, int passes, bool stats) {
  const ModelConfig& c = m.config;
  cpu::Transformer tf(m, threads);
  HogwildAttention cache(c.n_layers, c.n_kv_heads, c.n_heads, c.head_dim, Rope::for_model(c), Layout(LayoutKind::Combined, workers),
                         workers, c.context_length, &tf.pool());
  cache.set_stats_enabled(stats);
  std::vector<int32_t> prompt(64);
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = 1 + static_cast<int32_t>(i * 131) % (c.vocab_size - 1);
  cache.set_prefill(cache.layout().first_block());
  tf.forward(ForwardBatch::from_rows({prompt}), cache, nullptr);
  cache.set_worker_pass();
  const int max_passes = static_cast<int>(std::min<int64_t>(passes, (c.context_length - 64) / workers - 1));
  std::vector<std::vector<int32_t>> rows(static_cast<size_t>(workers));
  for (int w = 0; w < workers; ++w) rows[static_cast<size_t>(w)] = {2 + w};
  std::vector<float> logits(static_cast<size_t>(workers) * c.vocab_size);
  const auto t0 = std::chrono::steady_clock::now();
  for (int p = 0; p < max_passes; ++p) {
    tf.forward(ForwardBatch::from_rows(rows), cache, logits.data());
    for (int w = 0; w < workers; ++w)
      rows[static_cast<size_t>(w)] = {argmax(std::span<const float>(logits.data() + static_cast<size_t>(w) * c.vocab_size, static_cast<size_t>(c.vocab_size)))};
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Row r;
  r.ms_per_pass = s * 1e3 / max_passes;
  r.aggregate_tps = workers * max_passes / s;
  r.per_worker_tps = r.aggregate_tps / workers;
  return r;
}

}  // namespace

nlohmann::json bench_hogwild(const std::vector<std::pair<std::string, std::string>>& models, const HogwildBenchOptions& o) {
  nlohmann::json out = nlohmann::json::array();
  std::printf("\nHogwild! lock-step passes, combined layout, CPU (%d threads)\n", o.threads);
  std::printf("%-14s %3s %6s %12s %14s %14s %10s\n", "model", "W", "stats", "ms/pass", "aggregate t/s", "per-worker t/s", "vs W=1");
  for (const auto& [name, path] : models) {
    const Model m = load_model(path);
    for (bool stats : {false, true}) {
      double base = 0;
      for (int w : o.workers) {
        if (w < 1 || w > 8) throw ConfigError("--workers: W must be between 1 and 8 (got " + std::to_string(w) + ")");
        Row best;
        for (int rep = 0; rep < o.repeats; ++rep) {
          const Row r = run(m, w, o.threads, o.passes, stats);
          if (r.aggregate_tps > best.aggregate_tps) best = r;
        }
        if (w == 1 || base == 0) base = best.aggregate_tps;
        std::printf("%-14s %3d %6s %12.3f %14.1f %14.1f %9.2fx\n", name.c_str(), w, stats ? "on" : "off", best.ms_per_pass,
                    best.aggregate_tps, best.per_worker_tps, best.aggregate_tps / base);
        out.push_back({{"model", name}, {"workers", w}, {"stats", stats}, {"ms_per_pass", best.ms_per_pass},
                       {"aggregate_tokens_per_second", best.aggregate_tps}, {"per_worker_tokens_per_second", best.per_worker_tps},
                       {"speedup_vs_w1", best.aggregate_tps / base}});
      }
    }
  }
  return out;
}

}  // namespace hogwild
