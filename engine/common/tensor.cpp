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
  }
  return "?";
}

size_t dtype_row_bytes(DType t, int64_t n) {
  switch (t) {
    case DType::F32: return static_cast<size_t>(n) * 4;
    case DType::F16:
    case DType::BF16: return static_cast<size_t>(n) * 2;
    case DType::Q8_0: return static_cast<size_t>(n / kQ8BlockSize) * (2 + kQ8BlockSize);
  }
  return 0;
}

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

uint16_t fp32_to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
  x += 0x7fffu + ((x >> 16) & 1);
  return static_cast<uint16_t>(x >> 16);
}

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
