#pragma once
// RoPE as a pure rotation R(p) (hogwild-method.md §5.1, §12f). Angles p·θ_d are computed in DOUBLE on the device
// and only then rounded to fp32 cos/sin, like the CPU's Rope::cos_sin, so that R(a)R(b) = R(a+b) to fp32 rounding
// at positions of tens of thousands. Tables are float2 (cos, sin) per pair.
#include "cuda/common.cuh"

namespace hogwild::cuda {

struct RopeShape {
  int head_dim = 0, rope_dim = 0;
  bool neox = false;
  const double* inv_freq = nullptr;  // device, rope_dim/2
  int pairs() const { return rope_dim / 2; }
};

// Rotated value of dimension d of one head x (fp32 in memory) with the pair table cs (rope_dim/2 entries).
__device__ __forceinline__ float rope_dim_value(const float* x, int d, int rope_dim, bool neox, const float2* cs) {
  if (d >= rope_dim) return x[d];
  if (neox) {
    const int np = rope_dim / 2;
    if (d < np) return x[d] * cs[d].x - x[d + np] * cs[d].y;
    return x[d] * cs[d - np].x + x[d - np] * cs[d - np].y;
  }
  const int p = d >> 1;
  if ((d & 1) == 0) return x[d] * cs[p].x - x[d + 1] * cs[p].y;
  return x[d] * cs[p].x + x[d - 1] * cs[p].y;
}

// out[i][p] = (cos, sin)(positions[i] · inv_freq[p]) for i < n.
void rope_table(const RopeShape& r, const int64_t* positions, int64_t n, float2* out, cudaStream_t stream);
// Rotates rows of n_heads heads in place: row i by table[i] (pairs entries per row).
void rope_rows(const RopeShape& r, float* x, int64_t rows, int n_heads, const float2* table, cudaStream_t stream);

}  // namespace hogwild::cuda
