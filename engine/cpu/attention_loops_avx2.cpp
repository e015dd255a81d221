// The attention loops with AVX2 + FMA intrinsics, head_dim a multiple of 8 (attention_loops.h). Compiled for
// AVX2 whatever the build's baseline; only called after the CPU check (attention_kernels.cpp).
#include <algorithm>
#include <cstring>
#include <limits>

#include "cpu/attention_loops.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define HOGWILD_AVX2 __attribute__((target("avx2,fma")))

namespace hogwild::cpu::loops {

namespace {

HOGWILD_AVX2 inline float hsum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

HOGWILD_AVX2 inline float hmax(__m256 v) {
  __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_max_ps(x, _mm_movehl_ps(x, x));
  x = _mm_max_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

// The four horizontal sums of a0..a3, in order.
HOGWILD_AVX2 inline __m128 hsum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

// exp(x) for x ≤ 88.37 (attention_loops.h); below −87.3 the result is 0 or subnormal.
HOGWILD_AVX2 inline __m256 exp8(__m256 x) {
  using namespace expf_poly;
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-kLimit)), _mm256_set1_ps(kLimit));
  const __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(kLog2e), _mm256_set1_ps(0.5f)));
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x);
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), x);
  __m256 y = _mm256_set1_ps(kP[0]);
  for (int i = 1; i < 6; ++i) y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(kP[i]));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

// Keeps a loaded vector in a register: GCC otherwise folds a load used by two FMAs into both as memory operands,
// which doubles the loads of the key rows (the loop is load-bound, not FMA-bound, then).
#define HOGWILD_IN_REGISTER(x) __asm__("" : "+x"(x))

// Scores of two queries against keys [0, n): four keys at a time, each key row read once for both.
HOGWILD_AVX2 void scores_pair(const float* qa, const float* qb, int hd, const float* k, int64_t stride, int n, float* sa,
                              float* sb) {
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* k0 = k + j * stride;
    const float* k1 = k0 + stride;
    const float* k2 = k1 + stride;
    const float* k3 = k2 + stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (int d = 0; d < hd; d += 8) {
      const __m256 x = _mm256_loadu_ps(qa + d), y = _mm256_loadu_ps(qb + d);
      __m256 c0 = _mm256_loadu_ps(k0 + d), c1 = _mm256_loadu_ps(k1 + d), c2 = _mm256_loadu_ps(k2 + d), c3 = _mm256_loadu_ps(k3 + d);
      HOGWILD_IN_REGISTER(c0);
      HOGWILD_IN_REGISTER(c1);
      HOGWILD_IN_REGISTER(c2);
      HOGWILD_IN_REGISTER(c3);
      a0 = _mm256_fmadd_ps(x, c0, a0);
      b0 = _mm256_fmadd_ps(y, c0, b0);
      a1 = _mm256_fmadd_ps(x, c1, a1);
      b1 = _mm256_fmadd_ps(y, c1, b1);
      a2 = _mm256_fmadd_ps(x, c2, a2);
      b2 = _mm256_fmadd_ps(y, c2, b2);
      a3 = _mm256_fmadd_ps(x, c3, a3);
      b3 = _mm256_fmadd_ps(y, c3, b3);
    }
    _mm_storeu_ps(sa + j, hsum4(a0, a1, a2, a3));
    _mm_storeu_ps(sb + j, hsum4(b0, b1, b2, b3));
  }
  for (; j < n; ++j) {
    const float* kj = k + j * stride;
    __m256 a = _mm256_setzero_ps(), b = a;
    for (int d = 0; d < hd; d += 8) {
      const __m256 kk = _mm256_loadu_ps(kj + d);
      a = _mm256_fmadd_ps(_mm256_loadu_ps(qa + d), kk, a);
      b = _mm256_fmadd_ps(_mm256_loadu_ps(qb + d), kk, b);
    }
    sa[j] = hsum(a);
    sb[j] = hsum(b);
  }
}

HOGWILD_AVX2 void scores_one(const float* q, int hd, const float* k, int64_t stride, int n, float* s) {
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* k0 = k + j * stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int d = 0; d < hd; d += 8) {
      const __m256 x = _mm256_loadu_ps(q + d);
      a0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(k0 + d), a0);
      a1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(k0 + stride + d), a1);
      a2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(k0 + 2 * stride + d), a2);
      a3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(k0 + 3 * stride + d), a3);
    }
    _mm_storeu_ps(s + j, hsum4(a0, a1, a2, a3));
  }
  for (; j < n; ++j) {
    __m256 a = _mm256_setzero_ps();
    for (int d = 0; d < hd; d += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(k + j * stride + d), a);
    s[j] = hsum(a);
  }
}

}  // namespace

HOGWILD_AVX2 void scores_avx2_from(const TileStep& t, int first) {
  int i = first;
  for (; i + 2 <= t.n_active; i += 2) {
    const int a = t.active[i], b = t.active[i + 1];
    scores_pair(t.q + static_cast<size_t>(a) * t.hd, t.q + static_cast<size_t>(b) * t.hd, t.hd, t.k, t.stride,
                std::max(t.lim[a], t.lim[b]), t.s + static_cast<size_t>(a) * kT, t.s + static_cast<size_t>(b) * kT);
  }
  if (i < t.n_active) {
    const int a = t.active[i];
    scores_one(t.q + static_cast<size_t>(a) * t.hd, t.hd, t.k, t.stride, t.lim[a], t.s + static_cast<size_t>(a) * kT);
  }
}

namespace {

void scores_avx2(const TileStep& t) { scores_avx2_from(t, 0); }

HOGWILD_AVX2 float row_max_avx2(const float* row, int n) {
  int j = 0;
  float m = -std::numeric_limits<float>::infinity();
  if (n >= 8) {
    __m256 v = _mm256_loadu_ps(row);
    for (j = 8; j + 8 <= n; j += 8) v = _mm256_max_ps(v, _mm256_loadu_ps(row + j));
    m = hmax(v);
  }
  for (; j < n; ++j) m = std::max(m, row[j]);
  return m;
}

HOGWILD_AVX2 float exp_row_avx2(float* row, int n, int zero_to, float m) {
  const __m256 vm = _mm256_set1_ps(m);
  __m256 acc = _mm256_setzero_ps();
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(row + j), vm));
    _mm256_storeu_ps(row + j, e);
    acc = _mm256_add_ps(acc, e);
  }
  float sum = hsum(acc);
  if (j < n) {  // the last < 8 entries through the same polynomial, padded with exp(−inf)-free dummies
    alignas(32) float buf[8];
    const int r = n - j;
    for (int i = 0; i < 8; ++i) buf[i] = i < r ? row[j + i] : m;
    _mm256_store_ps(buf, exp8(_mm256_sub_ps(_mm256_load_ps(buf), vm)));
    for (int i = 0; i < r; ++i) sum += (row[j + i] = buf[i]);
  }
  std::fill(row + n, row + std::max(n, zero_to), 0.f);
  return sum;
}

// o_a[0, 32), o_b[0, 32) += Σ_j p·v_j[0, 32): each value row read once for both queries. Named accumulators:
// GCC keeps an array of them on the stack, storing it on every iteration.
HOGWILD_AVX2 void accumulate_pair32(const float* pa, const float* pb, int n, const float* v, int64_t stride, float* oa,
                                    float* ob) {
  __m256 a0 = _mm256_loadu_ps(oa), a1 = _mm256_loadu_ps(oa + 8), a2 = _mm256_loadu_ps(oa + 16), a3 = _mm256_loadu_ps(oa + 24);
  __m256 b0 = _mm256_loadu_ps(ob), b1 = _mm256_loadu_ps(ob + 8), b2 = _mm256_loadu_ps(ob + 16), b3 = _mm256_loadu_ps(ob + 24);
  for (int j = 0; j < n; ++j) {
    const __m256 wa = _mm256_broadcast_ss(pa + j), wb = _mm256_broadcast_ss(pb + j);
    const float* vj = v + j * stride;
    __m256 v0 = _mm256_loadu_ps(vj), v1 = _mm256_loadu_ps(vj + 8), v2 = _mm256_loadu_ps(vj + 16), v3 = _mm256_loadu_ps(vj + 24);
    HOGWILD_IN_REGISTER(v0);
    HOGWILD_IN_REGISTER(v1);
    HOGWILD_IN_REGISTER(v2);
    HOGWILD_IN_REGISTER(v3);
    a0 = _mm256_fmadd_ps(wa, v0, a0);
    b0 = _mm256_fmadd_ps(wb, v0, b0);
    a1 = _mm256_fmadd_ps(wa, v1, a1);
    b1 = _mm256_fmadd_ps(wb, v1, b1);
    a2 = _mm256_fmadd_ps(wa, v2, a2);
    b2 = _mm256_fmadd_ps(wb, v2, b2);
    a3 = _mm256_fmadd_ps(wa, v3, a3);
    b3 = _mm256_fmadd_ps(wb, v3, b3);
  }
  _mm256_storeu_ps(oa, a0), _mm256_storeu_ps(oa + 8, a1), _mm256_storeu_ps(oa + 16, a2), _mm256_storeu_ps(oa + 24, a3);
  _mm256_storeu_ps(ob, b0), _mm256_storeu_ps(ob + 8, b1), _mm256_storeu_ps(ob + 16, b2), _mm256_storeu_ps(ob + 24, b3);
}

// The same for 8 dims.
HOGWILD_AVX2 void accumulate_pair8(const float* pa, const float* pb, int n, const float* v, int64_t stride, float* oa, float* ob) {
  __m256 a = _mm256_loadu_ps(oa), b = _mm256_loadu_ps(ob);
  for (int j = 0; j < n; ++j) {
    const __m256 x = _mm256_loadu_ps(v + j * stride);
    a = _mm256_fmadd_ps(_mm256_broadcast_ss(pa + j), x, a);
    b = _mm256_fmadd_ps(_mm256_broadcast_ss(pb + j), x, b);
  }
  _mm256_storeu_ps(oa, a), _mm256_storeu_ps(ob, b);
}

// One query, 32 dims: four accumulators.
HOGWILD_AVX2 void accumulate_one32(const float* p, int n, const float* v, int64_t stride, float* o) {
  __m256 a0 = _mm256_loadu_ps(o), a1 = _mm256_loadu_ps(o + 8), a2 = _mm256_loadu_ps(o + 16), a3 = _mm256_loadu_ps(o + 24);
  for (int j = 0; j < n; ++j) {
    const __m256 w = _mm256_broadcast_ss(p + j);
    const float* vj = v + j * stride;
    a0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(vj), a0);
    a1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(vj + 8), a1);
    a2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(vj + 16), a2);
    a3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(vj + 24), a3);
  }
  _mm256_storeu_ps(o, a0), _mm256_storeu_ps(o + 8, a1), _mm256_storeu_ps(o + 16, a2), _mm256_storeu_ps(o + 24, a3);
}

HOGWILD_AVX2 void accumulate_one8(const float* p, int n, const float* v, int64_t stride, float* o) {
  __m256 a = _mm256_loadu_ps(o);
  for (int j = 0; j < n; ++j) a = _mm256_fmadd_ps(_mm256_broadcast_ss(p + j), _mm256_loadu_ps(v + j * stride), a);
  _mm256_storeu_ps(o, a);
}

}  // namespace

HOGWILD_AVX2 void accumulate_avx2_from(const TileStep& t, float* o, int first) {
  const int hd = t.hd;
  int i = first;
  for (; i + 2 <= t.n_active; i += 2) {
    const int a = t.active[i], b = t.active[i + 1];
    const float* pa = t.s + static_cast<size_t>(a) * kT;
    const float* pb = t.s + static_cast<size_t>(b) * kT;
    const int n = std::max(t.lim[a], t.lim[b]);  // p = 0 past a query's own limit
    float* oa = o + static_cast<size_t>(a) * hd;
    float* ob = o + static_cast<size_t>(b) * hd;
    int d = 0;
    for (; d + 32 <= hd; d += 32) accumulate_pair32(pa, pb, n, t.v + d, t.stride, oa + d, ob + d);
    for (; d < hd; d += 8) accumulate_pair8(pa, pb, n, t.v + d, t.stride, oa + d, ob + d);
  }
  if (i < t.n_active) {
    const int a = t.active[i];
    const float* p = t.s + static_cast<size_t>(a) * kT;
    float* oa = o + static_cast<size_t>(a) * hd;
    int d = 0;
    for (; d + 32 <= hd; d += 32) accumulate_one32(p, t.lim[a], t.v + d, t.stride, oa + d);
    for (; d < hd; d += 8) accumulate_one8(p, t.lim[a], t.v + d, t.stride, oa + d);
  }
}

namespace {

void accumulate_avx2(const TileStep& t, float* o) { accumulate_avx2_from(t, o, 0); }

HOGWILD_AVX2 void scale_avx2(float* x, int n, float f) {
  const __m256 vf = _mm256_set1_ps(f);
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vf));
  for (; i < n; ++i) x[i] *= f;
}

}  // namespace

const Kernels kAvx2{scores_avx2, row_max_avx2, exp_row_avx2, accumulate_avx2, scale_avx2};

}  // namespace hogwild::cpu::loops

#endif  // x86
