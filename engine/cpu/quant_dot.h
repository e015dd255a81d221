#pragma once
// Quantized matrix products the way the GGUF formats were designed for: the activation rows are quantized once per
// matmul to 8-bit blocks (32-element blocks with an fp32 scale for Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 weights, ggml's Q8_K
// for Q4_K/Q5_K/Q6_K), then every weight block meets them in integer dot products: AVX2 (maddubs/madd),
// AVX-512-VNNI (vpdpbusd) or scalar, picked at run time from the CPU's features. F16/BF16 rows are converted with
// F16C / a shift inside the fp32 FMA loop. docs/PERFORMANCE.md has the error bounds and the measurements.
#include <cstdint>
#include <string>

#include "common/tensor.h"

namespace hogwild::cpu {

// Dequant: the former path (each weight row dequantized to fp32, fp32 dot products), kept as the A/B baseline.
// Scalar: the integer reference kernels. Avx2, Avx512Vnni: the SIMD kernels.
enum class KernelLevel : uint8_t { Dequant, Scalar, Avx2, Avx512Vnni };

const char* kernel_level_name(KernelLevel level);
// "dequant", "scalar", "avx2", "vnni" -> level; false for anything else.
bool parse_kernel_level(const std::string& name, KernelLevel& level);
// The best level this CPU runs.
KernelLevel detected_kernel_level();
// The level matmul uses: detected_kernel_level(), or lower when HOGWILD_CPU_KERNELS=dequant|scalar|avx2|vnni says so
// (read once) or set_kernel_level() was called. Never above what the CPU runs.
KernelLevel kernel_level();
void set_kernel_level(KernelLevel level);

// Whether weights of type t go through quantized activations (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K).
bool has_quant_dot(DType t);
// Bytes of one quantized activation row of k elements for weights of type t (k a multiple of t's block size).
size_t activation_row_bytes(DType weight, int64_t k);
// Quantizes n rows of k floats (row-major) for weights of type `weight`: per block d = max|x| / 127,
// q = round(x / d). Row i starts at dst + i * activation_row_bytes(weight, k).
void quantize_activations(DType weight, const float* x, int64_t n, int64_t k, uint8_t* dst);

// y[i * ldy] = dot(weight row, activation row i) for i < n; act holds n rows from quantize_activations.
// level must be Scalar, Avx2 or Avx512Vnni (not above detected_kernel_level()).
using QuantRowsFn = void (*)(const uint8_t* wrow, const uint8_t* act, int64_t act_stride, int64_t n, int64_t k, float* y,
                             int64_t ldy);
QuantRowsFn quant_rows_kernel(KernelLevel level, DType weight);
// 16 weight rows side by side, one per int32 lane: `pack` writes m <= 16 rows (`w_stride` bytes apart) as one group of
// packed_group_bytes(type, k) bytes; the packed kernel gives y[i * ldy + j] = dot(weight row j, activation row i) for
// j < m and i < n, a row's numbers the same for every n. Used on weights packed at load (cpu/packed_weights.h: the
// types whose group is as large as its 16 rows in the file, Q8_0/Q4_0/Q4_1) and, for batches of the other
// 32-element types, on groups packed per matmul. The numbers differ from the row kernel's in the last bits (another
// order of the fp32 additions), so a caller uses one or the other for a whole pass. nullptr where the level has none
// (the AVX-512-VNNI level has them for Q8_0, Q4_0, Q4_1, Q5_0, Q5_1).
using QuantPackFn = void (*)(const uint8_t* w, int64_t w_stride, int64_t m, int64_t k, uint8_t* out);
using PackedDotFn = void (*)(const uint8_t* group, int64_t m, const uint8_t* act, int64_t act_stride, int64_t n,
                             int64_t k, float* y, int64_t ldy);
QuantPackFn quant_pack_kernel(KernelLevel level, DType weight);
PackedDotFn packed_dot_kernel(KernelLevel level, DType weight);
size_t packed_group_bytes(DType weight, int64_t k);
// The same for F16/BF16 weight rows against fp32 rows (x_stride floats apart); nullptr where the level has none.
using HalfRowsFn = void (*)(const uint16_t* wrow, const float* x, int64_t x_stride, int64_t n, int64_t k, float* y,
                            int64_t ldy);
HalfRowsFn half_rows_kernel(KernelLevel level, DType weight);

}  // namespace hogwild::cpu
