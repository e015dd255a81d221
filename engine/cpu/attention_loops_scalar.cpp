// The attention loops in plain C++: any CPU, any head size (attention_loops.h).
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/attention_loops.h"

namespace hogwild::cpu::loops {

namespace {


// ---------------------------------------------------------------- plain loops (any CPU, any head_dim)

float dot_scalar(const float* a, const float* b, int n) {
  float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

void scores_scalar(const TileStep& t) {
  for (int i = 0; i < t.n_active; ++i) {
    const int a = t.active[i];
    const float* q = t.q + static_cast<size_t>(a) * t.hd;
    float* s = t.s + static_cast<size_t>(a) * kT;
    for (int j = 0; j < t.lim[a]; ++j) s[j] = dot_scalar(q, t.k + j * t.stride, t.hd);
  }
}

float row_max_scalar(const float* row, int n) {
  float m = -std::numeric_limits<float>::infinity();
  for (int j = 0; j < n; ++j) m = std::max(m, row[j]);
  return m;
}

float exp_row_scalar(float* row, int n, int zero_to, float m) {
  float sum = 0.f;
  for (int j = 0; j < n; ++j) sum += (row[j] = std::exp(row[j] - m));
  std::fill(row + n, row + std::max(n, zero_to), 0.f);
  return sum;
}

void accumulate_scalar(const TileStep& t, float* o) {
  for (int i = 0; i < t.n_active; ++i) {
    const int a = t.active[i];
    const float* p = t.s + static_cast<size_t>(a) * kT;
    float* oa = o + static_cast<size_t>(a) * t.hd;
    for (int j = 0; j < t.lim[a]; ++j) {
      const float* vj = t.v + j * t.stride;
      for (int d = 0; d < t.hd; ++d) oa[d] += p[j] * vj[d];
    }
  }
}

void scale_scalar(float* x, int n, float f) {
  for (int i = 0; i < n; ++i) x[i] *= f;
}

}  // namespace

const Kernels kScalar{scores_scalar, row_max_scalar, exp_row_scalar, accumulate_scalar, scale_scalar};

}  // namespace hogwild::cpu::loops
