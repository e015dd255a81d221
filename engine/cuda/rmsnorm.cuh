#pragma once
// RMSNorm over rows: out[i] = x[i] / sqrt(mean(x[i]²) + eps) · w. out may alias x. Also the per-head q/k norm
// of qwen3 (rows = slots·heads, dim = head_dim).
#include "cuda/common.cuh"

namespace hogwild::cuda {
void rmsnorm(const float* x, const float* w, int64_t rows, int dim, float eps, float* out, cudaStream_t stream);
}
