#pragma once
// The Hogwild block KV store on the device (hogwild-method.md §5.3, §6, §12b, §12d): per block one K and one V
// allocation [layers][kv_heads][capacity][head_dim] in the KV type (f32/f16/bf16). Keys are stored rotated at
// block-local positions; values never rotated. Capacity grows geometrically with one device copy.
//
// Merges never re-round a key (docs/CUDA.md "Merges"): blocks whose keys move (the workers' step blocks, marked
// merge sources) also keep an fp32 MASTER copy of every key as the projection produced it (unrotated). A merge
// writes common's new keys as round(R(|common| + j)·k_j) from the masters, and the moved tail as round(R(i)·k) —
// exactly what appending the token at its new position would have stored: one rounding, however many merges.
#include <vector>

#include "cuda/pass_setup.cuh"
#include "cuda/rope.cuh"

namespace hogwild::cuda {

class KvStore {
 public:
  // merge_source[X]: block X keeps fp32 master keys (its keys move in merges).
  KvStore(int layers, int kv_heads, int head_dim, DevType type, int n_blocks, const uint8_t* merge_source, const RopeShape& rope);

  int n_blocks() const { return static_cast<int>(blocks_.size()); }
  DevType type() const { return type_; }
  int64_t length(int X) const { return blocks_.at(X).len; }
  int64_t capacity(int X) const { return blocks_.at(X).cap; }
  const void* k(int X) const { return blocks_.at(X).k.get(); }
  const void* v(int X) const { return blocks_.at(X).v.get(); }
  float* master(int X) const { return blocks_.at(X).master ? blocks_.at(X).km.as<float>() : nullptr; }
  size_t bytes_per_token() const { return 2ull * layers_ * kv_heads_ * head_dim_ * dev_type_size(type_); }
  size_t bytes_allocated() const;

  // Room for n tokens (grows to max(n, 2·cap, 256) with one copy; contents kept). Synchronous on `stream`.
  void reserve(int X, int64_t n, cudaStream_t stream);
  void set_length(int X, int64_t n) { blocks_.at(X).len = n; }

  // Rotates the new keys of every real slot of the pass (ktab) and stores K/V at their block-local positions in
  // the row's target block, for one layer. k, v: [rows*len][kv_heads*head_dim] fp32 (device).
  // grid_slots ≥ the pass's real slots (rows·len: a launch shape that does not change between passes of one shape).
  void append(const DeviceSetup* d_setup, int grid_slots, int layer, const float* k, const float* v, const float2* ktab,
              cudaStream_t stream);
  // §6 / §12b: common.append(own[0,n)) at positions |common|.., own[n,len) → own[0,len−n); keys recomputed from the
  // own block's master keys (one rounding), values copied.
  void merge(int own, int common, int64_t n, cudaStream_t stream);
  // dst = src (same block-local positions).
  void copy(int dst, int src, cudaStream_t stream);
  void fill_random(int X, int64_t n, uint64_t seed, cudaStream_t stream);
  // One layer and KV head as fp32 [length][head_dim] on the host (synchronous).
  void read(int X, int layer, int kv_head, float* k, float* v, cudaStream_t stream) const;

 private:
  struct Block {
    DeviceBuffer k, v, km;  // km: fp32 master keys (merge sources only)
    bool master = false;
    int64_t cap = 0, len = 0;
  };
  // Keys of rows [dst0, dst0+n) of block dst = round(R(dst0 + i)·m[i]) from fp32 master rows m (every layer and head,
  // m laid out [layers·heads][mcap][head_dim] from row m0); values copied from (sv, scap, src0).
  void keys_from_master(Block& dst, int64_t dst0, const float* m, int64_t mcap, int64_t m0, const void* sv, int64_t scap,
                        int64_t src0, int64_t n, cudaStream_t stream);
  // Plain copy of rows [0, n) of every (layer, head) between two allocations of different capacities.
  void copy_rows(void* dst, int64_t dcap, const void* src, int64_t scap, int64_t n, size_t elem, cudaStream_t stream) const;

  int layers_, kv_heads_, head_dim_;
  DevType type_;
  RopeShape rope_;
  std::vector<Block> blocks_;
  DeviceBuffer scratch_m_, scratch_v_;
};

}  // namespace hogwild::cuda
