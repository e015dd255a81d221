#pragma once
// Projections through cuBLAS: y[n][out] = x[n][in] · Wᵀ with W row-major [out][in] in f32/f16/bf16, fp32
// accumulate (CUBLAS_COMPUTE_32F; no TF32, so f32 weights keep CPU parity). For f16/bf16 weights the fp32
// activations are rounded to the weight type first (one conversion kernel per GEMM input, shared by the GEMMs
// that read the same input).
#include "cuda/common.cuh"

namespace hogwild::cuda {

struct DeviceMatrix {
  DevType type = DevType::F32;
  int64_t rows = 0, cols = 0;  // [out][in]
  const void* data = nullptr;
};

// x_typed: x already converted to w.type (ignored for F32 weights, which read x_f32).
void gemm(cublasHandle_t h, const DeviceMatrix& w, const float* x_f32, const void* x_typed, int64_t n, float* y,
          cudaStream_t stream);

}  // namespace hogwild::cuda
