#include "bench_cuda.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "common/error.h"
#include "cuda/cuda_backend.h"
#include "cuda/plugin_loader.h"
#include "hogwild/layout.h"
#include "model/model.h"

namespace hogwild {

namespace {

ModelConfig shape(const std::string& name) {
  ModelConfig c;
  c.architecture = "llama";
  c.name = name;
  c.rope_style = RopeStyle::NeoX;
  c.rope_theta = 500000.f;
  c.rms_eps = 1e-5f;
  c.context_length = 131072;
  if (name == "llama-1b") {  // Llama-3.2-1B
    c.dim = 2048, c.n_layers = 16, c.n_heads = 32, c.n_kv_heads = 8, c.head_dim = 64, c.hidden_dim = 8192;
    c.vocab_size = 128256, c.tied_output = true;
  } else if (name == "llama-8b") {  // Llama-3.1-8B
    c.dim = 4096, c.n_layers = 32, c.n_heads = 32, c.n_kv_heads = 8, c.head_dim = 128, c.hidden_dim = 14336;
    c.vocab_size = 128256, c.tied_output = false;
  } else {
    throw ConfigError("unknown CUDA benchmark model '" + name + "' (llama-1b, llama-8b)");
  }
  c.rope_dim = c.head_dim;
  return c;
}

DType parse_type(const std::string& s, bool kv) {
  if (s == "f32") return DType::F32;
  if (s == "f16") return DType::F16;
  if (s == "bf16") return DType::BF16;
  if (!kv) {
    if (s == "q8_0") return DType::Q8_0;
    if (s == "q4_0") return DType::Q4_0;
    if (s == "q4_1") return DType::Q4_1;
    if (s == "q4_k") return DType::Q4_K;
    if (s == "q5_k") return DType::Q5_K;
    if (s == "q6_k") return DType::Q6_K;
  }
  throw ConfigError(std::string(kv ? "--kv-type" : "--weights") + ": unknown type '" + s + "'");
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Fills the combined layout of W workers to `ctx` tokens in all: every worker has a 32-token step, headers 8,
// markers 4; common holds the rest. Returns the total.
int64_t fill_context(CudaCache& h, int ctx) {
  const Layout& lay = h.layout();
  int64_t rest = 0;
  std::vector<std::pair<int, int64_t>> fills;
  for (int X = 0; X < lay.num_blocks(); ++X) {
    const auto& b = lay.block(X);
    int64_t n = 0;
    if (b.role == BlockRole::Step) n = 32;
    else if (b.role == BlockRole::HdrOthers || b.role == BlockRole::HdrOwn) n = 8;
    else if (b.role == BlockRole::Marker) n = 4;
    if (X != lay.first_block()) fills.emplace_back(X, n), rest += n;
  }
  const int64_t common = std::max<int64_t>(16, ctx - rest);
  h.fill_block_random(lay.first_block(), common, 11);
  for (auto [X, n] : fills)
    if (n > 0) h.fill_block_random(X, n, 100 + static_cast<uint64_t>(X));
  return common + rest;
}

ForwardBatch one_token_each(int W, int vocab, int pass) {
  std::vector<std::vector<int32_t>> rows(static_cast<size_t>(W));
  for (int w = 0; w < W; ++w) rows[static_cast<size_t>(w)] = {static_cast<int32_t>((1 + 7919 * (pass * W + w)) % vocab)};
  return ForwardBatch::from_rows(rows);
}

double copy_bandwidth() {
  const HwcApi* api = cuda::plugin_api();
  HwcStatus st{};
  HwcOps* ops = api->ops_create(&st);
  if (!ops) throw BackendError(std::string("--backend cuda: ") + st.message);
  double gbs = 0;
  const int32_t rc = api->op_copy_bandwidth(ops, size_t{2} << 30, 10, &gbs, &st);
  api->ops_destroy(ops);
  CudaBackend::check(rc, st, "copy bandwidth");
  return gbs;
}

}  // namespace

nlohmann::json bench_cuda(const CudaBenchOptions& o) {
  const auto status = cuda::probe_device();
  if (!status.usable) throw Error("--backend cuda: CUDA is not available: " + status.reason);
  const double copy_gbs = copy_bandwidth();
  CudaOptions co;
  co.kv_type = parse_type(o.kv_type, true);
  co.kernel = o.kernel == "simple" ? CudaAttentionKernel::Simple : CudaAttentionKernel::Fast;
  co.graphs = o.graphs;

  nlohmann::json out;
  out["backend"] = "cuda";
  out["device"] = status.device_name;
  out["copy_gbs"] = copy_gbs;
  out["kv_type"] = o.kv_type;
  out["kernel"] = o.kernel;
  out["graphs"] = o.graphs;
  out["passes"] = nlohmann::json::array();
  std::printf("CUDA: %s, copy bandwidth %.0f GB/s (1 GiB+1 GiB D2D, read+write), KV %s, random weights generated on the device, "
              "graphs %s\n",
              status.device_name.c_str(), copy_gbs, o.kv_type.c_str(), o.graphs ? "on" : "off");
  std::printf("%-9s %-5s %2s %6s %9s %9s %9s %11s %11s %10s %9s %6s %6s %8s\n", "model", "wts", "W", "ctx", "ms med", "ms p10", "ms p90",
              "agg tok/s", "tok/s/wkr", "MB/pass", "GB/s", "%bw", "vsW1", "host us");
  for (const auto& name : o.models) {
    const ModelConfig c = shape(name);
    for (const auto& wname : o.weights) {
      std::string why;
      auto backend = CudaBackend::create_random(c, parse_type(wname, false), co, 7, &why);
      if (!backend) throw Error("--backend cuda: " + name + " " + wname + ": " + why);
      std::vector<double> w1_tps(o.contexts.size(), 0.0);
      for (int W : o.workers) {
        auto cache = backend->create_cuda_cache(Layout(LayoutKind::Combined, W));
        std::vector<float> logits(static_cast<size_t>(W) * c.vocab_size);
        for (size_t ci = 0; ci < o.contexts.size(); ++ci) {
          const int ctx = o.contexts[ci];
          cache->reset();
          const int64_t total = fill_context(*cache, ctx);
          for (int w = 0; w < W; ++w) {
            const int own = cache->layout().own_block(w);
            cache->reserve(own, cache->block_length(own) + o.passes + 8);  // no growth copies inside the timed passes
          }
          std::vector<double> wall, dev, host;
          for (int p = 0; p < o.passes + 3; ++p) {
            const ForwardBatch b = one_token_each(W, c.vocab_size, p);
            const auto t0 = std::chrono::steady_clock::now();
            backend->forward(*cache, PassTarget::workers(), b, logits.data(), LogitsMode::LastSlot);
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            const CudaTimings t = backend->last_timings();
            if (p >= 3) wall.push_back(ms), dev.push_back(t.device_ms), host.push_back(t.host_us);
          }
          const double med = percentile(wall, 0.5), p10 = percentile(wall, 0.1), p90 = percentile(wall, 0.9);
          const double keys = static_cast<double>(total) + 0.5 * o.passes * W;  // mean cache size over the timed passes
          const double bytes = static_cast<double>(backend->weight_bytes()) + keys * static_cast<double>(cache->kv_bytes_per_token());
          const double gbs = bytes / (med * 1e-3) / 1e9;
          const double agg = W / (med * 1e-3);
          if (W == 1) w1_tps[ci] = agg;
          const double vs = w1_tps[ci] > 0 ? agg / w1_tps[ci] : 0.0;
          const double host_med = percentile(host, 0.5);
          std::printf("%-9s %-5s %2d %6d %9.3f %9.3f %9.3f %11.1f %11.1f %10.1f %9.0f %5.1f%% %5.2fx %8.1f\n", name.c_str(), wname.c_str(), W,
                      ctx, med, p10, p90, agg, agg / W, bytes / 1e6, gbs, 100.0 * gbs / copy_gbs, vs, host_med);
          out["passes"].push_back({{"model", name}, {"weights", wname}, {"workers", W}, {"context", ctx}, {"ms_median", med}, {"ms_p10", p10},
                                   {"ms_p90", p90}, {"device_ms_median", percentile(dev, 0.5)}, {"host_us_median", host_med},
                                   {"aggregate_tokens_per_second", agg}, {"per_worker_tokens_per_second", agg / W}, {"bytes_per_pass", bytes},
                                   {"weight_bytes", backend->weight_bytes()}, {"achieved_gbs", gbs},
                                   {"percent_of_copy_bandwidth", 100.0 * gbs / copy_gbs}, {"speedup_vs_w1", vs},
                                   {"graph_replayed", backend->last_timings().graph == 1}});
          std::fflush(stdout);
        }
      }
    }
  }

  out["attention"] = nlohmann::json::array();
  if (o.attention) {
    std::printf("\nAttention microbenchmark: one layer, mean of 50 launches (device events); plain = the same kernel as ordinary\n"
                "single-block causal attention of ONE sequence over the same total KV (no rotation)\n");
    std::printf("%-9s %2s %6s %12s %12s %8s %7s\n", "model", "W", "ctx", "hogwild us", "plain us", "ratio", "goal");
    for (const auto& name : o.models) {
      const ModelConfig c = shape(name);
      const Rope rope = Rope::for_model(c);
      for (int ctx : o.contexts) {
        if (ctx < 4096) continue;
        std::string why;
        auto backend = CudaBackend::create_attention_only(c.n_layers, c.n_kv_heads, c.n_heads, c.head_dim, rope, c.context_length, co, &why);
        if (!backend) throw Error("--backend cuda: " + why);
        auto plain = backend->create_cuda_cache(Layout(LayoutKind::Contiguous, 1));
        plain->fill_block_random(0, ctx - 1, 5);
        const double plain_ms = backend->time_attention(*plain, PassTarget::prefill(0), ForwardBatch::from_rows({{1}}), 50, true);
        plain.reset();
        for (int W : {2, 4}) {
          auto h = backend->create_cuda_cache(Layout(LayoutKind::Combined, W));
          fill_context(*h, ctx - W);
          const double ms = backend->time_attention(*h, PassTarget::workers(), one_token_each(W, 2, 0), 50, false);
          const double goal = W == 2 ? 1.15 : 1.3;
          std::printf("%-9s %2d %6d %12.1f %12.1f %7.2fx %6.2fx\n", name.c_str(), W, ctx, ms * 1e3, plain_ms * 1e3, ms / plain_ms, goal);
          out["attention"].push_back({{"model", name}, {"workers", W}, {"context", ctx}, {"hogwild_us", ms * 1e3}, {"plain_us", plain_ms * 1e3},
                                      {"ratio", ms / plain_ms}, {"goal", goal}});
        }
      }
    }
  }
  return out;
}

}  // namespace hogwild
