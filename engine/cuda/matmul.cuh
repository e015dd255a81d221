#pragma once
// The forward pass's matrix products, y[n][out] = x[n][in]·Wᵀ, for every weight type (docs/CUDA.md "Matmul paths"):
//   quantized, n ≤ 64     the dequantizing mat-vec kernel (quant.cuh) in groups of 8 activation rows: each weight
//                         byte is read once per group (decode passes: once per pass for all W ≤ 8 workers)
//   quantized, n > 64     prefill: tiles of W dequantized to f16 (≤ 64 MiB) and cuBLAS with fp32 accumulation
//   f32 / f16 / bf16      cuBLAS (gemm.cuh); for f16/bf16 the fp32 input is rounded to the weight type once per input
// `held` records what xt() holds (the input converted once, shared by the products that read the same x: q/k/v,
// gate/up); the caller resets it to F32 when x changes.
#include "cuda/gemm.cuh"
#include "cuda/quant.cuh"

namespace hogwild::cuda {

class Matmul {
 public:
  static constexpr int64_t kVecLimit = 64;  // activation rows up to which the mat-vec kernel runs (in groups of 8)

  explicit Matmul(cublasHandle_t h) : h_(h) {}
  // Sizes the input conversion buffer for n rows of `cols` (before a CUDA graph capture: no allocation inside).
  void reserve(int64_t n, int64_t cols);
  // path: HWC_MATMUL_AUTO, HWC_MATMUL_VEC (quantized only), HWC_MATMUL_GEMM.
  void run(const WeightMatrix& w, const float* x, int64_t n, float* y, DevType& held, cudaStream_t stream,
           int path = HWC_MATMUL_AUTO);
  // Bytes of the buffers (signature of a captured graph).
  const void* input_buffer() const { return xt_.get(); }

 private:
  cublasHandle_t h_;
  DeviceBuffer xt_;    // x converted to f16/bf16
  DeviceBuffer tile_;  // dequantized rows of W (prefill)
};

}  // namespace hogwild::cuda
