#pragma once
// Element-wise ops of the forward pass: SwiGLU, residual add, bias add, fp32 → f16/bf16 conversion (GEMM input).
#include "cuda/common.cuh"

namespace hogwild::cuda {
// gate[i] = silu(gate[i]) · up[i]
void swiglu(float* gate, const float* up, int64_t count, cudaStream_t stream);
// y[i] += x[i]
void add(float* y, const float* x, int64_t count, cudaStream_t stream);
// y[s][i] += b[i] for s < rows, i < n
void add_bias(float* y, const float* b, int64_t rows, int n, cudaStream_t stream);
// dst[i] = (T) src[i] for T = f16 / bf16 (round to nearest); f32 → plain copy.
void convert_from_f32(DevType t, const float* src, void* dst, int64_t count, cudaStream_t stream);
// dst[i] = float(src[i])
void convert_to_f32(DevType t, const void* src, float* dst, int64_t count, cudaStream_t stream);
}
