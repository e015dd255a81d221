// test-backend-ops for the CUDA plugin (label "gpu"): every CUDA op against the CPU op on random inputs, then the
// Hogwild attention against the CPU HogwildAttention (every layout, W, GQA shape, KV type, both kernels, merges,
// multi-token left-padded passes, statistics), then end to end on stories260K.
//
//   test_backend_ops            all checks; exit 0 = all passed, 1 = a failure, 77 = no CUDA device (SKIPPED)
//   test_backend_ops perf       op timings on the device (no checks)
//   test_backend_ops -f NAME    only the checks whose name contains NAME
//
// Error measure: normalized MSE = Σ(gpu − cpu)² / Σ cpu², with a tolerance per op and type; each tolerance says why.
// The model fixture comes from $HOGWILD_MODELS_DIR when set (the device machine), else the build's fixture path.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/tensor.h"
#include "common/thread_pool.h"
#include "cpu/ops.h"
#include "cpu/rope.h"
#include "cpu/sequence_cache.h"
#include "cpu/transformer.h"
#include "cuda/cuda_api.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_hogwild.h"
#include "hogwild/hogwild_attention.h"
#include "model/model.h"
#include "sampling/sampler.h"

using namespace hogwild;
using cuda::DevType;

namespace {

int g_failures = 0, g_checks = 0;
std::string g_filter;
std::mt19937 g_rng(1234);

bool selected(const std::string& name) { return g_filter.empty() || name.find(g_filter) != std::string::npos; }

std::vector<float> randn(size_t n, float scale = 1.f) {
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> x(n);
  for (auto& e : x) e = d(g_rng);
  return x;
}

double nmse(const float* a, const float* ref, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(a[i])) return INFINITY;  // NaN never passes
    const double d = static_cast<double>(a[i]) - ref[i];
    num += d * d;
    den += static_cast<double>(ref[i]) * ref[i];
  }
  return den > 0 ? num / den : num;
}

void report(const std::string& name, double err, double tol) {
  ++g_checks;
  const bool ok = err <= tol;
  if (!ok) ++g_failures;
  std::printf("  %-64s nmse %9.3e  tol %8.1e  %s\n", name.c_str(), err, tol, ok ? "OK" : "FAIL");
}

void check_bool(const std::string& name, bool ok, const std::string& detail) {
  ++g_checks;
  if (!ok) ++g_failures;
  std::printf("  %-64s %s %s\n", name.c_str(), ok ? "OK" : "FAIL", detail.c_str());
}

// Host storage of a matrix in a DevType, with the TensorView the CPU ops read.
struct TypedMatrix {
  std::vector<uint8_t> bytes;
  TensorView view;
  cuda::HostMatrix host;
};

TypedMatrix make_matrix(DevType t, int64_t rows, int64_t cols, float scale) {
  TypedMatrix m;
  const auto v = randn(static_cast<size_t>(rows * cols), scale);
  const size_t es = static_cast<size_t>(cuda::dev_type_size(t));
  m.bytes.resize(v.size() * es);
  for (size_t i = 0; i < v.size(); ++i) {
    if (t == DevType::F32) std::memcpy(&m.bytes[i * 4], &v[i], 4);
    else {
      const uint16_t h = t == DevType::F16 ? fp32_to_fp16(v[i]) : fp32_to_bf16(v[i]);
      std::memcpy(&m.bytes[i * 2], &h, 2);
    }
  }
  m.view.name = "w";
  m.view.type = t == DevType::F32 ? DType::F32 : t == DevType::F16 ? DType::F16 : DType::BF16;
  m.view.dims = {cols, rows};
  m.view.data = m.bytes.data();
  m.view.nbytes = m.bytes.size();
  m.host = cuda::HostMatrix{t, rows, cols, m.bytes.data()};
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
void test_ops(cuda::DeviceOps& ops) {
  ThreadPool pool(2);
  std::printf("ops\n");
  for (auto [n, dim] : {std::pair<int, int>{3, 64}, {7, 2048}, {40, 128}}) {
    const std::string name = "rmsnorm n=" + std::to_string(n) + " dim=" + std::to_string(dim);
    if (!selected(name)) continue;
    auto x = randn(static_cast<size_t>(n) * dim), w = randn(static_cast<size_t>(dim));
    std::vector<float> ref(x.size()), out(x.size());
    cpu::rmsnorm(ref.data(), x.data(), w.data(), n, dim, 1e-5f);
    ops.rmsnorm(x.data(), w.data(), n, dim, 1e-5f, out.data());
    report(name, nmse(out.data(), ref.data(), out.size()), 1e-12);  // fp32, different summation order only
  }
  for (DevType t : {DevType::F32, DevType::F16, DevType::BF16}) {
    for (auto [vocab, dim] : {std::pair<int, int>{512, 64}, {1000, 2048}}) {
      const std::string name = std::string("embed ") + cuda::dev_type_name(t) + " vocab=" + std::to_string(vocab) + " dim=" + std::to_string(dim);
      if (!selected(name)) continue;
      auto m = make_matrix(t, vocab, dim, 1.f);
      std::vector<int32_t> tok = {0, 5, -1, vocab - 1, 17, 3};
      std::vector<float> ref(tok.size() * dim, 0.f), out(ref.size());
      for (size_t i = 0; i < tok.size(); ++i)
        if (tok[i] >= 0) dequantize_row(m.view.type, m.view.row_ptr(tok[i]), ref.data() + i * dim, dim);
      ops.embed(m.host, tok.data(), static_cast<int64_t>(tok.size()), out.data());
      report(name, nmse(out.data(), ref.data(), out.size()), 0.0);  // exact conversion
    }
  }
  for (DevType t : {DevType::F32, DevType::F16, DevType::BF16}) {
    for (auto [rows, cols, n] : {std::tuple<int, int, int>{64, 64, 1}, {512, 288, 33}, {2048, 2048, 4}, {8192, 2048, 8}}) {
      const std::string name = std::string("gemm ") + cuda::dev_type_name(t) + " " + std::to_string(rows) + "x" + std::to_string(cols) +
                               " n=" + std::to_string(n);
      if (!selected(name)) continue;
      auto m = make_matrix(t, rows, cols, 1.f / std::sqrt(static_cast<float>(cols)));
      auto x = randn(static_cast<size_t>(n) * cols);
      std::vector<float> ref(static_cast<size_t>(n) * rows), out(ref.size());
      cpu::matmul(m.view, x.data(), n, ref.data(), pool);
      ops.gemm(m.host, x.data(), n, out.data());
      // f32: summation order only. f16: x rounded to 11 bits (≈2.4e-4 relative) → nmse ≈ 2e-8. bf16: x rounded to
      // 8 bits (≈2e-3 relative) → nmse ≈ 1e-6. Tolerances leave 10× margin.
      const double tol = t == DevType::F32 ? 1e-10 : t == DevType::F16 ? 1e-6 : 3e-5;
      report(name, nmse(out.data(), ref.data(), out.size()), tol);
    }
  }
  {
    const std::string name = "swiglu n=100000";
    if (selected(name)) {
      auto g = randn(100000, 3.f), u = randn(100000), ref = g;
      cpu::swiglu(ref.data(), u.data(), 100000);
      ops.swiglu(g.data(), u.data(), 100000);
      report(name, nmse(g.data(), ref.data(), g.size()), 1e-12);  // expf vs std::exp: ≤ 1 ulp
    }
    const std::string name2 = "add n=100000";
    if (selected(name2)) {
      auto y = randn(100000), x = randn(100000), ref = y;
      for (size_t i = 0; i < ref.size(); ++i) ref[i] += x[i];
      ops.add(y.data(), x.data(), 100000);
      report(name2, nmse(y.data(), ref.data(), y.size()), 0.0);
    }
  }
  for (RopeStyle style : {RopeStyle::Interleaved, RopeStyle::NeoX}) {
    for (auto [hd, rd, heads] : {std::tuple<int, int, int>{8, 8, 8}, {64, 64, 4}, {128, 128, 8}, {128, 64, 2}}) {
      const std::string name = std::string("rope ") + (style == RopeStyle::NeoX ? "neox" : "interleaved") + " hd=" + std::to_string(hd) +
                               " rope_dim=" + std::to_string(rd);
      if (!selected(name)) continue;
      const Rope rope(hd, rd, 500000.0, style);
      const int rows = 9;
      std::vector<int64_t> pos = {0, 1, 7, 100, 4095, 16383, 40000, -3, -4096};
      auto x = randn(static_cast<size_t>(rows) * heads * hd), ref = x;
      for (int r = 0; r < rows; ++r) rope.rotate(ref.data() + static_cast<size_t>(r) * heads * hd, heads, pos[r]);
      ops.rope(x.data(), rows, heads, hd, rd, style == RopeStyle::NeoX, rope.inv_freq(), pos.data());
      report(name, nmse(x.data(), ref.data(), x.size()), 1e-13);  // same double angles, fp32 rotation
    }
  }
  for (DevType t : {DevType::F16, DevType::BF16}) {
    const std::string name = std::string("kv round trip ") + cuda::dev_type_name(t);
    if (!selected(name)) continue;
    auto x = randn(4096), ref = x;
    ops.round_trip(t, x.data(), 4096);
    // Rounding to 11 (f16) or 8 (bf16) bits: relative error ≤ 2^-11 / 2^-8 → nmse ≤ 2.4e-7 / 1.5e-5.
    report(name, nmse(x.data(), ref.data(), x.size()), t == DevType::F16 ? 1e-7 : 1e-5);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hogwild attention: the same passes (random q/k/v) through the CPU HogwildAttention and the device store.
struct AttnShape {
  int heads, kv, hd;
};

struct AttnScenario {
  LayoutKind kind = LayoutKind::Combined;
  int W = 2;
  AttnShape sh{8, 8, 8};
  DevType kv_type = DevType::F32;
  cuda::AttentionKernel kernel = cuda::AttentionKernel::Fast;
  static constexpr int kLayers = 2;

  std::unique_ptr<HogwildAttention> cpu;
  std::unique_ptr<CudaHogwild> gpu;
  static ThreadPool& pool() {
    static ThreadPool p(0);  // all cores: the CPU reference of the long-prompt cases dominates the run time
    return p;
  }
  double worst = 0, worst_mass = 0;

  bool init(std::string* why) {
    const Rope rope(sh.hd, sh.hd, 10000.0, RopeStyle::NeoX);
    const Layout layout(kind, W);
    cpu = std::make_unique<HogwildAttention>(kLayers, sh.kv, sh.heads, sh.hd, rope, layout, W, 1 << 20, &pool());
    CudaOptions o;
    o.kv_type = kv_type;
    o.kernel = kernel;
    gpu = CudaHogwild::create_attention_only(kLayers, sh.kv, sh.heads, sh.hd, rope, layout, 1 << 20, o, why);
    if (!gpu) return false;
    cpu->set_stats_enabled(true);
    gpu->set_stats_enabled(true);
    return true;
  }

  void pass(const std::vector<int>& counts) {
    const int rows = static_cast<int>(counts.size());
    const int L = *std::max_element(counts.begin(), counts.end());
    std::vector<std::vector<int32_t>> toks(static_cast<size_t>(rows));
    for (int r = 0; r < rows; ++r) toks[static_cast<size_t>(r)].assign(static_cast<size_t>(counts[r]), 7);
    const ForwardBatch b = ForwardBatch::from_rows(toks);
    const size_t qn = static_cast<size_t>(rows) * L * sh.heads * sh.hd, kn = static_cast<size_t>(rows) * L * sh.kv * sh.hd;
    cpu->begin_pass(b);
    gpu->begin_pass(b);
    for (int l = 0; l < kLayers; ++l) {
      auto q = randn(qn), k = randn(kn), v = randn(kn);
      auto q2 = q, k2 = k;
      std::vector<float> oc(qn, 0.f), og(qn, 7.f);
      cpu->attend(l, q.data(), k.data(), v.data(), oc.data());
      gpu->attend(l, q2.data(), k2.data(), v.data(), og.data());
      // Real slots only (padding: anything finite).
      for (int r = 0; r < rows; ++r) {
        const size_t a = (static_cast<size_t>(r) * L + (L - counts[r])) * sh.heads * sh.hd, e = (static_cast<size_t>(r) + 1) * L * sh.heads * sh.hd;
        worst = std::max(worst, nmse(og.data() + a, oc.data() + a, e - a));
      }
    }
    cpu->end_pass();
    gpu->end_pass();
    if (cpu->worker_mode() && cpu->stats().valid()) {
      for (int w = 0; w < W; ++w)
        for (int l = 0; l < kLayers; ++l)
          for (int h = 0; h < sh.heads; ++h)
            for (int X = 0; X < cpu->num_blocks(); ++X)
              worst_mass = std::max(worst_mass, static_cast<double>(std::fabs(cpu->stats().at(w, l, h, X) - gpu->stats_at(w, l, h, X))));
    }
  }

  void prefill(int block, int n) {
    cpu->set_prefill(block);
    gpu->set_prefill(block);
    pass({n});
  }

  void workers(const std::vector<int>& counts) {
    cpu->set_worker_pass();
    gpu->set_worker_pass();
    pass(counts);
  }

  void merge(int w, int64_t n) {
    cpu->merge_step(w, n);
    gpu->merge_step(w, n);
  }

  // prompt (two chunks), constant blocks, several worker passes (multi-token, left padded), merges with split.
  void run(int64_t prompt) {
    const Layout& lay = cpu->layout();
    prefill(lay.first_block(), static_cast<int>(prompt / 2));
    prefill(lay.first_block(), static_cast<int>(prompt - prompt / 2));
    for (const auto& bi : lay.blocks())
      if (bi.constant && (bi.role != BlockRole::Marker || bi.owner == 0)) prefill(lay.find_block(bi.role, bi.owner), 3 + bi.owner + 2);
    if (int m0 = lay.find_block(BlockRole::Marker, 0); m0 >= 0)
      for (int w = 1; w < W; ++w) {
        cpu->copy_block(lay.block_id(BlockRole::Marker, w), m0);
        gpu->copy_block(lay.block_id(BlockRole::Marker, w), m0);
      }
    std::vector<int> counts(static_cast<size_t>(W), 1);
    for (int w = 0; w < W; ++w) counts[static_cast<size_t>(w)] = 1 + (w * 3) % 5;  // openers of different lengths
    workers(counts);
    for (int p = 0; p < 6; ++p) {
      std::fill(counts.begin(), counts.end(), 1);
      if (p == 3) counts[0] = 4;  // a step start: separator + prefix
      workers(counts);
      if (lay.has_steps() && p == 2) {
        merge(0, cpu->block_length(lay.own_block(0)) - 1);  // split: the tail stays (§12b)
        if (W > 1) merge(W - 1, cpu->block_length(lay.own_block(W - 1)));
      }
    }
  }
};

void test_attention() {
  std::printf("hogwild attention (CPU HogwildAttention vs device)\n");
  const AttnShape shapes[] = {{8, 8, 8}, {8, 2, 16}, {32, 8, 64}, {32, 8, 128}, {32, 4, 128}};
  for (auto kernel : {cuda::AttentionKernel::Fast, cuda::AttentionKernel::Simple}) {
    for (DevType kvt : {DevType::F32, DevType::F16, DevType::BF16}) {
      for (const auto& sh : shapes) {
        for (LayoutKind kind : {LayoutKind::Contiguous, LayoutKind::Interleaved, LayoutKind::Combined}) {
          for (int W : {1, 2, 4}) {
            if (kvt != DevType::F32 && (W == 1 || kind != LayoutKind::Combined)) continue;  // low precision: one layout
            const std::string name = std::string(kernel == cuda::AttentionKernel::Fast ? "fast" : "simple") + " kv=" + cuda::dev_type_name(kvt) +
                                     " " + layout_name(kind) + " W=" + std::to_string(W) + " h=" + std::to_string(sh.heads) + "/" +
                                     std::to_string(sh.kv) + " hd=" + std::to_string(sh.hd);
            if (!selected(name)) continue;
            AttnScenario s;
            s.kind = kind, s.W = W, s.sh = sh, s.kv_type = kvt, s.kernel = kernel;
            std::string why;
            if (!s.init(&why)) {
              check_bool(name, false, "device store not created: " + why);
              continue;
            }
            try {
              s.run(kind == LayoutKind::Combined && W == 4 && sh.hd == 128 ? 700 : 61);  // 700: many splits
            } catch (const std::exception& e) {
              check_bool(name, false, e.what());
              continue;
            }
            // f32 KV: fp32 softmax in another order (base-2 online vs max-subtracted): nmse ~1e-13. f16/bf16: the
            // keys and values are rounded once (and again by each merge rotation): nmse ~ 1e-6 / 5e-5.
            const double tol = kvt == DevType::F32 ? 1e-10 : kvt == DevType::F16 ? 2e-5 : 5e-4;
            report(name, s.worst, tol);
            report(name + " mass", s.worst_mass * s.worst_mass, kvt == DevType::F32 ? 1e-10 : 1e-4);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
std::string models_dir() {
  if (const char* e = std::getenv("HOGWILD_MODELS_DIR"); e && *e) return e;
  return HOGWILD_MODELS_DIR;
}

void test_end_to_end() {
  std::printf("end to end (stories260K, f32 weights and KV)\n");
  const std::string path = models_dir() + "/stories260K/stories260K.bin";
  Model model;
  try {
    model = load_model(path);
  } catch (const std::exception& e) {
    check_bool("load stories260K", false, e.what());
    return;
  }
  const ModelConfig& c = model.config;
  CudaOptions o;
  o.kv_type = DevType::F32;
  o.exact = true;
  // Greedy single stream: W = 1, contiguous (prompt block then the own block): tokens identical to the CPU.
  if (selected("e2e greedy W=1")) {
    const Layout layout(LayoutKind::Contiguous, 1);
    std::string why;
    auto gpu = CudaHogwild::create(model, layout, o, &why);
    if (!gpu) {
      check_bool("e2e greedy W=1", false, why);
      return;
    }
    cpu::Transformer tf(model, 2);
    HogwildAttention cpu(c.n_layers, c.n_kv_heads, c.n_heads, c.head_dim, Rope::for_model(c), layout, 1, c.context_length, &tf.pool());
    std::vector<int32_t> prompt = {1, 403, 407, 261, 378};  // BOS + "Once upon a time"-like ids of tok512
    std::vector<float> lc(static_cast<size_t>(c.vocab_size)), lg(lc.size());
    cpu.set_prefill(0);
    gpu->set_prefill(0);
    tf.forward(ForwardBatch::from_rows({prompt}), cpu, lc.data());
    gpu->forward(ForwardBatch::from_rows({prompt}), lg.data());
    cpu.set_worker_pass();
    gpu->set_worker_pass();
    std::vector<int32_t> tc, tg;
    double worst = nmse(lg.data(), lc.data(), lc.size());
    int32_t nc = argmax(lc), ng = argmax(lg);
    for (int i = 0; i < 60 && nc == ng; ++i) {
      tc.push_back(nc), tg.push_back(ng);
      tf.forward(ForwardBatch::from_rows({{nc}}), cpu, lc.data());
      gpu->forward(ForwardBatch::from_rows({{ng}}), lg.data());
      worst = std::max(worst, nmse(lg.data(), lc.data(), lc.size()));
      nc = argmax(lc), ng = argmax(lg);
    }
    check_bool("e2e greedy W=1: 60 tokens identical", tc.size() == 60 && tc == tg,
               std::to_string(tc.size()) + " tokens agree, logits nmse " + std::to_string(worst));
  }
  // W = 2 and 4 in every layout: the CPU's argmax tokens fed to both (teacher forcing), logits compared every pass.
  for (LayoutKind kind : {LayoutKind::Contiguous, LayoutKind::Interleaved, LayoutKind::Combined}) {
    for (int W : {2, 4}) {
      const std::string name = std::string("e2e ") + layout_name(kind) + " W=" + std::to_string(W);
      if (!selected(name)) continue;
      const Layout layout(kind, W);
      std::string why;
      auto gpu = CudaHogwild::create(model, layout, o, &why);
      if (!gpu) {
        check_bool(name, false, why);
        continue;
      }
      cpu::Transformer tf(model, 2);
      HogwildAttention cpu(c.n_layers, c.n_kv_heads, c.n_heads, c.head_dim, Rope::for_model(c), layout, W, c.context_length, &tf.pool());
      cpu.set_stats_enabled(true);
      gpu->set_stats_enabled(true);
      auto prefill = [&](int block, const std::vector<int32_t>& ids) {
        cpu.set_prefill(block);
        gpu->set_prefill(block);
        tf.forward(ForwardBatch::from_rows({ids}), cpu, nullptr);
        gpu->forward(ForwardBatch::from_rows({ids}), nullptr);
      };
      prefill(layout.first_block(), {1, 403, 407, 261, 378, 300, 301});
      for (const auto& bi : layout.blocks())
        if (bi.constant && (bi.role != BlockRole::Marker || bi.owner == 0)) prefill(layout.find_block(bi.role, bi.owner), {13, 13, 35});
      if (int m0 = layout.find_block(BlockRole::Marker, 0); m0 >= 0)
        for (int w = 1; w < W; ++w) {
          cpu.copy_block(layout.block_id(BlockRole::Marker, w), m0);
          gpu->copy_block(layout.block_id(BlockRole::Marker, w), m0);
        }
      cpu.set_worker_pass();
      gpu->set_worker_pass();
      std::vector<std::vector<int32_t>> rows(static_cast<size_t>(W));
      for (int w = 0; w < W; ++w) rows[static_cast<size_t>(w)] = std::vector<int32_t>(static_cast<size_t>(1 + w % 3), 50 + w);
      std::vector<float> lc(static_cast<size_t>(W) * c.vocab_size), lg(lc.size());
      double worst = 0, worst_mass = 0;
      for (int p = 0; p < 12; ++p) {
        const ForwardBatch b = ForwardBatch::from_rows(rows);
        tf.forward(b, cpu, lc.data());
        gpu->forward(b, lg.data());
        worst = std::max(worst, nmse(lg.data(), lc.data(), lc.size()));
        for (size_t i = 0; i < cpu.stats().mass().size(); ++i)
          worst_mass = std::max(worst_mass, static_cast<double>(std::fabs(cpu.stats().mass()[i] - gpu->stats_mass()[i])));
        if (layout.has_steps() && p == 5) {
          cpu.merge_step(0, cpu.block_length(layout.own_block(0)));
          gpu->merge_step(0, gpu->block_length(layout.own_block(0)));
        }
        for (int w = 0; w < W; ++w)
          rows[static_cast<size_t>(w)] = {argmax(std::span<const float>(lc.data() + static_cast<size_t>(w) * c.vocab_size, static_cast<size_t>(c.vocab_size)))};
      }
      // f32 weights and KV; cuBLAS sums in another order than the CPU: logits agree to ~1e-12 nmse.
      report(name + " logits", worst, 1e-9);
      report(name + " mass", worst_mass * worst_mass, 1e-10);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
void perf(cuda::DeviceOps& ops) {
  std::printf("perf\n");
  std::printf("  copy bandwidth (1 GiB D2D, read+write): %.0f GB/s\n", ops.copy_bandwidth_gbs(size_t{1} << 30, 10));
  for (DevType t : {DevType::BF16, DevType::F32}) {
    auto m = make_matrix(t, 8192, 2048, 0.02f);
    auto x = randn(static_cast<size_t>(4) * 2048);
    std::vector<float> y(static_cast<size_t>(4) * 8192);
    ops.gemm(m.host, x.data(), 4, y.data());
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) ops.gemm(m.host, x.data(), 4, y.data());
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 20;
    std::printf("  gemm %s 8192x2048 n=4 incl. host transfers: %.3f ms\n", cuda::dev_type_name(t), ms);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool perf_mode = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "perf") perf_mode = true;
    else if (a == "-f" && i + 1 < argc) g_filter = argv[++i];
  }
  const auto s = cuda::probe_device();
  if (!s.usable) {
    std::printf("SKIPPED: no usable CUDA device: %s\n", s.reason.c_str());
    return 77;
  }
  auto create = reinterpret_cast<HogwildCudaCreateOpsV1>(cuda::plugin_symbol("hogwild_cuda_create_ops_v1"));
  if (!create) {
    std::printf("FAILED: the CUDA plugin %s has no ops entry point\n", s.plugin_path.c_str());
    return 1;
  }
  char err[1024] = {0};
  std::unique_ptr<cuda::DeviceOps> ops(create(err, sizeof err));
  if (!ops) {
    std::printf("FAILED: cannot create the device ops: %s\n", err);
    return 1;
  }
  std::printf("device: %s (plugin %s)\n", ops->device_name().c_str(), s.plugin_path.c_str());
  try {
    if (perf_mode) {
      perf(*ops);
      return 0;
    }
    test_ops(*ops);
    test_attention();
    test_end_to_end();
  } catch (const std::exception& e) {
    std::printf("FAILED with an exception: %s\n", e.what());
    return 1;
  }
  std::printf("%d checks, %d failed\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
