#pragma once
// The kernel table behind cpu/quant_dot.h, shared by the scalar reference (quant_kernels_scalar.cpp) and the x86
// variants (quant_kernels_x86.inc, compiled once with AVX2 and once with AVX-512-VNNI flags). This header stays
// free of the standard library on purpose: the x86 files are compiled with -mavx2/-mavx512*, and an inline function
// of a shared header emitted there could be picked by the linker for the whole program (an illegal instruction on
// an older CPU). Only intrinsics and plain loops live in those files.
#include <cstddef>
#include <cstdint>

namespace hogwild::cpu::kernels {

// Activation rows, written by quantize_activations (cpu/quant_dot.cpp).
// For the 32-element weight types a row of k = 32 nb values is three arrays, so a SIMD kernel loads 16 blocks' scales
// with one instruction: nb * 32 int8 (block b's values at 32 b), then nb fp32 scales d_b, then nb fp32 sums
// s_b = d_b * sum(q of block b) (ggml's Q8_1 with fp32 fields, stored as arrays instead of 40-byte records).
constexpr int64_t kActQ8BlockBytes = 40;  // per block of 32 elements: 32 int8 + d + s
// ActQ8K for the k-quants: ggml's Q8_K (fp32 scale, 256 int8, sums of each 16 consecutive q).
struct ActQ8K {
  float d;
  int8_t q[256];
  int16_t bsums[16];
};
static_assert(sizeof(ActQ8K) == 292, "activation blocks are packed");

// The weight types with their own kernel, indexing KernelTable::quant.
enum WeightKind : int { kQ8_0, kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ4_K, kQ5_K, kQ6_K, kQuantKinds };

// y[i * ldy] = dot(weight row, activation row i) for i < n (any n >= 1); activation rows are `act_stride` bytes apart.
// The weight row is read from memory once for all n rows (the Hogwild property: one weight read per pass).
using QuantDotFn = void (*)(const uint8_t* wrow, const uint8_t* act, int64_t act_stride, int64_t n, int64_t k, float* y,
                            int64_t ldy);
// The same for F16/BF16 weight rows and fp32 activation rows (x_stride floats apart).
using HalfDotFn = void (*)(const uint16_t* wrow, const float* x, int64_t x_stride, int64_t n, int64_t k, float* y,
                           int64_t ldy);

// One block of `size` floats -> d = max|x| / 127 and q = round-to-nearest-even(x * 127 / max|x|); returns sum(q).
// The reference of every activation quantizer (defined in quant_kernels_scalar.cpp; Q8_K blocks use it directly).
int quantize_block(const float* x, int size, int8_t* q, float& d);
// One activation row of k values (k a multiple of 32) into the 32-element layout above.
using QuantizeQ8Fn = void (*)(const float* x, int64_t k, uint8_t* row);
// 16 weight rows side by side (packed at load, cpu/packed_weights.h, or per matmul into a scratch group for batches):
// one call packs m <= 16 rows (`w_stride` bytes apart, k columns) into k / 32 * packed_block_bytes(kind) bytes; the
// packed kernel gives y[i * ldy + j] = dot(weight row j, activation row i) for j < m and i < n.
using QuantPackFn = void (*)(const uint8_t* w, int64_t w_stride, int64_t m, int64_t k, uint8_t* out);
using PackedDotFn = void (*)(const uint8_t* group, int64_t m, const uint8_t* act, int64_t act_stride, int64_t n,
                             int64_t k, float* y, int64_t ldy);
// Per block of 32 columns and group of 16 rows: the values (Q4_0/Q4_1: 16 x 16 bytes of nibbles; Q8_0/Q5_0/Q5_1:
// 16 x 32 bytes), 16 fp16 scales and (Q4_1/Q5_1) 16 fp16 minimums. For Q8_0/Q4_0/Q4_1 that is the size the 16 rows
// have in the file (the Q5 types take 1.5x: they are packed only per matmul). 0: a type without packed kernels.
constexpr int64_t packed_block_bytes(int kind) {
  return kind == kQ4_0 ? 256 + 32 : kind == kQ4_1 ? 256 + 64 : kind == kQ8_0 || kind == kQ5_0 ? 512 + 32
         : kind == kQ5_1 ? 512 + 64 : 0;
}

struct KernelTable {
  QuantDotFn quant[kQuantKinds] = {};
  QuantizeQ8Fn quantize_q8 = nullptr;
  QuantPackFn pack[kQuantKinds] = {};  // nullptr: no packed kernels for that type at this level
  PackedDotFn packed[kQuantKinds] = {};
  HalfDotFn f16 = nullptr, bf16 = nullptr;  // nullptr: dequantize the row and use the fp32 kernel
};

void fill_scalar(KernelTable& t);
#if defined(__x86_64__)
void fill_avx2(KernelTable& t);
void fill_avx512_vnni(KernelTable& t);
#endif

}  // namespace hogwild::cpu::kernels
