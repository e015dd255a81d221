#include "cuda/random_fill.cuh"

#include <algorithm>

namespace hogwild::cuda {

template <typename T>
static __global__ void random_fill_kernel(T* dst, int64_t n, uint64_t seed, float center, float amp) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    uint64_t z = seed + static_cast<uint64_t>(i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const float u = static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
    dst[i] = from_f32<T>(center + amp * (2.f * u - 1.f));
  }
}

void random_fill(DevType t, void* dst, int64_t count, uint64_t seed, float center, float amp, cudaStream_t stream) {
  if (count <= 0) return;
  const unsigned grid = static_cast<unsigned>(std::min<int64_t>(ceil_div(count, 256), 65535 * 4));
  HW_DISPATCH_TYPE(t, T, random_fill_kernel<T><<<grid, 256, 0, stream>>>(static_cast<T*>(dst), count, seed, center, amp));
  CUDA_CHECK_LAUNCH();
}

}  // namespace hogwild::cuda
