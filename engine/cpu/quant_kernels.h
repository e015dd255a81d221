#pragma once
// The kernel table behind cpu/quant_dot.h, shared by the scalar reference (quant_kernels_scalar.cpp) and the x86
// variants (quant_kernels_x86.inc, compiled once with AVX2 and once with AVX-512-VNNI flags). This header stays
// free of the standard library on purpose: the x86 files are compiled with -mavx2/-mavx512*, and an inline function
// of a shared header emitted there could be picked by the linker for the whole program (an illegal instruction on
// an older CPU). Only intrinsics and plain loops live in those files.
#include <cstddef>
#include <cstdint>

namespace hogwild::cpu::kernels {

// Activation blocks, written by quantize_activations (cpu/quant_dot.cpp):
// ActQ8 for the 32-element weight types: an fp32 scale, s = d * sum(q) (ggml's Q8_1 with fp32 fields), 32 int8.
struct ActQ8 {
  float d;
  float s;
  int8_t q[32];
};
// ActQ8K for the k-quants: ggml's Q8_K (fp32 scale, 256 int8, sums of each 16 consecutive q).
struct ActQ8K {
  float d;
  int8_t q[256];
  int16_t bsums[16];
};
static_assert(sizeof(ActQ8) == 40 && sizeof(ActQ8K) == 292, "activation blocks are packed");

// The weight types with their own kernel, indexing KernelTable::quant.
enum WeightKind : int { kQ8_0, kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ4_K, kQ5_K, kQ6_K, kQuantKinds };

// y[i * ldy] = dot(weight row, activation row i) for i < n (any n >= 1); activation rows are `act_stride` bytes apart.
// The weight row is read from memory once for all n rows (the Hogwild property: one weight read per pass).
using QuantDotFn = void (*)(const uint8_t* wrow, const uint8_t* act, int64_t act_stride, int64_t n, int64_t k, float* y,
                            int64_t ldy);
// The same for F16/BF16 weight rows and fp32 activation rows (x_stride floats apart).
using HalfDotFn = void (*)(const uint16_t* wrow, const float* x, int64_t x_stride, int64_t n, int64_t k, float* y,
                           int64_t ldy);

struct KernelTable {
  QuantDotFn quant[kQuantKinds] = {};
  HalfDotFn f16 = nullptr, bf16 = nullptr;  // nullptr: dequantize the row and use the fp32 kernel
};

void fill_scalar(KernelTable& t);
#if defined(__x86_64__)
void fill_avx2(KernelTable& t);
void fill_avx512_vnni(KernelTable& t);
#endif

}  // namespace hogwild::cpu::kernels
