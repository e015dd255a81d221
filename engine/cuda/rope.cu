#include "cuda/rope.cuh"

namespace hogwild::cuda {

static __global__ void rope_table_kernel(const double* inv_freq, int pairs, const int64_t* positions, int64_t n, float2* out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n * pairs) return;
  const int64_t row = i / pairs;
  const int p = static_cast<int>(i % pairs);
  const double a = static_cast<double>(positions[row]) * inv_freq[p];
  double s, c;
  sincos(a, &s, &c);
  out[i] = make_float2(static_cast<float>(c), static_cast<float>(s));
}

// One CTA per row; the row's heads are rotated in place through shared memory (pairs read both halves).
static __global__ void rope_rows_kernel(int head_dim, int rope_dim, bool neox, float* x, int n_heads, const float2* table,
                                        int pairs) {
  extern __shared__ float row[];
  const int64_t r = blockIdx.x;
  float* xr = x + r * static_cast<int64_t>(n_heads) * head_dim;
  const int n = n_heads * head_dim;
  for (int i = threadIdx.x; i < n; i += blockDim.x) row[i] = xr[i];
  __syncthreads();
  const float2* cs = table + r * pairs;
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    const int h = i / head_dim, d = i % head_dim;
    xr[i] = rope_dim_value(row + h * head_dim, d, rope_dim, neox, cs);
  }
}

void rope_table(const RopeShape& r, const int64_t* positions, int64_t n, float2* out, cudaStream_t stream) {
  const int64_t total = n * r.pairs();
  if (total <= 0) return;
  rope_table_kernel<<<static_cast<unsigned>(ceil_div(total, 256)), 256, 0, stream>>>(r.inv_freq, r.pairs(), positions, n, out);
  CUDA_CHECK_LAUNCH();
}

void rope_rows(const RopeShape& r, float* x, int64_t rows, int n_heads, const float2* table, cudaStream_t stream) {
  if (rows <= 0) return;
  const size_t smem = static_cast<size_t>(n_heads) * r.head_dim * sizeof(float);
  if (smem > 48 * 1024) invalid("rope_rows: a row of " + std::to_string(smem) + " bytes is too large");
  rope_rows_kernel<<<static_cast<unsigned>(rows), 128, smem, stream>>>(r.head_dim, r.rope_dim, r.neox, x, n_heads, table,
                                                                      r.pairs());
  CUDA_CHECK_LAUNCH();
}

}  // namespace hogwild::cuda
