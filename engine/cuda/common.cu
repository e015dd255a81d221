#include "cuda/common.cuh"

#include <cstring>

namespace hogwild::cuda {

namespace {
const char* base_name(const char* path) {
  const char* s = std::strrchr(path, '/');
  return s ? s + 1 : path;
}
const char* cublas_name(cublasStatus_t st) {
  switch (st) {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED (out of memory)";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return "CUBLAS_STATUS_?";
  }
}
}  // namespace

DevType dev_type_of(int32_t t) {
  switch (t) {
    case HWC_F32: return DevType::F32;
    case HWC_F16: return DevType::F16;
    case HWC_BF16: return DevType::BF16;
    default: throw PluginError(HWC_ERR_UNSUPPORTED, "CUDA: element type " + std::to_string(t) + " is not f32, f16 or bf16");
  }
}

void throw_cuda_error(cudaError_t err, const char* stmt, const char* file, int line) {
  const bool oom = err == cudaErrorMemoryAllocation;
  std::string what = "CUDA: ";
  if (oom) what += "out of memory: ";
  what += std::string(cudaGetErrorName(err)) + " (" + cudaGetErrorString(err) + "): " + stmt + " at " + base_name(file) + ":" +
          std::to_string(line);
  cudaGetLastError();  // clear a sticky launch error so that the next call reports its own
  throw PluginError(oom ? HWC_ERR_OUT_OF_MEMORY : HWC_ERR_DEVICE, what);
}

void throw_cublas_error(cublasStatus_t st, const char* stmt, const char* file, int line) {
  throw PluginError(st == CUBLAS_STATUS_ALLOC_FAILED ? HWC_ERR_OUT_OF_MEMORY : HWC_ERR_DEVICE,
                    std::string("CUDA: cuBLAS ") + cublas_name(st) + ": " + stmt + " at " + base_name(file) + ":" + std::to_string(line));
}

void DeviceBuffer::resize(size_t bytes) {
  release();
  if (bytes == 0) return;
  void* p = nullptr;
  const cudaError_t err = cudaMalloc(&p, bytes);
  if (err != cudaSuccess) {
    cudaGetLastError();
    throw PluginError(HWC_ERR_OUT_OF_MEMORY, "CUDA: out of memory: cudaMalloc of " + std::to_string(bytes) + " bytes failed (" +
                                                 cudaGetErrorName(err) + ")");
  }
  p_ = p;
  n_ = bytes;
}

void DeviceBuffer::release() {
  if (p_) cudaFree(p_);
  p_ = nullptr;
  n_ = 0;
}

PinnedBuffer::~PinnedBuffer() {
  if (p_) cudaFreeHost(p_);
}

void PinnedBuffer::ensure(size_t bytes) {
  if (bytes <= n_) return;
  if (p_) CUDA_CHECK(cudaFreeHost(p_));
  p_ = nullptr;
  n_ = 0;
  CUDA_CHECK(cudaMallocHost(&p_, bytes));
  n_ = bytes;
}

}  // namespace hogwild::cuda
