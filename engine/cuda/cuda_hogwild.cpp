#include "cuda/cuda_hogwild.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/error.h"
#include "common/tensor.h"
#include "cpu/rope.h"
#include "cuda/cuda_backend.h"
#include "hogwild/events.h"

namespace hogwild {

namespace {

using cuda::DevType;

// Host copies made at load for types the device does not store (quantized → f16/f32); alive until creation ends.
struct Staging {
  std::vector<std::vector<uint16_t>> half;
  std::vector<std::vector<float>> full;
};

cuda::HostMatrix host_matrix(const TensorView& t, bool exact, Staging& st) {
  cuda::HostMatrix m;
  m.rows = t.rows();
  m.cols = t.cols();
  switch (t.type) {
    case DType::F32: m.type = DevType::F32, m.data = t.data; return m;
    case DType::F16: m.type = DevType::F16, m.data = t.data; return m;
    case DType::BF16: m.type = DevType::BF16, m.data = t.data; return m;
    default: break;
  }
  // Quantized (q8_0, q4_*, k-quants): dequantized here, row by row, to f16 (or f32 when exact). Documented in
  // docs/CUDA.md: in-kernel dequantization would save memory but is not implemented yet.
  std::vector<float> row(static_cast<size_t>(m.cols));
  if (exact) {
    auto& dst = st.full.emplace_back(static_cast<size_t>(m.rows * m.cols));
    for (int64_t r = 0; r < m.rows; ++r) dequantize_row(t.type, t.row_ptr(r), dst.data() + r * m.cols, m.cols);
    m.type = DevType::F32, m.data = dst.data();
  } else {
    auto& dst = st.half.emplace_back(static_cast<size_t>(m.rows * m.cols));
    for (int64_t r = 0; r < m.rows; ++r) {
      dequantize_row(t.type, t.row_ptr(r), row.data(), m.cols);
      for (int64_t c = 0; c < m.cols; ++c) dst[static_cast<size_t>(r * m.cols + c)] = fp32_to_fp16(row[static_cast<size_t>(c)]);
    }
    m.type = DevType::F16, m.data = dst.data();
  }
  return m;
}

std::vector<float> to_f32(const TensorView& t) {
  if (t.empty()) return {};
  std::vector<float> v(static_cast<size_t>(t.numel()));
  dequantize_row(t.type, t.data, v.data(), t.numel());
  return v;
}

void fill_shape(cuda::DeviceModelDesc& d, const ModelConfig& c) {
  d.dim = c.dim, d.hidden_dim = c.hidden_dim, d.n_layers = c.n_layers, d.n_heads = c.n_heads, d.n_kv_heads = c.n_kv_heads;
  d.head_dim = c.head_dim, d.vocab_size = c.vocab_size, d.rms_eps = c.rms_eps;
  const Rope rope = Rope::for_model(c);
  d.rope_dim = rope.rope_dim();
  d.rope_neox = rope.style() == RopeStyle::NeoX;
  d.inv_freq = rope.inv_freq();
  d.softmax_scale = 0.f;  // 1/sqrt(head_dim), as HogwildAttention's default
}

std::unique_ptr<cuda::DeviceHogwild> create_device(const cuda::DeviceModelDesc& d, std::string* why) {
  const auto status = cuda::probe_device();
  if (!status.usable) {
    if (why) *why = status.reason;
    return nullptr;
  }
  auto create = reinterpret_cast<HogwildCudaCreateModelV1>(cuda::plugin_symbol("hogwild_cuda_create_model_v1"));
  if (!create) {
    if (why) *why = "the CUDA plugin has no Hogwild model entry point (stale plugin?)";
    return nullptr;
  }
  char err[1024] = {0};
  cuda::DeviceHogwild* dev = create(&d, err, sizeof err);
  if (!dev && why) *why = err[0] ? err : "the CUDA plugin could not create the model";
  return std::unique_ptr<cuda::DeviceHogwild>(dev);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
void PassPlanner::set_prefill(int block) {
  if (block < 0 || block >= layout_.num_blocks()) throw std::out_of_range("hogwild attention: no block " + std::to_string(block));
  worker_mode_ = false;
  prefill_block_ = block;
}

cuda::PassPlan PassPlanner::plan(const ForwardBatch& batch, const std::vector<int64_t>& lengths, bool stats) const {
  const int W = layout_.workers(), F = layout_.num_blocks();
  const int rows = batch.rows, L = batch.len;
  if (worker_mode_ && rows != W)
    throw ConfigError("hogwild attention: a worker pass needs " + std::to_string(W) + " rows, got " + std::to_string(rows));
  if (!worker_mode_ && rows != 1) throw ConfigError("hogwild attention: a prefill pass needs 1 row, got " + std::to_string(rows));
  if (L <= 0 || batch.tokens.size() != static_cast<size_t>(rows) * L)
    throw ConfigError("hogwild attention: malformed batch (" + std::to_string(rows) + " rows × " + std::to_string(L) + " slots, " +
                      std::to_string(batch.tokens.size()) + " tokens)");
  if (F > cuda::kMaxBlocks || rows > cuda::kMaxRows) throw ConfigError("CUDA: too many blocks or rows for the device plan");
  cuda::PassPlan p;
  p.rows = rows, p.len = L, p.n_blocks = F, p.stats = worker_mode_ && stats ? 1 : 0;
  for (int r = 0; r < cuda::kMaxRows; ++r)
    for (int X = 0; X < cuda::kMaxBlocks; ++X) p.entry_of[r][X] = -1;
  for (int r = 0; r < rows; ++r) {
    int n = batch.real_count(r);
    for (int t = L - n; t < L; ++t)
      if (!batch.real(r, t)) n = -1;  // left padding only: the real tokens are the last n slots
    if (n <= 0) throw ConfigError("hogwild attention: row " + std::to_string(r) + " must end with real tokens (left padding only)");
    p.n_real[r] = n;
  }
  for (int X = 0; X < F; ++X) p.old_len[X] = p.new_len[X] = lengths[static_cast<size_t>(X)];
  std::vector<std::vector<int>> views(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    p.target[r] = worker_mode_ ? layout_.own_block(r) : prefill_block_;
    p.new_len[p.target[r]] += p.n_real[r];
    views[static_cast<size_t>(r)] = worker_mode_ ? layout_.view(r) : std::vector<int>{prefill_block_};
  }
  for (int w = 0; w < W; ++w) {
    int64_t n = 0;
    for (int id : layout_.view(w)) n += p.new_len[id];
    if (n > max_context_)
      throw ConfigError("context full: worker " + std::to_string(w + 1) + "'s view would reach " + std::to_string(n) +
                        " tokens, the model's context is " + std::to_string(max_context_));
  }
  if (!worker_mode_ && p.new_len[prefill_block_] > max_context_)
    throw ConfigError("context full: block '" + layout_.block(prefill_block_).name + "' would reach " +
                      std::to_string(p.new_len[prefill_block_]) + " tokens, the model's context is " + std::to_string(max_context_));
  // Locations (§5.5): walk each view from the end; after adding block X, pos = length from X to the end of the
  // view and loc[X,t] = pos − L + t.
  int e = 0;
  for (int r = 0; r < rows; ++r) {
    const auto& v = views[static_cast<size_t>(r)];
    int64_t pos = 0;
    for (int k = static_cast<int>(v.size()) - 1; k >= 0; --k) {
      pos += p.new_len[v[static_cast<size_t>(k)]];
      p.entry_of[r][v[static_cast<size_t>(k)]] = e;
      p.entry_pos[e] = pos;
      p.entry_block[e] = v[static_cast<size_t>(k)];
      ++e;
    }
  }
  p.n_entries = e;
  return p;
}

// ---------------------------------------------------------------------------------------------------------------
template <typename F> auto CudaHogwild::guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const std::logic_error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(e.what());  // plugin errors already read "CUDA: …"
  }
}

CudaHogwild::CudaHogwild(std::unique_ptr<cuda::DeviceHogwild> dev, const Layout& layout, int64_t max_context, int n_layers,
                         int n_heads)
    : dev_(std::move(dev)), planner_(layout, max_context), n_layers_(n_layers), n_heads_(n_heads) {}

CudaHogwild::~CudaHogwild() = default;

std::unique_ptr<CudaHogwild> CudaHogwild::create(const Model& model, const Layout& layout, const CudaOptions& o, std::string* why) {
  const ModelConfig& c = model.config;
  cuda::DeviceModelDesc d;
  fill_shape(d, c);
  Staging st;
  const auto& w = model.weights;
  d.token_embd = host_matrix(w.token_embd, o.exact, st);
  d.tied_output = c.tied_output || w.output.data == w.token_embd.data || w.output.empty();
  if (!d.tied_output) d.output = host_matrix(w.output, o.exact, st);
  d.output_norm = to_f32(w.output_norm);
  for (const auto& l : w.layers) {
    cuda::DeviceLayerDesc dl;
    dl.wq = host_matrix(l.wq, o.exact, st);
    dl.wk = host_matrix(l.wk, o.exact, st);
    dl.wv = host_matrix(l.wv, o.exact, st);
    dl.wo = host_matrix(l.wo, o.exact, st);
    dl.w_gate = host_matrix(l.w_gate, o.exact, st);
    dl.w_up = host_matrix(l.w_up, o.exact, st);
    dl.w_down = host_matrix(l.w_down, o.exact, st);
    dl.attn_norm = to_f32(l.attn_norm);
    dl.ffn_norm = to_f32(l.ffn_norm);
    dl.bq = to_f32(l.bq), dl.bk = to_f32(l.bk), dl.bv = to_f32(l.bv);
    dl.q_norm = to_f32(l.q_norm), dl.k_norm = to_f32(l.k_norm);
    d.layers.push_back(std::move(dl));
  }
  return finish_create(d, layout, o, c.context_length, c.n_layers, c.n_heads, why);
}

std::unique_ptr<CudaHogwild> CudaHogwild::create_random(const ModelConfig& shape, cuda::DevType weights, const Layout& layout,
                                                        const CudaOptions& o, uint64_t seed, std::string* why) {
  cuda::DeviceModelDesc d;
  fill_shape(d, shape);
  d.random_weights = true;
  d.random_type = weights;
  d.seed = seed;
  d.tied_output = shape.tied_output;
  return finish_create(d, layout, o, shape.context_length, shape.n_layers, shape.n_heads, why);
}

std::unique_ptr<CudaHogwild> CudaHogwild::create_attention_only(int n_layers, int n_kv_heads, int n_heads, int head_dim,
                                                                const Rope& rope, const Layout& layout, int64_t max_context,
                                                                const CudaOptions& o, std::string* why) {
  cuda::DeviceModelDesc d;
  d.attention_only = true;
  d.dim = n_heads * head_dim, d.hidden_dim = 1, d.n_layers = n_layers, d.n_heads = n_heads, d.n_kv_heads = n_kv_heads;
  d.head_dim = head_dim, d.vocab_size = 1;
  d.rope_dim = rope.rope_dim();
  d.rope_neox = rope.style() == RopeStyle::NeoX;
  d.inv_freq = rope.inv_freq();
  return finish_create(d, layout, o, max_context, n_layers, n_heads, why);
}

std::unique_ptr<CudaHogwild> CudaHogwild::finish_create(cuda::DeviceModelDesc& d, const Layout& layout, const CudaOptions& o,
                                                        int64_t max_context, int n_layers, int n_heads, std::string* why) {
  d.kv_type = o.kv_type;
  d.n_blocks = layout.num_blocks();
  d.max_rows = layout.workers();
  auto dev = create_device(d, why);
  if (!dev) return nullptr;
  dev->set_attention_kernel(o.kernel);
  return std::unique_ptr<CudaHogwild>(new CudaHogwild(std::move(dev), layout, max_context, n_layers, n_heads));
}

std::string CudaHogwild::device_name() const { return dev_->device_name(); }

void CudaHogwild::check_idle(const char* what) const {
  if (in_pass_) throw std::logic_error(std::string("hogwild attention: ") + what + " during a forward pass");
}

void CudaHogwild::set_prefill(int block) {
  check_idle("set_prefill");
  planner_.set_prefill(block);
}

void CudaHogwild::set_worker_pass() {
  check_idle("set_worker_pass");
  planner_.set_worker_pass();
}

cuda::PassPlan CudaHogwild::make_plan(const ForwardBatch& batch) {
  cuda::PassPlan p = planner_.plan(batch, block_lengths(), stats_enabled_);
  if (p.stats) stats_lengths_.assign(p.new_len, p.new_len + p.n_blocks);
  return p;
}

void CudaHogwild::forward(const ForwardBatch& batch, float* logits, bool all_slots) {
  check_idle("forward");
  const cuda::PassPlan p = make_plan(batch);
  guarded([&] { dev_->forward(p, batch.tokens.data(), logits, all_slots); });
  if (p.stats) stats_valid_ = true;
}

void CudaHogwild::begin_pass(const ForwardBatch& batch) {
  if (in_pass_) abort_pass();
  const cuda::PassPlan p = make_plan(batch);
  guarded([&] { dev_->attention_begin(p); });
  in_pass_ = true;
  if (p.stats) stats_valid_ = true;
}

void CudaHogwild::attend(int layer, float* q, float* k, const float* v, float* out) {
  if (!in_pass_) throw std::logic_error("hogwild attention: attend() outside begin_pass/end_pass");
  guarded([&] { dev_->attention_layer(layer, q, k, v, out); });
}

void CudaHogwild::end_pass() {
  if (!in_pass_) throw std::logic_error("hogwild attention: end_pass() without begin_pass()");
  in_pass_ = false;
  guarded([&] { dev_->attention_end(); });
}

void CudaHogwild::abort_pass() {
  if (!in_pass_) return;
  dev_->attention_abort();
  in_pass_ = false;
}

double CudaHogwild::time_attention(const ForwardBatch& batch, int iters, bool plain) {
  check_idle("time_attention");
  const cuda::PassPlan p = planner_.plan(batch, block_lengths(), false);
  return guarded([&] { return dev_->time_attention(p, iters, plain); });
}

void CudaHogwild::fill_block_random(int block, int64_t n, uint64_t seed) {
  check_idle("fill_block_random");
  // One token more than asked, then truncated: the next pass's slot holds finite values too (time_attention).
  guarded([&] { dev_->fill_block_random(block, n + 1, seed); });
  dev_->truncate_block(block, n);
}

int64_t CudaHogwild::block_length(int id) const { return dev_->block_length(id); }

std::vector<int64_t> CudaHogwild::block_lengths() const {
  std::vector<int64_t> out(static_cast<size_t>(num_blocks()));
  for (int X = 0; X < num_blocks(); ++X) out[static_cast<size_t>(X)] = dev_->block_length(X);
  return out;
}

int64_t CudaHogwild::view_length(int worker) const {
  int64_t n = 0;
  for (int id : layout().view(worker)) n += dev_->block_length(id);
  return n;
}

void CudaHogwild::merge_step(int worker, int64_t n) {
  check_idle("merge_step");
  if (!layout().has_steps())
    throw ConfigError(std::string("merge_step: the ") + layout_name(layout().kind()) + " layout has no steps to merge");
  const int own = layout().own_block(worker);
  if (n < 0 || n > block_length(own))
    throw std::out_of_range("merge_step: worker " + std::to_string(worker + 1) + " has " + std::to_string(block_length(own)) +
                            " step tokens, cannot merge " + std::to_string(n));
  guarded([&] { dev_->merge_step(own, layout().first_block(), n); });
}

void CudaHogwild::copy_block(int dst, int src) {
  check_idle("copy_block");
  guarded([&] { dev_->copy_block(dst, src); });
}

void CudaHogwild::clear_block(int id) {
  check_idle("clear_block");
  dev_->truncate_block(id, 0);
}

void CudaHogwild::reset() {
  if (in_pass_) abort_pass();
  for (int X = 0; X < num_blocks(); ++X) dev_->truncate_block(X, 0);
}

void CudaHogwild::reserve(int block, int64_t tokens) {
  guarded([&] { dev_->reserve_block(block, tokens); });
}

float CudaHogwild::stats_at(int w, int layer, int head, int block) const {
  const auto& m = dev_->stats_mass();
  return m[((static_cast<size_t>(w) * n_layers_ + layer) * n_heads_ + head) * num_blocks() + block];
}

void CudaHogwild::fill_stats(StatsEvent& e) const {
  e.block_names.clear();
  e.block_owner.clear();
  for (const auto& b : layout().blocks()) {
    e.block_names.push_back(b.name);
    e.block_owner.push_back(b.owner);
  }
  e.workers = workers();
  e.layers = n_layers_;
  e.heads = n_heads_;
  e.block_lengths = stats_lengths_;
  e.mass = dev_->stats_mass();
  e.drill_layer = -1;  // per-token drill rows are CPU-only for now (docs/CUDA.md)
  e.drill.clear();
}

}  // namespace hogwild
