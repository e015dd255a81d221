#include "cuda/elementwise.cuh"

namespace hogwild::cuda {

namespace {
constexpr int kThreads = 256;
unsigned grid_for(int64_t n) { return static_cast<unsigned>(std::min<int64_t>(ceil_div(n, kThreads), 65535 * 8)); }
}  // namespace

static __global__ void swiglu_kernel(float* gate, const float* up, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float g = gate[i];
    gate[i] = g / (1.0f + expf(-g)) * up[i];  // expf, not __expf: parity with the CPU's std::exp
  }
}

static __global__ void add_kernel(float* y, const float* x, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    y[i] += x[i];
}

static __global__ void add_bias_kernel(float* y, const float* b, int64_t total, int n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    y[i] += b[i % n];
}

template <typename T>
static __global__ void from_f32_kernel(const float* src, T* dst, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    dst[i] = from_f32<T>(src[i]);
}

template <typename T>
static __global__ void to_f32_kernel(const T* src, float* dst, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    dst[i] = to_f32(src[i]);
}

void swiglu(float* gate, const float* up, int64_t count, cudaStream_t stream) {
  if (count <= 0) return;
  swiglu_kernel<<<grid_for(count), kThreads, 0, stream>>>(gate, up, count);
  CUDA_CHECK_LAUNCH();
}

void add(float* y, const float* x, int64_t count, cudaStream_t stream) {
  if (count <= 0) return;
  add_kernel<<<grid_for(count), kThreads, 0, stream>>>(y, x, count);
  CUDA_CHECK_LAUNCH();
}

void add_bias(float* y, const float* b, int64_t rows, int n, cudaStream_t stream) {
  const int64_t total = rows * n;
  if (total <= 0) return;
  add_bias_kernel<<<grid_for(total), kThreads, 0, stream>>>(y, b, total, n);
  CUDA_CHECK_LAUNCH();
}

void convert_from_f32(DevType t, const float* src, void* dst, int64_t count, cudaStream_t stream) {
  if (count <= 0) return;
  HW_DISPATCH_TYPE(t, T, from_f32_kernel<T><<<grid_for(count), kThreads, 0, stream>>>(src, static_cast<T*>(dst), count));
  CUDA_CHECK_LAUNCH();
}

void convert_to_f32(DevType t, const void* src, float* dst, int64_t count, cudaStream_t stream) {
  if (count <= 0) return;
  HW_DISPATCH_TYPE(t, T, to_f32_kernel<T><<<grid_for(count), kThreads, 0, stream>>>(static_cast<const T*>(src), dst, count));
  CUDA_CHECK_LAUNCH();
}

}  // namespace hogwild::cuda
