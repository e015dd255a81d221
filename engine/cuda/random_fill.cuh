#pragma once
// Random weights generated on the device (benchmarks of real model shapes without a host file): uniform in
// [center − amp, center + amp] from a counter-based hash of (seed, element index).
#include "cuda/common.cuh"

namespace hogwild::cuda {
void random_fill(DevType t, void* dst, int64_t count, uint64_t seed, float center, float amp, cudaStream_t stream);
}
