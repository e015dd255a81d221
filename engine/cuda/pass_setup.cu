#include "cuda/pass_setup.cuh"

namespace hogwild::cuda {

void build_setup(const PassPlan& plan, DeviceSetup& s) {
  s.plan = plan;
  s.slot_base[0] = 0;
  for (int r = 0; r < plan.rows; ++r) s.slot_base[r + 1] = s.slot_base[r] + plan.n_real[r];
  for (int r = plan.rows; r < kMaxRows; ++r) s.slot_base[r + 1] = s.slot_base[r];
  s.n_slots = s.slot_base[plan.rows];
  s.n_seg = 0;
  s.seg_start[0] = 0;
  for (int X = 0; X < plan.n_blocks; ++X) {
    bool seen = false;
    for (int r = 0; r < plan.rows; ++r) seen = seen || plan.entry_of[r][X] >= 0;
    if (!seen || plan.new_len[X] <= 0) continue;
    s.seg_block[s.n_seg] = X;
    s.seg_start[s.n_seg + 1] = s.seg_start[s.n_seg] + plan.new_len[X];
    ++s.n_seg;
  }
}

static __global__ void pass_tables_kernel(const DeviceSetup* S, const double* inv_freq, int pairs, float2* qtab, float2* ktab) {
  const PassPlan& P = S->plan;
  const int64_t nq = static_cast<int64_t>(P.n_entries) * P.len * pairs;
  const int64_t nk = static_cast<int64_t>(S->n_slots) * pairs;
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  int64_t pos;
  int p;
  float2* out;
  if (i < nq) {
    const int64_t et = i / pairs;
    const int e = static_cast<int>(et / P.len), t = static_cast<int>(et % P.len);
    p = static_cast<int>(i % pairs);
    pos = P.entry_pos[e] - P.len + t;
    out = qtab + i;
  } else if (i < nq + nk) {
    const int64_t j = i - nq;
    const int s = static_cast<int>(j / pairs);
    p = static_cast<int>(j % pairs);
    int row, t;
    slot_row_col(*S, s, row, t);
    pos = P.old_len[P.target[row]] + (t - (P.len - P.n_real[row]));  // block-local position of the new key (§7.2)
    out = ktab + j;
  } else {
    return;
  }
  double sn, cs;
  sincos(static_cast<double>(pos) * inv_freq[p], &sn, &cs);
  *out = make_float2(static_cast<float>(cs), static_cast<float>(sn));
}

void pass_tables(const DeviceSetup* d_setup, const PassPlan& plan, int n_slots, const RopeShape& r, float2* qtab,
                 float2* ktab, cudaStream_t stream) {
  const int64_t total = (static_cast<int64_t>(plan.n_entries) * plan.len + n_slots) * r.pairs();
  if (total <= 0) return;
  pass_tables_kernel<<<static_cast<unsigned>(ceil_div(total, 256)), 256, 0, stream>>>(d_setup, r.inv_freq, r.pairs(), qtab, ktab);
  CUDA_CHECK_LAUNCH();
}

}  // namespace hogwild::cuda
