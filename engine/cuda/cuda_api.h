#pragma once
// The C++ interface of the CUDA plugin (libhogwild_cuda.so). Included by the plugin (nvcc, C++17) and by the
// engine (g++, C++20): plain C++ only, no CUDA types. Both sides are built by the same compiler against the same
// libstdc++, so a C++ interface behind one C factory per object is safe (docs/CUDA.md, "Plugin API").
//
// Errors: every method may throw std::runtime_error whose what() is one line, e.g.
//   "CUDA: out of memory: cudaMalloc(&p, 2147483648 bytes) at kv_store.cu:61"
// The engine side (cuda_hogwild.h) turns them into hogwild::Error; a failed create returns nullptr + reason
// so that the engine can fall back to the CPU.
#include <cstdint>
#include <string>
#include <vector>

namespace hogwild::cuda {

// Element types the device stores weights and KV in. Quantized file types are dequantized by the ENGINE at
// load (to F16, or F32 for exact parity runs) before they reach the plugin: the plugin sees only these three.
enum class DevType : int32_t { F32 = 0, F16 = 1, BF16 = 2 };
inline const char* dev_type_name(DevType t) { return t == DevType::F32 ? "f32" : t == DevType::F16 ? "f16" : "bf16"; }
inline int dev_type_size(DevType t) { return t == DevType::F32 ? 4 : 2; }

// A row-major host matrix [rows][cols] (rows = output features for weights; a token table has vocab rows).
// data == nullptr with DeviceModelDesc::random_weights: filled on the device (benchmarks, no host file).
struct HostMatrix {
  DevType type = DevType::F32;
  int64_t rows = 0, cols = 0;
  const void* data = nullptr;
};

struct DeviceLayerDesc {
  HostMatrix wq, wk, wv, wo, w_gate, w_up, w_down;
  // fp32 vectors; empty = the model has none (biases: qwen2; q/k norms: qwen3).
  std::vector<float> attn_norm, ffn_norm, bq, bk, bv, q_norm, k_norm;
};

inline constexpr int kMaxRows = 8;     // W ≤ 8 (Layout::kMaxWorkers)
inline constexpr int kMaxBlocks = 32;  // F ≤ 2·8 + 3 = 19

struct DeviceModelDesc {
  int dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, head_dim = 0, vocab_size = 0;
  int rope_dim = 0;            // rotated dims per head (≤ head_dim); the rest pass through
  bool rope_neox = false;      // pairing (d, d+rope_dim/2) instead of (2d, 2d+1)
  std::vector<double> inv_freq;  // rope_dim/2 angular frequencies (frequency factors applied), double (§12f)
  float rms_eps = 1e-5f;
  float softmax_scale = 0.f;   // 0: 1/sqrt(head_dim)
  HostMatrix token_embd;       // [vocab][dim]
  HostMatrix output;           // [vocab][dim]; tied_output: not uploaded twice
  bool tied_output = false;
  std::vector<float> output_norm;
  std::vector<DeviceLayerDesc> layers;
  bool attention_only = false;  // no weights: only the block store and the attention (parity tests)
  bool random_weights = false;  // fill every matrix on the device (HostMatrix data ignored), norms = 1
  DevType random_type = DevType::BF16;
  uint64_t seed = 1;
  // KV cache
  DevType kv_type = DevType::F16;
  int n_blocks = 1;  // F
  int max_rows = 1;  // W
};

// The plan of one pass, built on the host by the engine from the layout and the block lengths (exactly the
// bookkeeping of HogwildAttention::begin_pass). Locations: for view entry e of row r and query slot t,
// loc = entry_pos[e] − len + t; block X of that entry is visible up to key j ≤ loc.
struct PassPlan {
  int32_t rows = 1, len = 1, n_blocks = 1, n_entries = 0;
  int32_t stats = 0;                      // record block masses (worker pass with statistics on)
  int32_t n_real[kMaxRows] = {};          // real tokens of row r: slots len−n_real .. len−1
  int32_t target[kMaxRows] = {};          // block receiving row r's tokens
  int64_t old_len[kMaxBlocks] = {};       // block lengths before the pass
  int64_t new_len[kMaxBlocks] = {};       // after
  int32_t entry_of[kMaxRows][kMaxBlocks]; // view entry of (row, block), −1 when absent
  int64_t entry_pos[kMaxRows * kMaxBlocks] = {};  // running length from the entry's block to the view's end
  int32_t entry_block[kMaxRows * kMaxBlocks] = {};
};

// Which attention kernel the device uses: the split-K kernel (default) or the simple one-CTA-per-query kernel
// (any head_dim ≤ 256; the reference the fast one is checked against on the device).
enum class AttentionKernel : int32_t { Fast = 0, Simple = 1 };

// One Hogwild model on the device: weights, the block KV store and the forward pass.
class DeviceHogwild {
 public:
  virtual ~DeviceHogwild() = default;
  virtual std::string device_name() const = 0;
  virtual size_t weight_bytes() const = 0;  // bytes of weight matrices on the device
  virtual size_t kv_bytes_per_token() const = 0;  // K+V of one token over all layers and KV heads

  // Full forward of rows×len tokens (ForwardBatch layout, −1 = padding) with Hogwild attention. logits:
  // [rows][vocab] (last slot of each row) or [rows*len][vocab] (all_slots); nullptr skips the classifier.
  // Commits plan.new_len as the block lengths. Synchronous.
  virtual void forward(const PassPlan& plan, const int32_t* tokens, float* logits, bool all_slots) = 0;

  // Attention alone over host arrays (the AttentionCache seam; parity tests and the CPU transformer driving the
  // device cache): begin, then every layer once, then end (commits) or abort (drops the pass).
  virtual void attention_begin(const PassPlan& plan) = 0;
  // q [rows*len][n_heads*head_dim], k/v [rows*len][n_kv_heads*head_dim] unrotated; out like q (pads: 0).
  virtual void attention_layer(int layer, const float* q, const float* k, const float* v, float* out) = 0;
  virtual void attention_end() = 0;
  virtual void attention_abort() = 0;

  // Block store (not during a pass). merge: common.append(R(|common|)·own[0,n)); own.drop_head(n) (§6, §12b).
  virtual void merge_step(int own_block, int common_block, int64_t n) = 0;
  virtual void copy_block(int dst, int src) = 0;
  virtual void truncate_block(int block, int64_t n) = 0;
  virtual void reserve_block(int block, int64_t n) = 0;
  virtual int64_t block_length(int block) const = 0;
  // Keys/values of one layer and KV head as fp32 [length][head_dim] (tests).
  virtual void read_block(int block, int layer, int kv_head, float* k, float* v) const = 0;
  // Sets a block to n tokens of random K/V (benchmarks: a long context without running prefill).
  virtual void fill_block_random(int block, int64_t n, uint64_t seed) = 0;

  // Block masses [rows][layers][n_heads][F] of the last pass with plan.stats (§12e).
  virtual const std::vector<float>& stats_mass() const = 0;

  virtual void set_attention_kernel(AttentionKernel k) = 0;
  // Milliseconds of the last forward measured with device events (0 before the first).
  virtual double last_forward_ms() const = 0;
  // Attention alone (layers in turn) under `plan` over the current block store, without appending or committing:
  // mean ms of `iters` launches (device events). plain = true: no query rotation (ordinary causal attention when
  // the plan has one row and one block).
  virtual double time_attention(const PassPlan& plan, int iters, bool plain) = 0;
};

// Single ops over host arrays, for the parity harness (tests/gpu/test_backend_ops.cpp) and microbenchmarks.
class DeviceOps {
 public:
  virtual ~DeviceOps() = default;
  virtual std::string device_name() const = 0;
  // out[i] = x[i]/rms(x[i])·w, n rows of dim.
  virtual void rmsnorm(const float* x, const float* w, int64_t n, int dim, float eps, float* out) = 0;
  // out[i] = table[tokens[i]] as fp32; token −1 → zeros.
  virtual void embed(const HostMatrix& table, const int32_t* tokens, int64_t n, float* out) = 0;
  // y[n][w.rows] = x[n][w.cols] · wᵀ (cuBLAS, fp32 accumulate; x rounded to w's type for f16/bf16).
  virtual void gemm(const HostMatrix& w, const float* x, int64_t n, float* y) = 0;
  // gate[i] = silu(gate[i])·up[i].
  virtual void swiglu(float* gate, const float* up, int64_t count) = 0;
  // y[i] += x[i].
  virtual void add(float* y, const float* x, int64_t count) = 0;
  // Rotates rows of n_heads heads in place: row i by R(positions[i]) (rope_dim dims, pairing neox or not).
  virtual void rope(float* x, int64_t rows, int n_heads, int head_dim, int rope_dim, bool neox,
                    const std::vector<double>& inv_freq, const int64_t* positions) = 0;
  // Round trip through the KV dtype (what storing a key costs in precision).
  virtual void round_trip(DevType t, float* x, int64_t count) = 0;
  // Copy bandwidth of a device-to-device cudaMemcpy of `bytes` (GB/s counting bytes read + written), median.
  virtual double copy_bandwidth_gbs(size_t bytes, int iters) = 0;
};

}  // namespace hogwild::cuda

// C factories exported by the plugin (version-suffixed; plugin_loader.cpp looks them up with dlsym).
// On failure they return nullptr and write one line into err.
extern "C" {
typedef hogwild::cuda::DeviceHogwild* (*HogwildCudaCreateModelV1)(const hogwild::cuda::DeviceModelDesc* desc, char* err,
                                                                    unsigned long err_cap);
typedef hogwild::cuda::DeviceOps* (*HogwildCudaCreateOpsV1)(char* err, unsigned long err_cap);
}
