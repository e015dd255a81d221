#pragma once
// Weights in their FILE layout on the device (hogwild-method.md §12, docs/CUDA.md "Quantized weights"): f32, f16,
// bf16 and ggml's block formats Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 (32 elements per block) and Q4_K, Q5_K, Q6_K (256 per
// super-block), written here from the format specs (ggml-common.h layouts). Nothing is expanded at load: each
// matrix costs its file bytes of device memory, and a decode pass reads each weight byte once for all W rows.
//
//   matvec          y[n][rows] = x[n][cols]·Wᵀ for n ≤ kMatvecRows activation rows: one warp per weight row, the
//                   32 lanes take 32 consecutive 32-element units of a 1024-column chunk, dequantize them in
//                   registers and multiply with every activation row (fp32 FMAs, x chunk in shared memory,
//                   transposed so that the lanes' reads never share a bank). The decode path of every quantized
//                   matrix; more than kMatvecRows rows run in groups.
//   dequantize_f16  rows [r0, r1) of W to f16 (the prefill path: tiles of W for cuBLAS).
//   embed rows      token rows of any type to fp32 (embed.cu).
#include "cuda/common.cuh"

namespace hogwild::cuda {

inline constexpr int kMatvecRows = 8;

struct WeightMatrix {
  int32_t type = HWC_F32;   // HwcType
  int64_t rows = 0, cols = 0;
  size_t row_bytes = 0;     // bytes of one row in the file layout
  const void* data = nullptr;
  size_t bytes() const { return static_cast<size_t>(rows) * row_bytes; }
};

// Elements per block: 1 (f32/f16/bf16), 32, or 256 (K-quants); 0 for a type the device cannot run.
int64_t weight_block_elements(int32_t type);
// Bytes of one row of `cols` elements; 0 for an unsupported type or a column count that is not whole blocks.
size_t weight_row_bytes(int32_t type, int64_t cols);
const char* weight_type_name(int32_t type);
inline bool is_dense(int32_t type) { return type == HWC_F32 || type == HWC_F16 || type == HWC_BF16; }
inline bool is_quantized(int32_t type) { return weight_block_elements(type) >= 32; }

// y[n][w.rows] (row-major, ld = w.rows) = x[n][w.cols]·Wᵀ, W quantized, n ≤ kMatvecRows.
void matvec(const WeightMatrix& w, const float* x, int n, float* y, cudaStream_t stream);
// out[(r − r0)][c] = W[r][c] as f16 for r in [r0, r1).
void dequantize_f16(const WeightMatrix& w, int64_t r0, int64_t r1, __half* out, cudaStream_t stream);
// out[i][:] = W[tokens[i]][:] as fp32 (any weight type); a token outside [0, rows) (padding: −1) gives zeros.
void embed_rows(const WeightMatrix& w, const int32_t* tokens, int64_t n, float* out, cudaStream_t stream);
// Random but well-formed blocks of a quantized type (finite scales, values about ±amp): benchmarks of real shapes.
void random_fill_quantized(const WeightMatrix& w, uint64_t seed, float amp, cudaStream_t stream);

}  // namespace hogwild::cuda
