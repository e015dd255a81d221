#include "common/tensor.h"

#include <algorithm>
#include <cmath>

namespace hogwild {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::Q8_0: return "Q8_0";
    case DType::Q4_0: return "Q4_0";
    case DType::Q4_1: return "Q4_1";
    case DType::Q5_0: return "Q5_0";
    case DType::Q5_1: return "Q5_1";
    case DType::Q4_K: return "Q4_K";
    case DType::Q5_K: return "Q5_K";
    case DType::Q6_K: return "Q6_K";
  }
  return "?";
}

int64_t dtype_block_size(DType t) {
  switch (t) {
    case DType::F32: case DType::F16: case DType::BF16: return 1;
    case DType::Q8_0: case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1: return kQ8BlockSize;
    case DType::Q4_K: case DType::Q5_K: case DType::Q6_K: return kQKBlockSize;
  }
  return 1;
}

size_t dtype_row_bytes(DType t, int64_t n) {
  switch (t) {
    case DType::F32: return static_cast<size_t>(n) * 4;
    case DType::F16:
    case DType::BF16: return static_cast<size_t>(n) * 2;
    case DType::Q8_0: return static_cast<size_t>(n / kQ8BlockSize) * (2 + kQ8BlockSize);
    case DType::Q4_0: return static_cast<size_t>(n / 32) * 18;
    case DType::Q4_1: return static_cast<size_t>(n / 32) * 20;
    case DType::Q5_0: return static_cast<size_t>(n / 32) * 22;
    case DType::Q5_1: return static_cast<size_t>(n / 32) * 24;
    case DType::Q4_K: return static_cast<size_t>(n / kQKBlockSize) * 144;
    case DType::Q5_K: return static_cast<size_t>(n / kQKBlockSize) * 176;
    case DType::Q6_K: return static_cast<size_t>(n / kQKBlockSize) * 210;
  }
  return 0;
}

#if !defined(__clang__)
// GCC (x86-64, >= 12) implements _Float16 with correct IEEE rounding; use it instead of bit tricks.
float fp16_to_fp32(uint16_t h) {
  _Float16 v;
  std::memcpy(&v, &h, 2);
  return static_cast<float>(v);
}

uint16_t fp32_to_fp16(float f) {
  const _Float16 v = static_cast<_Float16>(f);
  uint16_t h;
  std::memcpy(&h, &v, 2);
  return h;
}
#else
// clang 14 has no _Float16 on x86 (clang builds the fuzz targets). Same results bit for bit as GCC's _Float16,
// checked over all 65536 halves and all 2^32 floats: round to nearest even, NaNs made quiet keeping the top payload.
float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {  // zero or subnormal: mant * 2^-24 is exact in fp32
    const float f = static_cast<float>(mant) * 0x1p-24f;
    std::memcpy(&bits, &f, 4);
    bits |= sign;
  } else if (exp == 31) {  // infinity, or NaN made quiet
    bits = sign | 0x7f800000u | (mant << 13) | (mant ? 0x400000u : 0u);
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t fp32_to_fp16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));  // NaN
  if (ax >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to infinity
  if (ax < 0x38800000u) {  // below 2^-14: a subnormal half or zero
    if (ax <= 0x33000000u) return sign;  // <= 2^-25 (a tie rounds to the even 0)
    const uint32_t shift = 126 - (ax >> 23), m = (ax & 0x7fffffu) | 0x800000u;
    uint32_t q = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (q & 1))) ++q;
    return static_cast<uint16_t>(sign | q);
  }
  uint32_t h = (((ax >> 23) - 112) << 10) | ((ax & 0x7fffffu) >> 13);
  const uint32_t rem = ax & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;  // a carry moves into the exponent, as it should
  return static_cast<uint16_t>(sign | h);
}
#endif

uint16_t fp32_to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
  x += 0x7fffu + ((x >> 16) & 1);
  return static_cast<uint16_t>(x >> 16);
}

namespace {

float half_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return fp16_to_fp32(h);
}

// ggml's block layouts (ggml-common.h) and dequantize_row_* (ggml-quants.c), scalar.
void dequantize_q4_0(const uint8_t* b, float* y, int64_t n) {  // {f16 d; u8 qs[16]}: (q - 8) * d
  for (int64_t i = 0; i < n; i += 32, b += 18, y += 32) {
    const float d = half_at(b);
    const uint8_t* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
      y[j] = static_cast<float>((qs[j] & 0x0F) - 8) * d;
      y[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
    }
  }
}

void dequantize_q4_1(const uint8_t* b, float* y, int64_t n) {  // {f16 d, m; u8 qs[16]}: q * d + m
  for (int64_t i = 0; i < n; i += 32, b += 20, y += 32) {
    const float d = half_at(b), m = half_at(b + 2);
    const uint8_t* qs = b + 4;
    for (int j = 0; j < 16; ++j) {
      y[j] = static_cast<float>(qs[j] & 0x0F) * d + m;
      y[j + 16] = static_cast<float>(qs[j] >> 4) * d + m;
    }
  }
}

// Q5_0 {f16 d; u8 qh[4]; u8 qs[16]}: (q5 - 16) * d; Q5_1 {f16 d, m; u8 qh[4]; u8 qs[16]}: q5 * d + m.
// Bit j of the little-endian qh is the fifth bit of element j (low nibbles: elements 0..15, high: 16..31).
void dequantize_q5(const uint8_t* b, float* y, int64_t n, bool with_min) {
  const size_t block_bytes = with_min ? 24 : 22;
  for (int64_t i = 0; i < n; i += 32, b += block_bytes, y += 32) {
    const float d = half_at(b), m = with_min ? half_at(b + 2) : 0.f;
    const uint8_t* qh_bytes = b + (with_min ? 4 : 2);
    const uint32_t qh = static_cast<uint32_t>(qh_bytes[0]) | static_cast<uint32_t>(qh_bytes[1]) << 8 |
                        static_cast<uint32_t>(qh_bytes[2]) << 16 | static_cast<uint32_t>(qh_bytes[3]) << 24;
    const uint8_t* qs = qh_bytes + 4;
    const int offset = with_min ? 0 : 16;
    for (int j = 0; j < 16; ++j) {
      const int lo = (qs[j] & 0x0F) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      y[j] = static_cast<float>(lo - offset) * d + m;
      y[j + 16] = static_cast<float>(hi - offset) * d + m;
    }
  }
}

// 6-bit scale and min number j of a Q4_K/Q5_K super-block (12 packed bytes).
void scale_min_k4(int j, const uint8_t* q, uint8_t* d, uint8_t* m) {
  if (j < 4) {
    *d = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *d = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// Q4_K {f16 d, dmin; u8 scales[12]; u8 qs[128]} and Q5_K {..., u8 qh[32]; u8 qs[128]}: 8 sub-blocks of 32,
// y = d*sc * q - dmin*m.
void dequantize_q45_k(const uint8_t* b, float* y, int64_t n, bool five_bits) {
  const size_t block_bytes = five_bits ? 176 : 144;
  for (int64_t i = 0; i < n; i += kQKBlockSize, b += block_bytes) {
    const float d = half_at(b), dmin = half_at(b + 2);
    const uint8_t* scales = b + 4;
    const uint8_t* qh = b + 16;
    const uint8_t* ql = b + (five_bits ? 48 : 16);
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < kQKBlockSize; j += 64, is += 2, ql += 32) {
      uint8_t sc, m;
      scale_min_k4(is, scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      scale_min_k4(is + 1, scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) {
        const int hi = five_bits && (qh[l] & u1) ? 16 : 0;
        *y++ = d1 * static_cast<float>((ql[l] & 0xF) + hi) - m1;
      }
      for (int l = 0; l < 32; ++l) {
        const int hi = five_bits && (qh[l] & u2) ? 16 : 0;
        *y++ = d2 * static_cast<float>((ql[l] >> 4) + hi) - m2;
      }
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
  }
}

// Q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}: 16 sub-blocks of 16, y = d * sc * (q6 - 32).
void dequantize_q6_k(const uint8_t* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; i += kQKBlockSize, b += 210) {
    const float d = half_at(b + 208);
    const uint8_t* ql = b;
    const uint8_t* qh = b + 128;
    const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
    for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = static_cast<int8_t>((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = static_cast<int8_t>((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = static_cast<int8_t>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = static_cast<int8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is] * static_cast<float>(q1);
        y[l + 32] = d * sc[is + 2] * static_cast<float>(q2);
        y[l + 64] = d * sc[is + 4] * static_cast<float>(q3);
        y[l + 96] = d * sc[is + 6] * static_cast<float>(q4);
      }
    }
  }
}

}  // namespace

void dequantize_row(DType t, const void* src, float* dst, int64_t n) {
  switch (t) {
    case DType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * 4); return;
    case DType::F16: {
      const auto* s = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(s[i]);
      return;
    }
    case DType::BF16: {
      const auto* s = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(s[i]);
      return;
    }
    case DType::Q8_0: {
      const auto* b = static_cast<const uint8_t*>(src);
      for (int64_t i = 0; i < n; i += kQ8BlockSize, b += 2 + kQ8BlockSize) {
        uint16_t d16;
        std::memcpy(&d16, b, 2);
        const float d = fp16_to_fp32(d16);
        const auto* q = reinterpret_cast<const int8_t*>(b + 2);
        for (int j = 0; j < kQ8BlockSize; ++j) dst[i + j] = d * static_cast<float>(q[j]);
      }
      return;
    }
    case DType::Q4_0: dequantize_q4_0(static_cast<const uint8_t*>(src), dst, n); return;
    case DType::Q4_1: dequantize_q4_1(static_cast<const uint8_t*>(src), dst, n); return;
    case DType::Q5_0: dequantize_q5(static_cast<const uint8_t*>(src), dst, n, false); return;
    case DType::Q5_1: dequantize_q5(static_cast<const uint8_t*>(src), dst, n, true); return;
    case DType::Q4_K: dequantize_q45_k(static_cast<const uint8_t*>(src), dst, n, false); return;
    case DType::Q5_K: dequantize_q45_k(static_cast<const uint8_t*>(src), dst, n, true); return;
    case DType::Q6_K: dequantize_q6_k(static_cast<const uint8_t*>(src), dst, n); return;
  }
}

void quantize_row_q8_0(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<uint8_t*>(dst);
  for (int64_t i = 0; i < n; i += kQ8BlockSize, b += 2 + kQ8BlockSize) {
    float amax = 0.f;
    for (int j = 0; j < kQ8BlockSize; ++j) amax = std::max(amax, std::fabs(src[i + j]));
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    const uint16_t d16 = fp32_to_fp16(d);
    std::memcpy(b, &d16, 2);
    auto* q = reinterpret_cast<int8_t*>(b + 2);
    for (int j = 0; j < kQ8BlockSize; ++j) q[j] = static_cast<int8_t>(std::lround(src[i + j] * id));
  }
}

}  // namespace hogwild

namespace hogwild {

namespace {

void put_half(uint8_t* p, float v) {
  const uint16_t h = fp32_to_fp16(v);
  std::memcpy(p, &h, 2);
}

// ggml's quantize_row_q4_0_ref / q5_0_ref: d = (the value of largest magnitude) / -2^(bits-1), q = x/d + 2^(bits-1).
void quantize_symmetric(const float* x, uint8_t* b, int64_t n, bool five_bits) {
  const int levels = five_bits ? 32 : 16;
  const size_t block_bytes = five_bits ? 22 : 18;
  for (int64_t i = 0; i < n; i += 32, x += 32, b += block_bytes) {
    float amax = 0.f, max = 0.f;
    for (int j = 0; j < 32; ++j) {
      if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
    }
    const float d = max / static_cast<float>(-levels / 2), id = d != 0.f ? 1.f / d : 0.f;
    put_half(b, d);
    uint8_t* qs = b + (five_bits ? 6 : 2);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
      const int q0 = std::min(levels - 1, static_cast<int>(x[j] * id + static_cast<float>(levels / 2) + 0.5f));
      const int q1 = std::min(levels - 1, static_cast<int>(x[j + 16] * id + static_cast<float>(levels / 2) + 0.5f));
      qs[j] = static_cast<uint8_t>((q0 & 0xF) | ((q1 & 0xF) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j | static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + 16);
    }
    if (five_bits) std::memcpy(b + 2, &qh, 4);
  }
}

// ggml's quantize_row_q4_1_ref / q5_1_ref: d = (max - min) / (2^bits - 1), m = min, q = round((x - min) / d).
void quantize_with_min(const float* x, uint8_t* b, int64_t n, bool five_bits) {
  const int levels = five_bits ? 32 : 16;
  const size_t block_bytes = five_bits ? 24 : 20;
  for (int64_t i = 0; i < n; i += 32, x += 32, b += block_bytes) {
    float mn = x[0], mx = x[0];
    for (int j = 1; j < 32; ++j) mn = std::min(mn, x[j]), mx = std::max(mx, x[j]);
    const float d = (mx - mn) / static_cast<float>(levels - 1), id = d != 0.f ? 1.f / d : 0.f;
    put_half(b, d);
    put_half(b + 2, mn);
    uint8_t* qs = b + (five_bits ? 8 : 4);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
      const int q0 = std::min(levels - 1, static_cast<int>((x[j] - mn) * id + 0.5f));
      const int q1 = std::min(levels - 1, static_cast<int>((x[j + 16] - mn) * id + 0.5f));
      qs[j] = static_cast<uint8_t>((q0 & 0xF) | ((q1 & 0xF) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j | static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + 16);
    }
    if (five_bits) std::memcpy(b + 4, &qh, 4);
  }
}

int nearest(float v) { return static_cast<int>(std::lround(v)); }

// Q4_K / Q5_K (the layouts dequantize_q45_k reads): per sub-block of 32 a scale (max - min) / (2^bits - 1) and a
// minimum -min (min clamped to <= 0, as ggml does); both as 6-bit multiples of the super-block's d and dmin (fp16);
// the values are rounded against the stored (6-bit, fp16) scale and minimum, so the rounding error of the scales does
// not add up. A plain min/max fit (ggml's quantizer also searches nearby scales): for random and test weights.
void quantize_q45_k(const float* x, uint8_t* b, int64_t n, bool five_bits) {
  const int qmax = five_bits ? 31 : 15;
  const size_t block_bytes = five_bits ? 176 : 144;
  for (int64_t i = 0; i < n; i += kQKBlockSize, x += kQKBlockSize, b += block_bytes) {
    std::memset(b, 0, block_bytes);
    float scale[8], minus_min[8], max_scale = 0.f, max_min = 0.f;
    for (int s = 0; s < 8; ++s) {
      float mn = 0.f, mx = x[32 * s];
      for (int j = 0; j < 32; ++j) mn = std::min(mn, x[32 * s + j]), mx = std::max(mx, x[32 * s + j]);
      scale[s] = (mx - mn) / static_cast<float>(qmax);
      minus_min[s] = -mn;
      max_scale = std::max(max_scale, scale[s]);
      max_min = std::max(max_min, minus_min[s]);
    }
    const float d = max_scale / 63.f, dmin = max_min / 63.f;
    put_half(b, d);
    put_half(b + 2, dmin);
    const float d16 = half_at(b), dmin16 = half_at(b + 2);
    uint8_t ls[8], lm[8];
    for (int s = 0; s < 8; ++s) {
      ls[s] = static_cast<uint8_t>(std::clamp(d16 > 0.f ? nearest(scale[s] / d16) : 0, 0, 63));
      lm[s] = static_cast<uint8_t>(std::clamp(dmin16 > 0.f ? nearest(minus_min[s] / dmin16) : 0, 0, 63));
    }
    uint8_t* sc = b + 4;  // the inverse of scale_min_k4
    for (int s = 0; s < 8; ++s) {
      if (s < 4) {
        sc[s] = ls[s];
        sc[s + 4] = lm[s];
      } else {
        sc[s + 4] = static_cast<uint8_t>((ls[s] & 0xF) | ((lm[s] & 0xF) << 4));
        sc[s - 4] = static_cast<uint8_t>(sc[s - 4] | ((ls[s] >> 4) << 6));
        sc[s] = static_cast<uint8_t>(sc[s] | ((lm[s] >> 4) << 6));
      }
    }
    uint8_t q[kQKBlockSize];
    for (int s = 0; s < 8; ++s) {
      const float dl = d16 * ls[s], ml = dmin16 * lm[s];
      for (int j = 0; j < 32; ++j) q[32 * s + j] = static_cast<uint8_t>(dl > 0.f ? std::clamp(nearest((x[32 * s + j] + ml) / dl), 0, qmax) : 0);
    }
    uint8_t* qh = b + 16;
    uint8_t* ql = b + (five_bits ? 48 : 16);
    for (int j = 0; j < kQKBlockSize; j += 64) {  // 64 elements: sub-block j/32 in the low nibbles, j/32 + 1 high
      for (int l = 0; l < 32; ++l) {
        const uint8_t lo = q[j + l], hi = q[j + l + 32];
        ql[j / 2 + l] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
        if (five_bits) qh[l] = static_cast<uint8_t>(qh[l] | ((lo >> 4) << (j / 32)) | ((hi >> 4) << (j / 32 + 1)));
      }
    }
  }
}

// Q6_K (the layout dequantize_q6_k reads): per group of 16 a scale (the value of largest magnitude) / -32, stored as an
// int8 multiple of the super-block's d (fp16); values q in -32..31 rounded against the stored scale, kept as q + 32.
void quantize_q6_k(const float* x, uint8_t* b, int64_t n) {
  for (int64_t i = 0; i < n; i += kQKBlockSize, x += kQKBlockSize, b += 210) {
    std::memset(b, 0, 210);
    float scale[16], max_scale = 0.f;
    for (int g = 0; g < 16; ++g) {
      float amax = 0.f, vmax = 0.f;
      for (int j = 0; j < 16; ++j)
        if (std::fabs(x[16 * g + j]) > amax) amax = std::fabs(x[16 * g + j]), vmax = x[16 * g + j];
      scale[g] = vmax / -32.f;
      if (std::fabs(scale[g]) > std::fabs(max_scale)) max_scale = scale[g];
    }
    const float iscale = max_scale != 0.f ? -128.f / max_scale : 0.f;
    put_half(b + 208, iscale != 0.f ? 1.f / iscale : 0.f);
    const float d16 = half_at(b + 208);
    auto* sc = reinterpret_cast<int8_t*>(b + 192);
    uint8_t q[kQKBlockSize];
    for (int g = 0; g < 16; ++g) {
      sc[g] = static_cast<int8_t>(std::clamp(nearest(iscale * scale[g]), -128, 127));
      const float dl = d16 * sc[g];
      for (int j = 0; j < 16; ++j)
        q[16 * g + j] = static_cast<uint8_t>((dl != 0.f ? std::clamp(nearest(x[16 * g + j] / dl), -32, 31) : 0) + 32);
    }
    uint8_t* ql = b;
    uint8_t* qh = b + 128;
    for (int j = 0; j < kQKBlockSize; j += 128) {
      for (int l = 0; l < 32; ++l) {
        const uint8_t q1 = q[j + l], q2 = q[j + l + 32], q3 = q[j + l + 64], q4 = q[j + l + 96];
        ql[j / 2 + l] = static_cast<uint8_t>((q1 & 0xF) | ((q3 & 0xF) << 4));
        ql[j / 2 + l + 32] = static_cast<uint8_t>((q2 & 0xF) | ((q4 & 0xF) << 4));
        qh[j / 4 + l] = static_cast<uint8_t>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
      }
    }
  }
}

}  // namespace

bool quantize_row(DType t, const float* src, void* dst, int64_t n) {
  if (n % dtype_block_size(t) != 0) return false;
  auto* d = static_cast<uint8_t*>(dst);
  switch (t) {
    case DType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * 4); return true;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) put_half(d + 2 * i, src[i]);
      return true;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = fp32_to_bf16(src[i]);
        std::memcpy(d + 2 * i, &h, 2);
      }
      return true;
    case DType::Q8_0: quantize_row_q8_0(src, dst, n); return true;
    case DType::Q4_0: quantize_symmetric(src, d, n, false); return true;
    case DType::Q5_0: quantize_symmetric(src, d, n, true); return true;
    case DType::Q4_1: quantize_with_min(src, d, n, false); return true;
    case DType::Q5_1: quantize_with_min(src, d, n, true); return true;
    case DType::Q4_K: quantize_q45_k(src, d, n, false); return true;
    case DType::Q5_K: quantize_q45_k(src, d, n, true); return true;
    case DType::Q6_K: quantize_q6_k(src, d, n); return true;
    default: return false;
  }
}

}  // namespace hogwild
