#pragma once
// CPU forward pass of a Llama-architecture transformer (llama, qwen2: + q/k/v biases, qwen3: + per-head q/k
// RMSNorm) over a batch of `rows` × `len` tokens.
// Positions and the KV cache live behind the AttentionCache seam (backend/attention_cache.h): the same
// forward serves plain decoding (SequenceCache) and Hogwild's shared block cache (HogwildAttention).
#include <memory>
#include <vector>

#include "common/thread_pool.h"
#include "cpu/packed_weights.h"
#include "backend/attention_cache.h"
#include "model/model.h"

namespace hogwild::cpu {

class Transformer {
 public:
  // threads <= 0: all hardware threads. The model must outlive the transformer.
  Transformer(const Model& model, int threads);

  const ModelConfig& config() const { return model_.config; }
  ThreadPool& pool() { return pool_; }

  // Runs one forward pass. logits receives [rows][vocab] for the LAST slot of every row (always real
  // because padding is on the left), or [rows*len][vocab] for every slot when all_slots is true.
  // Pass logits = nullptr to skip the classifier (prefill of text whose continuation is not sampled).
  void forward(const ForwardBatch& batch, AttentionCache& cache, float* logits, bool all_slots = false);
  // false: every matmul on the row kernels, even for large batches (no OpenBLAS SGEMM), so each row's result is
  // what it would be in a pass of its own with fewer than kBlasMinSlots slots (fused passes of several sessions).
  void set_blas_allowed(bool on) { blas_allowed_ = on; }
  bool blas_allowed() const { return blas_allowed_; }
  // The matrices packed at construction (cpu/packed_weights.h), shared with the model's other Transformers.
  const PackedWeights& packed() const { return *packed_; }

 private:
  void ensure_buffers(int64_t slots);
  // y = x W^T for `rows` rows of x, on w's packed form when it has one.
  void mm(const TensorView& w, const float* x, int64_t rows, float* y);

  const Model& model_;
  ThreadPool pool_;
  std::shared_ptr<const PackedWeights> packed_;
  // Norm weights converted to fp32 once (they may be stored as f16/bf16); likewise the optional attention
  // biases (qwen2) and per-head q/k norms (qwen3), empty when the model has none.
  std::vector<std::vector<float>> attn_norm_, ffn_norm_;
  std::vector<std::vector<float>> bq_, bk_, bv_, q_norm_, k_norm_;
  std::vector<float> out_norm_;
  // Activations, [slots][...], reused across passes.
  std::vector<float> x_, xb_, q_, k_, v_, att_, hb_, hb2_;
  int64_t slots_capacity_ = 0;
  bool blas_allowed_ = true;
};

}  // namespace hogwild::cpu
