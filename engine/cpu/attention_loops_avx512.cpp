// The attention loops with AVX-512F intrinsics, head_dim a multiple of 64 (attention_loops.h). Compiled for
// AVX-512 whatever the build's baseline; only called after the CPU check (attention_kernels.cpp).
//
// 32 vector registers allow blocks of 6 queries × 64 floats (24 accumulators):
//  * scores: the key tile is transposed once (kt[d][j]); then s[a][0..64) = Σ_d q_a[d]·kt[d][0..64), each row of kt
//    loaded once for 6 queries, no horizontal sums;
//  * output: o_a[d..d+64) += Σ_j p_a[j]·v_j[d..d+64), each value row loaded once for 6 queries.
// Tiles with fewer than 6 active queries (decode) use the AVX2 loops (attention_kernels.cpp), and so does the
// remainder of a tile's queries after its blocks of 6.
#include <algorithm>
#include <limits>

#include "cpu/attention_loops.h"

#if defined(__x86_64__) || defined(__i386__)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers start unmasked operations from _mm512_undefined_ps() and then warn about it (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#define HOGWILD_AVX512 __attribute__((target("avx512f,avx2,fma")))
// Keeps a loaded vector in a register instead of folding the load into every FMA that uses it.
#define HOGWILD_IN_REGISTER(x) __asm__("" : "+v"(x))

namespace hogwild::cpu::loops {

namespace {

constexpr int kBlock = 6;  // queries per register block

// In-register 16×16 transpose: r[i] becomes column i.
HOGWILD_AVX512 inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]), c = _mm512_castps_pd(t[4 * i + 2]),
                  d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) {
      t[8 * i + k] = _mm512_shuffle_f32x4(r[8 * i + k], r[8 * i + 4 + k], 0x88);
      t[8 * i + 4 + k] = _mm512_shuffle_f32x4(r[8 * i + k], r[8 * i + 4 + k], 0xdd);
    }
  for (int k = 0; k < 8; ++k) {
    r[k] = _mm512_shuffle_f32x4(t[k], t[8 + k], 0x88);
    r[8 + k] = _mm512_shuffle_f32x4(t[k], t[8 + k], 0xdd);
  }
}

// kt[d·kT + j] = k_j[d] for j < keys; 0 for keys ≤ j < kT.
HOGWILD_AVX512 void transpose_keys(const float* k, int64_t stride, int keys, int hd, float* kt) {
  for (int j0 = 0; j0 < kT; j0 += 16)
    for (int d0 = 0; d0 < hd; d0 += 16) {
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = j0 + i < keys ? _mm512_loadu_ps(k + (j0 + i) * stride + d0) : _mm512_setzero_ps();
      transpose16(r);
      for (int i = 0; i < 16; ++i) _mm512_storeu_ps(kt + static_cast<size_t>(d0 + i) * kT + j0, r[i]);
    }
}

// Six rows of 64 floats: out_i[0, 64) = (zero ? 0 : out_i[0, 64)) + Σ_{t < steps} w_i[t]·rows[t·stride .. +64).
// Scores: w = the queries, rows = the transposed keys (t = dimension); output: w = the probabilities, rows = the
// values (t = key). Each row of 64 floats is loaded once for the six.
HOGWILD_AVX512 void six_rows(const float* const* w, int steps, const float* rows, int64_t stride, float* const* out, bool zero) {
  const __m512 z = _mm512_setzero_ps();
#define HOGWILD_ROW_INIT(i)                                                         \
  __m512 a##i##0 = zero ? z : _mm512_loadu_ps(out[i]),                             \
         a##i##1 = zero ? z : _mm512_loadu_ps(out[i] + 16),                        \
         a##i##2 = zero ? z : _mm512_loadu_ps(out[i] + 32),                        \
         a##i##3 = zero ? z : _mm512_loadu_ps(out[i] + 48)
  HOGWILD_ROW_INIT(0);
  HOGWILD_ROW_INIT(1);
  HOGWILD_ROW_INIT(2);
  HOGWILD_ROW_INIT(3);
  HOGWILD_ROW_INIT(4);
  HOGWILD_ROW_INIT(5);
#undef HOGWILD_ROW_INIT
  const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3], *w4 = w[4], *w5 = w[5];
  for (int t = 0; t < steps; ++t) {
    const float* r = rows + t * stride;
    __m512 c0 = _mm512_loadu_ps(r), c1 = _mm512_loadu_ps(r + 16), c2 = _mm512_loadu_ps(r + 32), c3 = _mm512_loadu_ps(r + 48);
    HOGWILD_IN_REGISTER(c0);
    HOGWILD_IN_REGISTER(c1);
    HOGWILD_IN_REGISTER(c2);
    HOGWILD_IN_REGISTER(c3);
#define HOGWILD_ROW_FMA(i)                         \
  do {                                             \
    const __m512 f = _mm512_set1_ps(w##i[t]);      \
    a##i##0 = _mm512_fmadd_ps(f, c0, a##i##0);     \
    a##i##1 = _mm512_fmadd_ps(f, c1, a##i##1);     \
    a##i##2 = _mm512_fmadd_ps(f, c2, a##i##2);     \
    a##i##3 = _mm512_fmadd_ps(f, c3, a##i##3);     \
  } while (0)
    HOGWILD_ROW_FMA(0);
    HOGWILD_ROW_FMA(1);
    HOGWILD_ROW_FMA(2);
    HOGWILD_ROW_FMA(3);
    HOGWILD_ROW_FMA(4);
    HOGWILD_ROW_FMA(5);
#undef HOGWILD_ROW_FMA
  }
#define HOGWILD_ROW_STORE(i)                                                                               \
  _mm512_storeu_ps(out[i], a##i##0), _mm512_storeu_ps(out[i] + 16, a##i##1), _mm512_storeu_ps(out[i] + 32, a##i##2), \
      _mm512_storeu_ps(out[i] + 48, a##i##3)
  HOGWILD_ROW_STORE(0);
  HOGWILD_ROW_STORE(1);
  HOGWILD_ROW_STORE(2);
  HOGWILD_ROW_STORE(3);
  HOGWILD_ROW_STORE(4);
  HOGWILD_ROW_STORE(5);
#undef HOGWILD_ROW_STORE
}

void scores_avx512(const TileStep& t) {
  const int blocks = t.n_active / kBlock;
  if (blocks > 0) {
    transpose_keys(t.k, t.stride, t.keys, t.hd, t.scratch);
    for (int b = 0; b < blocks; ++b) {
      const float* q[kBlock];
      float* s[kBlock];
      for (int i = 0; i < kBlock; ++i) {
        const int a = t.active[b * kBlock + i];
        q[i] = t.q + static_cast<size_t>(a) * t.hd;
        s[i] = t.s + static_cast<size_t>(a) * kT;
      }
      six_rows(q, t.hd, t.scratch, kT, s, /*zero=*/true);
    }
  }
  scores_avx2_from(t, blocks * kBlock);
}

void accumulate_avx512(const TileStep& t, float* o) {
  const int blocks = t.n_active / kBlock;
  for (int b = 0; b < blocks; ++b) {
    const float* p[kBlock];
    float* out[kBlock];
    int n = 0;
    for (int i = 0; i < kBlock; ++i) {
      const int a = t.active[b * kBlock + i];
      p[i] = t.s + static_cast<size_t>(a) * kT;
      out[i] = o + static_cast<size_t>(a) * t.hd;
      n = std::max(n, t.lim[a]);  // p = 0 past a query's own limit
    }
    for (int d = 0; d < t.hd; d += 64) {
      float* od[kBlock];
      for (int i = 0; i < kBlock; ++i) od[i] = out[i] + d;
      six_rows(p, n, t.v + d, t.stride, od, /*zero=*/false);
    }
  }
  accumulate_avx2_from(t, o, blocks * kBlock);
}

// exp(x) for x ≤ 88.37 (attention_loops.h), 2^n applied with scalef.
HOGWILD_AVX512 inline __m512 exp16(__m512 x) {
  using namespace expf_poly;
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-kLimit)), _mm512_set1_ps(kLimit));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  x = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x);
  x = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), x);
  __m512 y = _mm512_set1_ps(kP[0]);
  for (int i = 1; i < 6; ++i) y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(kP[i]));
  y = _mm512_fmadd_ps(y, _mm512_mul_ps(x, x), _mm512_add_ps(x, _mm512_set1_ps(1.f)));
  return _mm512_scalef_ps(y, n);
}

HOGWILD_AVX512 float exp_row_avx512(float* row, int n, int zero_to, float m) {
  const __m512 vm = _mm512_set1_ps(m);
  __m512 acc = _mm512_setzero_ps();
  for (int j = 0; j < n; j += 16) {
    const __mmask16 live = n - j >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n - j)) - 1);
    const __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(live, row + j), vm));
    _mm512_mask_storeu_ps(row + j, live, e);
    acc = _mm512_mask_add_ps(acc, live, acc, e);
  }
  std::fill(row + n, row + std::max(n, zero_to), 0.f);
  return _mm512_reduce_add_ps(acc);
}

HOGWILD_AVX512 float row_max_avx512(const float* row, int n) {
  __m512 m = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  for (int j = 0; j < n; j += 16) {
    const __mmask16 live = n - j >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n - j)) - 1);
    m = _mm512_mask_max_ps(m, live, m, _mm512_maskz_loadu_ps(live, row + j));
  }
  return _mm512_reduce_max_ps(m);
}

HOGWILD_AVX512 void scale_avx512(float* x, int n, float f) {
  const __m512 vf = _mm512_set1_ps(f);
  for (int i = 0; i < n; i += 16) {
    const __mmask16 live = n - i >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(x + i, live, _mm512_mul_ps(_mm512_maskz_loadu_ps(live, x + i), vf));
  }
}

}  // namespace

const Kernels kAvx512{scores_avx512, row_max_avx512, exp_row_avx512, accumulate_avx512, scale_avx512};

}  // namespace hogwild::cpu::loops

#endif  // x86
