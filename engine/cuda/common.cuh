#pragma once
// Shared helpers of the CUDA plugin: error checks that name file:line and the failing statement, dtype
// load/store, a small RAII device buffer. Every op is a <op>.cu/.cuh pair (ggml style): the .cuh declares a
// launcher that takes a stream, the .cu holds the static kernel.
#include <cstdint>
#include <stdexcept>
#include <string>

#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cuda/plugin_abi.h"

namespace hogwild::cuda {

// Element types the device computes GEMM inputs and stores KV in (weights keep their file type, quant.cuh).
enum class DevType : int32_t { F32 = 0, F16 = 1, BF16 = 2 };
inline int dev_type_size(DevType t) { return t == DevType::F32 ? 4 : 2; }
// HWC_F32/F16/BF16 → DevType; throws PluginError(HWC_ERR_UNSUPPORTED) for anything else.
DevType dev_type_of(int32_t hwc_type);

inline constexpr int kMaxRows = HWC_MAX_ROWS;
inline constexpr int kMaxBlocks = HWC_MAX_BLOCKS;
using PassPlan = HwcPassPlan;

// Every failure inside the plugin: one line and the HwcCode the C ABI returns (plugin_api.cu converts).
class PluginError : public std::runtime_error {
 public:
  PluginError(int32_t code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int32_t code() const { return code_; }

 private:
  int32_t code_;
};
[[noreturn]] inline void invalid(const std::string& what) { throw PluginError(HWC_ERR_INVALID, "CUDA: " + what); }

// One line: "CUDA: out of memory (cudaErrorMemoryAllocation): cudaMalloc(&p, n) at kv_store.cu:42".
[[noreturn]] void throw_cuda_error(cudaError_t err, const char* stmt, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t st, const char* stmt, const char* file, int line);

#define CUDA_CHECK(stmt)                                                                      \
  do {                                                                                        \
    const cudaError_t err_ = (stmt);                                                          \
    if (err_ != cudaSuccess) ::hogwild::cuda::throw_cuda_error(err_, #stmt, __FILE__, __LINE__); \
  } while (0)

#define CUBLAS_CHECK(stmt)                                                                        \
  do {                                                                                            \
    const cublasStatus_t st_ = (stmt);                                                            \
    if (st_ != CUBLAS_STATUS_SUCCESS) ::hogwild::cuda::throw_cublas_error(st_, #stmt, __FILE__, __LINE__); \
  } while (0)

// After a kernel launch: launch-configuration errors surface here (execution errors at the next sync).
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())

// ---- dtype helpers (fp32 arithmetic everywhere; storage in f32/f16/bf16)
__device__ __forceinline__ float to_f32(float x) { return x; }
__device__ __forceinline__ float to_f32(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_f32(__nv_bfloat16 x) { return __bfloat162float(x); }
template <typename T> __device__ __forceinline__ T from_f32(float x);
template <> __device__ __forceinline__ float from_f32<float>(float x) { return x; }
template <> __device__ __forceinline__ __half from_f32<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// Runs the statement list with `T` bound to the C++ type of a DevType (C++17: no templated lambdas).
#define HW_DISPATCH_TYPE(type, T, ...)                       \
  switch (type) {                                            \
    case ::hogwild::cuda::DevType::F32: {                    \
      using T = float;                                       \
      __VA_ARGS__;                                           \
    } break;                                                 \
    case ::hogwild::cuda::DevType::F16: {                    \
      using T = __half;                                      \
      __VA_ARGS__;                                           \
    } break;                                                 \
    case ::hogwild::cuda::DevType::BF16: {                   \
      using T = __nv_bfloat16;                               \
      __VA_ARGS__;                                           \
    } break;                                                 \
    default: throw PluginError(HWC_ERR_UNSUPPORTED, "CUDA: unknown element type"); \
  }

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Device memory owned by one object; move-only. Allocation failures throw with the byte count.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) { resize(bytes); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      p_ = o.p_, n_ = o.n_;
      o.p_ = nullptr, o.n_ = 0;
    }
    return *this;
  }
  ~DeviceBuffer() { release(); }
  // Discards the contents when growing.
  void resize(size_t bytes);
  // Grows (never shrinks), discarding the contents. True when the memory moved.
  bool ensure(size_t bytes) {
    if (bytes <= n_) return false;
    resize(bytes);
    return true;
  }
  void release();
  template <typename T = void> T* as() const { return static_cast<T*>(p_); }
  void* get() const { return p_; }
  size_t size() const { return n_; }

 private:
  void* p_ = nullptr;
  size_t n_ = 0;
};

// Pinned host memory (per-pass setup and logits); grows on demand.
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer();
  void ensure(size_t bytes);
  template <typename T = void> T* as() const { return static_cast<T*>(p_); }
  size_t size() const { return n_; }

 private:
  void* p_ = nullptr;
  size_t n_ = 0;
};

}  // namespace hogwild::cuda
