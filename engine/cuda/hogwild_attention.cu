#include "cuda/hogwild_attention.cuh"

#include <algorithm>
#include <cmath>

namespace hogwild::cuda {

namespace {

constexpr int kThreads = 128;    // 4 warps per CTA
constexpr int kMaxSplits = 128;
constexpr float kLog2e = 1.4426950408889634f;

// Everything a kernel needs besides the setup (passed by value).
struct KernelParams {
  const DeviceSetup* S;
  const float* q;
  const float2* qtab;
  int layer, n_layers, n_heads, n_kv_heads, head_dim, rope_dim;
  bool neox, rotate, stats;
  float scale_log2;
  int splits, nq;                  // nq = real slots · n_heads
  float* ws_out;                   // [splits][nq][head_dim]
  float* ws_lse;                   // [splits][nq]
  float* ws_stats;                 // [splits][nq][F] block log-sum-exps (last slots, stats on)
  float* out;
  float* stats_mass;
  float* lse_out;                  // [nq] final log-sum-exp (base 2) of the newest queries, or nullptr
};

__device__ __forceinline__ int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
__device__ __forceinline__ int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Visible prefix of block X for the query at (row, t): clamp(loc + 1, 0, |X|) with loc = pos − len + t (mask j ≤ loc).
__device__ __forceinline__ int64_t visible_keys(const PassPlan& P, int row, int t, int X) {
  const int e = P.entry_of[row][X];
  if (e < 0) return 0;
  const int64_t loc = P.entry_pos[e] - P.len + t;
  return loc + 1 < 0 ? 0 : (loc + 1 > P.new_len[X] ? P.new_len[X] : loc + 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Fast split-K kernel.
template <int D>
struct Tile {
  static constexpr int TK = D >= 128 ? 32 : 64;  // keys per tile (shared memory: 2·TK·(D+4) floats of K and V)
  static constexpr int DP = D + 4;               // padded row: float4 reads of 8 rows hit distinct banks
};

template <int D, int QT>
constexpr size_t fast_smem_bytes() {
  return sizeof(float) * (static_cast<size_t>(QT) * Tile<D>::DP + 2ull * Tile<D>::TK * Tile<D>::DP + static_cast<size_t>(QT) * Tile<D>::TK +
                          5ull * QT) +
         sizeof(int) * 5ull * QT;
}

template <typename KT>
struct Vec;  // 16-byte global loads
template <> struct Vec<float> { static constexpr int N = 4; };
template <> struct Vec<__half> { static constexpr int N = 8; };
template <> struct Vec<__nv_bfloat16> { static constexpr int N = 8; };

// Loads rows [j0, j0+n) of a [cap][D] head slice into shared memory as fp32 (padded rows), zeros past n.
template <typename KT, int D>
__device__ __forceinline__ void load_tile(float* dst, const KT* src, int n) {
  constexpr int V = Vec<KT>::N, TK = Tile<D>::TK, DP = Tile<D>::DP;
  constexpr int chunks = TK * D / V;
  for (int c = threadIdx.x; c < chunks; c += kThreads) {
    const int row = c * V / D, col = c * V % D;
    float vals[V];
    if (row < n) {
      const uint4 raw = *reinterpret_cast<const uint4*>(src + static_cast<int64_t>(row) * D + col);
      const KT* e = reinterpret_cast<const KT*>(&raw);
#pragma unroll
      for (int i = 0; i < V; ++i) vals[i] = to_f32(e[i]);
    } else {
#pragma unroll
      for (int i = 0; i < V; ++i) vals[i] = 0.f;
    }
#pragma unroll
    for (int i = 0; i < V; i += 4)
      *reinterpret_cast<float4*>(dst + row * DP + col + i) = make_float4(vals[i], vals[i + 1], vals[i + 2], vals[i + 3]);
  }
}

template <typename KT, int D, int QT>
__global__ void __launch_bounds__(kThreads) hogwild_attention_fast(KernelParams p) {
  constexpr int TK = Tile<D>::TK, DP = Tile<D>::DP;
  constexpr int QPT = QT * TK / kThreads;           // phase 1: queries per thread
  constexpr int D4 = D / 4;
  constexpr int NACC = (QT * D4 + kThreads - 1) / kThreads;  // phase 3: float4 accumulators per thread
  static_assert(QPT >= 1 && QT % 4 == 0 && D % 8 == 0, "tile shape");

  extern __shared__ __align__(16) float smem[];
  float* qrot = smem;                    // [QT][DP] rotated, scaled queries for the current block
  float* ks = qrot + QT * DP;            // [TK][DP]
  float* vs = ks + TK * DP;              // [TK][DP]
  float* ps = vs + TK * DP;              // [QT][TK] scores, then probabilities
  float* m_s = ps + QT * TK;             // running max (base 2, scaled)
  float* l_s = m_s + QT;                 // running sum
  float* a_s = l_s + QT;                 // rescale factor of the current tile
  float* b_s = a_s + QT;                 // running mass of the current block
  float* unused = b_s + QT;
  int* vis_s = reinterpret_cast<int*>(unused + QT);  // visible keys of the current block
  int* row_s = vis_s + QT;
  int* t_s = row_s + QT;
  int* h_s = t_s + QT;
  int* gq_s = h_s + QT;                  // global query index slot·n_heads + head, −1 = empty slot of the tile

  const DeviceSetup& S = *p.S;
  const PassPlan& P = S.plan;
  const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
  const int g = blockIdx.z, split = blockIdx.y;
  const int group = p.n_heads / p.n_kv_heads;
  const int nqg = S.n_slots * group;
  const int F = P.n_blocks;

  if (tid < QT) {
    const int a = blockIdx.x * QT + tid;
    if (a < nqg) {
      const int slot = a / group, h = g * group + a % group;
      int row, t;
      slot_row_col(S, slot, row, t);
      row_s[tid] = row, t_s[tid] = t, h_s[tid] = h, gq_s[tid] = slot * p.n_heads + h;
      if (p.stats && t == P.len - 1)
        for (int X = 0; X < F; ++X) p.ws_stats[(static_cast<int64_t>(split) * p.nq + gq_s[tid]) * F + X] = -INFINITY;
    } else {
      row_s[tid] = 0, t_s[tid] = 0, h_s[tid] = 0, gq_s[tid] = -1;
    }
    m_s[tid] = -INFINITY, l_s[tid] = 0.f, b_s[tid] = 0.f;
  }
  float4 acc[NACC];
#pragma unroll
  for (int i = 0; i < NACC; ++i) acc[i] = make_float4(0.f, 0.f, 0.f, 0.f);

  const int64_t total = S.seg_start[S.n_seg];
  // Equal ranges of the key space, at least two tiles each (with a fixed split count, the last splits may be empty).
  const int64_t chunk = max64((total + p.splits - 1) / p.splits, 2 * TK);
  const int64_t k0 = split * chunk, k1 = min64(total, k0 + chunk);
  const int pairs = p.rope_dim / 2;

  for (int seg = 0; seg < S.n_seg && k0 < k1; ++seg) {
    const int64_t s0 = S.seg_start[seg], s1 = S.seg_start[seg + 1];
    if (s1 <= k0 || s0 >= k1) continue;
    const int X = S.seg_block[seg];
    const int64_t a = max64(k0, s0) - s0, b = min64(k1, s1) - s0;  // keys [a, b) of block X
    __syncthreads();  // previous segment's readers of vis_s / qrot are done
    if (tid < QT) vis_s[tid] = gq_s[tid] < 0 ? 0 : static_cast<int>(visible_keys(P, row_s[tid], t_s[tid], X));
    __syncthreads();
    int vmax = 0;
#pragma unroll
    for (int q = 0; q < QT; ++q) vmax = max(vmax, vis_s[q]);
    const int64_t end = min64(b, vmax);
    if (end <= a) continue;  // nobody in the tile sees these keys (uniform across the CTA)

    // Rotate every query of the tile for block X: R(loc)·q, scaled by scale/ln 2 (fused; §5.4, §5.6).
    for (int i = tid; i < QT * D; i += kThreads) {
      const int q = i / D, d = i % D;
      float val = 0.f;
      if (gq_s[q] >= 0 && vis_s[q] > 0) {
        const int row = row_s[q], t = t_s[q];
        const float* x = p.q + (static_cast<int64_t>(row) * P.len + t) * p.n_heads * D + static_cast<int64_t>(h_s[q]) * D;
        if (p.rotate) {
          const int e = P.entry_of[row][X];
          val = rope_dim_value(x, d, p.rope_dim, p.neox, p.qtab + (static_cast<int64_t>(e) * P.len + t) * pairs);
        } else {
          val = x[d];
        }
      }
      qrot[q * DP + d] = val * p.scale_log2;
    }

    const int64_t cap = S.cap[X];
    const KT* kbase = static_cast<const KT*>(S.k[X]) + ((static_cast<int64_t>(p.layer) * p.n_kv_heads + g) * cap) * D;
    const KT* vbase = static_cast<const KT*>(S.v[X]) + ((static_cast<int64_t>(p.layer) * p.n_kv_heads + g) * cap) * D;
    for (int64_t j0 = a; j0 < end; j0 += TK) {
      const int n = static_cast<int>(min64(TK, end - j0));
      __syncthreads();  // qrot written / previous tile consumed
      load_tile<KT, D>(ks, kbase + j0 * D, n);
      load_tile<KT, D>(vs, vbase + j0 * D, n);
      __syncthreads();

      // Phase 1: scores. Thread → key j, queries qb..qb+QPT−1; K row reused from registers across queries.
      {
        const int j = tid % TK, qb = (tid / TK) * QPT;
        float s[QPT];
#pragma unroll
        for (int i = 0; i < QPT; ++i) s[i] = 0.f;
        const float* kr = ks + j * DP;
#pragma unroll
        for (int d = 0; d < D; d += 4) {
          const float4 kv = *reinterpret_cast<const float4*>(kr + d);
#pragma unroll
          for (int i = 0; i < QPT; ++i) {
            const float4 qv = *reinterpret_cast<const float4*>(qrot + (qb + i) * DP + d);
            s[i] = fmaf(qv.x, kv.x, fmaf(qv.y, kv.y, fmaf(qv.z, kv.z, fmaf(qv.w, kv.w, s[i]))));
          }
        }
        const int64_t key = j0 + j;
#pragma unroll
        for (int i = 0; i < QPT; ++i) ps[(qb + i) * TK + j] = (j < n && key < vis_s[qb + i]) ? s[i] : -INFINITY;
      }
      __syncthreads();

      // Phase 2: online softmax per query (one warp per query): tile max, rescale factor, probabilities, sums.
      for (int q = warp; q < QT; q += kThreads / 32) {
        float sv[TK / 32];
        float tmax = -INFINITY;
#pragma unroll
        for (int i = 0; i < TK / 32; ++i) {
          sv[i] = ps[q * TK + lane + 32 * i];
          tmax = fmaxf(tmax, sv[i]);
        }
        tmax = warp_max(tmax);
        const float m_old = m_s[q];
        const float m_new = fmaxf(m_old, tmax);
        float alpha = 1.f, sum = 0.f;
        if (m_new != -INFINITY) {
          alpha = exp2f(m_old - m_new);  // m_old = −inf → 0
#pragma unroll
          for (int i = 0; i < TK / 32; ++i) {
            const float pr = exp2f(sv[i] - m_new);  // masked: exp2(−inf) = 0
            ps[q * TK + lane + 32 * i] = pr;
            sum += pr;
          }
        } else {
#pragma unroll
          for (int i = 0; i < TK / 32; ++i) ps[q * TK + lane + 32 * i] = 0.f;
        }
        sum = warp_sum(sum);
        if (lane == 0) {
          m_s[q] = m_new;
          l_s[q] = l_s[q] * alpha + sum;
          b_s[q] = b_s[q] * alpha + sum;
          a_s[q] = alpha;
        }
      }
      __syncthreads();

      // Phase 3: acc[q][d..d+3] = acc·alpha + Σ_j p[q][j]·V[j][d..d+3].
#pragma unroll
      for (int i = 0; i < NACC; ++i) {
        const int item = tid + i * kThreads;
        if (item < QT * D4) {
          const int q = item / D4, d = (item % D4) * 4;
          const float al = a_s[q];
          float4 o = acc[i];
          o.x *= al, o.y *= al, o.z *= al, o.w *= al;
          const float* pr = ps + q * TK;
#pragma unroll 8
          for (int j = 0; j < TK; ++j) {
            const float pj = pr[j];
            const float4 vv = *reinterpret_cast<const float4*>(vs + j * DP + d);
            o.x = fmaf(pj, vv.x, o.x), o.y = fmaf(pj, vv.y, o.y), o.z = fmaf(pj, vv.z, o.z), o.w = fmaf(pj, vv.w, o.w);
          }
          acc[i] = o;
        }
      }
    }
    __syncthreads();
    // Block statistics (§12e): this split's mass of block X as a log-sum-exp relative to the current max.
    if (tid < QT) {
      if (p.stats && gq_s[tid] >= 0 && t_s[tid] == P.len - 1 && b_s[tid] > 0.f)
        p.ws_stats[(static_cast<int64_t>(split) * p.nq + gq_s[tid]) * F + X] = log2f(b_s[tid]) + m_s[tid];
      b_s[tid] = 0.f;
    }
  }
  __syncthreads();

  // Split partials: normalised output and log-sum-exp (base 2).
#pragma unroll
  for (int i = 0; i < NACC; ++i) {
    const int item = tid + i * kThreads;
    if (item < QT * D4) {
      const int q = item / D4, d = (item % D4) * 4;
      if (gq_s[q] < 0) continue;
      const float l = l_s[q], inv = l > 0.f ? 1.f / l : 0.f;
      const float4 o = acc[i];
      *reinterpret_cast<float4*>(p.ws_out + (static_cast<int64_t>(split) * p.nq + gq_s[q]) * D + d) =
          make_float4(o.x * inv, o.y * inv, o.z * inv, o.w * inv);
    }
  }
  if (tid < QT && gq_s[tid] >= 0)
    p.ws_lse[static_cast<int64_t>(split) * p.nq + gq_s[tid]] = l_s[tid] > 0.f ? log2f(l_s[tid]) + m_s[tid] : -INFINITY;
}

// LSE merge of the splits (one CTA per query) and the block masses combined with the same weights.
__global__ void __launch_bounds__(kThreads) hogwild_attention_merge(KernelParams p) {
  __shared__ float w_s[kMaxSplits];
  __shared__ float total_s;
  const DeviceSetup& S = *p.S;
  const PassPlan& P = S.plan;
  const int gq = blockIdx.x;
  const int slot = gq / p.n_heads, h = gq % p.n_heads;
  int row, t;
  slot_row_col(S, slot, row, t);
  if (threadIdx.x == 0) {
    float m = -INFINITY;
    for (int s = 0; s < p.splits; ++s) m = fmaxf(m, p.ws_lse[static_cast<int64_t>(s) * p.nq + gq]);
    float tot = 0.f;
    for (int s = 0; s < p.splits; ++s) {
      const float l = p.ws_lse[static_cast<int64_t>(s) * p.nq + gq];
      const float w = (m == -INFINITY || l == -INFINITY) ? 0.f : exp2f(l - m);  // empty splits are skipped
      w_s[s] = w;
      tot += w;
    }
    total_s = tot > 0.f ? m + log2f(tot) : -INFINITY;
    for (int s = 0; s < p.splits; ++s) w_s[s] = tot > 0.f ? w_s[s] / tot : 0.f;
    if (p.lse_out && t == P.len - 1) p.lse_out[gq] = total_s;
  }
  __syncthreads();
  const int D = p.head_dim;
  float* o = p.out + (static_cast<int64_t>(row) * P.len + t) * p.n_heads * D + static_cast<int64_t>(h) * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    float acc = 0.f;
    for (int s = 0; s < p.splits; ++s)
      if (w_s[s] > 0.f) acc += w_s[s] * p.ws_out[(static_cast<int64_t>(s) * p.nq + gq) * D + d];
    o[d] = acc;
  }
  if (p.stats && t == P.len - 1) {
    const int F = P.n_blocks;
    const float lse = total_s;
    for (int X = threadIdx.x; X < F; X += blockDim.x) {
      float mass = 0.f;
      if (lse != -INFINITY)
        for (int s = 0; s < p.splits; ++s) mass += exp2f(p.ws_stats[(static_cast<int64_t>(s) * p.nq + gq) * F + X] - lse);
      p.stats_mass[((static_cast<int64_t>(row) * p.n_layers + p.layer) * p.n_heads + h) * F + X] = mass;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Simple kernel: one CTA per query (any head_dim ≤ 256), blocks in id order, online softmax over tiles of 128 keys.
__device__ float block_reduce(float v, bool is_max, float* red) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  v = is_max ? warp_max(v) : warp_sum(v);
  __syncthreads();
  if (lane == 0) red[warp] = v;
  __syncthreads();
  float r = red[0];
  for (int w = 1; w < kThreads / 32; ++w) r = is_max ? fmaxf(r, red[w]) : r + red[w];
  return r;
}

template <typename KT>
__global__ void __launch_bounds__(kThreads) hogwild_attention_simple(KernelParams p) {
  __shared__ float qr[256];
  __shared__ float pr[kThreads];
  __shared__ float red[kThreads / 32];
  __shared__ float lse_blk[kMaxBlocks];
  const DeviceSetup& S = *p.S;
  const PassPlan& P = S.plan;
  const int gq = blockIdx.x, tid = threadIdx.x;
  const int slot = gq / p.n_heads, h = gq % p.n_heads, D = p.head_dim;
  const int g = h / (p.n_heads / p.n_kv_heads);
  int row, t;
  slot_row_col(S, slot, row, t);
  const float* x = p.q + (static_cast<int64_t>(row) * P.len + t) * p.n_heads * D + static_cast<int64_t>(h) * D;
  float m = -INFINITY, l = 0.f, acc0 = 0.f, acc1 = 0.f;
  const int F = P.n_blocks;
  for (int X = 0; X < F; ++X) {
    const int64_t vis = visible_keys(P, row, t, X);
    if (vis == 0) {
      if (tid == 0) lse_blk[X] = -INFINITY;
      continue;
    }
    __syncthreads();
    const int e = P.entry_of[row][X];
    for (int d = tid; d < D; d += kThreads) {
      const float val = p.rotate ? rope_dim_value(x, d, p.rope_dim, p.neox, p.qtab + (static_cast<int64_t>(e) * P.len + t) * (p.rope_dim / 2))
                                 : x[d];
      qr[d] = val * p.scale_log2;
    }
    __syncthreads();
    const int64_t cap = S.cap[X];
    const KT* K = static_cast<const KT*>(S.k[X]) + ((static_cast<int64_t>(p.layer) * p.n_kv_heads + g) * cap) * D;
    const KT* V = static_cast<const KT*>(S.v[X]) + ((static_cast<int64_t>(p.layer) * p.n_kv_heads + g) * cap) * D;
    float blk = 0.f;
    for (int64_t j0 = 0; j0 < vis; j0 += kThreads) {
      const int64_t j = j0 + tid;
      float s = -INFINITY;
      if (j < vis) {
        s = 0.f;
        for (int d = 0; d < D; ++d) s = fmaf(qr[d], to_f32(K[j * D + d]), s);
      }
      const float m_new = fmaxf(m, block_reduce(s, true, red));
      const float alpha = exp2f(m - m_new);
      const float pj = j < vis ? exp2f(s - m_new) : 0.f;
      __syncthreads();
      pr[tid] = pj;
      const float sum = block_reduce(pj, false, red);  // its barriers publish pr[]
      l = l * alpha + sum;
      blk = blk * alpha + sum;
      m = m_new;
      const int n = static_cast<int>(min64(kThreads, vis - j0));
      acc0 *= alpha, acc1 *= alpha;
      for (int jj = 0; jj < n; ++jj) {
        const KT* vr = V + (j0 + jj) * D;
        if (tid < D) acc0 = fmaf(pr[jj], to_f32(vr[tid]), acc0);
        if (tid + kThreads < D) acc1 = fmaf(pr[jj], to_f32(vr[tid + kThreads]), acc1);
      }
      __syncthreads();
    }
    if (tid == 0) lse_blk[X] = blk > 0.f ? log2f(blk) + m : -INFINITY;
  }
  __syncthreads();
  const float inv = l > 0.f ? 1.f / l : 0.f;
  float* o = p.out + (static_cast<int64_t>(row) * P.len + t) * p.n_heads * D + static_cast<int64_t>(h) * D;
  if (tid < D) o[tid] = acc0 * inv;
  if (tid + kThreads < D) o[tid + kThreads] = acc1 * inv;
  if (tid == 0 && p.lse_out && t == P.len - 1) p.lse_out[gq] = l > 0.f ? log2f(l) + m : -INFINITY;
  if (p.stats && t == P.len - 1) {
    const float lse = l > 0.f ? log2f(l) + m : -INFINITY;
    for (int X = tid; X < F; X += kThreads)
      p.stats_mass[((static_cast<int64_t>(row) * p.n_layers + p.layer) * p.n_heads + h) * F + X] =
          lse == -INFINITY ? 0.f : exp2f(lse_blk[X] - lse);
  }
}

template <typename KT, int D, int QT>
void launch_fast(const KernelParams& p, int qtiles, cudaStream_t stream) {
  constexpr size_t smem = fast_smem_bytes<D, QT>();
  static bool configured = false;  // per instantiation; the plugin's calls are serialised by the engine
  if (!configured) {
    CUDA_CHECK(cudaFuncSetAttribute(hogwild_attention_fast<KT, D, QT>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(smem)));
    configured = true;
  }
  const dim3 grid(static_cast<unsigned>(qtiles), static_cast<unsigned>(p.splits), static_cast<unsigned>(p.n_kv_heads));
  hogwild_attention_fast<KT, D, QT><<<grid, kThreads, smem, stream>>>(p);
  CUDA_CHECK_LAUNCH();
}

template <typename KT, int D>
void launch_fast_qt(const KernelParams& p, int qt, int qtiles, cudaStream_t stream) {
  if constexpr (D >= 64) {
    if (qt == 8) return launch_fast<KT, D, 8>(p, qtiles, stream);
    if (qt == 16) return launch_fast<KT, D, 16>(p, qtiles, stream);
  }
  launch_fast<KT, D, 32>(p, qtiles, stream);
}

bool fast_head_dim(int d) { return d == 8 || d == 16 || d == 32 || d == 64 || d == 128; }

}  // namespace

void AttentionRunner::run(const AttentionArgs& a, const DeviceSetup& host, AttentionKernel kind, cudaStream_t stream) {
  if (host.n_slots <= 0) return;
  if (a.n_heads % a.n_kv_heads != 0) invalid("attention: query heads must be a multiple of KV heads");
  if (a.head_dim > 256) throw PluginError(HWC_ERR_UNSUPPORTED, "CUDA: attention: head_dim " + std::to_string(a.head_dim) + " > 256");
  if (sms_ == 0) {
    int dev = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    CUDA_CHECK(cudaDeviceGetAttribute(&sms_, cudaDevAttrMultiProcessorCount, dev));
  }
  KernelParams p{};
  p.S = a.setup;
  p.q = a.q;
  p.qtab = a.qtab;
  p.layer = a.layer, p.n_layers = a.n_layers, p.n_heads = a.n_heads, p.n_kv_heads = a.n_kv_heads;
  p.head_dim = a.head_dim, p.rope_dim = a.rope_dim;
  p.neox = a.neox, p.rotate = a.rotate, p.stats = host.plan.stats != 0 && a.stats_mass != nullptr;
  p.scale_log2 = a.scale * kLog2e;
  p.nq = host.n_slots * a.n_heads;
  p.out = a.out;
  p.stats_mass = a.stats_mass;
  p.lse_out = a.lse_out;
  const int F = host.plan.n_blocks;

  if (kind == AttentionKernel::Simple || !fast_head_dim(a.head_dim)) {
    p.splits = 1;
    last_splits_ = 0;
    HW_DISPATCH_TYPE(a.kv_type, KT, hogwild_attention_simple<KT><<<static_cast<unsigned>(p.nq), kThreads, 0, stream>>>(p));
    CUDA_CHECK_LAUNCH();
    return;
  }

  // Launch shape: query tiles of QT queries per KV head; splits fill the GPU (≈4 CTAs per SM), each split an
  // equal range of the concatenated key space, at least two tiles of keys per split.
  const int group = a.n_heads / a.n_kv_heads;
  const int nqg = host.n_slots * group;
  const int qt = a.head_dim >= 64 ? (nqg <= 8 ? 8 : nqg <= 16 ? 16 : 32) : 32;
  const int qtiles = static_cast<int>(ceil_div(nqg, qt));
  const int64_t keys = host.seg_start[host.n_seg];
  const int tk = a.head_dim >= 128 ? 32 : 64;
  const int64_t base = static_cast<int64_t>(qtiles) * a.n_kv_heads;
  int64_t splits = std::min<int64_t>(ceil_div(4ll * sms_, base), kMaxSplits);
  if (!a.fixed_splits) splits = std::min<int64_t>(splits, std::max<int64_t>(1, keys / (2 * tk)));
  p.splits = static_cast<int>(std::max<int64_t>(1, splits));
  last_splits_ = p.splits;

  ws_out_.ensure(static_cast<size_t>(p.splits) * p.nq * a.head_dim * sizeof(float));
  ws_lse_.ensure(static_cast<size_t>(p.splits) * p.nq * sizeof(float));
  if (p.stats) ws_stats_.ensure(static_cast<size_t>(p.splits) * p.nq * F * sizeof(float));
  p.ws_out = ws_out_.as<float>();
  p.ws_lse = ws_lse_.as<float>();
  p.ws_stats = p.stats ? ws_stats_.as<float>() : nullptr;

  HW_DISPATCH_TYPE(a.kv_type, KT, {
    switch (a.head_dim) {
      case 8: launch_fast_qt<KT, 8>(p, qt, qtiles, stream); break;
      case 16: launch_fast_qt<KT, 16>(p, qt, qtiles, stream); break;
      case 32: launch_fast_qt<KT, 32>(p, qt, qtiles, stream); break;
      case 64: launch_fast_qt<KT, 64>(p, qt, qtiles, stream); break;
      default: launch_fast_qt<KT, 128>(p, qt, qtiles, stream); break;
    }
  });
  hogwild_attention_merge<<<static_cast<unsigned>(p.nq), kThreads, 0, stream>>>(p);
  CUDA_CHECK_LAUNCH();
}

}  // namespace hogwild::cuda
