#include "cuda/matmul.cuh"

#include <algorithm>

#include "cuda/elementwise.cuh"

namespace hogwild::cuda {

void Matmul::reserve(int64_t n, int64_t cols) { xt_.ensure(static_cast<size_t>(n) * cols * 4); }

void Matmul::run(const WeightMatrix& w, const float* x, int64_t n, float* y, DevType& held, cudaStream_t stream, int path) {
  if (n <= 0) return;
  if (is_quantized(w.type) && path != HWC_MATMUL_GEMM && (n <= kVecLimit || path == HWC_MATMUL_VEC)) {
    for (int64_t g = 0; g < n; g += kMatvecRows)
      matvec(w, x + g * w.cols, static_cast<int>(std::min<int64_t>(kMatvecRows, n - g)), y + g * w.rows, stream);
    return;
  }
  if (path == HWC_MATMUL_VEC) invalid(std::string("no mat-vec kernel for ") + weight_type_name(w.type) + " weights (cuBLAS only)");
  const int64_t count = n * w.cols;
  if (!is_quantized(w.type)) {
    const DevType t = dev_type_of(w.type);
    if (t != DevType::F32 && held != t) {
      xt_.ensure(static_cast<size_t>(count) * 4);
      convert_from_f32(t, x, xt_.get(), count, stream);
      held = t;
    }
    gemm(h_, DeviceMatrix{t, w.rows, w.cols, w.data}, x, xt_.get(), n, y, stream);
    return;
  }
  // Prefill: f16 tiles of W, cuBLAS with fp32 accumulation (x rounded to f16 once).
  if (held != DevType::F16) {
    xt_.ensure(static_cast<size_t>(count) * 4);
    convert_from_f32(DevType::F16, x, xt_.get(), count, stream);
    held = DevType::F16;
  }
  const int64_t tile_rows = std::clamp<int64_t>((int64_t{64} << 20) / (w.cols * 2), 64, w.rows);
  tile_.ensure(static_cast<size_t>(tile_rows) * w.cols * sizeof(__half));
  CUBLAS_CHECK(cublasSetStream(h_, stream));
  const float one = 1.f, zero = 0.f;
  for (int64_t r0 = 0; r0 < w.rows; r0 += tile_rows) {
    const int64_t r1 = std::min(w.rows, r0 + tile_rows);
    dequantize_f16(w, r0, r1, tile_.as<__half>(), stream);
    // Column-major: Yᵀ[r0:r1, :] (ld = rows) = tile (row-major [m][k]: opT) · Xᵀ (row-major [n][k]: opN).
    CUBLAS_CHECK(cublasGemmEx(h_, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(r1 - r0), static_cast<int>(n), static_cast<int>(w.cols), &one,
                              tile_.get(), CUDA_R_16F, static_cast<int>(w.cols), xt_.get(), CUDA_R_16F, static_cast<int>(w.cols), &zero,
                              y + r0, CUDA_R_32F, static_cast<int>(w.rows), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  }
}

}  // namespace hogwild::cuda
