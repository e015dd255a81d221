#include "cuda/rmsnorm.cuh"

namespace hogwild::cuda {

// One warp per row (dims up to a few thousand: each lane strides the row; fp32 sum of squares).
static __global__ void rmsnorm_kernel(const float* x, const float* w, int64_t rows, int dim, float eps, float* out) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
  if (row >= rows) return;
  const int lane = threadIdx.x % 32;
  const float* xr = x + row * dim;
  float ss = 0.f;
  for (int d = lane; d < dim; d += 32) ss += xr[d] * xr[d];
  for (int o = 16; o > 0; o >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, o);
  const float s = 1.0f / sqrtf(ss / static_cast<float>(dim) + eps);  // not rsqrtf: parity with the CPU
  float* orow = out + row * dim;
  for (int d = lane; d < dim; d += 32) orow[d] = w[d] * (s * xr[d]);
}

void rmsnorm(const float* x, const float* w, int64_t rows, int dim, float eps, float* out, cudaStream_t stream) {
  if (rows <= 0) return;
  constexpr int kWarps = 4;
  rmsnorm_kernel<<<static_cast<unsigned>(ceil_div(rows, kWarps)), 32 * kWarps, 0, stream>>>(x, w, rows, dim, eps, out);
  CUDA_CHECK_LAUNCH();
}

}  // namespace hogwild::cuda
