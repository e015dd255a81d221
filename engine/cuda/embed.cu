#include "cuda/embed.cuh"

namespace hogwild::cuda {

template <typename T>
static __global__ void embed_kernel(const T* table, int64_t vocab, int dim, const int32_t* tokens, float* out) {
  const int64_t i = blockIdx.x;
  const int32_t tok = tokens[i];
  float* o = out + i * dim;
  const bool ok = tok >= 0 && tok < vocab;  // the engine validates ids; out-of-range ones read as padding
  const T* row = table + (ok ? static_cast<int64_t>(tok) * dim : 0);
  for (int d = threadIdx.x; d < dim; d += blockDim.x) o[d] = ok ? to_f32(row[d]) : 0.f;
}

void embed(DevType table_type, const void* table, int64_t vocab, int dim, const int32_t* tokens, int64_t n, float* out,
           cudaStream_t stream) {
  if (n <= 0) return;
  HW_DISPATCH_TYPE(table_type, T,
                   embed_kernel<T><<<static_cast<unsigned>(n), 256, 0, stream>>>(static_cast<const T*>(table), vocab, dim,
                                                                                 tokens, out));
  CUDA_CHECK_LAUNCH();
}

}  // namespace hogwild::cuda
