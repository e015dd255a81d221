#include "cuda/cuda_backend.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "common/error.h"
#include "common/log.h"
#include "cuda/plugin_loader.h"
#include "hogwild/attention_stats.h"
#include "hogwild/events.h"

namespace hogwild {

namespace {

// Host vectors converted to fp32 for the upload; alive until the model is created.
struct Staging {
  std::vector<std::vector<float>> vectors;
};

HwcTensor matrix(const TensorView& t) {
  HwcTensor m{};
  m.type = hwc_type(t.type);
  m.rows = t.rows();
  m.cols = t.cols();
  m.data = t.data;
  m.nbytes = t.nbytes;
  return m;
}

// Norms, biases: small vectors, converted to fp32 on the host (absent: data = nullptr).
HwcTensor vector_f32(const TensorView& t, Staging& st) {
  HwcTensor v{};
  v.type = HWC_F32;
  if (t.empty()) return v;
  auto& dst = st.vectors.emplace_back(static_cast<size_t>(t.numel()));
  dequantize_row(t.type, t.data, dst.data(), t.numel());
  v.rows = 1;
  v.cols = t.numel();
  v.data = dst.data();
  v.nbytes = dst.size() * sizeof(float);
  return v;
}

void fill_shape(HwcModelDesc& d, const ModelConfig& c, const Rope& rope) {
  d.struct_size = sizeof(HwcModelDesc);
  d.dim = c.dim, d.hidden_dim = c.hidden_dim, d.n_layers = c.n_layers, d.n_heads = c.n_heads, d.n_kv_heads = c.n_kv_heads;
  d.head_dim = c.head_dim, d.vocab_size = c.vocab_size, d.rms_eps = c.rms_eps;
  d.rope_dim = rope.rope_dim();
  d.rope_neox = rope.style() == RopeStyle::NeoX;
  d.inv_freq = rope.inv_freq().data();
  d.softmax_scale = 0.f;  // 1/sqrt(head_dim), as HogwildAttention's default
}

const HwcApi* usable_api(std::string* why) {
  const cuda::DeviceStatus s = cuda::probe_device();
  if (!s.usable || !cuda::plugin_api()) {
    if (why) *why = s.reason.empty() ? "the CUDA plugin is not usable" : s.reason;
    return nullptr;
  }
  return cuda::plugin_api();
}

void progress_trampoline(void* user, int32_t done, int32_t total) {
  const auto* f = static_cast<const CudaBackend::Progress*>(user);
  if (f && *f) (*f)(done, total);
}

}  // namespace

int32_t hwc_type(DType t) {
  switch (t) {
    case DType::F32: return HWC_F32;
    case DType::F16: return HWC_F16;
    case DType::BF16: return HWC_BF16;
    case DType::Q8_0: return HWC_Q8_0;
    case DType::Q4_0: return HWC_Q4_0;
    case DType::Q4_1: return HWC_Q4_1;
    case DType::Q5_0: return HWC_Q5_0;
    case DType::Q5_1: return HWC_Q5_1;
    case DType::Q4_K: return HWC_Q4_K;
    case DType::Q5_K: return HWC_Q5_K;
    case DType::Q6_K: return HWC_Q6_K;
  }
  throw ConfigError(std::string("CUDA: no device type for ") + dtype_name(t));
}

// ---------------------------------------------------------------------------------------------------------------
void CudaBackend::check(int32_t rc, const HwcStatus& st, const char* what) {
  if (rc == HWC_OK) return;
  std::string msg(st.message, strnlen(st.message, sizeof st.message));
  if (msg.empty()) msg = std::string("CUDA: ") + what + " failed (code " + std::to_string(rc) + ")";
  if (msg.rfind("CUDA", 0) != 0) msg = "CUDA: " + msg;
  throw BackendError(msg);
}

CudaBackend::CudaBackend(const HwcApi* api, HwcModel* model, const ModelConfig& config, const CudaOptions& options)
    : Backend(config), api_(api), model_(model), options_(options) {
  HwcModelInfo info{};
  api_->model_info(model_, &info);
  info.device_name[sizeof info.device_name - 1] = '\0';
  device_name_ = info.device_name;
  weight_bytes_ = info.weight_bytes;
}

CudaBackend::~CudaBackend() {
  if (model_) api_->model_destroy(model_);
}

std::unique_ptr<CudaBackend> CudaBackend::finish_create(HwcModelDesc& d, const ModelConfig& config, const CudaOptions& o,
                                                        std::string* why) {
  const HwcApi* api = usable_api(why);
  if (!api) return nullptr;
  if (o.kv_type != DType::F32 && o.kv_type != DType::F16 && o.kv_type != DType::BF16) {
    if (why) *why = std::string("CUDA: the KV cache cannot be ") + dtype_name(o.kv_type);
    return nullptr;
  }
  d.max_rows = std::clamp(o.max_rows, 1, HWC_MAX_ROWS);
  HwcStatus st{};
  HwcModel* m = api->model_create(&d, &st);
  if (!m) {
    st.message[sizeof st.message - 1] = '\0';
    if (why) *why = st.message[0] ? st.message : "the CUDA plugin could not create the model";
    return nullptr;
  }
  std::unique_ptr<CudaBackend> b(new CudaBackend(api, m, config, o));
  try {
    b->set_attention_kernel(o.kernel);
    b->set_graphs(o.graphs);
  } catch (const Error& e) {
    if (why) *why = e.what();
    return nullptr;
  }
  return b;
}

std::unique_ptr<CudaBackend> CudaBackend::create(const Model& model, const CudaOptions& o, std::string* why, const Progress& progress) {
  const ModelConfig& c = model.config;
  const Rope rope = Rope::for_model(c);
  HwcModelDesc d{};
  fill_shape(d, c, rope);
  Staging st;
  const auto& w = model.weights;
  std::vector<HwcLayerDesc> layers;
  try {
    d.token_embd = matrix(w.token_embd);
    d.tied_output = c.tied_output || w.output.data == w.token_embd.data || w.output.empty();
    if (!d.tied_output) d.output = matrix(w.output);
    d.output_norm = vector_f32(w.output_norm, st);
    for (const auto& l : w.layers) {
      HwcLayerDesc dl{};
      dl.wq = matrix(l.wq), dl.wk = matrix(l.wk), dl.wv = matrix(l.wv), dl.wo = matrix(l.wo);
      dl.w_gate = matrix(l.w_gate), dl.w_up = matrix(l.w_up), dl.w_down = matrix(l.w_down);
      dl.attn_norm = vector_f32(l.attn_norm, st), dl.ffn_norm = vector_f32(l.ffn_norm, st);
      dl.bq = vector_f32(l.bq, st), dl.bk = vector_f32(l.bk, st), dl.bv = vector_f32(l.bv, st);
      dl.q_norm = vector_f32(l.q_norm, st), dl.k_norm = vector_f32(l.k_norm, st);
      layers.push_back(dl);
    }
  } catch (const ConfigError& e) {  // a weight type the plugin ABI has no id for
    if (why) *why = e.what();
    return nullptr;
  }
  d.layers = layers.data();
  d.progress = progress ? progress_trampoline : nullptr;
  d.progress_user = const_cast<Progress*>(&progress);
  return finish_create(d, c, o, why);
}

std::unique_ptr<CudaBackend> CudaBackend::create_random(const ModelConfig& shape, DType weights, const CudaOptions& o, uint64_t seed,
                                                        std::string* why) {
  const Rope rope = Rope::for_model(shape);
  HwcModelDesc d{};
  fill_shape(d, shape, rope);
  d.random_weights = 1;
  d.random_type = hwc_type(weights);
  d.seed = seed;
  d.tied_output = shape.tied_output;
  return finish_create(d, shape, o, why);
}

std::unique_ptr<CudaBackend> CudaBackend::create_attention_only(int n_layers, int n_kv_heads, int n_heads, int head_dim, const Rope& rope,
                                                                int64_t max_context, const CudaOptions& o, std::string* why) {
  ModelConfig c;
  c.name = "attention-only";
  c.dim = n_heads * head_dim, c.hidden_dim = 1, c.n_layers = n_layers, c.n_heads = n_heads, c.n_kv_heads = n_kv_heads;
  c.head_dim = head_dim, c.vocab_size = 1, c.context_length = static_cast<int>(std::min<int64_t>(max_context, INT32_MAX));
  c.rope_dim = rope.rope_dim();
  c.rope_style = rope.style();
  HwcModelDesc d{};
  fill_shape(d, c, rope);
  d.attention_only = 1;
  return finish_create(d, c, o, why);
}

BackendInfo CudaBackend::info() const {
  BackendInfo i;
  i.kind = BackendKind::Cuda;
  i.device = device_name_;
  return i;
}

std::unique_ptr<BackendCache> CudaBackend::create_cache(const Layout& layout) { return create_cuda_cache(layout); }

std::unique_ptr<CudaCache> CudaBackend::create_cuda_cache(const Layout& layout) {
  if (layout.num_blocks() > HWC_MAX_BLOCKS || layout.workers() > HWC_MAX_ROWS)
    throw ConfigError("CUDA: the layout has too many blocks or workers for the device plan");
  HwcCacheDesc d{};
  d.struct_size = sizeof(HwcCacheDesc);
  d.kv_type = hwc_type(options_.kv_type);
  d.n_blocks = layout.num_blocks();
  d.layout_kind = static_cast<int32_t>(layout.kind());
  d.workers = layout.workers();
  // Step blocks move their keys (merges, §6/§12b): they keep fp32 master keys so that no key is rounded twice.
  if (layout.has_steps())
    for (int w = 0; w < layout.workers(); ++w) d.merge_source[layout.own_block(w)] = 1;
  HwcStatus st{};
  HwcCache* h = api_->cache_create(model_, &d, &st);
  if (!h) check(st.code ? st.code : HWC_ERR_DEVICE, st, "cache_create");
  return std::unique_ptr<CudaCache>(new CudaCache(const_cast<CudaBackend&>(*this), h, layout, config().context_length));
}

CudaCache& CudaBackend::own(BackendCache& cache) const {
  auto* c = dynamic_cast<CudaCache*>(&cache);
  if (!c || &c->backend_ != this) throw std::logic_error("CUDA backend: the cache was created by another backend");
  return *c;
}

void CudaBackend::forward(BackendCache& cache, const PassTarget& target, const ForwardBatch& batch, float* logits, LogitsMode mode) {
  CudaCache& c = own(cache);
  if (static_cast<int64_t>(batch.tokens.size()) != static_cast<int64_t>(batch.rows) * batch.len)
    throw ConfigError("forward: batch has the wrong number of tokens");
  for (int32_t tok : batch.tokens)
    if (tok != ForwardBatch::kPad && (tok < 0 || tok >= config().vocab_size))
      throw ConfigError("token id " + std::to_string(tok) + " is outside the vocabulary (" + std::to_string(config().vocab_size) + ")");
  const PassPlan plan = c.planner_.plan(target, batch, c.block_lengths());  // "context full" before anything changes
  HwcStatsOut stats{};
  const HwcPassPlan hp = c.device_plan(plan, &stats);
  const int32_t lm = mode == LogitsMode::None || !logits ? HWC_LOGITS_NONE : mode == LogitsMode::AllSlots ? HWC_LOGITS_ALL : HWC_LOGITS_LAST;
  HwcStatus st{};
  const int32_t rc = api_->forward(model_, c.handle_, &hp, batch.tokens.data(), lm, lm == HWC_LOGITS_NONE ? nullptr : logits,
                                   hp.stats ? &stats : nullptr, &st);
  check(rc, st, "forward");
  c.stats_done(plan, hp.stats != 0);
}

CudaTimings CudaBackend::last_timings() const {
  HwcTimings t{};
  api_->last_timings(model_, &t);
  return CudaTimings{t.device_ms, t.host_us, t.graph, t.graphs_cached};
}

void CudaBackend::set_attention_kernel(CudaAttentionKernel k) {
  HwcStatus st{};
  check(api_->model_set_option(model_, HWC_OPT_ATTENTION_KERNEL, k == CudaAttentionKernel::Simple ? 1 : 0, &st), st, "set_option");
  options_.kernel = k;
}

void CudaBackend::set_graphs(bool on) {
  HwcStatus st{};
  check(api_->model_set_option(model_, HWC_OPT_GRAPHS, on ? 1 : 0, &st), st, "set_option");
  options_.graphs = on;
}

double CudaBackend::time_attention(CudaCache& cache, const PassTarget& target, const ForwardBatch& batch, int iters, bool plain) {
  const PassPlan plan = cache.planner_.plan(target, batch, cache.block_lengths());
  HwcPassPlan hp = cache.device_plan(plan, nullptr);
  double ms = 0;
  HwcStatus st{};
  check(api_->time_attention(model_, cache.handle_, &hp, iters, plain ? 1 : 0, &ms, &st), st, "time_attention");
  return ms;
}

// ---------------------------------------------------------------------------------------------------------------
CudaCache::CudaCache(CudaBackend& backend, HwcCache* handle, const Layout& layout, int64_t max_context)
    : BackendCache(layout), backend_(backend), handle_(handle), planner_(layout, max_context),
      layers_(backend.config().n_layers), heads_(backend.config().n_heads) {}

CudaCache::~CudaCache() { backend_.api().cache_destroy(handle_); }

int64_t CudaCache::block_length(int block) const {
  if (block < 0 || block >= num_blocks()) throw std::out_of_range("CUDA cache: no block " + std::to_string(block));
  return backend_.api().cache_length(handle_, block);
}

void CudaCache::merge_step(int worker, int64_t n) {
  if (!layout().has_steps())
    throw ConfigError(std::string("merge_step: the ") + layout_name(layout().kind()) + " layout has no steps to merge");
  const int own = layout().own_block(worker);
  const int64_t len = block_length(own);
  if (n < 0 || n > len)
    throw std::out_of_range("merge_step: worker " + std::to_string(worker + 1) + " has " + std::to_string(len) +
                            " step tokens, cannot merge " + std::to_string(n));
  // As HogwildAttention::merge_step: no view may pass the context (the session then ends the run on "context").
  if (std::string full = layout().merge_overflow(block_lengths(), worker, n, planner_.max_context()); !full.empty())
    throw ConfigError(full);
  HwcStatus st{};
  CudaBackend::check(backend_.api().cache_merge(handle_, own, layout().first_block(), n, &st), st, "merge");
}

void CudaCache::copy_block(int dst, int src) {
  if (dst == src) return;
  HwcStatus st{};
  CudaBackend::check(backend_.api().cache_copy(handle_, dst, src, &st), st, "copy_block");
}

void CudaCache::truncate_block(int block, int64_t n) {
  const int64_t len = block_length(block);
  if (n < 0 || n > len)
    throw std::out_of_range("truncate_block: block '" + block_name(block) + "' has " + std::to_string(len) + " tokens, cannot keep " +
                            std::to_string(n));
  HwcStatus st{};
  CudaBackend::check(backend_.api().cache_truncate(handle_, block, n, &st), st, "truncate_block");
}

void CudaCache::reserve(int block, int64_t n) {
  HwcStatus st{};
  CudaBackend::check(backend_.api().cache_reserve(handle_, block, n, &st), st, "reserve");
}

size_t CudaCache::kv_bytes_per_token() const { return backend_.api().cache_bytes_per_token(handle_); }

void CudaCache::read_block(int block, int layer, int kv_head, float* k, float* v) const {
  HwcStatus st{};
  CudaBackend::check(backend_.api().cache_read(handle_, block, layer, kv_head, k, v, &st), st, "read_block");
}

void CudaCache::fill_block_random(int block, int64_t n, uint64_t seed) {
  // One token more, then truncated: the slot the next pass writes holds finite values too (time_attention reads it).
  HwcStatus st{};
  CudaBackend::check(backend_.api().cache_fill_random(handle_, block, n + 1, seed, &st), st, "fill_block_random");
  CudaBackend::check(backend_.api().cache_truncate(handle_, block, n, &st), st, "fill_block_random");
}

HwcPassPlan CudaCache::device_plan(const PassPlan& plan, HwcStatsOut* stats) {
  if (plan.rows > HWC_MAX_ROWS || plan.n_blocks > HWC_MAX_BLOCKS || plan.entries() > HWC_MAX_ROWS * HWC_MAX_BLOCKS)
    throw ConfigError("CUDA: too many rows or blocks for the device plan");
  HwcPassPlan p{};
  p.rows = plan.rows, p.len = plan.len, p.n_blocks = plan.n_blocks, p.n_entries = plan.entries();
  p.drill_layer = -1;
  for (int r = 0; r < HWC_MAX_ROWS; ++r)
    for (int X = 0; X < HWC_MAX_BLOCKS; ++X) p.entry_of[r][X] = -1;
  for (int r = 0; r < plan.rows; ++r) {
    p.n_real[r] = plan.n_real[static_cast<size_t>(r)];
    p.target[r] = plan.target[static_cast<size_t>(r)];
    for (int X = 0; X < plan.n_blocks; ++X) p.entry_of[r][X] = plan.entry(r, X);
  }
  for (int X = 0; X < plan.n_blocks; ++X) p.old_len[X] = plan.old_len[static_cast<size_t>(X)], p.new_len[X] = plan.new_len[static_cast<size_t>(X)];
  for (int e = 0; e < plan.entries(); ++e) {
    p.entry_pos[e] = plan.entry_end[static_cast<size_t>(e)];
    p.entry_block[e] = plan.entry_block[static_cast<size_t>(e)];
  }
  if (!stats || !plan.worker_pass || !stats_enabled_) return p;
  // Statistics of this worker pass: masses always, drill rows for one layer when the cache is not too long.
  p.stats = 1;
  pending_mass_.assign(static_cast<size_t>(plan.rows) * layers_ * heads_ * plan.n_blocks, 0.f);
  stats->mass = pending_mass_.data();
  int64_t total = 0;
  for (int64_t n : plan.new_len) total += n;
  if (drill_layer_ >= 0 && drill_layer_ < layers_ && total <= AttentionStats::kDefaultDrillCap) {
    p.drill_layer = drill_layer_;
    pending_drill_.assign(static_cast<size_t>(plan.rows) * static_cast<size_t>(total), 0.f);
    stats->drill = pending_drill_.data();
    stats->drill_len = total;
  } else {
    pending_drill_.clear();
  }
  return p;
}

void CudaCache::stats_done(const PassPlan& plan, bool recorded) {
  if (!recorded) return;
  mass_.swap(pending_mass_);
  drill_.swap(pending_drill_);
  stats_lengths_ = plan.new_len;
  stats_rows_ = plan.rows;
  stats_drill_layer_ = drill_.empty() ? -1 : drill_layer_;
  stats_valid_ = true;
}

void CudaCache::fill_stats(StatsEvent& e) const {
  e.block_names.clear();
  e.block_owner.clear();
  for (const auto& b : layout().blocks()) {
    e.block_names.push_back(b.name);
    e.block_owner.push_back(b.owner);
  }
  e.workers = stats_rows_;
  e.layers = layers_;
  e.heads = heads_;
  e.block_lengths = stats_lengths_;
  e.mass = mass_;
  e.drill_layer = stats_drill_layer_;
  e.drill.clear();
  if (stats_drill_layer_ >= 0 && stats_rows_ > 0) {
    const size_t total = drill_.size() / static_cast<size_t>(stats_rows_);
    for (int r = 0; r < stats_rows_; ++r)
      e.drill.emplace_back(drill_.begin() + static_cast<ptrdiff_t>(r * total), drill_.begin() + static_cast<ptrdiff_t>((r + 1) * total));
  }
}

// ---------------------------------------------------------------------------------------------------------------
void CudaAttention::begin_pass(const ForwardBatch& batch) {
  if (in_pass_) abort_pass();
  plan_ = cache_.planner_.plan(target_, batch, cache_.block_lengths());
  HwcStatsOut stats{};
  const HwcPassPlan hp = cache_.device_plan(plan_, &stats);
  HwcStatus st{};
  CudaBackend::check(backend_.api().attention_begin(backend_.handle(), cache_.handle_, &hp, hp.stats ? &stats : nullptr, &st), st,
                     "attention_begin");
  stats_ = hp.stats != 0;
  in_pass_ = true;
}

void CudaAttention::attend(int layer, float* q, float* k, const float* v, float* out) {
  if (!in_pass_) throw std::logic_error("CUDA attention: attend() outside begin_pass/end_pass");
  HwcStatus st{};
  CudaBackend::check(backend_.api().attention_layer(backend_.handle(), layer, q, k, v, out, &st), st, "attention_layer");
}

void CudaAttention::end_pass() {
  if (!in_pass_) throw std::logic_error("CUDA attention: end_pass() without begin_pass()");
  in_pass_ = false;
  HwcStatus st{};
  CudaBackend::check(backend_.api().attention_end(backend_.handle(), &st), st, "attention_end");
  cache_.stats_done(plan_, stats_);
}

void CudaAttention::abort_pass() {
  if (!in_pass_) return;
  backend_.api().attention_abort(backend_.handle());
  in_pass_ = false;
}

}  // namespace hogwild
