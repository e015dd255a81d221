#pragma once
// CPU reference ops in fp32. Shapes are row-major; "n" is the number of input rows (slots) sharing one
// weight read: a matmul reads every weight row once and applies it to all n inputs (the Hogwild batch).
#include <cstdint>

#include "common/tensor.h"
#include "common/thread_pool.h"

namespace hogwild::cpu {

// y[i][j] = sum_k x[i][k] * W[j][k] for i < n, j < W.rows(); x: [n][W.cols()], y: [n][W.rows()].
// W may be F32, F16, BF16 or any quantized DType: quantized weights meet activations quantized once per call in
// integer dot products (cpu/quant_dot.h), F16/BF16 rows are converted inside the fp32 loop; with
// kernel_level() == Dequant every non-F32 row is dequantized to fp32 first (the former path, kept for A/B).
// Large batches go to a batch kernel when allow_blas is true: for Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 at the AVX-512-VNNI level
// (n >= kBlasMinSlots) the packed kernels on 16-row groups packed per call (cpu/quant_dot.h), otherwise OpenBLAS SGEMM when it is enabled
// (n >= kBlasMinSlots rows of a large matrix; kBlasMinSlotsQuantized for the other integer kernels). With allow_blas
// false every row is computed by the row kernels (or the packed kernels on weights packed at load), and then row
// i's result does not depend on the other rows (a fused pass of several sessions gives each the numbers it would get alone: CpuBackend::forward_many).
// Quantized weights on the integer kernels need more rows before SGEMM pays: their tiles are dequantized to F32 for
// every call, which costs the same for 16 rows as for 512 (SmolLM2-135M Q4_1, 2 threads: the integer kernels
// 415 tok/s vs SGEMM 387 at 64 rows, 419 vs 509 at 96; docs/PERFORMANCE.md). The dequantizing level
// (KernelLevel::Dequant) keeps kBlasMinSlots.
inline constexpr int64_t kBlasMinSlots = 16;
inline constexpr int64_t kBlasMinSlotsQuantized = 80;
// packed: w packed at load (cpu/packed_weights.h), or nullptr. When the current kernel level has the packed kernel
// for w's type, every call on w uses it, whatever n and allow_blas are: the numbers of a row never depend on the
// other rows (and are those of the same matrix packed per call for a batch, to the bit).
struct PackedMatrix;
void matmul(const TensorView& w, const float* x, int64_t n, float* y, ThreadPool& pool, bool allow_blas = true,
            const PackedMatrix* packed = nullptr);

// Several matrices applied to the same input rows x (q/k/v; gate/up): each output is exactly what matmul() gives
// for it alone. When each would take the packed kernels alone (packed at load, or a batch packed per call) with one
// type and width, the input is quantized once and all their 16-row groups run in ONE parallel loop (one pool
// synchronisation instead of one per matrix); otherwise one matmul() each.
struct MatmulTarget {
  const TensorView* w;
  const PackedMatrix* packed;  // or nullptr
  float* y;
};
void matmul_shared_input(const MatmulTarget* targets, int count, const float* x, int64_t n, ThreadPool& pool,
                         bool allow_blas = true);

// The element-wise steps of a layer, split over the pool when there is enough work (a row's numbers do not depend
// on the split: the same per-element operations in the same order).
// x[i] += d[i] for every row, then out = rmsnorm(x) (the residual add and the next layer part's norm, fused).
void add_rmsnorm(float* x, const float* d, float* out, const float* weight, int64_t n, int dim, float eps, ThreadPool& pool);
void rmsnorm(float* out, const float* x, const float* weight, int64_t n, int dim, float eps, ThreadPool& pool);
void swiglu(float* gate, const float* up, int64_t count, ThreadPool& pool);

// out[i] = x[i] / rms(x[i]) * weight, per row of `dim` floats (n rows). out may alias x.
void rmsnorm(float* out, const float* x, const float* weight, int64_t n, int dim, float eps);

// x[i] = silu(gate[i]) * up[i], in place on gate.
void swiglu(float* gate, const float* up, int64_t count);

// In-place numerically stable softmax of n floats.
void softmax(float* x, int64_t n);

// Whether large F32 batches (prefill) go through OpenBLAS SGEMM (default) or the engine's own row kernel;
// hogwild-bench measures both.
void set_blas_enabled(bool on);
bool blas_enabled();
// The thread count OpenBLAS uses (its own pool, separate from the engine's ThreadPool). The Transformer sets it to
// its pool's size, so `--threads N` reaches every pool; blas_threads() reports the last value set (0: never set).
void set_blas_threads(int threads);
int blas_threads();

// Dot product of two fp32 vectors (vectorized).
float dot(const float* a, const float* b, int64_t n);

}  // namespace hogwild::cpu
