// hogwild-bench: speed of the engine, printed as a table and written as JSON.
//   Single-stream CPU decode and prefill tokens/s for stories260K and random-weight models of the llama2.c
//   stories15M / stories110M shapes (written by the program itself), and Hogwild! lock-step passes for
//   W workers (--workers 1,2,4,8): aggregate and per-worker tokens/s, ms per pass, statistics on and off.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_cuda.h"
#include "bench_hogwild.h"
#include "common/error.h"
#include "cpu/ops.h"
#include "cpu/sequence_cache.h"
#include "cpu/transformer.h"
#include "cuda/cuda_backend.h"
#include "model/default_model.h"
#include "model/gguf_writer.h"
#include "model/model.h"
#include "sampling/sampler.h"

using namespace hogwild;
namespace fs = std::filesystem;

namespace {

struct BenchOptions {
  std::vector<std::string> models{"stories260K", "stories15M", "stories110M"};
  std::vector<int> workers;  // empty: single-stream only
  int threads = 0;
  int decode_tokens = 128;
  int prefill_tokens = 128;
  int repeats = 3;
  std::string json_out = "hogwild-bench.json";
  std::string backend = "cpu";
  std::string model_dir;
  CudaBenchOptions cuda;  // --backend cuda
};

ModelConfig shape(const std::string& name) {
  ModelConfig c;
  c.architecture = "llama";
  c.name = name + "-random";
  c.vocab_size = 32000;
  c.rope_theta = 10000.f;
  c.rms_eps = 1e-5f;
  c.tied_output = true;
  if (name == "stories15M") {
    c.dim = 288; c.hidden_dim = 768; c.n_layers = 6; c.n_heads = 6; c.n_kv_heads = 6; c.context_length = 256;
  } else if (name == "stories110M") {
    c.dim = 768; c.hidden_dim = 2048; c.n_layers = 12; c.n_heads = 12; c.n_kv_heads = 12; c.context_length = 1024;
  } else {
    throw ConfigError("unknown benchmark model '" + name + "' (stories260K, stories15M, stories110M)");
  }
  c.head_dim = c.dim / c.n_heads;
  c.rope_dim = c.head_dim;
  return c;
}

// The model file of a benchmark shape: the real stories260K, or a random-weight GGUF written once and reused.
std::string model_path(const std::string& name, const std::string& dir) {
  if (name == "stories260K") return ensure_default_model().model;
  const fs::path p = fs::path(dir) / (name + "-random-f32.gguf");
  if (!fs::exists(p)) {
    std::cerr << "writing " << p.string() << " ...\n";
    fs::create_directories(dir);
    write_random_llama_gguf(p.string(), shape(name), DType::F32, 1234);
  }
  return p.string();
}

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct PlainResult {
  double prefill_tps = 0, decode_tps = 0, decode_ms = 0;
  double prefill_own_tps = 0;  // prefill with the engine's row kernel instead of OpenBLAS
};

PlainResult bench_plain(const Model& m, const BenchOptions& o) {
  cpu::Transformer tf(m, o.threads);
  const auto& c = m.config;
  const int prefill = std::min(o.prefill_tokens, c.context_length / 2);
  const int decode = std::min(o.decode_tokens, c.context_length - prefill - 1);
  std::vector<float> logits(static_cast<size_t>(c.vocab_size));
  PlainResult best;
  for (int rep = 0; rep < o.repeats; ++rep) {
    cpu::SequenceCache cache(c, 1, c.context_length, &tf.pool());
    std::vector<int32_t> prompt(static_cast<size_t>(prefill));
    for (int i = 0; i < prefill; ++i) prompt[static_cast<size_t>(i)] = 1 + (i * 7919) % (c.vocab_size - 1);
    double t0 = now_s();
    tf.forward(ForwardBatch::from_rows({prompt}), cache, logits.data());
    const double prefill_s = now_s() - t0;
    t0 = now_s();
    for (int i = 0; i < decode; ++i) {
      const int32_t next = argmax(logits);
      tf.forward(ForwardBatch::from_rows({{next}}), cache, logits.data());
    }
    const double decode_s = now_s() - t0;
    PlainResult r{prefill / prefill_s, decode / decode_s, decode_s * 1e3 / decode};
    if (r.decode_tps > best.decode_tps) best.decode_tps = r.decode_tps, best.decode_ms = r.decode_ms;
    best.prefill_tps = std::max(best.prefill_tps, r.prefill_tps);
    // The same prefill with OpenBLAS off (the engine's own kernel for every matmul).
    cpu::SequenceCache cache2(c, 1, c.context_length, &tf.pool());
    cpu::set_blas_enabled(false);
    t0 = now_s();
    tf.forward(ForwardBatch::from_rows({prompt}), cache2, logits.data());
    best.prefill_own_tps = std::max(best.prefill_own_tps, prefill / (now_s() - t0));
    cpu::set_blas_enabled(true);
  }
  return best;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) if (!item.empty()) out.push_back(item);
  return out;
}

BenchOptions parse(int argc, char** argv) {
  BenchOptions o;
  o.model_dir = (fs::temp_directory_path() / "hogwild-bench-models").string();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw ConfigError(a + " needs a value");
      return argv[++i];
    };
    if (a == "--models") o.models = split(value());
    else if (a == "--workers") { o.workers.clear(); for (auto& w : split(value())) o.workers.push_back(std::stoi(w)); }
    else if (a == "--threads") o.threads = std::stoi(value());
    else if (a == "--decode-tokens") o.decode_tokens = std::stoi(value());
    else if (a == "--prefill-tokens") o.prefill_tokens = std::stoi(value());
    else if (a == "--repeats") o.repeats = std::max(1, std::stoi(value()));
    else if (a == "--json") o.json_out = value();
    else if (a == "--model-dir") o.model_dir = value();
    else if (a == "--backend") o.backend = value();
    else if (a == "--cuda-models") o.cuda.models = split(value());
    else if (a == "--contexts") { o.cuda.contexts.clear(); for (auto& c : split(value())) o.cuda.contexts.push_back(std::stoi(c)); }
    else if (a == "--passes") o.cuda.passes = std::max(1, std::stoi(value()));
    else if (a == "--kv-type") o.cuda.kv_type = value();
    else if (a == "--attention-kernel") o.cuda.kernel = value();
    else if (a == "--no-attention-bench") o.cuda.attention = false;
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: hogwild-bench [--models stories260K,stories15M,stories110M] [--workers 1,2,4,8] [--threads N]\n"
                   "                     [--decode-tokens N] [--prefill-tokens N] [--repeats N] [--json FILE]\n"
                   "                     [--model-dir DIR] [--backend cpu|cuda]\n"
                   "  --backend cuda: [--cuda-models llama-1b,llama-8b] [--workers 1,2,4,8] [--contexts 1024,4096,16384]\n"
                   "                  [--passes N] [--kv-type bf16|f16|f32] [--attention-kernel fast|simple] [--no-attention-bench]\n";
      std::exit(0);
    } else throw ConfigError("unknown option '" + a + "'");
  }
  if (o.backend != "cpu" && o.backend != "cuda") throw ConfigError("--backend: cpu or cuda (got '" + o.backend + "')");
  if (o.backend == "cuda" && !o.workers.empty()) o.cuda.workers = o.workers;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const BenchOptions o = parse(argc, argv);
    if (o.backend == "cuda") {
      nlohmann::json out;
      out["program"] = "hogwild-bench";
      out["version"] = HOGWILD_VERSION;
      out["backend"] = "cuda";
      out["cuda"] = bench_cuda(o.cuda);
      std::ofstream(o.json_out) << out.dump(2) << "\n";
      std::printf("JSON written to %s\n", o.json_out.c_str());
      return 0;
    }
    const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    nlohmann::json out;
    out["program"] = "hogwild-bench";
    out["version"] = HOGWILD_VERSION;
    out["backend"] = "cpu";
    out["cuda_status"] = cuda::describe(cuda::probe_device());
    out["threads"] = threads;
    out["single_stream"] = nlohmann::json::array();
    std::printf("Single-stream CPU (%d threads)\n", threads);
    std::printf("%-14s %8s %14s %14s %14s %12s\n", "model", "params", "prefill tok/s", "(own kernel)", "decode tok/s", "ms/token");
    std::vector<std::pair<std::string, std::string>> paths;
    for (const auto& name : o.models) {
      const std::string path = model_path(name, o.model_dir);
      paths.emplace_back(name, path);
      const Model m = load_model(path);
      int64_t params = 0;
      params += m.weights.token_embd.numel() + m.weights.output_norm.numel();
      if (!m.config.tied_output) params += m.weights.output.numel();
      for (const auto& l : m.weights.layers)
        for (const TensorView* t : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.w_gate, &l.w_down, &l.w_up})
          params += t->numel();
      const PlainResult r = bench_plain(m, o);
      std::printf("%-14s %7.1fM %14.1f %14.1f %14.1f %12.3f\n", name.c_str(), params / 1e6, r.prefill_tps, r.prefill_own_tps,
                  r.decode_tps, r.decode_ms);
      out["single_stream"].push_back({{"model", name}, {"params", params}, {"prefill_tokens_per_second", r.prefill_tps},
                                      {"prefill_own_kernel_tokens_per_second", r.prefill_own_tps},
                                      {"decode_tokens_per_second", r.decode_tps}, {"ms_per_token", r.decode_ms}});
    }
    if (!o.workers.empty()) {
      HogwildBenchOptions h{o.workers, threads, o.decode_tokens, o.repeats};
      out["hogwild"] = bench_hogwild(paths, h);
    }
    std::ofstream(o.json_out) << out.dump(2) << "\n";
    std::printf("JSON written to %s\n", o.json_out.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "hogwild-bench: " << e.what() << "\n";
    return 1;
  }
}
