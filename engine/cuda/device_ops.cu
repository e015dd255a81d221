// DeviceOps: every op of the forward pass over host arrays (upload, run, download), for the parity harness.
#include <algorithm>
#include <cstring>

#include <vector>

#include "cuda/device_ops.cuh"
#include "cuda/elementwise.cuh"
#include "cuda/matmul.cuh"
#include "cuda/quant.cuh"
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

}  // namespace

DeviceOps::DeviceOps() {
  CUBLAS_CHECK(cublasCreate(&cublas_));
  CUBLAS_CHECK(cublasSetMathMode(cublas_, CUBLAS_DEFAULT_MATH));
}

DeviceOps::~DeviceOps() {
  if (cublas_) cublasDestroy(cublas_);
}

namespace {
void finish() {
  CUDA_CHECK(cudaGetLastError());
  CUDA_CHECK(cudaDeviceSynchronize());
}

WeightMatrix weights_of(const HwcTensor& t, const DeviceBuffer& data) {
  WeightMatrix w;
  w.type = t.type, w.rows = t.rows, w.cols = t.cols, w.row_bytes = weight_row_bytes(t.type, t.cols), w.data = data.get();
  if (w.row_bytes == 0) throw PluginError(HWC_ERR_UNSUPPORTED, std::string("CUDA: no kernels for ") + weight_type_name(t.type) + " rows of " + std::to_string(t.cols));
  if (t.nbytes != w.bytes()) invalid("tensor holds " + std::to_string(t.nbytes) + " bytes, expected " + std::to_string(w.bytes()));
  return w;
}
}  // namespace

void DeviceOps::rmsnorm(const float* x, const float* w, int64_t n, int dim, float eps, float* out) {
  const size_t bytes = static_cast<size_t>(n) * dim * sizeof(float);
  DeviceBuffer dx = upload(x, bytes), dw = upload(w, dim * sizeof(float)), dout(bytes);
  cuda::rmsnorm(dx.as<float>(), dw.as<float>(), n, dim, eps, dout.as<float>(), 0);
  finish();
  download(out, dout, bytes);
}

void DeviceOps::embed(const HwcTensor& table, const int32_t* tokens, int64_t n, float* out) {
  DeviceBuffer dt = upload(table.data, table.nbytes);
  const WeightMatrix w = weights_of(table, dt);
  DeviceBuffer dtok = upload(tokens, static_cast<size_t>(n) * sizeof(int32_t));
  DeviceBuffer dout(static_cast<size_t>(n) * table.cols * sizeof(float));
  embed_rows(w, dtok.as<int32_t>(), n, dout.as<float>(), 0);
  finish();
  download(out, dout, static_cast<size_t>(n) * table.cols * sizeof(float));
}

void DeviceOps::matmul(const HwcTensor& t, const float* x, int64_t n, int32_t path, float* y) {
  DeviceBuffer dw = upload(t.data, t.nbytes);
  const WeightMatrix w = weights_of(t, dw);
  DeviceBuffer dx = upload(x, static_cast<size_t>(n) * w.cols * sizeof(float));
  DeviceBuffer dy(static_cast<size_t>(n) * w.rows * sizeof(float));
  Matmul mm(cublas_);
  DevType held = DevType::F32;
  mm.run(w, dx.as<float>(), n, dy.as<float>(), held, 0, path);
  finish();
  download(y, dy, static_cast<size_t>(n) * w.rows * sizeof(float));
}

void DeviceOps::swiglu(float* gate, const float* up, int64_t count) {
  const size_t bytes = static_cast<size_t>(count) * sizeof(float);
  DeviceBuffer dg = upload(gate, bytes), du = upload(up, bytes);
  cuda::swiglu(dg.as<float>(), du.as<float>(), count, 0);
  finish();
  download(gate, dg, bytes);
}

void DeviceOps::add(float* y, const float* x, int64_t count) {
  const size_t bytes = static_cast<size_t>(count) * sizeof(float);
  DeviceBuffer dy = upload(y, bytes), dx = upload(x, bytes);
  cuda::add(dy.as<float>(), dx.as<float>(), count, 0);
  finish();
  download(y, dy, bytes);
}

void DeviceOps::rope(float* x, int64_t rows, int n_heads, int head_dim, int rope_dim, bool neox, const double* inv_freq,
                     const int64_t* positions) {
  const size_t bytes = static_cast<size_t>(rows) * n_heads * head_dim * sizeof(float);
  DeviceBuffer dx = upload(x, bytes), dpos = upload(positions, static_cast<size_t>(rows) * sizeof(int64_t));
  DeviceBuffer dfreq = upload(inv_freq, static_cast<size_t>(rope_dim / 2) * sizeof(double));
  DeviceBuffer table(static_cast<size_t>(rows) * (rope_dim / 2) * sizeof(float2));
  RopeShape r;
  r.head_dim = head_dim, r.rope_dim = rope_dim, r.neox = neox, r.inv_freq = dfreq.as<double>();
  rope_table(r, dpos.as<int64_t>(), rows, table.as<float2>(), 0);
  rope_rows(r, dx.as<float>(), rows, n_heads, table.as<float2>(), 0);
  finish();
  download(x, dx, bytes);
}

void DeviceOps::round_trip(DevType t, float* x, int64_t count) {
  const size_t bytes = static_cast<size_t>(count) * sizeof(float);
  DeviceBuffer dx = upload(x, bytes), typed(static_cast<size_t>(count) * 4);
  convert_from_f32(t, dx.as<float>(), typed.get(), count, 0);
  convert_to_f32(t, typed.get(), dx.as<float>(), count, 0);
  finish();
  download(x, dx, bytes);
}

double DeviceOps::copy_bandwidth_gbs(size_t bytes, int iters) {
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

}  // namespace hogwild::cuda
