#include "bench_hogwild.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <span>

#include "backend/backend.h"
#include "common/error.h"
#include "model/model.h"
#include "sampling/sampler.h"

namespace hogwild {

namespace {

struct Row {
  double ms_per_pass = 0, aggregate_tps = 0, per_worker_tps = 0, host_us = 0;
};

// W workers in lock-step over the combined layout: a prompt of 64 tokens in common, then `passes` passes of one
// token per worker (argmax of the logits; no step merges, which cost O(step) once per step).
Row run(Backend& backend, int workers, int passes, bool stats) {
  const ModelConfig& c = backend.config();
  auto cache = backend.create_cache(Layout(LayoutKind::Combined, workers));
  cache->set_stats_enabled(stats);
  std::vector<int32_t> prompt(64);
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = 1 + static_cast<int32_t>(i * 131) % (c.vocab_size - 1);
  backend.prefill(*cache, cache->layout().first_block(), prompt, 512, nullptr);
  const int max_passes = static_cast<int>(std::min<int64_t>(passes, (c.context_length - 64) / workers - 1));
  for (int w = 0; w < workers; ++w) cache->reserve(cache->layout().own_block(w), max_passes + 1);
  std::vector<std::vector<int32_t>> rows(static_cast<size_t>(workers));
  for (int w = 0; w < workers; ++w) rows[static_cast<size_t>(w)] = {2 + w};
  std::vector<float> logits(static_cast<size_t>(workers) * c.vocab_size);
  auto* cuda = dynamic_cast<CudaBackend*>(&backend);
  std::vector<double> host;
  const auto t0 = std::chrono::steady_clock::now();
  for (int p = 0; p < max_passes; ++p) {
    backend.forward(*cache, PassTarget::workers(), ForwardBatch::from_rows(rows), logits.data(), LogitsMode::LastSlot);
    if (cuda) host.push_back(cuda->last_timings().host_us);
    for (int w = 0; w < workers; ++w)
      rows[static_cast<size_t>(w)] = {argmax(std::span<const float>(logits.data() + static_cast<size_t>(w) * c.vocab_size, static_cast<size_t>(c.vocab_size)))};
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Row r;
  r.ms_per_pass = s * 1e3 / max_passes;
  r.aggregate_tps = workers * max_passes / s;
  r.per_worker_tps = r.aggregate_tps / workers;
  if (!host.empty()) {
    std::sort(host.begin(), host.end());
    r.host_us = host[host.size() / 2];
  }
  return r;
}

}  // namespace

nlohmann::json bench_hogwild(const std::vector<std::pair<std::string, std::string>>& models, const HogwildBenchOptions& o) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, path] : models) {
    const Model m = load_model(path);
    BackendOptions bo;
    bo.choice = o.backend;
    bo.threads = o.threads;
    bo.cuda = o.cuda;
    const BackendSelection sel = select_backend(m, bo);
    std::printf("\nHogwild! lock-step passes, combined layout, %s: %s\n", name.c_str(), sel.describe().c_str());
    std::printf("%-14s %3s %6s %12s %14s %14s %10s %10s\n", "model", "W", "stats", "ms/pass", "aggregate t/s", "per-worker t/s", "vs W=1",
                "host us");
    for (bool stats : {false, true}) {
      double base = 0;
      for (int w : o.workers) {
        if (w < 1 || w > 8) throw ConfigError("--workers: W must be between 1 and 8 (got " + std::to_string(w) + ")");
        Row best;
        for (int rep = 0; rep < o.repeats; ++rep) {
          const Row r = run(*sel.backend, w, o.passes, stats);
          if (r.aggregate_tps > best.aggregate_tps) best = r;
        }
        if (w == 1 || base == 0) base = best.aggregate_tps;
        std::printf("%-14s %3d %6s %12.3f %14.1f %14.1f %9.2fx %10.1f\n", name.c_str(), w, stats ? "on" : "off", best.ms_per_pass,
                    best.aggregate_tps, best.per_worker_tps, best.aggregate_tps / base, best.host_us);
        const BackendInfo info = sel.backend->info();
        out.push_back({{"model", name}, {"workers", w}, {"stats", stats}, {"ms_per_pass", best.ms_per_pass},
                       {"aggregate_tokens_per_second", best.aggregate_tps}, {"per_worker_tokens_per_second", best.per_worker_tps},
                       {"speedup_vs_w1", best.aggregate_tps / base}, {"host_us_median", best.host_us},
                       {"backend", backend_kind_name(info.kind)}, {"device", info.device}});
      }
    }
  }
  return out;
}

}  // namespace hogwild
