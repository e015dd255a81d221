#include "cuda/kv_store.cuh"

#include "cuda/elementwise.cuh"

#include <algorithm>

namespace hogwild::cuda {

namespace {

__device__ __forceinline__ uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

template <typename T>
static __global__ void append_kernel(const DeviceSetup* S, int layer, int kv_heads, int head_dim, int rope_dim, bool neox,
                                     const float* k, const float* v, const float2* ktab) {
  const int s = blockIdx.x, h = blockIdx.y;
  if (s >= S->n_slots) return;  // the grid covers rows·len slots (fixed for a CUDA graph); padding has no K/V
  int row, t;
  slot_row_col(*S, s, row, t);
  const PassPlan& P = S->plan;
  const int X = P.target[row];
  const int64_t pos = P.old_len[X] + (t - (P.len - P.n_real[row]));
  const int64_t cap = S->cap[X];
  const int64_t off = ((static_cast<int64_t>(layer) * kv_heads + h) * cap + pos) * head_dim;
  T* kd = static_cast<T*>(const_cast<void*>(S->k[X])) + off;
  T* vd = static_cast<T*>(const_cast<void*>(S->v[X])) + off;
  const int64_t src = (static_cast<int64_t>(row) * P.len + t) * kv_heads * head_dim + static_cast<int64_t>(h) * head_dim;
  const float2* cs = ktab + static_cast<int64_t>(s) * (rope_dim / 2);
  float* km = S->km[X] ? S->km[X] + off : nullptr;  // fp32 master key (merge sources)
  for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
    kd[d] = from_f32<T>(rope_dim_value(k + src, d, rope_dim, neox, cs));  // K[j] = R(j)·k_j at block-local j
    vd[d] = from_f32<T>(v[src + d]);
    if (km) km[d] = k[src + d];
  }
}

// Keys from fp32 masters: dk row dst0 + i = round(R(dst0 + i)·m row m0 + i), angles in double (§12f) — the value an
// append at that position stores; values copied. Every (layer·head) slice, n rows.
template <typename T>
static __global__ void keys_from_master_kernel(T* dk, T* dv, int64_t dcap, int64_t dst0, const float* m, int64_t mcap, int64_t m0,
                                               const T* sv, int64_t scap, int64_t src0, int64_t n, int lh_count, int head_dim,
                                               int rope_dim, bool neox, const double* inv_freq) {
  const int64_t total = static_cast<int64_t>(lh_count) * n * head_dim;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int d = static_cast<int>(i % head_dim);
    const int64_t tok = (i / head_dim) % n;
    const int64_t lh = i / (static_cast<int64_t>(head_dim) * n);
    const float* row = m + (lh * mcap + m0 + tok) * head_dim;
    float out = row[d];
    if (d < rope_dim) {
      int p, partner;
      bool first;
      if (neox) {
        const int np = rope_dim / 2;
        first = d < np;
        p = first ? d : d - np;
        partner = first ? d + np : d - np;
      } else {
        p = d >> 1;
        first = (d & 1) == 0;
        partner = first ? d + 1 : d - 1;
      }
      double sn, cs;
      sincos(static_cast<double>(dst0 + tok) * inv_freq[p], &sn, &cs);
      const float c = static_cast<float>(cs), s = static_cast<float>(sn), y = row[partner];
      out = first ? out * c - y * s : out * c + y * s;  // as rope_dim_value: the same fp32 operations as an append
    }
    const int64_t o = (lh * dcap + dst0 + tok) * head_dim + d;
    dk[o] = from_f32<T>(out);
    dv[o] = sv[(lh * scap + src0 + tok) * head_dim + d];
  }
}

template <typename T>
static __global__ void fill_random_kernel(T* k, T* v, int64_t cap, int64_t n, int lh_count, int head_dim, uint64_t seed) {
  const int64_t total = static_cast<int64_t>(lh_count) * n * head_dim;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int d = static_cast<int>(i % head_dim);
    const int64_t tok = (i / head_dim) % n;
    const int64_t lh = i / (static_cast<int64_t>(head_dim) * n);
    const int64_t o = (lh * cap + tok) * head_dim + d;
    const uint64_t z = mix64(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(o) * 2 + 1);
    k[o] = from_f32<T>(static_cast<float>(static_cast<int64_t>(z >> 40) - (1 << 23)) / (1 << 23));
    v[o] = from_f32<T>(static_cast<float>(static_cast<int64_t>((z >> 16) & 0xFFFFFF) - (1 << 23)) / (1 << 23));
  }
}

KvStore::KvStore(int layers, int kv_heads, int head_dim, DevType type, int n_blocks, const uint8_t* merge_source, const RopeShape& rope)
    : layers_(layers), kv_heads_(kv_heads), head_dim_(head_dim), type_(type), rope_(rope), blocks_(static_cast<size_t>(n_blocks)) {
  if (n_blocks < 1 || n_blocks > kMaxBlocks) invalid("a cache has 1 to " + std::to_string(kMaxBlocks) + " blocks");
  for (int X = 0; X < n_blocks; ++X) blocks_[static_cast<size_t>(X)].master = merge_source && merge_source[X];
}

size_t KvStore::bytes_allocated() const {
  size_t n = 0;
  for (const auto& b : blocks_) n += b.k.size() + b.v.size() + b.km.size();
  return n;
}

void KvStore::copy_rows(void* dst, int64_t dcap, const void* src, int64_t scap, int64_t n, size_t elem, cudaStream_t stream) const {
  if (n <= 0) return;
  const size_t row = static_cast<size_t>(head_dim_) * elem;
  CUDA_CHECK(cudaMemcpy2DAsync(dst, dcap * row, src, scap * row, n * row, static_cast<size_t>(layers_) * kv_heads_,
                               cudaMemcpyDeviceToDevice, stream));
}

void KvStore::reserve(int X, int64_t n, cudaStream_t stream) {
  Block& b = blocks_.at(X);
  if (n <= b.cap) return;
  const int64_t cap = std::max({n, 2 * b.cap, int64_t{256}});
  const size_t bytes = static_cast<size_t>(cap) * head_dim_ * dev_type_size(type_) * layers_ * kv_heads_;
  // Everything allocated before anything changes: a failure leaves the block intact.
  DeviceBuffer k(bytes), v(bytes), km(b.master ? static_cast<size_t>(cap) * head_dim_ * sizeof(float) * layers_ * kv_heads_ : 0);
  const size_t e = dev_type_size(type_);
  copy_rows(k.get(), cap, b.k.get(), b.cap, b.len, e, stream);
  copy_rows(v.get(), cap, b.v.get(), b.cap, b.len, e, stream);
  if (b.master) copy_rows(km.get(), cap, b.km.get(), b.cap, b.len, sizeof(float), stream);
  CUDA_CHECK(cudaStreamSynchronize(stream));  // the old buffers are freed below
  b.k = std::move(k);
  b.v = std::move(v);
  b.km = std::move(km);
  b.cap = cap;
}

void KvStore::append(const DeviceSetup* d_setup, int grid_slots, int layer, const float* k, const float* v, const float2* ktab,
                     cudaStream_t stream) {
  if (grid_slots <= 0) return;
  const dim3 grid(static_cast<unsigned>(grid_slots), static_cast<unsigned>(kv_heads_));
  const int threads = std::min(256, std::max(32, head_dim_));
  HW_DISPATCH_TYPE(type_, T,
                   append_kernel<T><<<grid, threads, 0, stream>>>(d_setup, layer, kv_heads_, head_dim_, rope_.rope_dim,
                                                                  rope_.neox, k, v, ktab));
  CUDA_CHECK_LAUNCH();
}

void KvStore::keys_from_master(Block& dst, int64_t dst0, const float* m, int64_t mcap, int64_t m0, const void* sv, int64_t scap,
                               int64_t src0, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  const int lh = layers_ * kv_heads_;
  const int64_t total = static_cast<int64_t>(lh) * n * head_dim_;
  const unsigned grid = static_cast<unsigned>(std::min<int64_t>(ceil_div(total, 256), 65535));
  HW_DISPATCH_TYPE(type_, T,
                   keys_from_master_kernel<T><<<grid, 256, 0, stream>>>(dst.k.as<T>(), dst.v.as<T>(), dst.cap, dst0, m, mcap, m0,
                                                                        static_cast<const T*>(sv), scap, src0, n, lh, head_dim_,
                                                                        rope_.rope_dim, rope_.neox, rope_.inv_freq));
  CUDA_CHECK_LAUNCH();
}

void KvStore::merge(int own, int common, int64_t n, cudaStream_t stream) {
  if (own == common) invalid("merge of a block into itself");
  Block& o = blocks_.at(own);
  if (n < 0 || n > o.len) invalid("merge of " + std::to_string(n) + " tokens from a block of " + std::to_string(o.len));
  if (!o.master) invalid("block " + std::to_string(own) + " keeps no master keys: it cannot be merged");
  const int64_t C = blocks_.at(common).len;
  reserve(common, C + n, stream);
  Block& c = blocks_.at(common);
  const size_t e = dev_type_size(type_);
  // Head [0, n) → common positions C..C+n−1: R(C + j)·k_j from the masters (§6), values copied.
  keys_from_master(c, C, o.km.as<float>(), o.cap, 0, o.v.get(), o.cap, 0, n, stream);
  if (c.master) copy_rows(static_cast<float*>(c.km.get()) + C * head_dim_, c.cap, o.km.get(), o.cap, n, sizeof(float), stream);
  c.len = C + n;
  const int64_t keep = o.len - n;
  if (keep > 0 && n > 0) {
    // Tail [n, len) → own positions 0..keep−1 (§12b): masters and values through scratch copies (the ranges
    // overlap), then the keys R(i)·k from the moved masters.
    const size_t rows = static_cast<size_t>(keep) * head_dim_ * layers_ * kv_heads_;
    scratch_m_.ensure(rows * sizeof(float));
    scratch_v_.ensure(rows * e);
    copy_rows(scratch_m_.get(), keep, static_cast<const float*>(o.km.get()) + n * head_dim_, o.cap, keep, sizeof(float), stream);
    copy_rows(scratch_v_.get(), keep, static_cast<const char*>(o.v.get()) + n * head_dim_ * e, o.cap, keep, e, stream);
    copy_rows(o.km.get(), o.cap, scratch_m_.get(), keep, keep, sizeof(float), stream);
    keys_from_master(o, 0, scratch_m_.as<float>(), keep, 0, scratch_v_.get(), keep, 0, keep, stream);
  }
  o.len = keep;
  CUDA_CHECK(cudaStreamSynchronize(stream));
}

void KvStore::copy(int dst, int src, cudaStream_t stream) {
  if (dst == src) return;
  const int64_t n = blocks_.at(src).len;
  reserve(dst, n, stream);
  Block& d = blocks_.at(dst);
  const Block& s = blocks_.at(src);
  const size_t e = dev_type_size(type_);
  copy_rows(d.k.get(), d.cap, s.k.get(), s.cap, n, e, stream);
  copy_rows(d.v.get(), d.cap, s.v.get(), s.cap, n, e, stream);
  if (d.master && s.master) copy_rows(d.km.get(), d.cap, s.km.get(), s.cap, n, sizeof(float), stream);
  else if (d.master) invalid("copy into a merge source from a block without master keys");
  d.len = n;
  CUDA_CHECK(cudaStreamSynchronize(stream));
}

void KvStore::fill_random(int X, int64_t n, uint64_t seed, cudaStream_t stream) {
  reserve(X, n, stream);
  Block& b = blocks_.at(X);
  const int lh = layers_ * kv_heads_;
  const int64_t total = static_cast<int64_t>(lh) * n * head_dim_;
  if (total > 0) {
    const unsigned grid = static_cast<unsigned>(std::min<int64_t>(ceil_div(total, 256), 65535));
    HW_DISPATCH_TYPE(type_, T,
                     fill_random_kernel<T><<<grid, 256, 0, stream>>>(b.k.as<T>(), b.v.as<T>(), b.cap, n, lh, head_dim_, seed));
    CUDA_CHECK_LAUNCH();
  }
  if (b.master) CUDA_CHECK(cudaMemsetAsync(b.km.get(), 0, b.km.size(), stream));  // benchmarks: no meaningful masters
  b.len = n;
  CUDA_CHECK(cudaStreamSynchronize(stream));
}

void KvStore::read(int X, int layer, int kv_head, float* k, float* v, cudaStream_t stream) const {
  const Block& b = blocks_.at(X);
  if (b.len == 0) return;
  const int64_t count = b.len * head_dim_;
  const size_t esz = dev_type_size(type_);
  const size_t off = (static_cast<size_t>(layer) * kv_heads_ + kv_head) * b.cap * head_dim_ * esz;
  DeviceBuffer tmp(static_cast<size_t>(count) * sizeof(float));
  for (int which = 0; which < 2; ++which) {
    const char* src = static_cast<const char*>(which == 0 ? b.k.get() : b.v.get()) + off;
    const void* from = src;
    if (type_ != DevType::F32) {
      convert_to_f32(type_, src, tmp.as<float>(), count, stream);
      from = tmp.get();
    }
    CUDA_CHECK(cudaMemcpyAsync(which == 0 ? k : v, from, count * sizeof(float), cudaMemcpyDeviceToHost, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
  }
}

}  // namespace hogwild::cuda
