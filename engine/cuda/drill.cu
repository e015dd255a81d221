#include "cuda/drill.cuh"

namespace hogwild::cuda {

namespace {

constexpr int kThreads = 256;
constexpr float kLog2e = 1.4426950408889634f;

template <typename KT>
__global__ void __launch_bounds__(kThreads) drill_kernel(DrillArgs a, float scale_log2) {
  __shared__ float qr[256];
  const DeviceSetup& S = *a.setup;
  const PassPlan& P = S.plan;
  const int r = blockIdx.x, h = blockIdx.y, D = a.head_dim;
  const int t = P.len - 1;                        // the newest query of the row (always real: left padding)
  const int slot = S.slot_base[r + 1] - 1;        // its real-slot index
  const int gq = slot * a.n_heads + h;
  const float lse = a.lse[gq];
  if (lse == -INFINITY) return;
  const int g = h / (a.n_heads / a.n_kv_heads);
  const float* x = a.q + (static_cast<int64_t>(r) * P.len + t) * a.n_heads * D + static_cast<int64_t>(h) * D;
  const float weight = 1.0f / static_cast<float>(a.n_heads);
  int64_t drill_len = 0;
  for (int X = 0; X < P.n_blocks; ++X) drill_len += P.new_len[X];
  float* out = a.drill + static_cast<int64_t>(r) * drill_len;
  int64_t offset = 0;  // start of block X in the concatenation (block-id order)
  for (int X = 0; X < P.n_blocks; offset += P.new_len[X], ++X) {
    const int e = P.entry_of[r][X];
    if (e < 0) continue;
    const int64_t loc = P.entry_pos[e] - P.len + t;
    const int64_t vis = loc + 1 < 0 ? 0 : (loc + 1 > P.new_len[X] ? P.new_len[X] : loc + 1);
    if (vis == 0) continue;
    __syncthreads();
    for (int d = threadIdx.x; d < D; d += kThreads)
      qr[d] = rope_dim_value(x, d, a.rope_dim, a.neox, a.qtab + (static_cast<int64_t>(e) * P.len + t) * (a.rope_dim / 2)) * scale_log2;
    __syncthreads();
    const KT* K = static_cast<const KT*>(S.k[X]) + ((static_cast<int64_t>(a.layer) * a.n_kv_heads + g) * S.cap[X]) * D;
    for (int64_t j = threadIdx.x; j < vis; j += kThreads) {
      float s = 0.f;
      for (int d = 0; d < D; ++d) s = fmaf(qr[d], to_f32(K[j * D + d]), s);
      atomicAdd(out + offset + j, weight * exp2f(s - lse));
    }
  }
}

}  // namespace

void drill_rows(const DrillArgs& a, cudaStream_t stream) {
  if (a.rows <= 0 || !a.drill) return;
  if (a.head_dim > 256) throw PluginError(HWC_ERR_UNSUPPORTED, "CUDA: drill rows: head_dim > 256");
  const dim3 grid(static_cast<unsigned>(a.rows), static_cast<unsigned>(a.n_heads));
  HW_DISPATCH_TYPE(a.kv_type, KT, drill_kernel<KT><<<grid, kThreads, 0, stream>>>(a, a.scale * kLog2e));
  CUDA_CHECK_LAUNCH();
}

}  // namespace hogwild::cuda
