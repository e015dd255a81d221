// hogwild-bench: speed of the engine, printed as a table and written as JSON.
//   Single-stream CPU decode and prefill tokens/s for stories260K and random-weight models of the llama2.c
//   stories15M / stories110M shapes (written by the program itself), and Hogwild! lock-step passes for
//   W workers (--workers 1,2,4,8): aggregate and per-worker tokens/s, ms per pass, statistics on and off.
//   --model FILE benchmarks any GGUF (repeatable); --quant q4_0,q8_0,... writes the random shapes in those types;
//   --kernels dequant|scalar|avx2|vnni picks the CPU matmul kernels (A/B against the former dequantizing path).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <sys/resource.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_cuda.h"
#include "bench_hogwild.h"
#include "bench_long_context.h"
#include "common/error.h"
#include "cpu/ops.h"
#include "cpu/quant_dot.h"
#include "cpu/sequence_cache.h"
#include "cpu/transformer.h"
#include "backend/backend_select.h"
#include "cuda/plugin_loader.h"
#include "model/default_model.h"
#include "model/gguf_writer.h"
#include "model/model.h"
#include "sampling/sampler.h"

using namespace hogwild;
namespace fs = std::filesystem;

namespace {

struct BenchOptions {
  std::vector<std::string> models{"stories260K", "stories15M", "stories110M"};
  std::vector<std::string> files;         // --model FILE: any GGUF, named by its file name
  std::vector<std::string> quants{"f32"};  // weight types of the random shapes
  std::string kernels;                     // "": the best the CPU runs
  std::vector<int> workers;  // empty: single-stream only
  int threads = 0;
  int decode_tokens = 128;
  int prefill_tokens = 128;
  int repeats = 3;
  std::string json_out = "hogwild-bench.json";
  std::string backend = "cpu";
  std::string model_dir;
  CudaBenchOptions cuda;  // --backend cuda
  LongContextOptions long_context;  // --long-prompt N (without --models: only this part runs)
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

DType parse_quant(const std::string& q) {
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                  DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    std::string name = dtype_name(t);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name == q) return t;
  }
  throw ConfigError("--quant: '" + q + "' is not one of f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k");
}

// The model file of a benchmark shape: the real stories260K, or a random-weight GGUF in `quant`, written once
// (atomically) and reused.
std::string model_path(const std::string& name, const std::string& quant, const std::string& dir) {
  if (name == "stories260K") return ensure_default_model().model;
  const fs::path p = fs::path(dir) / (name + "-random-" + quant + ".gguf");
  if (!fs::exists(p)) {
    std::cerr << "writing " << p.string() << " ...\n";
    fs::create_directories(dir);
    const fs::path tmp = p.string() + ".tmp";
    write_random_llama_gguf(tmp.string(), shape(name), parse_quant(quant), 1234);
    fs::rename(tmp, p);
  }
  return p.string();
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct PlainResult {
  double prefill_tps = 0, decode_tps = 0, decode_ms = 0;
  double prefill_own_tps = 0;  // prefill with OpenBLAS off (the engine's own kernels: tile kernels or row kernels)
  double first_prefill_ms = 0;  // the first prefill after loading: includes paging the mapped weights in
  double pack_ms = 0;            // constructing the Transformer: packing the weights (cpu/packed_weights.h)
  double packed_mb = 0;
};

PlainResult bench_plain(const Model& m, const BenchOptions& o) {
  const double t_pack = now_s();
  cpu::Transformer tf(m, o.threads);
  PlainResult best;
  best.pack_ms = (now_s() - t_pack) * 1e3;
  best.packed_mb = static_cast<double>(tf.packed().bytes()) / 1e6;
  const auto& c = m.config;
  const int prefill = std::min(o.prefill_tokens, c.context_length / 2);
  const int decode = std::min(o.decode_tokens, c.context_length - prefill - 1);
  std::vector<float> logits(static_cast<size_t>(c.vocab_size));
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
    if (rep == 0) best.first_prefill_ms = prefill_s * 1e3;
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
    else if (a == "--model") o.files.push_back(value());
    else if (a == "--quant") o.quants = split(value());
    else if (a == "--kernels") o.kernels = value();
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
    else if (a == "--weights") o.cuda.weights = split(value());
    else if (a == "--no-graphs") o.cuda.graphs = false;
    else if (parse_long_context_option(a, value, o.long_context)) continue;
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: hogwild-bench [--models stories260K,stories15M,stories110M] [--quant f32,q8_0,q4_0,...]\n"
                   "                     [--model FILE.gguf]... [--kernels dequant|scalar|avx2|vnni] [--workers 1,2,4,8] [--threads N]\n"
                   "                     [--decode-tokens N] [--prefill-tokens N] [--repeats N] [--json FILE]\n"
                   "                     [--model-dir DIR] [--backend auto|cpu|cuda]\n"
                   "  --backend cpu (default): single-stream CPU tables, then Hogwild W tables (with --workers)\n"
                   "  --backend cuda: Hogwild W tables of the --model files given, then random models of real shapes:\n"
                   "                  [--cuda-models llama-1b,llama-8b] [--weights q4_k,bf16] [--workers 1,2,4,8]\n"
                   "                  [--contexts 1024,4096,16384] [--passes N] [--kv-type bf16|f16|f32]\n"
                   "                  [--attention-kernel fast|simple] [--no-attention-bench] [--no-graphs]\n"
                   "  --backend auto: cuda when a device is usable, else cpu (the JSON says which and why)\n"
                   "  long context (CPU): --long-prompt N --long-model FILE [--long-decode N] [--long-workers 2,4]\n"
                   "                  [--long-caches plain,hogwild] [--prefill-chunk N] [--long-attention-only]\n";
      std::exit(0);
    } else throw ConfigError("unknown option '" + a + "'");
  }
  bool models_given = false;
  for (int i = 1; i < argc; ++i) models_given = models_given || std::string(argv[i]) == "--models";
  if (!o.files.empty() && !models_given) o.models.clear();  // --model alone: only those files
  if (!o.kernels.empty()) {
    cpu::KernelLevel level;
    if (!cpu::parse_kernel_level(o.kernels, level)) throw ConfigError("--kernels: dequant, scalar, avx2 or vnni (got '" + o.kernels + "')");
    if (level > cpu::detected_kernel_level())
      throw ConfigError("--kernels " + o.kernels + ": this CPU runs at most " + cpu::kernel_level_name(cpu::detected_kernel_level()));
    cpu::set_kernel_level(level);
  }
  parse_backend_choice(o.backend);
  if (o.backend == "auto") {
    const cuda::DeviceStatus s = cuda::probe_device();
    o.backend = s.usable ? "cuda" : "cpu";
    std::printf("--backend auto: %s\n", s.usable ? ("CUDA: " + s.device_name).c_str() : ("CPU (" + s.reason + ")").c_str());
  }
  if (o.backend == "cuda" && !o.workers.empty()) o.cuda.workers = o.workers;
  if (o.long_context.prompt_tokens > 0 && !models_given) o.models.clear();  // --long-prompt alone: only that part
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
      if (!o.files.empty()) {  // real model files (--model FILE) through the CUDA backend
        std::vector<std::pair<std::string, std::string>> paths;
        for (const auto& f : o.files) paths.emplace_back(fs::path(f).filename().string(), f);
        HogwildBenchOptions h{o.cuda.workers, o.threads, o.decode_tokens, o.repeats, BackendChoice::Cuda, {}};
        h.cuda.graphs = o.cuda.graphs;
        out["hogwild"] = bench_hogwild(paths, h);
      }
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
    out["cuda_status"] = cuda::describe_availability(cuda::probe_device());
    out["threads"] = threads;
    out["kernels"] = cpu::kernel_level_name(cpu::kernel_level());
    cpu::set_blas_threads(threads);
    out["blas_threads"] = cpu::blas_threads();
    out["single_stream"] = nlohmann::json::array();
    if (!o.models.empty() || !o.files.empty()) {
      std::printf("Single-stream CPU (%d threads, %s kernels)\n", threads, cpu::kernel_level_name(cpu::kernel_level()));
      std::printf("%-30s %8s %9s %8s %8s %14s %14s %14s %12s\n", "model", "params", "file MB", "load ms", "pack ms", "prefill tok/s",
                  "(own kernel)", "decode tok/s", "ms/token");
    }
    std::vector<std::pair<std::string, std::string>> paths;
    for (const auto& name : o.models) {
      for (const auto& q : o.quants) {
        if (name == "stories260K" && q != o.quants.front()) continue;  // the real file has one type
        paths.emplace_back(name == "stories260K" ? name : name + "-" + q, model_path(name, q, o.model_dir));
      }
    }
    for (const auto& f : o.files) paths.emplace_back(fs::path(f).filename().string(), f);
    for (const auto& [name, path] : paths) {
      const double t_load = now_s();
      const Model m = load_model(path);
      const double load_ms = (now_s() - t_load) * 1e3;
      int64_t params = 0;
      params += m.weights.token_embd.numel() + m.weights.output_norm.numel();
      if (!m.config.tied_output) params += m.weights.output.numel();
      for (const auto& l : m.weights.layers)
        for (const TensorView* t : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.w_gate, &l.w_down, &l.w_up})
          params += t->numel();
      const double file_mb = static_cast<double>(fs::file_size(path)) / 1e6;
      const PlainResult r = bench_plain(m, o);
      std::printf("%-30s %7.1fM %9.1f %8.1f %8.1f %14.1f %14.1f %14.1f %12.3f\n", name.c_str(), params / 1e6, file_mb, load_ms,
                  r.pack_ms, r.prefill_tps, r.prefill_own_tps, r.decode_tps, r.decode_ms);
      out["single_stream"].push_back({{"model", name}, {"file", path}, {"params", params}, {"file_mb", file_mb},
                                      {"load_ms", load_ms}, {"pack_ms", r.pack_ms}, {"packed_mb", r.packed_mb},
                                      {"first_prefill_ms", r.first_prefill_ms},
                                      {"prefill_tokens_per_second", r.prefill_tps},
                                      {"prefill_own_kernel_tokens_per_second", r.prefill_own_tps},
                                      {"decode_tokens_per_second", r.decode_tps}, {"ms_per_token", r.decode_ms},
                                      {"peak_rss_mb_so_far", peak_rss_mb()}});
    }
    if (!o.workers.empty() && !paths.empty()) {
      HogwildBenchOptions h{o.workers, threads, o.decode_tokens, o.repeats, BackendChoice::Cpu, {}};
      out["hogwild"] = bench_hogwild(paths, h);
    }
    if (o.long_context.prompt_tokens > 0) {
      LongContextOptions lc = o.long_context;
      lc.threads = threads;
      out["long_context"] = bench_long_context(lc);
    }
    std::ofstream(o.json_out) << out.dump(2) << "\n";
    std::printf("JSON written to %s\n", o.json_out.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "hogwild-bench: " << e.what() << "\n";
    return 1;
  }
}
