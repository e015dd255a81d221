#pragma once
// Embedding gather: out[i][:] = table[tokens[i]][:] as fp32; token −1 (padding) → zeros.
#include "cuda/common.cuh"

namespace hogwild::cuda {
void embed(DevType table_type, const void* table, int64_t vocab, int dim, const int32_t* tokens, int64_t n, float* out,
           cudaStream_t stream);
}
