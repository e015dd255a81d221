#pragma once
// Single ops of the forward pass over host arrays (upload, run, download): the parity harness
// (tests/gpu/test_backend_ops.cpp) checks each against the CPU op; op_copy_bandwidth is the roofline reference.
#include <string>

#include "cuda/common.cuh"

namespace hogwild::cuda {

class DeviceOps {
 public:
  DeviceOps();
  ~DeviceOps();
  DeviceOps(const DeviceOps&) = delete;
  DeviceOps& operator=(const DeviceOps&) = delete;

  void rmsnorm(const float* x, const float* w, int64_t n, int dim, float eps, float* out);
  void embed(const HwcTensor& table, const int32_t* tokens, int64_t n, float* out);
  void matmul(const HwcTensor& w, const float* x, int64_t n, int32_t path, float* y);
  void swiglu(float* gate, const float* up, int64_t count);
  void add(float* y, const float* x, int64_t count);
  void rope(float* x, int64_t rows, int n_heads, int head_dim, int rope_dim, bool neox, const double* inv_freq, const int64_t* positions);
  void round_trip(DevType t, float* x, int64_t count);
  double copy_bandwidth_gbs(size_t bytes, int iters);

 private:
  cublasHandle_t cublas_ = nullptr;
};

}  // namespace hogwild::cuda
