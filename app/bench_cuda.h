#pragma once
// hogwild-bench --backend cuda: Hogwild! lock-step passes on the GPU for random-weight models of real shapes
// generated on the device (Llama-3.2-1B and Llama-3.1-8B shapes) in each weight type asked for (q4_k, bf16, …: kept
// in their file layout), W workers × context lengths — aggregate tok/s, % of the copy-bandwidth roofline, the host
// setup time per pass — and the attention microbenchmark (the Hogwild kernel vs the same kernel as plain
// single-block causal attention over the same total KV, at each context).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hogwild {

struct CudaBenchOptions {
  std::vector<std::string> models{"llama-1b", "llama-8b"};
  std::vector<std::string> weights{"q4_k", "bf16"};  // weight types of the random models
  std::vector<int> workers{1, 2, 4, 8};
  std::vector<int> contexts{1024, 4096, 16384};
  int passes = 20;          // timed passes per configuration (after 3 warm-up passes)
  std::string kv_type = "bf16";
  std::string kernel = "fast";  // or "simple"
  bool attention = true;    // attention microbenchmark (W = 2, 4 at each context ≥ 4096)
  bool graphs = true;       // decode passes as CUDA graphs
};

// Prints the tables; returns {"device", "copy_gbs", "passes": [...], "attention": [...]}.
// Throws hogwild::Error when no CUDA device is usable.
nlohmann::json bench_cuda(const CudaBenchOptions& o);

}  // namespace hogwild
