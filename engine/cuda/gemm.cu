#include "cuda/gemm.cuh"

namespace hogwild::cuda {

void gemm(cublasHandle_t h, const DeviceMatrix& w, const float* x_f32, const void* x_typed, int64_t n, float* y,
          cudaStream_t stream) {
  if (n <= 0) return;
  CUBLAS_CHECK(cublasSetStream(h, stream));
  const float one = 1.f, zero = 0.f;
  // Column-major view: Yᵀ[out×n] = W_cmᵀ[out×in] · Xᵀ[in×n]; W row-major [out][in] is column-major in×out (lda = in).
  const int m = static_cast<int>(w.rows), k = static_cast<int>(w.cols), nn = static_cast<int>(n);
  if (w.type == DevType::F32) {
    CUBLAS_CHECK(cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, m, nn, k, &one, w.data, CUDA_R_32F, k, x_f32, CUDA_R_32F, k, &zero, y,
                              CUDA_R_32F, m, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    return;
  }
  const cudaDataType_t t = w.type == DevType::F16 ? CUDA_R_16F : CUDA_R_16BF;
  CUBLAS_CHECK(cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, m, nn, k, &one, w.data, t, k, x_typed, t, k, &zero, y, CUDA_R_32F, m,
                            CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

}  // namespace hogwild::cuda
