#pragma once
// Gathers the last slot of every row (left padding: always real) into a compact [rows][dim] buffer before the
// final norm and the classifier, so the vocabulary GEMM runs on W rows, not W·L.
#include "cuda/common.cuh"

namespace hogwild::cuda {
void gather_last_slots(const float* x, int rows, int len, int dim, float* out, cudaStream_t stream);
}
