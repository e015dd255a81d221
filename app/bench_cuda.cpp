#include "bench_cuda.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "common/error.h"
#include "cuda/cuda_api.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_hogwild.h"
#include "hogwild/layout.h"
#include "model/model.h"

namespace hogwild {

namespace {

using cuda::DevType;

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

DevType parse_type(const std::string& s) {
  if (s == "f32") return DevType::F32;
  if (s == "f16") return DevType::F16;
  if (s == "bf16") return DevType::BF16;
  throw ConfigError("--kv-type: f32, f16 or bf16 (got '" + s + "')");
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Fills the combined layout of `W` workers to `ctx` tokens in all: every worker has a 32-token step, headers 8,
// markers 4; common holds the rest. Returns the total.
int64_t fill_context(CudaHogwild& h, int ctx) {
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

}  // namespace

nlohmann::json bench_cuda(const CudaBenchOptions& o) {
  const auto status = cuda::probe_device();
  if (!status.usable) throw Error("--backend cuda: no usable CUDA device (" + status.reason + ")");
  auto create_ops = reinterpret_cast<HogwildCudaCreateOpsV1>(cuda::plugin_symbol("hogwild_cuda_create_ops_v1"));
  char err[1024] = {0};
  std::unique_ptr<cuda::DeviceOps> ops(create_ops ? create_ops(err, sizeof err) : nullptr);
  if (!ops) throw Error(std::string("--backend cuda: ") + (err[0] ? err : "the plugin has no ops entry point"));
  const double copy_gbs = ops->copy_bandwidth_gbs(size_t{2} << 30, 10);
  ops.reset();
  const DevType kv = parse_type(o.kv_type);
  CudaOptions co;
  co.kv_type = kv;
  co.kernel = o.kernel == "simple" ? cuda::AttentionKernel::Simple : cuda::AttentionKernel::Fast;

  nlohmann::json out;
  out["device"] = status.device_name;
  out["copy_gbs"] = copy_gbs;
  out["kv_type"] = o.kv_type;
  out["weights"] = "bf16";
  out["kernel"] = o.kernel;
  out["passes"] = nlohmann::json::array();
  std::printf("CUDA: %s, copy bandwidth %.0f GB/s (1 GiB+1 GiB D2D, read+write), KV %s, weights bf16 (random, on device)\n",
              status.device_name.c_str(), copy_gbs, o.kv_type.c_str());
  std::printf("%-9s %2s %6s %9s %9s %9s %11s %11s %10s %9s %6s %6s\n", "model", "W", "ctx", "ms med", "ms p10", "ms p90", "agg tok/s",
              "tok/s/wkr", "MB/pass", "GB/s", "%bw", "vsW1");
  for (const auto& name : o.models) {
    const ModelConfig c = shape(name);
    std::vector<double> w1_tps(o.contexts.size(), 0.0);
    for (int W : o.workers) {
      std::string why;
      auto h = CudaHogwild::create_random(c, DevType::BF16, Layout(LayoutKind::Combined, W), co, 7, &why);
      if (!h) throw Error("--backend cuda: " + name + " W=" + std::to_string(W) + ": " + why);
      std::vector<float> logits(static_cast<size_t>(W) * c.vocab_size);
      for (size_t ci = 0; ci < o.contexts.size(); ++ci) {
        const int ctx = o.contexts[ci];
        h->reset();
        const int64_t total = fill_context(*h, ctx);
        for (int w = 0; w < W; ++w) {
          const int own = h->layout().own_block(w);
          h->reserve(own, h->block_length(own) + o.passes + 8);  // no growth copies inside the timed passes
        }
        h->set_worker_pass();
        std::vector<double> wall, dev;
        for (int p = 0; p < o.passes + 3; ++p) {
          const ForwardBatch b = one_token_each(W, c.vocab_size, p);
          const auto t0 = std::chrono::steady_clock::now();
          h->forward(b, logits.data());
          const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
          if (p >= 3) wall.push_back(ms), dev.push_back(h->last_forward_ms());
        }
        const double med = percentile(wall, 0.5), p10 = percentile(wall, 0.1), p90 = percentile(wall, 0.9);
        const double keys = static_cast<double>(total) + 0.5 * o.passes * W;  // mean cache size over the timed passes
        const double bytes = static_cast<double>(h->weight_bytes()) + keys * static_cast<double>(h->kv_bytes_per_token());
        const double gbs = bytes / (med * 1e-3) / 1e9;
        const double agg = W / (med * 1e-3);
        if (W == 1) w1_tps[ci] = agg;
        const double vs = w1_tps[ci] > 0 ? agg / w1_tps[ci] : 0.0;
        std::printf("%-9s %2d %6d %9.3f %9.3f %9.3f %11.1f %11.1f %10.1f %9.0f %5.1f%% %5.2fx\n", name.c_str(), W, ctx, med, p10, p90, agg,
                    agg / W, bytes / 1e6, gbs, 100.0 * gbs / copy_gbs, vs);
        out["passes"].push_back({{"model", name}, {"workers", W}, {"context", ctx}, {"ms_median", med}, {"ms_p10", p10}, {"ms_p90", p90},
                                 {"device_ms_median", percentile(dev, 0.5)}, {"aggregate_tokens_per_second", agg},
                                 {"per_worker_tokens_per_second", agg / W}, {"bytes_per_pass", bytes}, {"achieved_gbs", gbs},
                                 {"percent_of_copy_bandwidth", 100.0 * gbs / copy_gbs}, {"speedup_vs_w1", vs}});
        std::fflush(stdout);
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
      const int ctx = 16384;
      std::string why;
      auto plain = CudaHogwild::create_attention_only(c.n_layers, c.n_kv_heads, c.n_heads, c.head_dim, rope,
                                                      Layout(LayoutKind::Contiguous, 1), c.context_length, co, &why);
      if (!plain) throw Error("--backend cuda: " + why);
      plain->fill_block_random(0, ctx - 1, 5);
      plain->set_prefill(0);
      const double plain_ms = plain->time_attention(ForwardBatch::from_rows({{1}}), 50, true);
      for (int W : {2, 4}) {
        auto h = CudaHogwild::create_attention_only(c.n_layers, c.n_kv_heads, c.n_heads, c.head_dim, rope, Layout(LayoutKind::Combined, W),
                                                    c.context_length, co, &why);
        if (!h) throw Error("--backend cuda: " + why);
        fill_context(*h, ctx - W);
        h->set_worker_pass();
        const double ms = h->time_attention(one_token_each(W, 2, 0), 50, false);
        const double goal = W == 2 ? 1.15 : 1.3;
        std::printf("%-9s %2d %6d %12.1f %12.1f %7.2fx %6.2fx\n", name.c_str(), W, ctx, ms * 1e3, plain_ms * 1e3, ms / plain_ms, goal);
        out["attention"].push_back({{"model", name}, {"workers", W}, {"context", ctx}, {"hogwild_us", ms * 1e3}, {"plain_us", plain_ms * 1e3},
                                    {"ratio", ms / plain_ms}, {"goal", goal}});
      }
    }
  }
  return out;
}

}  // namespace hogwild
