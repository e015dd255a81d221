// Scalar reference of every quantized dot product: the definition the SIMD kernels are tested against
// (tests/engine/test_quant_dot.cpp). Per weight block the integer part sum(q_w * q_x) is exact; the float part is
// (d_w * d_x) * isum plus the block's offset term, summed over the blocks in order.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/tensor.h"
#include "cpu/quant_kernels.h"

namespace hogwild::cpu::kernels {

namespace {

float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return fp16_to_fp32(h);
}

const ActQ8K* act_q8k(const uint8_t* act, int64_t stride, int64_t i) {
  return reinterpret_cast<const ActQ8K*>(act + i * stride);
}

// Unpacks one 32-element weight block of a legacy type into its integer values (Q8_0 signed, the others the raw
// unsigned 4/5-bit codes); returns the block's scale d and sets `offset` so that w_j = d * q_j + offset.
template <WeightKind kKind>
float unpack_legacy(const uint8_t* b, int q[32], float& offset) {
  const float d = f16_at(b);
  if constexpr (kKind == kQ8_0) {
    for (int j = 0; j < 32; ++j) q[j] = static_cast<int8_t>(b[2 + j]);
    offset = 0.f;
    return d;
  } else {
    constexpr bool kMin = kKind == kQ4_1 || kKind == kQ5_1;
    constexpr bool kFive = kKind == kQ5_0 || kKind == kQ5_1;
    const uint8_t* p = b + (kMin ? 4 : 2);
    uint32_t qh = 0;
    if constexpr (kFive) {
      std::memcpy(&qh, p, 4);  // little-endian hosts only (x86-64, aarch64)
      p += 4;
    }
    for (int j = 0; j < 16; ++j) {
      q[j] = (p[j] & 0x0F) | (kFive ? static_cast<int>(((qh >> j) & 1u) << 4) : 0);
      q[j + 16] = (p[j] >> 4) | (kFive ? static_cast<int>(((qh >> (j + 16)) & 1u) << 4) : 0);
    }
    offset = kMin ? f16_at(b + 2) : -d * (kFive ? 16.f : 8.f);
    return d;
  }
}

template <WeightKind kKind>
constexpr size_t legacy_block_bytes() {
  return kKind == kQ8_0 ? 34 : kKind == kQ4_0 ? 18 : kKind == kQ4_1 ? 20 : kKind == kQ5_0 ? 22 : 24;
}

// sum_j w_j x_j = d_w d_x sum_j q_j qx_j + offset * d_x sum_j qx_j   (offset: -8 d, -16 d or the block minimum).
template <WeightKind kKind>
void dot_legacy(const uint8_t* w, const uint8_t* act, int64_t stride, int64_t n, int64_t k, float* y, int64_t ldy) {
  const int64_t nb = k / 32;
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* row = act + i * stride;  // the activation row's arrays (quant_kernels.h)
    const auto* xq = reinterpret_cast<const int8_t*>(row);
    const auto* xd = reinterpret_cast<const float*>(row + nb * 32);
    const auto* xs = xd + nb;
    float acc = 0.f;
    const uint8_t* b = w;
    for (int64_t blk = 0; blk < nb; ++blk, b += legacy_block_bytes<kKind>()) {
      int q[32];
      float offset;
      const float d = unpack_legacy<kKind>(b, q, offset);
      int isum = 0;
      for (int j = 0; j < 32; ++j) isum += q[j] * xq[blk * 32 + j];
      acc += d * xd[blk] * static_cast<float>(isum) + offset * xs[blk];
    }
    y[i * ldy] = acc;
  }
}

// One activation row for the 32-element types (the layout in quant_kernels.h), block by block. The SIMD versions give
// the same bytes.
void quantize_q8(const float* x, int64_t k, uint8_t* row) {
  const int64_t nb = k / 32;
  auto* q = reinterpret_cast<int8_t*>(row);
  auto* d = reinterpret_cast<float*>(row + nb * 32);
  float* s = d + nb;
  for (int64_t b = 0; b < nb; ++b) {
    const int sum = quantize_block(x + b * 32, 32, q + b * 32, d[b]);
    s[b] = d[b] * static_cast<float>(sum);
  }
}

void scale_min_k4(int j, const uint8_t* q, int& d, int& m) {
  if (j < 4) {
    d = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Q4_K / Q5_K: w = d sc_s q - dmin m_s for the 8 sub-blocks s of 32; the minimum term uses the activation's bsums.
template <bool kFive>
void dot_q45_k(const uint8_t* w, const uint8_t* act, int64_t stride, int64_t n, int64_t k, float* y, int64_t ldy) {
  constexpr size_t kBytes = kFive ? 176 : 144;
  for (int64_t i = 0; i < n; ++i) {
    float acc = 0.f;
    const uint8_t* b = w;
    for (int64_t blk = 0; blk < k / 256; ++blk, b += kBytes) {
      const ActQ8K& a = act_q8k(act, stride, i)[blk];
      const uint8_t* qh = b + 16;
      const uint8_t* ql = b + (kFive ? 48 : 16);
      int isum = 0, msum = 0;
      for (int s = 0; s < 8; ++s) {
        int sc, m;
        scale_min_k4(s, b + 4, sc, m);
        const int chunk = s / 2, shift = (s % 2) * 4;
        int sub = 0;
        for (int l = 0; l < 32; ++l) {
          const int hi = kFive ? ((qh[l] >> s) & 1) << 4 : 0;
          sub += (((ql[chunk * 32 + l] >> shift) & 0xF) | hi) * a.q[s * 32 + l];
        }
        isum += sc * sub;
        msum += m * (a.bsums[2 * s] + a.bsums[2 * s + 1]);
      }
      acc += f16_at(b) * a.d * static_cast<float>(isum) - f16_at(b + 2) * a.d * static_cast<float>(msum);
    }
    y[i * ldy] = acc;
  }
}

// Q6_K: w = d sc_g (q6 - 32) for the 16 groups g of 16.
void dot_q6_k(const uint8_t* w, const uint8_t* act, int64_t stride, int64_t n, int64_t k, float* y, int64_t ldy) {
  for (int64_t i = 0; i < n; ++i) {
    float acc = 0.f;
    const uint8_t* b = w;
    for (int64_t blk = 0; blk < k / 256; ++blk, b += 210) {
      const ActQ8K& a = act_q8k(act, stride, i)[blk];
      const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
      int q[256];
      for (int half = 0; half < 2; ++half) {
        const uint8_t* ql = b + 64 * half;
        const uint8_t* qh = b + 128 + 32 * half;
        int* qq = q + 128 * half;
        for (int l = 0; l < 32; ++l) {
          qq[l] = (ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4);
          qq[l + 32] = (ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4);
          qq[l + 64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
          qq[l + 96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
        }
      }
      int isum = 0, offset = 0;
      for (int g = 0; g < 16; ++g) {
        int sub = 0;
        for (int l = 0; l < 16; ++l) sub += q[g * 16 + l] * a.q[g * 16 + l];
        isum += sc[g] * sub;
        offset += sc[g] * a.bsums[g];
      }
      acc += f16_at(b + 208) * a.d * static_cast<float>(isum - 32 * offset);
    }
    y[i * ldy] = acc;
  }
}

}  // namespace

int quantize_block(const float* x, int size, int8_t* q, float& d) {
  float amax = 0.f;
  for (int j = 0; j < size; ++j) amax = std::max(amax, std::fabs(x[j]));
  d = amax / 127.f;
  const float id = amax > 0.f ? 127.f / amax : 0.f;
  int sum = 0;
  for (int j = 0; j < size; ++j) {
    q[j] = static_cast<int8_t>(std::nearbyint(x[j] * id));
    sum += q[j];
  }
  return sum;
}

void fill_scalar(KernelTable& t) {
  t.quant[kQ8_0] = dot_legacy<kQ8_0>;
  t.quant[kQ4_0] = dot_legacy<kQ4_0>;
  t.quant[kQ4_1] = dot_legacy<kQ4_1>;
  t.quant[kQ5_0] = dot_legacy<kQ5_0>;
  t.quant[kQ5_1] = dot_legacy<kQ5_1>;
  t.quant[kQ4_K] = dot_q45_k<false>;
  t.quant[kQ5_K] = dot_q45_k<true>;
  t.quant[kQ6_K] = dot_q6_k;
  t.quantize_q8 = quantize_q8;
  t.f16 = nullptr;  // the fp32 path (dequantize_row + the vectorised fp32 kernel) is the reference for F16/BF16
  t.bf16 = nullptr;
}

}  // namespace hogwild::cpu::kernels
