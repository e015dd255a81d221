// DeviceModel: one model on the device (device_model.cuh). The forward pass is written once for every weight type;
// decode passes replay CUDA graphs.
#include "cuda/device_model.cuh"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "cuda/drill.cuh"
#include "cuda/elementwise.cuh"
#include "cuda/logits.cuh"
#include "cuda/random_fill.cuh"
#include "cuda/rmsnorm.cuh"

namespace hogwild::cuda {

namespace {

constexpr size_t kCublasWorkspace = size_t{32} << 20;  // cuBLAS's workspace, set once: no allocation in a graph capture

double micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

std::string gib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1u << 30));
  return buf;
}

}  // namespace

DeviceModel::DeviceModel(const HwcModelDesc& d) : d_(d) {
  if (d.struct_size != sizeof(HwcModelDesc)) invalid("the model description comes from another ABI version");
  if (d.dim <= 0 || d.n_layers <= 0 || d.n_heads <= 0 || d.n_kv_heads <= 0 || d.head_dim <= 0 || d.vocab_size <= 0 ||
      d.n_heads % d.n_kv_heads != 0 || d.rope_dim <= 0 || d.rope_dim > d.head_dim || d.rope_dim % 2 != 0 || !d.inv_freq ||
      d.max_rows < 1 || d.max_rows > kMaxRows || (!d.random_weights && !d.attention_only && !d.layers))
    invalid("invalid model description");
  if (d.head_dim > 256) throw PluginError(HWC_ERR_UNSUPPORTED, "CUDA: head_dim " + std::to_string(d.head_dim) + " is not supported (max 256)");
  inv_freq_host_.assign(d.inv_freq, d.inv_freq + d.rope_dim / 2);
  d_.inv_freq = nullptr;
  d_.layers = nullptr;  // host pointers are not kept (the engine may unmap the file); progress is dropped after init
  try {
    int dev = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, dev));
    device_name_ = prop.name;
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    CUBLAS_CHECK(cublasCreate(&cublas_));
    CUBLAS_CHECK(cublasSetMathMode(cublas_, CUBLAS_DEFAULT_MATH));  // COMPUTE_32F: no TF32 unless asked for
    cublas_ws_.resize(kCublasWorkspace);
    CUBLAS_CHECK(cublasSetWorkspace(cublas_, cublas_ws_.get(), kCublasWorkspace));
    CUDA_CHECK(cudaEventCreate(&ev0_));
    CUDA_CHECK(cudaEventCreate(&ev1_));
    mm_ = std::make_unique<Matmul>(cublas_);
    init(d);
  } catch (...) {
    release();  // a failed creation (e.g. out of memory) frees what it took; the factory reports the reason
    throw;
  }
}

DeviceModel::~DeviceModel() { release(); }

void DeviceModel::release() {
  if (stream_) cudaStreamSynchronize(stream_);
  drop_graphs();
  if (ev0_) cudaEventDestroy(ev0_);
  if (ev1_) cudaEventDestroy(ev1_);
  if (cublas_) cublasDestroy(cublas_);
  ev0_ = ev1_ = nullptr;
  cublas_ = nullptr;
  mm_.reset();
  owned_.clear();
  if (stream_) cudaStreamDestroy(stream_);
  stream_ = nullptr;
}

void DeviceModel::drop_graphs() {
  for (auto& [key, g] : graphs_)
    if (g.exec) cudaGraphExecDestroy(g.exec);
  graphs_.clear();
}

void DeviceModel::tensor_done() {
  ++tensors_done_;
  if (d_.progress) d_.progress(d_.progress_user, tensors_done_, tensors_total_);
}

// Uploads one weight matrix in its file layout, straight from the caller's memory (the mapped file): no host
// staging copy of the model, so the host holds at most the file's pages.
WeightMatrix DeviceModel::upload_matrix(const HwcTensor& t, int64_t rows, int64_t cols, const char* what, uint64_t seed) {
  const int32_t type = d_.random_weights ? d_.random_type : t.type;
  if (weight_block_elements(type) == 0)
    throw PluginError(HWC_ERR_UNSUPPORTED, std::string("CUDA: weight '") + what + "' has type " + std::to_string(type) +
                                               ", which the device cannot run (supported: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k)");
  if (!d_.random_weights && (t.rows != rows || t.cols != cols || !t.data))
    invalid(std::string("weight '") + what + "' has shape [" + std::to_string(t.rows) + "][" + std::to_string(t.cols) + "], expected [" +
            std::to_string(rows) + "][" + std::to_string(cols) + "]");
  WeightMatrix w;
  w.type = type, w.rows = rows, w.cols = cols, w.row_bytes = weight_row_bytes(type, cols);
  if (w.row_bytes == 0)
    throw PluginError(HWC_ERR_UNSUPPORTED, std::string("CUDA: weight '") + what + "': " + std::to_string(cols) + " columns are not whole " +
                                               weight_type_name(type) + " blocks");
  if (!d_.random_weights && t.nbytes != w.bytes())
    invalid(std::string("weight '") + what + "' holds " + std::to_string(t.nbytes) + " bytes, expected " + std::to_string(w.bytes()));
  owned_.emplace_back(w.bytes());
  w.data = owned_.back().get();
  if (d_.random_weights) {
    const float amp = 1.0f / std::sqrt(static_cast<float>(cols));  // ~1/sqrt(fan-in) keeps activations finite
    if (is_quantized(type)) random_fill_quantized(w, seed, amp, stream_);
    else random_fill(dev_type_of(type), owned_.back().get(), rows * cols, seed, 0.f, amp, stream_);
  } else {
    CUDA_CHECK(cudaMemcpy(owned_.back().get(), t.data, w.bytes(), cudaMemcpyHostToDevice));
  }
  weight_bytes_ += w.bytes();
  tensor_done();
  return w;
}

const float* DeviceModel::upload_vector(const HwcTensor& t, int64_t n, bool required, float fill, const char* what) {
  if (!t.data && !required && !d_.random_weights) return nullptr;
  if (!t.data && d_.random_weights && !required) return nullptr;
  std::vector<float> host;
  if (t.data) {
    if (t.type != HWC_F32 || t.rows * t.cols != n)
      invalid(std::string("vector '") + what + "' must be " + std::to_string(n) + " fp32 values");
    host.assign(static_cast<const float*>(t.data), static_cast<const float*>(t.data) + n);
  } else {
    host.assign(static_cast<size_t>(n), fill);  // random models: unit norms
  }
  owned_.emplace_back(static_cast<size_t>(n) * sizeof(float));
  CUDA_CHECK(cudaMemcpy(owned_.back().get(), host.data(), static_cast<size_t>(n) * sizeof(float), cudaMemcpyHostToDevice));
  return owned_.back().as<float>();
}

void DeviceModel::init(const HwcModelDesc& d) {
  const int64_t qd = int64_t{d.n_heads} * d.head_dim, kvd = int64_t{d.n_kv_heads} * d.head_dim;
  uint64_t seed = d.seed * 1000003ull;
  if (!d.attention_only) {  // attention-only models (parity tests) hold no weights
    // Fail early and clearly when the weights cannot fit (the KV cache needs room too).
    size_t need = 0;
    const auto bytes = [&](const HwcTensor& t, int64_t rows, int64_t cols) {
      const size_t rb = weight_row_bytes(d.random_weights ? d.random_type : t.type, cols);
      need += rb * static_cast<size_t>(rows);
    };
    bytes(d.token_embd, d.vocab_size, d.dim);
    if (!d.tied_output) bytes(d.output, d.vocab_size, d.dim);
    for (int l = 0; l < d.n_layers; ++l) {
      const HwcLayerDesc s = d.random_weights ? HwcLayerDesc{} : d.layers[l];
      bytes(s.wq, qd, d.dim), bytes(s.wk, kvd, d.dim), bytes(s.wv, kvd, d.dim), bytes(s.wo, d.dim, qd);
      bytes(s.w_gate, d.hidden_dim, d.dim), bytes(s.w_up, d.hidden_dim, d.dim), bytes(s.w_down, d.dim, d.hidden_dim);
    }
    size_t free_b = 0, total_b = 0;
    CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    if (need > free_b)
      throw PluginError(HWC_ERR_OUT_OF_MEMORY, "CUDA: out of memory: the weights need " + gib(need) + ", the device has " + gib(free_b) +
                                                   " free of " + gib(total_b));
    tensors_total_ = 2 + 7 * d.n_layers;
    token_embd_ = upload_matrix(d.token_embd, d.vocab_size, d.dim, "token_embd", ++seed);
    if (d.tied_output) output_ = token_embd_, tensor_done();
    else output_ = upload_matrix(d.output, d.vocab_size, d.dim, "output", ++seed);
    out_norm_ = upload_vector(d.output_norm, d.dim, true, 1.f, "output_norm");
    layers_.resize(static_cast<size_t>(d.n_layers));
    for (int l = 0; l < d.n_layers; ++l) {
      const HwcLayerDesc s = d.random_weights ? HwcLayerDesc{} : d.layers[l];
      Layer& b = layers_[static_cast<size_t>(l)];
      b.wq = upload_matrix(s.wq, qd, d.dim, "wq", ++seed);
      b.wk = upload_matrix(s.wk, kvd, d.dim, "wk", ++seed);
      b.wv = upload_matrix(s.wv, kvd, d.dim, "wv", ++seed);
      b.wo = upload_matrix(s.wo, d.dim, qd, "wo", ++seed);
      b.w_gate = upload_matrix(s.w_gate, d.hidden_dim, d.dim, "w_gate", ++seed);
      b.w_up = upload_matrix(s.w_up, d.hidden_dim, d.dim, "w_up", ++seed);
      b.w_down = upload_matrix(s.w_down, d.dim, d.hidden_dim, "w_down", ++seed);
      b.attn_norm = upload_vector(s.attn_norm, d.dim, true, 1.f, "attn_norm");
      b.ffn_norm = upload_vector(s.ffn_norm, d.dim, true, 1.f, "ffn_norm");
      b.bq = upload_vector(s.bq, qd, false, 0.f, "bq");
      b.bk = upload_vector(s.bk, kvd, false, 0.f, "bk");
      b.bv = upload_vector(s.bv, kvd, false, 0.f, "bv");
      b.q_norm = upload_vector(s.q_norm, d.head_dim, false, 1.f, "q_norm");
      b.k_norm = upload_vector(s.k_norm, d.head_dim, false, 1.f, "k_norm");
    }
  }
  inv_freq_.resize(inv_freq_host_.size() * sizeof(double));
  CUDA_CHECK(cudaMemcpy(inv_freq_.get(), inv_freq_host_.data(), inv_freq_host_.size() * sizeof(double), cudaMemcpyHostToDevice));
  rope_.head_dim = d.head_dim;
  rope_.rope_dim = d.rope_dim;
  rope_.neox = d.rope_neox != 0;
  rope_.inv_freq = inv_freq_.as<double>();
  if (d_.softmax_scale <= 0.f) d_.softmax_scale = 1.0f / std::sqrt(static_cast<float>(d.head_dim));
  d_setup_.resize(sizeof(DeviceSetup));
  h_setup_.ensure(sizeof(DeviceSetup));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  d_.progress = nullptr;
  d_.progress_user = nullptr;
}

void DeviceModel::info(HwcModelInfo* out) const {
  std::memset(out, 0, sizeof *out);
  std::strncpy(out->device_name, device_name_.c_str(), sizeof out->device_name - 1);
  out->weight_bytes = weight_bytes_;
  size_t free_b = 0, total_b = 0;
  if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) out->free_memory = free_b;
  cudaGetLastError();
}

void DeviceModel::set_option(int32_t option, int64_t value) {
  switch (option) {
    case HWC_OPT_ATTENTION_KERNEL:
      if (value != 0 && value != 1) invalid("attention kernel " + std::to_string(value));
      kernel_ = value == 1 ? AttentionKernel::Simple : AttentionKernel::Fast;
      return;
    case HWC_OPT_GRAPHS:
      graphs_on_ = value != 0;
      if (!graphs_on_) drop_graphs();
      return;
    default: invalid("unknown option " + std::to_string(option));
  }
}

std::unique_ptr<DeviceCache> DeviceModel::create_cache(const HwcCacheDesc& d) {
  if (d.struct_size != sizeof(HwcCacheDesc)) invalid("the cache description comes from another ABI version");
  return std::unique_ptr<DeviceCache>(
      new DeviceCache{this, KvStore(d_.n_layers, d_.n_kv_heads, d_.head_dim, dev_type_of(d.kv_type), d.n_blocks, d.merge_source, rope_)});
}

void DeviceModel::ensure_activations(int64_t slots) {
  if (slots <= slots_cap_) return;
  const size_t n = static_cast<size_t>(slots), f = sizeof(float);
  const size_t qd = static_cast<size_t>(d_.n_heads) * d_.head_dim, kvd = static_cast<size_t>(d_.n_kv_heads) * d_.head_dim;
  const size_t widest = std::max<size_t>({static_cast<size_t>(d_.dim), qd, static_cast<size_t>(d_.hidden_dim)});
  x_.resize(n * d_.dim * f);
  xb_.resize(n * std::max<size_t>(d_.dim, qd) * f);
  q_.resize(n * qd * f);
  k_.resize(n * kvd * f);
  v_.resize(n * kvd * f);
  att_.resize(n * qd * f);
  hb_.resize(n * d_.hidden_dim * f);
  hb2_.resize(n * d_.hidden_dim * f);
  mm_->reserve(slots, static_cast<int64_t>(widest));
  slots_cap_ = slots;
}

void DeviceModel::prepare_pass(DeviceCache& c, const PassPlan& plan, const int32_t* tokens, const HwcStatsOut* stats) {
  if (c.model != this) invalid("the cache belongs to another model");
  KvStore& kv = c.store;
  if (plan.rows < 1 || plan.rows > d_.max_rows || plan.len < 1 || plan.n_blocks != kv.n_blocks() || plan.n_entries < 0 ||
      plan.n_entries > kMaxRows * kMaxBlocks)
    invalid("malformed pass plan (" + std::to_string(plan.rows) + " rows, " + std::to_string(plan.n_blocks) + " blocks)");
  for (int X = 0; X < plan.n_blocks; ++X)
    if (plan.old_len[X] != kv.length(X) || plan.new_len[X] < plan.old_len[X])
      invalid("the pass plan does not match the block store (block " + std::to_string(X) + ")");
  for (int r = 0; r < plan.rows; ++r) {
    const int X = plan.target[r];
    if (X < 0 || X >= plan.n_blocks || plan.n_real[r] < 1 || plan.n_real[r] > plan.len)
      invalid("the pass plan does not match the block store (row " + std::to_string(r) + ")");
    kv.reserve(X, plan.new_len[X], stream_);
  }
  DeviceSetup& s = *h_setup_.as<DeviceSetup>();
  build_setup(plan, s);
  for (int X = 0; X < kMaxBlocks; ++X) {
    const bool ok = X < plan.n_blocks;
    s.k[X] = ok ? kv.k(X) : nullptr;
    s.v[X] = ok ? kv.v(X) : nullptr;
    s.km[X] = ok ? kv.master(X) : nullptr;
    s.cap[X] = ok ? kv.capacity(X) : 0;
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
  ktab_.ensure(static_cast<size_t>(std::max<int64_t>(1, slots)) * pairs * sizeof(float2));
  // Statistics: masses of every layer, drill rows of one (zeroed here, outside any graph: their length grows).
  drill_layer_ = -1;
  drill_len_ = 0;
  if (plan.stats) {
    d_stats_.ensure(static_cast<size_t>(kMaxRows) * d_.n_layers * d_.n_heads * kMaxBlocks * sizeof(float));
    d_lse_.ensure(static_cast<size_t>(kMaxRows) * plan.len * d_.n_heads * sizeof(float));
    if (plan.drill_layer >= 0 && plan.drill_layer < d_.n_layers && stats && stats->drill) {
      for (int X = 0; X < plan.n_blocks; ++X) drill_len_ += plan.new_len[X];
      if (drill_len_ != stats->drill_len) invalid("drill rows of " + std::to_string(stats->drill_len) + " tokens for a cache of " + std::to_string(drill_len_));
      const size_t bytes = static_cast<size_t>(plan.rows) * drill_len_ * sizeof(float);
      if (bytes > d_drill_.size()) d_drill_.resize(std::max(bytes, 2 * d_drill_.size()));  // geometric: few graph re-captures
      CUDA_CHECK(cudaMemsetAsync(d_drill_.get(), 0, bytes, stream_));
      drill_layer_ = plan.drill_layer;
    }
  }
  ensure_activations(slots);
  if (logits_.size() < static_cast<size_t>(slots) * d_.vocab_size * sizeof(float) && !d_.attention_only)
    logits_.resize(static_cast<size_t>(slots) * d_.vocab_size * sizeof(float));
  last_.ensure(static_cast<size_t>(kMaxRows) * d_.dim * sizeof(float));
  plan_ = plan;
  cache_ = &c;
}

void DeviceModel::attend(int layer, float* q, const float* k, const float* v, float* out, bool fixed_splits) {
  const DeviceSetup& s = *h_setup_.as<DeviceSetup>();
  cache_->store.append(d_setup_.as<DeviceSetup>(), plan_.rows * plan_.len, layer, k, v, ktab_.as<float2>(), stream_);  // all rows first (§7.3)
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
  a.neox = rope_.neox;
  a.kv_type = cache_->store.type();
  a.scale = d_.softmax_scale;
  a.q = q;
  a.qtab = qtab_.as<float2>();
  a.out = out;
  a.stats_mass = plan_.stats ? d_stats_.as<float>() : nullptr;
  a.fixed_splits = fixed_splits;
  const bool drill = layer == drill_layer_;
  a.lse_out = drill ? d_lse_.as<float>() : nullptr;
  attn_.run(a, s, kernel_, stream_);
  if (drill) {
    DrillArgs da;
    da.setup = a.setup;
    da.rows = plan_.rows, da.layer = layer, da.n_heads = d_.n_heads, da.n_kv_heads = d_.n_kv_heads, da.head_dim = d_.head_dim;
    da.rope_dim = d_.rope_dim, da.neox = rope_.neox, da.kv_type = a.kv_type, da.scale = d_.softmax_scale;
    da.q = q, da.qtab = a.qtab, da.lse = d_lse_.as<float>(), da.drill = d_drill_.as<float>();
    drill_rows(da, stream_);
  }
}

void DeviceModel::body(const PassPlan& plan, int32_t logits_mode) {
  const int64_t slots = int64_t{plan.rows} * plan.len;
  const int dim = d_.dim, hd = d_.head_dim;
  const bool fixed = plan.len == 1;  // decode passes: launch shapes independent of the cache (graphs)
  const DeviceSetup& s = *h_setup_.as<DeviceSetup>();
  pass_tables(d_setup_.as<DeviceSetup>(), plan, s.n_slots, rope_, qtab_.as<float2>(), ktab_.as<float2>(), stream_);
  if (plan.stats)
    CUDA_CHECK(cudaMemsetAsync(d_stats_.get(), 0, static_cast<size_t>(plan.rows) * d_.n_layers * d_.n_heads * plan.n_blocks * sizeof(float), stream_));
  float *x = x_.as<float>(), *xb = xb_.as<float>(), *q = q_.as<float>(), *k = k_.as<float>(), *v = v_.as<float>();
  float *att = att_.as<float>(), *hb = hb_.as<float>(), *hb2 = hb2_.as<float>();
  embed_rows(token_embd_, d_tokens_.as<int32_t>(), slots, x, stream_);
  for (int l = 0; l < d_.n_layers; ++l) {
    const Layer& w = layers_[static_cast<size_t>(l)];
    rmsnorm(x, w.attn_norm, slots, dim, d_.rms_eps, xb, stream_);
    DevType held = DevType::F32;  // q, k and v share one conversion of xb
    mm_->run(w.wq, xb, slots, q, held, stream_);
    mm_->run(w.wk, xb, slots, k, held, stream_);
    mm_->run(w.wv, xb, slots, v, held, stream_);
    if (w.bq) add_bias(q, w.bq, slots, d_.n_heads * hd, stream_);
    if (w.bk) add_bias(k, w.bk, slots, d_.n_kv_heads * hd, stream_);
    if (w.bv) add_bias(v, w.bv, slots, d_.n_kv_heads * hd, stream_);
    if (w.q_norm) rmsnorm(q, w.q_norm, slots * d_.n_heads, hd, d_.rms_eps, q, stream_);
    if (w.k_norm) rmsnorm(k, w.k_norm, slots * d_.n_kv_heads, hd, d_.rms_eps, k, stream_);
    attend(l, q, k, v, att, fixed);
    held = DevType::F32;
    mm_->run(w.wo, att, slots, xb, held, stream_);
    add(x, xb, slots * dim, stream_);
    rmsnorm(x, w.ffn_norm, slots, dim, d_.rms_eps, xb, stream_);
    held = DevType::F32;  // gate and up share one conversion
    mm_->run(w.w_gate, xb, slots, hb, held, stream_);
    mm_->run(w.w_up, xb, slots, hb2, held, stream_);
    swiglu(hb, hb2, slots * d_.hidden_dim, stream_);
    held = DevType::F32;
    mm_->run(w.w_down, hb, slots, xb, held, stream_);
    add(x, xb, slots * dim, stream_);
  }
  if (logits_mode == HWC_LOGITS_NONE) return;
  const bool all = logits_mode == HWC_LOGITS_ALL;
  const int64_t n = all ? slots : plan.rows;
  const float* src = x;
  if (!all) {
    gather_last_slots(x, plan.rows, plan.len, dim, last_.as<float>(), stream_);
    src = last_.as<float>();
  }
  rmsnorm(src, out_norm_, n, dim, d_.rms_eps, xb, stream_);
  DevType held = DevType::F32;
  mm_->run(output_, xb, n, logits_.as<float>(), held, stream_);
}

std::vector<const void*> DeviceModel::signature() const {
  std::vector<const void*> s{x_.get(),      xb_.get(),       q_.get(),     k_.get(),     v_.get(),       att_.get(),
                             hb_.get(),     hb2_.get(),      last_.get(),  logits_.get(), d_setup_.get(), d_tokens_.get(),
                             qtab_.get(),   ktab_.get(),     d_stats_.get(), d_drill_.get(), d_lse_.get(), mm_->input_buffer()};
  for (const void* p : attn_.workspaces()) s.push_back(p);
  return s;
}

void DeviceModel::run_graph(const GraphKey& key, const PassPlan& plan, int32_t logits_mode) {
  Graph& g = graphs_[key];
  const std::vector<const void*> sig = signature();
  if (g.exec && g.signature == sig) {
    CUDA_CHECK(cudaGraphLaunch(g.exec, stream_));
    timings_.graph = 1;
    return;
  }
  if (g.exec) {  // a buffer moved since the capture
    cudaGraphExecDestroy(g.exec);
    g.exec = nullptr;
    g.warm = false;
  }
  if (!g.warm || g.signature != sig || g.broken) {
    // First pass of this shape (or its buffers just moved): eager, which also sizes every buffer it needs.
    body(plan, logits_mode);
    g.signature = signature();
    g.warm = !g.broken;
    timings_.graph = 0;
    return;
  }
  cudaGraph_t graph = nullptr;
  CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
  try {
    body(plan, logits_mode);
  } catch (...) {
    cudaStreamEndCapture(stream_, &graph);  // leave capture mode whatever happened
    if (graph) cudaGraphDestroy(graph);
    cudaGetLastError();
    g.broken = true;
    ++timings_.graph_failures;
    body(plan, logits_mode);  // this pass runs eagerly; an error here is a real one
    timings_.graph = 0;
    return;
  }
  CUDA_CHECK(cudaStreamEndCapture(stream_, &graph));
  const cudaError_t err = cudaGraphInstantiate(&g.exec, graph, 0);
  cudaGraphDestroy(graph);
  if (err != cudaSuccess) {
    cudaGetLastError();
    g.exec = nullptr;
    g.broken = true;
    ++timings_.graph_failures;
    body(plan, logits_mode);
    timings_.graph = 0;
    return;
  }
  g.signature = sig;
  CUDA_CHECK(cudaGraphLaunch(g.exec, stream_));
  timings_.graph = 2;
}

void DeviceModel::commit(DeviceCache& c, const PassPlan& plan) {
  for (int r = 0; r < plan.rows; ++r) c.store.set_length(plan.target[r], plan.new_len[plan.target[r]]);
}

void DeviceModel::copy_stats_out(const PassPlan& plan, const HwcStatsOut* stats) {
  if (!plan.stats || !stats) return;
  if (stats->mass)
    CUDA_CHECK(cudaMemcpyAsync(stats->mass, d_stats_.get(), static_cast<size_t>(plan.rows) * d_.n_layers * d_.n_heads * plan.n_blocks * sizeof(float),
                               cudaMemcpyDeviceToHost, stream_));
  if (drill_layer_ >= 0 && stats->drill)
    CUDA_CHECK(cudaMemcpyAsync(stats->drill, d_drill_.get(), static_cast<size_t>(plan.rows) * drill_len_ * sizeof(float), cudaMemcpyDeviceToHost,
                               stream_));
}

void DeviceModel::forward(DeviceCache& c, const PassPlan& plan, const int32_t* tokens, int32_t logits_mode, float* logits,
                          const HwcStatsOut* stats) {
  const auto t0 = std::chrono::steady_clock::now();
  if (open_) invalid("forward during an attention-only pass");
  if (layers_.empty()) invalid("this model was created without weights (attention only)");
  if (!tokens) invalid("forward without tokens");
  if (logits_mode != HWC_LOGITS_NONE && !logits) invalid("logits requested without a buffer");
  prepare_pass(c, plan, tokens, stats);
  CUDA_CHECK(cudaEventRecord(ev0_, stream_));
  const bool graphable = graphs_on_ && plan.len == 1;
  if (graphable) {
    const GraphKey key{plan.rows, plan.len, plan.n_entries, logits_mode, plan.stats, drill_layer_, static_cast<int>(kernel_)};
    run_graph(key, plan, logits_mode);
  } else {
    body(plan, logits_mode);
    timings_.graph = 0;
  }
  timings_.host_us = micros_since(t0);  // the host's share of the pass: plan, copies enqueued, launch
  timings_.graphs_cached = static_cast<int32_t>(graphs_.size());
  if (logits_mode != HWC_LOGITS_NONE) {
    const int64_t n = logits_mode == HWC_LOGITS_ALL ? int64_t{plan.rows} * plan.len : plan.rows;
    CUDA_CHECK(cudaMemcpyAsync(logits, logits_.get(), static_cast<size_t>(n) * d_.vocab_size * sizeof(float), cudaMemcpyDeviceToHost, stream_));
  }
  copy_stats_out(plan, stats);
  CUDA_CHECK(cudaEventRecord(ev1_, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));  // execution errors of the pass surface here
  float ms = 0.f;
  CUDA_CHECK(cudaEventElapsedTime(&ms, ev0_, ev1_));
  timings_.device_ms = ms;
  commit(c, plan);
}

void DeviceModel::attention_begin(DeviceCache& c, const PassPlan& plan, const HwcStatsOut* stats) {
  prepare_pass(c, plan, nullptr, stats);
  const DeviceSetup& s = *h_setup_.as<DeviceSetup>();
  pass_tables(d_setup_.as<DeviceSetup>(), plan, s.n_slots, rope_, qtab_.as<float2>(), ktab_.as<float2>(), stream_);
  if (plan.stats)
    CUDA_CHECK(cudaMemsetAsync(d_stats_.get(), 0, static_cast<size_t>(plan.rows) * d_.n_layers * d_.n_heads * plan.n_blocks * sizeof(float), stream_));
  open_ = &c;
  open_stats_ = stats ? *stats : HwcStatsOut{};
}

void DeviceModel::attention_layer(int layer, const float* q, const float* k, const float* v, float* out) {
  if (!open_) invalid("attention_layer outside attention_begin/end");
  if (layer < 0 || layer >= d_.n_layers) invalid("layer " + std::to_string(layer) + " out of range");
  const int64_t slots = int64_t{plan_.rows} * plan_.len;
  const size_t qbytes = static_cast<size_t>(slots) * d_.n_heads * d_.head_dim * sizeof(float);
  const size_t kvbytes = static_cast<size_t>(slots) * d_.n_kv_heads * d_.head_dim * sizeof(float);
  CUDA_CHECK(cudaMemcpyAsync(q_.get(), q, qbytes, cudaMemcpyHostToDevice, stream_));
  CUDA_CHECK(cudaMemcpyAsync(k_.get(), k, kvbytes, cudaMemcpyHostToDevice, stream_));
  CUDA_CHECK(cudaMemcpyAsync(v_.get(), v, kvbytes, cudaMemcpyHostToDevice, stream_));
  attend(layer, q_.as<float>(), k_.as<float>(), v_.as<float>(), att_.as<float>(), false);
  CUDA_CHECK(cudaMemcpyAsync(out, att_.get(), qbytes, cudaMemcpyDeviceToHost, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void DeviceModel::attention_end() {
  if (!open_) invalid("attention_end without attention_begin");
  DeviceCache& c = *open_;
  open_ = nullptr;
  copy_stats_out(plan_, &open_stats_);
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  commit(c, plan_);
}

double DeviceModel::time_attention(DeviceCache& c, const PassPlan& plan, int iters, bool plain) {
  // The attention of the pass `plan` describes over the keys in the store; nothing is appended or committed (the new
  // tokens' slots hold whatever the store has there: fill them first for meaningful values).
  PassPlan p = plan;
  p.stats = 0;
  prepare_pass(c, p, nullptr, nullptr);
  const DeviceSetup& s = *h_setup_.as<DeviceSetup>();
  pass_tables(d_setup_.as<DeviceSetup>(), p, s.n_slots, rope_, qtab_.as<float2>(), ktab_.as<float2>(), stream_);
  const int64_t slots = int64_t{p.rows} * p.len;
  random_fill(DevType::F32, q_.get(), slots * d_.n_heads * d_.head_dim, 77, 0.f, 1.f, stream_);
  AttentionArgs a;
  a.setup = d_setup_.as<DeviceSetup>();
  a.n_layers = d_.n_layers, a.n_heads = d_.n_heads, a.n_kv_heads = d_.n_kv_heads, a.head_dim = d_.head_dim;
  a.rope_dim = d_.rope_dim, a.neox = rope_.neox, a.kv_type = c.store.type(), a.scale = d_.softmax_scale;
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

}  // namespace hogwild::cuda
