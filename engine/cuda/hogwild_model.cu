// DeviceHogwild: one model on the device with the Hogwild block KV store. The forward pass is the CPU's
// (cpu::Transformer + HogwildAttention) op for op: embed → per layer [rmsnorm → q,k,v GEMMs → biases → q/k norm →
// keys rotated at block-local positions and appended for ALL rows → Hogwild attention → o GEMM → residual →
// rmsnorm → gate/up GEMMs → SwiGLU → down GEMM → residual] → final norm of the last slots → classifier.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "cuda/common.cuh"
#include "cuda/elementwise.cuh"
#include "cuda/embed.cuh"
#include "cuda/gemm.cuh"
#include "cuda/hogwild_attention.cuh"
#include "cuda/kv_store.cuh"
#include "cuda/logits.cuh"
#include "cuda/pass_setup.cuh"
#include "cuda/random_fill.cuh"
#include "cuda/rmsnorm.cuh"
#include "cuda/rope.cuh"

namespace hogwild::cuda {

namespace {

struct LayerBuffers {
  DeviceMatrix wq, wk, wv, wo, w_gate, w_up, w_down;
  const float *attn_norm = nullptr, *ffn_norm = nullptr, *bq = nullptr, *bk = nullptr, *bv = nullptr, *q_norm = nullptr,
              *k_norm = nullptr;
};

class HogwildModel final : public DeviceHogwild {
 public:
  explicit HogwildModel(const DeviceModelDesc& d);
  ~HogwildModel() override;

  std::string device_name() const override { return device_name_; }
  size_t weight_bytes() const override { return weight_bytes_; }
  size_t kv_bytes_per_token() const override { return kv_->bytes_per_token(); }
  void forward(const PassPlan& plan, const int32_t* tokens, float* logits, bool all_slots) override;
  void attention_begin(const PassPlan& plan) override;
  void attention_layer(int layer, const float* q, const float* k, const float* v, float* out) override;
  void attention_end() override;
  void attention_abort() override { in_attention_ = false; }
  void merge_step(int own_block, int common_block, int64_t n) override { kv_->merge(own_block, common_block, n, stream_); }
  void copy_block(int dst, int src) override { kv_->copy(dst, src, stream_); }
  void truncate_block(int block, int64_t n) override { kv_->set_length(block, std::min(kv_->length(block), std::max<int64_t>(0, n))); }
  void reserve_block(int block, int64_t n) override { kv_->reserve(block, n, stream_); }
  int64_t block_length(int block) const override { return kv_->length(block); }
  void read_block(int block, int layer, int kv_head, float* k, float* v) const override { kv_->read(block, layer, kv_head, k, v, stream_); }
  void fill_block_random(int block, int64_t n, uint64_t seed) override { kv_->fill_random(block, n, seed, stream_); }
  const std::vector<float>& stats_mass() const override { return stats_; }
  void set_attention_kernel(AttentionKernel k) override { kernel_ = k; }
  double last_forward_ms() const override { return last_ms_; }
  double time_attention(const PassPlan& plan, int iters, bool plain) override;

 private:
  void init(const DeviceModelDesc& d);  // weights and buffers (the constructor releases everything on failure)
  void release();
  const void* upload_matrix(const HostMatrix& m, int64_t rows, int64_t cols, const char* what, uint64_t seed, DeviceMatrix& out);
  const float* upload_vector(const std::vector<float>& v, int64_t n, bool required, float fill, const char* what);
  void ensure_activations(int64_t slots);
  // Validates the plan, reserves the target blocks, uploads the setup (one async copy) and builds the tables.
  void prepare_pass(const PassPlan& plan, const int32_t* tokens);
  void project(const DeviceMatrix& w, const float* x, int64_t n, float* y);
  // GEMM whose fp32 input x may already sit converted in xt_ (held = its type; F32 = nothing held).
  void gemm_from(const DeviceMatrix& w, const float* x, int64_t n, float* y, DevType& held);
  void attend(int layer, float* q, const float* k, const float* v, float* out);
  void commit(const PassPlan& plan);

  DeviceModelDesc d_;  // shapes and small vectors (weights pointers are not used after the upload)
  std::string device_name_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cudaEvent_t ev0_ = nullptr, ev1_ = nullptr;
  std::vector<DeviceBuffer> owned_;
  size_t weight_bytes_ = 0;
  DeviceMatrix token_embd_, output_;
  const float* out_norm_ = nullptr;
  std::vector<LayerBuffers> layers_;
  DeviceBuffer inv_freq_;
  RopeShape rope_;
  std::unique_ptr<KvStore> kv_;
  AttentionRunner attn_;
  AttentionKernel kernel_ = AttentionKernel::Fast;

  // Per pass
  PinnedBuffer h_setup_, h_tokens_;
  DeviceBuffer d_setup_, d_tokens_, qtab_, ktab_, d_stats_;
  PassPlan plan_{};
  bool in_attention_ = false;
  std::vector<float> stats_;
  double last_ms_ = 0;

  // Activations [slots][...]
  int64_t slots_cap_ = 0;
  DeviceBuffer x_, xb_, xt_, q_, k_, v_, att_, hb_, hb2_, last_, logits_;
};

HogwildModel::HogwildModel(const DeviceModelDesc& d) : d_(d) {
  if (d.dim <= 0 || d.n_layers <= 0 || d.n_heads <= 0 || d.n_kv_heads <= 0 || d.head_dim <= 0 || d.vocab_size <= 0 ||
      d.n_heads % d.n_kv_heads != 0 || d.rope_dim <= 0 || d.rope_dim > d.head_dim || d.rope_dim % 2 != 0 ||
      static_cast<int>(d.inv_freq.size()) != d.rope_dim / 2 || d.n_blocks < 1 || d.n_blocks > kMaxBlocks || d.max_rows < 1 ||
      d.max_rows > kMaxRows || (!d.random_weights && !d.attention_only && static_cast<int>(d.layers.size()) != d.n_layers))
    throw std::runtime_error("CUDA: invalid model description");
  if (d.head_dim > 256) throw std::runtime_error("CUDA: head_dim " + std::to_string(d.head_dim) + " is not supported (max 256)");
  try {
    int dev = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, dev));
    device_name_ = prop.name;
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    CUBLAS_CHECK(cublasCreate(&cublas_));
    CUBLAS_CHECK(cublasSetMathMode(cublas_, CUBLAS_DEFAULT_MATH));  // COMPUTE_32F: no TF32 unless asked for
    CUDA_CHECK(cudaEventCreate(&ev0_));
    CUDA_CHECK(cudaEventCreate(&ev1_));
    init(d);
  } catch (...) {
    release();  // a failed creation (e.g. out of memory) frees what it took; the factory reports the reason
    throw;
  }
}

void HogwildModel::init(const DeviceModelDesc& d) {
  const int64_t qd = int64_t{d.n_heads} * d.head_dim, kvd = int64_t{d.n_kv_heads} * d.head_dim;
  uint64_t seed = d.seed * 1000003ull;
  if (!d.attention_only) {  // attention-only stores (parity tests) hold no weights
  upload_matrix(d.token_embd, d.vocab_size, d.dim, "token_embd", ++seed, token_embd_);
  if (d.tied_output) output_ = token_embd_;
  else upload_matrix(d.output, d.vocab_size, d.dim, "output", ++seed, output_);
  out_norm_ = upload_vector(d.output_norm, d.dim, true, 1.f, "output_norm");
  layers_.resize(static_cast<size_t>(d.n_layers));
  static const DeviceLayerDesc kEmpty{};
  for (int l = 0; l < d.n_layers; ++l) {
    const DeviceLayerDesc& s = d.random_weights ? kEmpty : d.layers[static_cast<size_t>(l)];
    LayerBuffers& b = layers_[static_cast<size_t>(l)];
    upload_matrix(s.wq, qd, d.dim, "wq", ++seed, b.wq);
    upload_matrix(s.wk, kvd, d.dim, "wk", ++seed, b.wk);
    upload_matrix(s.wv, kvd, d.dim, "wv", ++seed, b.wv);
    upload_matrix(s.wo, d.dim, qd, "wo", ++seed, b.wo);
    upload_matrix(s.w_gate, d.hidden_dim, d.dim, "w_gate", ++seed, b.w_gate);
    upload_matrix(s.w_up, d.hidden_dim, d.dim, "w_up", ++seed, b.w_up);
    upload_matrix(s.w_down, d.dim, d.hidden_dim, "w_down", ++seed, b.w_down);
    b.attn_norm = upload_vector(s.attn_norm, d.dim, true, 1.f, "attn_norm");
    b.ffn_norm = upload_vector(s.ffn_norm, d.dim, true, 1.f, "ffn_norm");
    b.bq = upload_vector(s.bq, qd, false, 0.f, "bq");
    b.bk = upload_vector(s.bk, kvd, false, 0.f, "bk");
    b.bv = upload_vector(s.bv, kvd, false, 0.f, "bv");
    b.q_norm = upload_vector(s.q_norm, d.head_dim, false, 1.f, "q_norm");
    b.k_norm = upload_vector(s.k_norm, d.head_dim, false, 1.f, "k_norm");
  }
  }
  inv_freq_.resize(d.inv_freq.size() * sizeof(double));
  CUDA_CHECK(cudaMemcpy(inv_freq_.get(), d.inv_freq.data(), d.inv_freq.size() * sizeof(double), cudaMemcpyHostToDevice));
  rope_.head_dim = d.head_dim;
  rope_.rope_dim = d.rope_dim;
  rope_.neox = d.rope_neox;
  rope_.inv_freq = inv_freq_.as<double>();
  if (d_.softmax_scale <= 0.f) d_.softmax_scale = 1.0f / std::sqrt(static_cast<float>(d.head_dim));
  kv_ = std::make_unique<KvStore>(d.n_layers, d.n_kv_heads, d.head_dim, d.kv_type, d.n_blocks, rope_);
  d_setup_.resize(sizeof(DeviceSetup));
  h_setup_.ensure(sizeof(DeviceSetup));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  // Host weight pointers are not kept (the engine may unmap the file).
  d_.layers.clear();
  d_.token_embd.data = d_.output.data = nullptr;
}

HogwildModel::~HogwildModel() { release(); }

void HogwildModel::release() {
  if (stream_) cudaStreamSynchronize(stream_);
  if (ev0_) cudaEventDestroy(ev0_);
  if (ev1_) cudaEventDestroy(ev1_);
  if (cublas_) cublasDestroy(cublas_);
  ev0_ = ev1_ = nullptr;
  cublas_ = nullptr;
  kv_.reset();
  owned_.clear();
  if (stream_) cudaStreamDestroy(stream_);
  stream_ = nullptr;
}

const void* HogwildModel::upload_matrix(const HostMatrix& m, int64_t rows, int64_t cols, const char* what, uint64_t seed,
                                        DeviceMatrix& out) {
  const DevType type = d_.random_weights ? d_.random_type : m.type;
  if (!d_.random_weights && (m.rows != rows || m.cols != cols || !m.data))
    throw std::runtime_error(std::string("CUDA: weight '") + what + "' has shape [" + std::to_string(m.rows) + "][" +
                             std::to_string(m.cols) + "], expected [" + std::to_string(rows) + "][" + std::to_string(cols) + "]");
  const size_t bytes = static_cast<size_t>(rows) * cols * dev_type_size(type);
  owned_.emplace_back(bytes);
  void* p = owned_.back().get();
  if (d_.random_weights) {
    // Scale ~ 1/sqrt(fan-in) keeps activations finite through many layers.
    random_fill(type, p, rows * cols, seed, 0.f, 1.0f / std::sqrt(static_cast<float>(cols)), stream_);
  } else {
    CUDA_CHECK(cudaMemcpy(p, m.data, bytes, cudaMemcpyHostToDevice));
  }
  weight_bytes_ += bytes;
  out = DeviceMatrix{type, rows, cols, p};
  return p;
}

const float* HogwildModel::upload_vector(const std::vector<float>& v, int64_t n, bool required, float fill, const char* what) {
  if (v.empty() && !required) return nullptr;
  std::vector<float> host = v;
  if (host.empty()) host.assign(static_cast<size_t>(n), fill);  // random models: unit norms
  if (static_cast<int64_t>(host.size()) != n)
    throw std::runtime_error(std::string("CUDA: vector '") + what + "' has " + std::to_string(host.size()) + " entries, expected " +
                             std::to_string(n));
  owned_.emplace_back(static_cast<size_t>(n) * sizeof(float));
  CUDA_CHECK(cudaMemcpy(owned_.back().get(), host.data(), static_cast<size_t>(n) * sizeof(float), cudaMemcpyHostToDevice));
  return owned_.back().as<float>();
}

void HogwildModel::ensure_activations(int64_t slots) {
  if (slots <= slots_cap_) return;
  const size_t n = static_cast<size_t>(slots), f = sizeof(float);
  const size_t qd = static_cast<size_t>(d_.n_heads) * d_.head_dim, kvd = static_cast<size_t>(d_.n_kv_heads) * d_.head_dim;
  const size_t widest = std::max<size_t>({static_cast<size_t>(d_.dim), qd, static_cast<size_t>(d_.hidden_dim)});
  x_.resize(n * d_.dim * f);
  xb_.resize(n * std::max<size_t>(d_.dim, qd) * f);
  xt_.resize(n * widest * 4);  // typed copy of a GEMM input (≤ 4 bytes per element)
  q_.resize(n * qd * f);
  k_.resize(n * kvd * f);
  v_.resize(n * kvd * f);
  att_.resize(n * qd * f);
  hb_.resize(n * d_.hidden_dim * f);
  hb2_.resize(n * d_.hidden_dim * f);
  slots_cap_ = slots;
}

void HogwildModel::prepare_pass(const PassPlan& plan, const int32_t* tokens) {
  if (plan.rows < 1 || plan.rows > d_.max_rows || plan.len < 1 || plan.n_blocks != d_.n_blocks ||
      plan.n_entries < 0 || plan.n_entries > kMaxRows * kMaxBlocks)
    throw std::runtime_error("CUDA: malformed pass plan (" + std::to_string(plan.rows) + " rows, " + std::to_string(plan.n_blocks) +
                             " blocks)");
  for (int r = 0; r < plan.rows; ++r) {
    const int X = plan.target[r];
    if (X < 0 || X >= d_.n_blocks || plan.n_real[r] < 1 || plan.n_real[r] > plan.len || plan.old_len[X] != kv_->length(X))
      throw std::runtime_error("CUDA: the pass plan does not match the block store (row " + std::to_string(r) + ")");
    kv_->reserve(X, plan.new_len[X], stream_);
  }
  DeviceSetup& s = *h_setup_.as<DeviceSetup>();
  build_setup(plan, s);
  for (int X = 0; X < kMaxBlocks; ++X) {
    const bool ok = X < d_.n_blocks;
    s.k[X] = ok ? kv_->k(X) : nullptr;
    s.v[X] = ok ? kv_->v(X) : nullptr;
    s.cap[X] = ok ? kv_->capacity(X) : 0;
  }
  CUDA_CHECK(cudaMemcpyAsync(d_setup_.get(), &s, sizeof(DeviceSetup), cudaMemcpyHostToDevice, stream_));
  const int64_t slots = int64_t{plan.rows} * plan.len;
  if (tokens) {
    h_tokens_.ensure(static_cast<size_t>(slots) * sizeof(int32_t));
    std::memcpy(h_tokens_.as<int32_t>(), tokens, static_cast<size_t>(slots) * sizeof(int32_t));
    d_tokens_.ensure(static_cast<size_t>(slots) * sizeof(int32_t));
    CUDA_CHECK(cudaMemcpyAsync(d_tokens_.get(), h_tokens_.as<void>(), static_cast<size_t>(slots) * sizeof(int32_t),
                               cudaMemcpyHostToDevice, stream_));
  }
  const int pairs = rope_.pairs();
  qtab_.ensure(static_cast<size_t>(std::max(1, plan.n_entries)) * plan.len * pairs * sizeof(float2));
  ktab_.ensure(static_cast<size_t>(std::max(1, s.n_slots)) * pairs * sizeof(float2));
  pass_tables(d_setup_.as<DeviceSetup>(), plan, s.n_slots, rope_, qtab_.as<float2>(), ktab_.as<float2>(), stream_);
  if (plan.stats) {
    const size_t n = static_cast<size_t>(plan.rows) * d_.n_layers * d_.n_heads * d_.n_blocks;
    d_stats_.ensure(n * sizeof(float));
    CUDA_CHECK(cudaMemsetAsync(d_stats_.get(), 0, n * sizeof(float), stream_));
  }
  ensure_activations(slots);
  plan_ = plan;
}

void HogwildModel::project(const DeviceMatrix& w, const float* x, int64_t n, float* y) {
  if (w.type != DevType::F32) convert_from_f32(w.type, x, xt_.get(), n * w.cols, stream_);
  gemm(cublas_, w, x, xt_.get(), n, y, stream_);
}

void HogwildModel::gemm_from(const DeviceMatrix& w, const float* x, int64_t n, float* y, DevType& held) {
  if (w.type != DevType::F32 && w.type != held) {
    convert_from_f32(w.type, x, xt_.get(), n * w.cols, stream_);
    held = w.type;
  }
  gemm(cublas_, w, x, xt_.get(), n, y, stream_);
}

void HogwildModel::attend(int layer, float* q, const float* k, const float* v, float* out) {
  const DeviceSetup& s = *h_setup_.as<DeviceSetup>();
  kv_->append(d_setup_.as<DeviceSetup>(), s.n_slots, layer, k, v, ktab_.as<float2>(), stream_);  // all rows first (§7.3)
  const int64_t slots = int64_t{plan_.rows} * plan_.len;
  CUDA_CHECK(cudaMemsetAsync(out, 0, static_cast<size_t>(slots) * d_.n_heads * d_.head_dim * sizeof(float), stream_));
  AttentionArgs a;
  a.setup = d_setup_.as<DeviceSetup>();
  a.layer = layer;
  a.n_layers = d_.n_layers;
  a.n_heads = d_.n_heads;
  a.n_kv_heads = d_.n_kv_heads;
  a.head_dim = d_.head_dim;
  a.rope_dim = d_.rope_dim;
  a.neox = d_.rope_neox;
  a.kv_type = kv_->type();
  a.scale = d_.softmax_scale;
  a.q = q;
  a.qtab = qtab_.as<float2>();
  a.out = out;
  a.stats_mass = plan_.stats ? d_stats_.as<float>() : nullptr;
  attn_.run(a, s, kernel_, stream_);
}

void HogwildModel::commit(const PassPlan& plan) {
  for (int r = 0; r < plan.rows; ++r) kv_->set_length(plan.target[r], plan.new_len[plan.target[r]]);
  if (plan.stats) {
    stats_.resize(static_cast<size_t>(plan.rows) * d_.n_layers * d_.n_heads * d_.n_blocks);
    CUDA_CHECK(cudaMemcpyAsync(stats_.data(), d_stats_.get(), stats_.size() * sizeof(float), cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
}

void HogwildModel::forward(const PassPlan& plan, const int32_t* tokens, float* logits, bool all_slots) {
  if (in_attention_) throw std::runtime_error("CUDA: forward during an attention-only pass");
  if (layers_.empty()) throw std::runtime_error("CUDA: this device store was created without weights");
  prepare_pass(plan, tokens);
  CUDA_CHECK(cudaEventRecord(ev0_, stream_));
  const int64_t slots = int64_t{plan.rows} * plan.len;
  const int dim = d_.dim, hd = d_.head_dim;
  float *x = x_.as<float>(), *xb = xb_.as<float>(), *q = q_.as<float>(), *k = k_.as<float>(), *v = v_.as<float>();
  float *att = att_.as<float>(), *hb = hb_.as<float>(), *hb2 = hb2_.as<float>();
  embed(token_embd_.type, token_embd_.data, d_.vocab_size, dim, d_tokens_.as<int32_t>(), slots, x, stream_);
  for (int l = 0; l < d_.n_layers; ++l) {
    const LayerBuffers& w = layers_[static_cast<size_t>(l)];
    rmsnorm(x, w.attn_norm, slots, dim, d_.rms_eps, xb, stream_);
    DevType held = DevType::F32;  // type of the copy of xb in xt_ (F32: none): q, k, v share one conversion
    gemm_from(w.wq, xb, slots, q, held);
    gemm_from(w.wk, xb, slots, k, held);
    gemm_from(w.wv, xb, slots, v, held);
    if (w.bq) add_bias(q, w.bq, slots, d_.n_heads * hd, stream_);
    if (w.bk) add_bias(k, w.bk, slots, d_.n_kv_heads * hd, stream_);
    if (w.bv) add_bias(v, w.bv, slots, d_.n_kv_heads * hd, stream_);
    if (w.q_norm) rmsnorm(q, w.q_norm, slots * d_.n_heads, hd, d_.rms_eps, q, stream_);
    if (w.k_norm) rmsnorm(k, w.k_norm, slots * d_.n_kv_heads, hd, d_.rms_eps, k, stream_);
    attend(l, q, k, v, att);
    project(w.wo, att, slots, xb);
    add(x, xb, slots * dim, stream_);
    rmsnorm(x, w.ffn_norm, slots, dim, d_.rms_eps, xb, stream_);
    held = DevType::F32;
    gemm_from(w.w_gate, xb, slots, hb, held);
    gemm_from(w.w_up, xb, slots, hb2, held);
    swiglu(hb, hb2, slots * d_.hidden_dim, stream_);
    project(w.w_down, hb, slots, xb);
    add(x, xb, slots * dim, stream_);
  }
  if (logits) {
    const int64_t n = all_slots ? slots : plan.rows;
    const float* src = x;
    if (!all_slots) {
      last_.ensure(static_cast<size_t>(plan.rows) * dim * sizeof(float));
      gather_last_slots(x, plan.rows, plan.len, dim, last_.as<float>(), stream_);
      src = last_.as<float>();
    }
    rmsnorm(src, out_norm_, n, dim, d_.rms_eps, xb, stream_);
    logits_.ensure(static_cast<size_t>(n) * d_.vocab_size * sizeof(float));
    project(output_, xb, n, logits_.as<float>());
    CUDA_CHECK(cudaMemcpyAsync(logits, logits_.get(), static_cast<size_t>(n) * d_.vocab_size * sizeof(float),
                               cudaMemcpyDeviceToHost, stream_));
  }
  CUDA_CHECK(cudaEventRecord(ev1_, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  float ms = 0.f;
  CUDA_CHECK(cudaEventElapsedTime(&ms, ev0_, ev1_));
  last_ms_ = ms;
  commit(plan);
}

void HogwildModel::attention_begin(const PassPlan& plan) {
  prepare_pass(plan, nullptr);
  in_attention_ = true;
}

void HogwildModel::attention_layer(int layer, const float* q, const float* k, const float* v, float* out) {
  if (!in_attention_) throw std::runtime_error("CUDA: attention_layer outside attention_begin/end");
  if (layer < 0 || layer >= d_.n_layers) throw std::runtime_error("CUDA: layer out of range");
  const int64_t slots = int64_t{plan_.rows} * plan_.len;
  const size_t qbytes = static_cast<size_t>(slots) * d_.n_heads * d_.head_dim * sizeof(float);
  const size_t kvbytes = static_cast<size_t>(slots) * d_.n_kv_heads * d_.head_dim * sizeof(float);
  CUDA_CHECK(cudaMemcpyAsync(q_.get(), q, qbytes, cudaMemcpyHostToDevice, stream_));
  CUDA_CHECK(cudaMemcpyAsync(k_.get(), k, kvbytes, cudaMemcpyHostToDevice, stream_));
  CUDA_CHECK(cudaMemcpyAsync(v_.get(), v, kvbytes, cudaMemcpyHostToDevice, stream_));
  attend(layer, q_.as<float>(), k_.as<float>(), v_.as<float>(), att_.as<float>());
  CUDA_CHECK(cudaMemcpyAsync(out, att_.get(), qbytes, cudaMemcpyDeviceToHost, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void HogwildModel::attention_end() {
  if (!in_attention_) throw std::runtime_error("CUDA: attention_end without attention_begin");
  in_attention_ = false;
  commit(plan_);
}

double HogwildModel::time_attention(const PassPlan& plan, int iters, bool plain) {
  // Times the attention of the pass `plan` describes over the keys in the store; nothing is appended or committed
  // (the new tokens' slots hold whatever the store has there: fill them first for meaningful values).
  const PassPlan p = plan;
  prepare_pass(p, nullptr);
  const int64_t slots = int64_t{p.rows} * p.len;
  random_fill(DevType::F32, q_.get(), slots * d_.n_heads * d_.head_dim, 77, 0.f, 1.f, stream_);
  const DeviceSetup& s = *h_setup_.as<DeviceSetup>();
  AttentionArgs a;
  a.setup = d_setup_.as<DeviceSetup>();
  a.n_layers = d_.n_layers, a.n_heads = d_.n_heads, a.n_kv_heads = d_.n_kv_heads, a.head_dim = d_.head_dim;
  a.rope_dim = d_.rope_dim, a.neox = d_.rope_neox, a.kv_type = kv_->type(), a.scale = d_.softmax_scale;
  a.q = q_.as<float>(), a.qtab = qtab_.as<float2>(), a.out = att_.as<float>(), a.rotate = !plain;
  for (int i = 0; i < 3; ++i) attn_.run(a, s, kernel_, stream_);  // warm-up
  CUDA_CHECK(cudaEventRecord(ev0_, stream_));
  for (int i = 0; i < iters; ++i) {
    a.layer = i % d_.n_layers;  // rotate over layers: the working set exceeds L2 like a real pass
    attn_.run(a, s, kernel_, stream_);
  }
  CUDA_CHECK(cudaEventRecord(ev1_, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  float ms = 0.f;
  CUDA_CHECK(cudaEventElapsedTime(&ms, ev0_, ev1_));
  return ms / std::max(1, iters);
}

}  // namespace

DeviceHogwild* create_hogwild_model(const DeviceModelDesc& d) { return new HogwildModel(d); }

}  // namespace hogwild::cuda
