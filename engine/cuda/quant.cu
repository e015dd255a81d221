#include "cuda/quant.cuh"

#include <algorithm>

namespace hogwild::cuda {

// ---- block layouts (ggml-common.h), bytes per block of B elements
//   Q8_0 {f16 d; i8 qs[32]}                       34 / 32     y = d·q
//   Q4_0 {f16 d; u8 qs[16]}                       18 / 32     y = d·(q − 8)         low nibbles: 0..15, high: 16..31
//   Q4_1 {f16 d, m; u8 qs[16]}                    20 / 32     y = d·q + m
//   Q5_0 {f16 d; u8 qh[4]; u8 qs[16]}             22 / 32     y = d·(q | h<<4 − 16)  h: bit j (0..15) / j+12 (16..31)
//   Q5_1 {f16 d, m; u8 qh[4]; u8 qs[16]}          24 / 32     y = d·(q | h<<4) + m
//   Q4_K {f16 d, dmin; u8 sc[12]; u8 qs[128]}    144 / 256    8 sub-blocks of 32: y = d·sc_s·q − dmin·m_s (6-bit sc, m)
//   Q5_K {f16 d, dmin; sc[12]; qh[32]; qs[128]}  176 / 256    as Q4_K with a fifth bit: qh[l] bit s
//   Q6_K {u8 ql[128]; u8 qh[64]; i8 sc[16]; f16 d} 210 / 256  16 sub-blocks of 16: y = d·sc·(q6 − 32)
int64_t weight_block_elements(int32_t type) {
  switch (type) {
    case HWC_F32: case HWC_F16: case HWC_BF16: return 1;
    case HWC_Q8_0: case HWC_Q4_0: case HWC_Q4_1: case HWC_Q5_0: case HWC_Q5_1: return 32;
    case HWC_Q4_K: case HWC_Q5_K: case HWC_Q6_K: return 256;
    default: return 0;
  }
}

namespace {
size_t block_bytes(int32_t type) {
  switch (type) {
    case HWC_F32: return 4;
    case HWC_F16: case HWC_BF16: return 2;
    case HWC_Q8_0: return 34;
    case HWC_Q4_0: return 18;
    case HWC_Q4_1: return 20;
    case HWC_Q5_0: return 22;
    case HWC_Q5_1: return 24;
    case HWC_Q4_K: return 144;
    case HWC_Q5_K: return 176;
    case HWC_Q6_K: return 210;
    default: return 0;
  }
}
}  // namespace

size_t weight_row_bytes(int32_t type, int64_t cols) {
  const int64_t b = weight_block_elements(type);
  if (b == 0 || cols <= 0 || cols % b != 0) return 0;
  return static_cast<size_t>(cols / b) * block_bytes(type);
}

const char* weight_type_name(int32_t type) {
  switch (type) {
    case HWC_F32: return "f32";
    case HWC_F16: return "f16";
    case HWC_BF16: return "bf16";
    case HWC_Q8_0: return "q8_0";
    case HWC_Q4_0: return "q4_0";
    case HWC_Q4_1: return "q4_1";
    case HWC_Q5_0: return "q5_0";
    case HWC_Q5_1: return "q5_1";
    case HWC_Q4_K: return "q4_k";
    case HWC_Q5_K: return "q5_k";
    case HWC_Q6_K: return "q6_k";
    default: return "unknown";
  }
}

namespace {

// Every field of every block is 2-byte aligned (block sizes are even), so 16-bit loads are always legal.
__device__ __forceinline__ float ld_half(const uint8_t* p) { return __half2float(*reinterpret_cast<const __half*>(p)); }
__device__ __forceinline__ uint32_t ld_u16(const uint8_t* p) { return *reinterpret_cast<const uint16_t*>(p); }
__device__ __forceinline__ uint32_t ld_u32(const uint8_t* p) { return ld_u16(p) | (ld_u16(p + 2) << 16); }

// Products and sums written out with _rn intrinsics where the CPU (no FMA contraction) rounds twice, so that the
// dequantized values equal dequantize_row()'s bit for bit.
__device__ __forceinline__ float mul_add(float a, float b, float c) { return __fadd_rn(__fmul_rn(a, b), c); }
__device__ __forceinline__ float mul_sub(float a, float b, float c) { return __fsub_rn(__fmul_rn(a, b), c); }

// 6-bit scale and min of sub-block j of a Q4_K/Q5_K super-block.
__device__ __forceinline__ void scale_min_k4(int j, const uint8_t* q, float& sc, float& m) {
  if (j < 4) {
    sc = static_cast<float>(q[j] & 63);
    m = static_cast<float>(q[j + 4] & 63);
  } else {
    sc = static_cast<float>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    m = static_cast<float>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// The 32 values of unit u (elements 32u .. 32u+31) of a quantized row.
template <int T>
__device__ __forceinline__ void decode_unit(const uint8_t* row, int64_t u, float v[32]) {
  if constexpr (T == HWC_Q8_0) {
    const uint8_t* b = row + u * 34;
    const float d = ld_half(b);
#pragma unroll
    for (int i = 0; i < 16; ++i) {
      const uint32_t w = ld_u16(b + 2 + 2 * i);
      v[2 * i] = d * static_cast<float>(static_cast<int8_t>(w & 0xFF));
      v[2 * i + 1] = d * static_cast<float>(static_cast<int8_t>(w >> 8));
    }
  } else if constexpr (T == HWC_Q4_0 || T == HWC_Q4_1) {
    const uint8_t* b = row + u * (T == HWC_Q4_0 ? 18 : 20);
    const float d = ld_half(b), m = T == HWC_Q4_1 ? ld_half(b + 2) : 0.f;
    const uint8_t* qs = b + (T == HWC_Q4_0 ? 2 : 4);
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const uint32_t w = ld_u16(qs + 2 * i);
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const uint32_t q = (w >> (8 * h)) & 0xFF;
        const int j = 2 * i + h;
        if constexpr (T == HWC_Q4_0) {
          v[j] = static_cast<float>(static_cast<int>(q & 0xF) - 8) * d;
          v[j + 16] = static_cast<float>(static_cast<int>(q >> 4) - 8) * d;
        } else {
          v[j] = mul_add(static_cast<float>(q & 0xF), d, m);
          v[j + 16] = mul_add(static_cast<float>(q >> 4), d, m);
        }
      }
    }
  } else if constexpr (T == HWC_Q5_0 || T == HWC_Q5_1) {
    const uint8_t* b = row + u * (T == HWC_Q5_0 ? 22 : 24);
    const float d = ld_half(b), m = T == HWC_Q5_1 ? ld_half(b + 2) : 0.f;
    const uint32_t qh = ld_u32(b + (T == HWC_Q5_0 ? 2 : 4));
    const uint8_t* qs = b + (T == HWC_Q5_0 ? 6 : 8);
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const uint32_t w = ld_u16(qs + 2 * i);
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int j = 2 * i + h;
        const uint32_t q = (w >> (8 * h)) & 0xFF;
        const uint32_t h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
        if constexpr (T == HWC_Q5_0) {
          v[j] = static_cast<float>(static_cast<int>((q & 0xF) | h0) - 16) * d;
          v[j + 16] = static_cast<float>(static_cast<int>((q >> 4) | h1) - 16) * d;
        } else {
          v[j] = mul_add(static_cast<float>((q & 0xF) | h0), d, m);
          v[j + 16] = mul_add(static_cast<float>((q >> 4) | h1), d, m);
        }
      }
    }
  } else if constexpr (T == HWC_Q4_K || T == HWC_Q5_K) {
    constexpr int kBytes = T == HWC_Q4_K ? 144 : 176;
    const int64_t blk = u >> 3;
    const int s = static_cast<int>(u & 7);  // sub-block: low nibbles of group s/2 when s is even, high when odd
    const uint8_t* b = row + blk * kBytes;
    const float d = ld_half(b), dmin = ld_half(b + 2);
    float sc, m;
    scale_min_k4(s, b + 4, sc, m);
    const float d1 = d * sc, m1 = dmin * m;
    const uint8_t* ql = b + (T == HWC_Q4_K ? 16 : 48) + 32 * (s >> 1);
    const uint8_t* qh = b + 16;
    const int shift = 4 * (s & 1);
#pragma unroll
    for (int i = 0; i < 16; ++i) {
      const uint32_t w = ld_u16(ql + 2 * i);
      uint32_t hb = 0;
      if constexpr (T == HWC_Q5_K) hb = ld_u16(qh + 2 * i);
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int l = 2 * i + h;
        int q = static_cast<int>(((w >> (8 * h)) >> shift) & 0xF);
        if constexpr (T == HWC_Q5_K) q += ((hb >> (8 * h)) >> s) & 1 ? 16 : 0;
        v[l] = mul_sub(d1, static_cast<float>(q), m1);
      }
    }
  } else if constexpr (T == HWC_Q6_K) {
    const int64_t blk = u >> 3;
    const int s = static_cast<int>(u & 7), half = s >> 2, k = s & 3;  // elements 128·half + 32·k + l
    const uint8_t* b = row + blk * 210;
    const float d = ld_half(b + 208);
    const uint8_t* ql = b + 64 * half + (k & 1 ? 32 : 0);
    const uint8_t* qh = b + 128 + 32 * half;
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192) + 8 * half + 2 * k;
    const float ds0 = d * static_cast<float>(sc[0]), ds1 = d * static_cast<float>(sc[1]);  // l < 16, l ≥ 16
    const int lshift = k >= 2 ? 4 : 0, hshift = 2 * k;
#pragma unroll
    for (int i = 0; i < 16; ++i) {
      const uint32_t wl = ld_u16(ql + 2 * i), wh = ld_u16(qh + 2 * i);
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int l = 2 * i + h;
        const int q = static_cast<int>((((wl >> (8 * h)) >> lshift) & 0xF) | ((((wh >> (8 * h)) >> hshift) & 3) << 4)) - 32;
        v[l] = (l < 16 ? ds0 : ds1) * static_cast<float>(q);
      }
    }
  }
}

constexpr int kWarps = 8;  // weight rows per CTA (one warp each)

template <int T>
__global__ void __launch_bounds__(kWarps * 32) matvec_kernel(const uint8_t* W, size_t row_bytes, int64_t rows, int64_t cols,
                                                             const float* x, int n, float* y) {
  // x chunk, transposed: xs[r][k][u] = x[r][32·(c0 + u) + k]; lane u reads xs[r][k][u] (consecutive: no conflicts),
  // the padding (33) keeps the transposing writes conflict-free too.
  __shared__ float xs[kMatvecRows][32][33];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarps + warp;
  const int64_t units = cols / 32;
  const uint8_t* wrow = W + (row < rows ? row : 0) * row_bytes;
  float acc[kMatvecRows];
#pragma unroll
  for (int r = 0; r < kMatvecRows; ++r) acc[r] = 0.f;
  for (int64_t c0 = 0; c0 < units; c0 += 32) {
    const int nu = static_cast<int>(min(static_cast<int64_t>(32), units - c0));
    __syncthreads();  // the previous chunk is consumed
    for (int i = threadIdx.x; i < n * nu * 32; i += blockDim.x) {
      const int r = i / (nu * 32), e = i % (nu * 32);
      xs[r][e % 32][e / 32] = x[static_cast<int64_t>(r) * cols + c0 * 32 + e];
    }
    __syncthreads();
    if (row < rows && lane < nu) {
      float v[32];
      decode_unit<T>(wrow, c0 + lane, v);
#pragma unroll
      for (int r = 0; r < kMatvecRows; ++r) {
        if (r < n) {
          float s = 0.f;
#pragma unroll
          for (int k = 0; k < 32; ++k) s = fmaf(v[k], xs[r][k][lane], s);
          acc[r] += s;
        }
      }
    }
  }
#pragma unroll
  for (int r = 0; r < kMatvecRows; ++r) {
    if (r >= n) break;
    float s = acc[r];
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0 && row < rows) y[static_cast<int64_t>(r) * rows + row] = s;
  }
}

template <int T>
__global__ void dequantize_f16_kernel(const uint8_t* W, size_t row_bytes, int64_t r0, int64_t r1, int64_t cols, __half* out) {
  const int64_t units = cols / 32, total = (r1 - r0) * units;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / units, u = i % units;
    float v[32];
    decode_unit<T>(W + (r0 + r) * row_bytes, u, v);
    __half* o = out + r * cols + u * 32;
#pragma unroll
    for (int k = 0; k < 32; ++k) o[k] = __float2half_rn(v[k]);
  }
}

template <int T>
__global__ void embed_quant_kernel(const uint8_t* W, size_t row_bytes, int64_t rows, int64_t cols, const int32_t* tokens, float* out) {
  const int64_t i = blockIdx.x;
  const int32_t tok = tokens[i];
  float* o = out + i * cols;
  const bool ok = tok >= 0 && tok < rows;  // the engine validates ids; padding (−1) reads as zeros
  for (int64_t u = threadIdx.x; u < cols / 32; u += blockDim.x) {
    float v[32];
    if (ok) decode_unit<T>(W + static_cast<int64_t>(tok) * row_bytes, u, v);
#pragma unroll
    for (int k = 0; k < 32; ++k) o[u * 32 + k] = ok ? v[k] : 0.f;
  }
}

template <typename D>
__global__ void embed_dense_kernel(const D* table, int64_t rows, int64_t cols, const int32_t* tokens, float* out) {
  const int64_t i = blockIdx.x;
  const int32_t tok = tokens[i];
  float* o = out + i * cols;
  const bool ok = tok >= 0 && tok < rows;
  const D* row = table + (ok ? static_cast<int64_t>(tok) * cols : 0);
  for (int64_t d = threadIdx.x; d < cols; d += blockDim.x) o[d] = ok ? to_f32(row[d]) : 0.f;
}

__device__ __forceinline__ uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
__device__ __forceinline__ void st_half(uint8_t* p, float v) { *reinterpret_cast<__half*>(p) = __float2half_rn(v); }

__global__ void random_quant_kernel(uint8_t* dst, int64_t blocks, int bytes, int32_t type, uint64_t seed, float amp) {
  for (int64_t blk = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; blk < blocks; blk += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    uint8_t* b = dst + blk * bytes;
    for (int i = 0; i < bytes; i += 8) {
      const uint64_t z = mix64(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(blk) * 4096 + i + 1);
      for (int k = 0; k < 8 && i + k < bytes; ++k) b[i + k] = static_cast<uint8_t>(z >> (8 * k));
    }
    // Finite, moderate scales: values stay within about ±amp.
    switch (type) {
      case HWC_Q8_0: st_half(b, amp / 127.f); break;
      case HWC_Q4_0: st_half(b, amp / 8.f); break;
      case HWC_Q4_1: st_half(b, amp / 8.f), st_half(b + 2, -amp); break;
      case HWC_Q5_0: st_half(b, amp / 16.f); break;
      case HWC_Q5_1: st_half(b, amp / 16.f), st_half(b + 2, -amp); break;
      case HWC_Q4_K: st_half(b, amp / (63.f * 8.f)), st_half(b + 2, amp / (63.f * 2.f)); break;
      case HWC_Q5_K: st_half(b, amp / (63.f * 16.f)), st_half(b + 2, amp / (63.f * 2.f)); break;
      case HWC_Q6_K: st_half(b + 208, amp / (128.f * 32.f)); break;
      default: break;
    }
  }
}

#define HW_DISPATCH_QUANT(type, T, ...)                                          \
  switch (type) {                                                                \
    case HWC_Q8_0: { constexpr int T = HWC_Q8_0; __VA_ARGS__; } break;           \
    case HWC_Q4_0: { constexpr int T = HWC_Q4_0; __VA_ARGS__; } break;           \
    case HWC_Q4_1: { constexpr int T = HWC_Q4_1; __VA_ARGS__; } break;           \
    case HWC_Q5_0: { constexpr int T = HWC_Q5_0; __VA_ARGS__; } break;           \
    case HWC_Q5_1: { constexpr int T = HWC_Q5_1; __VA_ARGS__; } break;           \
    case HWC_Q4_K: { constexpr int T = HWC_Q4_K; __VA_ARGS__; } break;           \
    case HWC_Q5_K: { constexpr int T = HWC_Q5_K; __VA_ARGS__; } break;           \
    case HWC_Q6_K: { constexpr int T = HWC_Q6_K; __VA_ARGS__; } break;           \
    default: throw PluginError(HWC_ERR_UNSUPPORTED, std::string("CUDA: no kernel for weight type ") + weight_type_name(type)); \
  }

unsigned grid_for(int64_t n, int threads) { return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(ceil_div(n, threads), 65535 * 8))); }

}  // namespace

void matvec(const WeightMatrix& w, const float* x, int n, float* y, cudaStream_t stream) {
  if (n <= 0 || w.rows <= 0) return;
  if (n > kMatvecRows) invalid("matvec of more than " + std::to_string(kMatvecRows) + " rows");
  const auto* W = static_cast<const uint8_t*>(w.data);
  const unsigned grid = static_cast<unsigned>(ceil_div(w.rows, kWarps));
  HW_DISPATCH_QUANT(w.type, T, (matvec_kernel<T><<<grid, kWarps * 32, 0, stream>>>(W, w.row_bytes, w.rows, w.cols, x, n, y)));
  CUDA_CHECK_LAUNCH();
}

void dequantize_f16(const WeightMatrix& w, int64_t r0, int64_t r1, __half* out, cudaStream_t stream) {
  if (r1 <= r0) return;
  const auto* W = static_cast<const uint8_t*>(w.data);
  const unsigned grid = grid_for((r1 - r0) * (w.cols / 32), 256);
  HW_DISPATCH_QUANT(w.type, T, (dequantize_f16_kernel<T><<<grid, 256, 0, stream>>>(W, w.row_bytes, r0, r1, w.cols, out)));
  CUDA_CHECK_LAUNCH();
}

void embed_rows(const WeightMatrix& w, const int32_t* tokens, int64_t n, float* out, cudaStream_t stream) {
  if (n <= 0) return;
  const unsigned grid = static_cast<unsigned>(n);
  switch (w.type) {
    case HWC_F32: embed_dense_kernel<<<grid, 256, 0, stream>>>(static_cast<const float*>(w.data), w.rows, w.cols, tokens, out); break;
    case HWC_F16: embed_dense_kernel<<<grid, 256, 0, stream>>>(static_cast<const __half*>(w.data), w.rows, w.cols, tokens, out); break;
    case HWC_BF16:
      embed_dense_kernel<<<grid, 256, 0, stream>>>(static_cast<const __nv_bfloat16*>(w.data), w.rows, w.cols, tokens, out);
      break;
    default: {
      const auto* W = static_cast<const uint8_t*>(w.data);
      HW_DISPATCH_QUANT(w.type, T, (embed_quant_kernel<T><<<grid, 128, 0, stream>>>(W, w.row_bytes, w.rows, w.cols, tokens, out)));
    }
  }
  CUDA_CHECK_LAUNCH();
}

void random_fill_quantized(const WeightMatrix& w, uint64_t seed, float amp, cudaStream_t stream) {
  const int64_t per_row = w.cols / weight_block_elements(w.type);
  const int64_t blocks = per_row * w.rows;
  if (blocks <= 0) return;
  random_quant_kernel<<<grid_for(blocks, 256), 256, 0, stream>>>(static_cast<uint8_t*>(const_cast<void*>(w.data)), blocks,
                                                                 static_cast<int>(block_bytes(w.type)), w.type, seed, amp);
  CUDA_CHECK_LAUNCH();
}

}  // namespace hogwild::cuda
