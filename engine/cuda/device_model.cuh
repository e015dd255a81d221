#pragma once
// One model on the device (the plugin's HwcModel, docs/CUDA.md): weights in their file layout, the execution context
// (stream, cuBLAS, activations), the forward pass written once for every weight type, CUDA graphs of the decode
// passes, and the block caches created from it (DeviceCache: a KvStore on the model's stream).
//
// The forward pass, op for op the CPU's (cpu::Transformer + HogwildAttention): embed → per layer [rmsnorm →
// q, k, v products → biases → q/k norm → keys rotated at block-local positions and appended for ALL rows → Hogwild
// attention (→ drill rows of one layer) → o product → residual → rmsnorm → gate/up products → SwiGLU → down product
// → residual] → final norm of the last slots → classifier.
//
// CUDA graphs: a decode pass (one token per row) is captured once per pass shape — rows, view entries (the
// layout), logits, statistics, drill layer, kernel — and replayed afterwards with only the per-pass setup (plan,
// block pointers, ≈ 5 KiB) and the tokens copied before the launch. Every launch shape inside is independent of the
// cache length (fixed attention splits, grids over rows·len, lengths read from the device setup); a graph is
// captured again when one of the buffers it uses has moved (grown).
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "cuda/hogwild_attention.cuh"
#include "cuda/kv_store.cuh"
#include "cuda/matmul.cuh"
#include "cuda/pass_setup.cuh"

namespace hogwild::cuda {

class DeviceModel;

struct DeviceCache {
  DeviceModel* model;
  KvStore store;
};

class DeviceModel {
 public:
  explicit DeviceModel(const HwcModelDesc& d);
  ~DeviceModel();
  DeviceModel(const DeviceModel&) = delete;
  DeviceModel& operator=(const DeviceModel&) = delete;

  void info(HwcModelInfo* out) const;
  void set_option(int32_t option, int64_t value);
  cudaStream_t stream() const { return stream_; }
  std::unique_ptr<DeviceCache> create_cache(const HwcCacheDesc& d);

  void forward(DeviceCache& c, const PassPlan& plan, const int32_t* tokens, int32_t logits_mode, float* logits, const HwcStatsOut* stats);
  void attention_begin(DeviceCache& c, const PassPlan& plan, const HwcStatsOut* stats);
  void attention_layer(int layer, const float* q, const float* k, const float* v, float* out);
  void attention_end();
  void attention_abort() { open_ = nullptr; }
  HwcTimings timings() const { return timings_; }
  double time_attention(DeviceCache& c, const PassPlan& plan, int iters, bool plain);

 private:
  struct Layer {
    WeightMatrix wq, wk, wv, wo, w_gate, w_up, w_down;
    const float *attn_norm = nullptr, *ffn_norm = nullptr, *bq = nullptr, *bk = nullptr, *bv = nullptr, *q_norm = nullptr,
                *k_norm = nullptr;
  };
  // Graph key: rows, len, view entries, logits mode, statistics, drill layer, kernel.
  using GraphKey = std::tuple<int, int, int, int, int, int, int>;
  struct Graph {
    cudaGraphExec_t exec = nullptr;
    std::vector<const void*> signature;  // the buffers it was captured with
    bool warm = false;                   // ran once eagerly with this signature (buffers sized): capture next time
    bool broken = false;                 // capture failed: this shape runs eagerly
  };

  void init(const HwcModelDesc& d);
  void release();
  WeightMatrix upload_matrix(const HwcTensor& t, int64_t rows, int64_t cols, const char* what, uint64_t seed);
  const float* upload_vector(const HwcTensor& t, int64_t n, bool required, float fill, const char* what);
  void tensor_done();
  void ensure_activations(int64_t slots);
  // Validates the plan against the store, reserves the target blocks, uploads setup and tokens (one async copy each).
  void prepare_pass(DeviceCache& c, const PassPlan& plan, const int32_t* tokens, const HwcStatsOut* stats);
  // The pass itself (eager, or recorded into a graph): everything from the embedding to the device logits.
  void body(const PassPlan& plan, int32_t logits_mode);
  void attend(int layer, float* q, const float* k, const float* v, float* out, bool fixed_splits);
  std::vector<const void*> signature() const;
  void run_graph(const GraphKey& key, const PassPlan& plan, int32_t logits_mode);
  void drop_graphs();
  void commit(DeviceCache& c, const PassPlan& plan);
  void copy_stats_out(const PassPlan& plan, const HwcStatsOut* stats);

  HwcModelDesc d_{};  // shapes (the host pointers are not used after the upload)
  std::vector<double> inv_freq_host_;
  std::string device_name_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cudaEvent_t ev0_ = nullptr, ev1_ = nullptr;
  std::vector<DeviceBuffer> owned_;
  size_t weight_bytes_ = 0;
  int tensors_total_ = 0, tensors_done_ = 0;
  WeightMatrix token_embd_, output_;
  const float* out_norm_ = nullptr;
  std::vector<Layer> layers_;
  DeviceBuffer inv_freq_, cublas_ws_;
  RopeShape rope_;
  std::unique_ptr<Matmul> mm_;
  AttentionRunner attn_;
  AttentionKernel kernel_ = AttentionKernel::Fast;
  bool graphs_on_ = true;
  std::map<GraphKey, Graph> graphs_;
  HwcTimings timings_{};

  // Per pass
  DeviceCache* cache_ = nullptr;  // the cache of the pass being run
  PinnedBuffer h_setup_, h_tokens_;
  DeviceBuffer d_setup_, d_tokens_, qtab_, ktab_, d_stats_, d_drill_, d_lse_;
  PassPlan plan_{};
  int drill_layer_ = -1;
  int64_t drill_len_ = 0;
  DeviceCache* open_ = nullptr;  // attention-only pass in flight
  HwcStatsOut open_stats_{};

  // Activations [slots][...]
  int64_t slots_cap_ = 0;
  DeviceBuffer x_, xb_, q_, k_, v_, att_, hb_, hb2_, last_, logits_;
};

}  // namespace hogwild::cuda
