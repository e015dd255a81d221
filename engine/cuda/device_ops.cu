// DeviceOps: every op of the forward pass over host arrays (upload, run, download), for the parity harness.
#include <algorithm>
#include <cstring>

#include "cuda/common.cuh"
#include "cuda/elementwise.cuh"
#include "cuda/embed.cuh"
#include "cuda/gemm.cuh"
#include "cuda/rmsnorm.cuh"
#include "cuda/rope.cuh"

namespace hogwild::cuda {

namespace {

DeviceBuffer upload(const void* src, size_t bytes) {
  DeviceBuffer b(std::max<size_t>(bytes, 4));
  if (bytes) CUDA_CHECK(cudaMemcpy(b.get(), src, bytes, cudaMemcpyHostToDevice));
  return b;
}

void download(void* dst, const DeviceBuffer& b, size_t bytes) {
  if (bytes) CUDA_CHECK(cudaMemcpy(dst, b.get(), bytes, cudaMemcpyDeviceToHost));
}

class Ops final : public DeviceOps {
 public:
  Ops() {
    int dev = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, dev));
    name_ = prop.name;
    CUBLAS_CHECK(cublasCreate(&cublas_));
    CUBLAS_CHECK(cublasSetMathMode(cublas_, CUBLAS_DEFAULT_MATH));
  }
  ~Ops() override {
    if (cublas_) cublasDestroy(cublas_);
  }
  std::string device_name() const override { return name_; }

  void rmsnorm(const float* x, const float* w, int64_t n, int dim, float eps, float* out) override {
    const size_t bytes = static_cast<size_t>(n) * dim * sizeof(float);
    DeviceBuffer dx = upload(x, bytes), dw = upload(w, dim * sizeof(float)), dout(bytes);
    cuda::rmsnorm(dx.as<float>(), dw.as<float>(), n, dim, eps, dout.as<float>(), 0);
    finish();
    download(out, dout, bytes);
  }

  void embed(const HostMatrix& table, const int32_t* tokens, int64_t n, float* out) override {
    DeviceBuffer dt = upload(table.data, static_cast<size_t>(table.rows) * table.cols * dev_type_size(table.type));
    DeviceBuffer dtok = upload(tokens, static_cast<size_t>(n) * sizeof(int32_t));
    DeviceBuffer dout(static_cast<size_t>(n) * table.cols * sizeof(float));
    cuda::embed(table.type, dt.get(), table.rows, static_cast<int>(table.cols), dtok.as<int32_t>(), n, dout.as<float>(), 0);
    finish();
    download(out, dout, static_cast<size_t>(n) * table.cols * sizeof(float));
  }

  void gemm(const HostMatrix& w, const float* x, int64_t n, float* y) override {
    DeviceBuffer dw = upload(w.data, static_cast<size_t>(w.rows) * w.cols * dev_type_size(w.type));
    DeviceBuffer dx = upload(x, static_cast<size_t>(n) * w.cols * sizeof(float));
    DeviceBuffer dxt(static_cast<size_t>(n) * w.cols * 2), dy(static_cast<size_t>(n) * w.rows * sizeof(float));
    if (w.type != DevType::F32) convert_from_f32(w.type, dx.as<float>(), dxt.get(), n * w.cols, 0);
    cuda::gemm(cublas_, DeviceMatrix{w.type, w.rows, w.cols, dw.get()}, dx.as<float>(), dxt.get(), n, dy.as<float>(), 0);
    finish();
    download(y, dy, static_cast<size_t>(n) * w.rows * sizeof(float));
  }

  void swiglu(float* gate, const float* up, int64_t count) override {
    const size_t bytes = static_cast<size_t>(count) * sizeof(float);
    DeviceBuffer dg = upload(gate, bytes), du = upload(up, bytes);
    cuda::swiglu(dg.as<float>(), du.as<float>(), count, 0);
    finish();
    download(gate, dg, bytes);
  }

  void add(float* y, const float* x, int64_t count) override {
    const size_t bytes = static_cast<size_t>(count) * sizeof(float);
    DeviceBuffer dy = upload(y, bytes), dx = upload(x, bytes);
    cuda::add(dy.as<float>(), dx.as<float>(), count, 0);
    finish();
    download(y, dy, bytes);
  }

  void rope(float* x, int64_t rows, int n_heads, int head_dim, int rope_dim, bool neox, const std::vector<double>& inv_freq,
            const int64_t* positions) override {
    const size_t bytes = static_cast<size_t>(rows) * n_heads * head_dim * sizeof(float);
    DeviceBuffer dx = upload(x, bytes), dpos = upload(positions, static_cast<size_t>(rows) * sizeof(int64_t));
    DeviceBuffer dfreq = upload(inv_freq.data(), inv_freq.size() * sizeof(double));
    DeviceBuffer table(static_cast<size_t>(rows) * (rope_dim / 2) * sizeof(float2));
    RopeShape r;
    r.head_dim = head_dim, r.rope_dim = rope_dim, r.neox = neox, r.inv_freq = dfreq.as<double>();
    rope_table(r, dpos.as<int64_t>(), rows, table.as<float2>(), 0);
    rope_rows(r, dx.as<float>(), rows, n_heads, table.as<float2>(), 0);
    finish();
    download(x, dx, bytes);
  }

  void round_trip(DevType t, float* x, int64_t count) override {
    const size_t bytes = static_cast<size_t>(count) * sizeof(float);
    DeviceBuffer dx = upload(x, bytes), typed(static_cast<size_t>(count) * 4);
    convert_from_f32(t, dx.as<float>(), typed.get(), count, 0);
    convert_to_f32(t, typed.get(), dx.as<float>(), count, 0);
    finish();
    download(x, dx, bytes);
  }

  double copy_bandwidth_gbs(size_t bytes, int iters) override {
    DeviceBuffer a(bytes), b(bytes);
    CUDA_CHECK(cudaMemset(a.get(), 1, bytes));
    cudaEvent_t e0, e1;
    CUDA_CHECK(cudaEventCreate(&e0));
    CUDA_CHECK(cudaEventCreate(&e1));
    std::vector<float> ms;
    CUDA_CHECK(cudaMemcpy(b.get(), a.get(), bytes, cudaMemcpyDeviceToDevice));  // warm-up
    for (int i = 0; i < std::max(1, iters); ++i) {
      CUDA_CHECK(cudaEventRecord(e0));
      CUDA_CHECK(cudaMemcpyAsync(i % 2 ? a.get() : b.get(), i % 2 ? b.get() : a.get(), bytes, cudaMemcpyDeviceToDevice));
      CUDA_CHECK(cudaEventRecord(e1));
      CUDA_CHECK(cudaEventSynchronize(e1));
      float t = 0.f;
      CUDA_CHECK(cudaEventElapsedTime(&t, e0, e1));
      ms.push_back(t);
    }
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    std::sort(ms.begin(), ms.end());
    const double med = ms[ms.size() / 2];
    return 2.0 * static_cast<double>(bytes) / (med * 1e-3) / 1e9;  // read + write
  }

 private:
  void finish() {
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaDeviceSynchronize());
  }
  std::string name_;
  cublasHandle_t cublas_ = nullptr;
};

}  // namespace

DeviceOps* create_device_ops() { return new Ops(); }

}  // namespace hogwild::cuda
