#include "cpu/transformer.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "cpu/ops.h"

namespace hogwild::cpu {

namespace {
// y[s][i] += b[i] for every slot (attention biases).
void add_bias(float* y, const std::vector<float>& b, int64_t slots) {
  if (b.empty()) return;
  const auto n = static_cast<int64_t>(b.size());
  for (int64_t s = 0; s < slots; ++s) {
    float* ys = y + s * n;
    for (int64_t i = 0; i < n; ++i) ys[i] += b[static_cast<size_t>(i)];
  }
}

std::vector<float> to_f32(const TensorView& t) {
  if (t.empty()) return {};
  std::vector<float> v(static_cast<size_t>(t.numel()));
  dequantize_row(t.type, t.data, v.data(), t.numel());
  return v;
}
}  // namespace

Transformer::Transformer(const Model& model, int threads) : model_(model), pool_(threads) {
  set_blas_threads(pool_.size());  // one thread count for the engine's pool and OpenBLAS's
  const auto& w = model.weights;
  for (const auto& l : w.layers) {
    attn_norm_.push_back(to_f32(l.attn_norm));
    ffn_norm_.push_back(to_f32(l.ffn_norm));
    bq_.push_back(to_f32(l.bq));
    bk_.push_back(to_f32(l.bk));
    bv_.push_back(to_f32(l.bv));
    q_norm_.push_back(to_f32(l.q_norm));
    k_norm_.push_back(to_f32(l.k_norm));
  }
  out_norm_ = to_f32(w.output_norm);
  packed_ = PackedWeights::for_model(model, pool_);
}

void Transformer::mm(const TensorView& w, const float* x, int64_t rows, float* y) {
  matmul(w, x, rows, y, pool_, blas_allowed_, packed_->find(w));
}

void Transformer::ensure_buffers(int64_t slots) {
  if (slots <= slots_capacity_) return;
  const auto& c = model_.config;
  const auto n = static_cast<size_t>(slots);
  x_.resize(n * c.dim);
  xb_.resize(n * std::max(c.dim, c.n_heads * c.head_dim));
  q_.resize(n * c.n_heads * c.head_dim);
  k_.resize(n * c.n_kv_heads * c.head_dim);
  v_.resize(n * c.n_kv_heads * c.head_dim);
  att_.resize(n * c.n_heads * c.head_dim);
  hb_.resize(n * c.hidden_dim);
  hb2_.resize(n * c.hidden_dim);
  slots_capacity_ = slots;
}

void Transformer::forward(const ForwardBatch& batch, AttentionCache& cache, float* logits, bool all_slots) {
  const auto& c = model_.config;
  const auto& w = model_.weights;
  const int64_t slots = static_cast<int64_t>(batch.rows) * batch.len;
  if (static_cast<int64_t>(batch.tokens.size()) != slots) throw ConfigError("forward: batch has the wrong number of tokens");
  ensure_buffers(slots);

  // Token embeddings; padding slots get zeros (their results are discarded).
  for (int64_t s = 0; s < slots; ++s) {
    const int32_t tok = batch.tokens[static_cast<size_t>(s)];
    float* xs = x_.data() + s * c.dim;
    if (tok == ForwardBatch::kPad) {
      std::fill(xs, xs + c.dim, 0.f);
      continue;
    }
    if (tok < 0 || tok >= c.vocab_size)
      throw ConfigError("token id " + std::to_string(tok) + " is outside the vocabulary (" + std::to_string(c.vocab_size) + ")");
    dequantize_row(w.token_embd.type, w.token_embd.row_ptr(tok), xs, c.dim);
  }

  cache.begin_pass(batch);
  // Layer l's attention norm is fused with layer l-1's last residual add (add_rmsnorm).
  if (c.n_layers > 0) rmsnorm(xb_.data(), x_.data(), attn_norm_[0].data(), slots, c.dim, c.rms_eps, pool_);
  for (int l = 0; l < c.n_layers; ++l) {
    const auto& lw = w.layers[static_cast<size_t>(l)];
    // Attention block: xb = norm(x); q,k,v = xb W^T (one input, one loop); attention through the cache; x += att Wo^T.
    const MatmulTarget qkv[] = {{&lw.wq, packed_->find(lw.wq), q_.data()},
                                {&lw.wk, packed_->find(lw.wk), k_.data()},
                                {&lw.wv, packed_->find(lw.wv), v_.data()}};
    matmul_shared_input(qkv, 3, xb_.data(), slots, pool_, blas_allowed_);
    // Biases and per-head q/k norms act on the UNROTATED q and k: the cache applies RoPE afterwards.
    const auto li = static_cast<size_t>(l);
    add_bias(q_.data(), bq_[li], slots);
    add_bias(k_.data(), bk_[li], slots);
    add_bias(v_.data(), bv_[li], slots);
    if (!q_norm_[li].empty()) rmsnorm(q_.data(), q_.data(), q_norm_[li].data(), slots * c.n_heads, c.head_dim, c.rms_eps);
    if (!k_norm_[li].empty()) rmsnorm(k_.data(), k_.data(), k_norm_[li].data(), slots * c.n_kv_heads, c.head_dim, c.rms_eps);
    cache.attend(l, q_.data(), k_.data(), v_.data(), att_.data());
    mm(lw.wo, att_.data(), slots, xb_.data());
    // FFN block: x += att Wo^T; xb = norm(x); x += W_down( silu(W_gate xb) * (W_up xb) ).
    add_rmsnorm(x_.data(), xb_.data(), xb_.data(), ffn_norm_[static_cast<size_t>(l)].data(), slots, c.dim, c.rms_eps, pool_);
    const MatmulTarget gate_up[] = {{&lw.w_gate, packed_->find(lw.w_gate), hb_.data()},
                                    {&lw.w_up, packed_->find(lw.w_up), hb2_.data()}};
    matmul_shared_input(gate_up, 2, xb_.data(), slots, pool_, blas_allowed_);
    swiglu(hb_.data(), hb2_.data(), slots * c.hidden_dim, pool_);
    mm(lw.w_down, hb_.data(), slots, xb_.data());
    // x += the FFN's output, and the next layer's attention norm (the last layer: the sum alone).
    if (l + 1 < c.n_layers)
      add_rmsnorm(x_.data(), xb_.data(), xb_.data(), attn_norm_[static_cast<size_t>(l) + 1].data(), slots, c.dim, c.rms_eps, pool_);
    else
      for (int64_t i = 0; i < slots * c.dim; ++i) x_[static_cast<size_t>(i)] += xb_[static_cast<size_t>(i)];
  }
  cache.end_pass();
  if (!logits) return;

  // Classifier on the last slot of each row (or every slot).
  if (all_slots) {
    rmsnorm(xb_.data(), x_.data(), out_norm_.data(), slots, c.dim, c.rms_eps, pool_);
    mm(w.output, xb_.data(), slots, logits);
    return;
  }
  for (int r = 0; r < batch.rows; ++r) {
    const int64_t s = static_cast<int64_t>(r) * batch.len + batch.len - 1;
    rmsnorm(xb_.data() + static_cast<int64_t>(r) * c.dim, x_.data() + s * c.dim, out_norm_.data(), 1, c.dim, c.rms_eps);
  }
  mm(w.output, xb_.data(), batch.rows, logits);
}

}  // namespace hogwild::cpu
