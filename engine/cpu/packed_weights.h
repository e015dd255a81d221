#pragma once
// Weights packed once at load for the packed kernels (cpu/quant_dot.h): groups of 16 rows side by side, one row per
// int32 lane, so every matmul of every size streams them without the per-call packing of batches and
// meets each block with one convert and two FMAs per activation row for 16 rows (the row kernel spends that per two
// blocks and row). Packed: the matrices of the layers and the classifier whose type the current kernel level has
// packed kernels for and whose packed form is no larger than the file's (AVX-512-VNNI: Q8_0, Q4_0, Q4_1);
// everything else stays in the file's layout. The packed bytes are as many as the
// file's, and the file's pages of a packed matrix are given back to the kernel once it is packed (a tied
// classifier's embedding rows page in again one at a time when looked up), so the resident size stays the file's.
// HOGWILD_CPU_PACK=0 turns packing off (the A/B baseline of docs/PERFORMANCE.md).
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/tensor.h"
#include "common/thread_pool.h"
#include "model/model.h"

namespace hogwild::cpu {

struct PackedMatrix {
  DType type = DType::F32;
  int64_t rows = 0, cols = 0;
  size_t group_bytes = 0;  // one group of 16 rows
  const uint8_t* aligned = nullptr;  // 64-byte aligned, inside PackedWeights' buffer
  const uint8_t* group(int64_t g) const { return aligned + static_cast<size_t>(g) * group_bytes; }
};

class PackedWeights {
 public:
  // The packed matrices of `model` for the current kernel level, made once and shared by every Transformer of the
  // model that is alive (the packing runs on `pool`). Empty when packing is off or the level packs nothing.
  static std::shared_ptr<const PackedWeights> for_model(const Model& model, ThreadPool& pool);
  // Whether HOGWILD_CPU_PACK allows packing (read once; default on).
  static bool enabled();

  // The packed form of w (by its data pointer), or nullptr.
  const PackedMatrix* find(const TensorView& w) const {
    const auto it = by_data_.find(w.data);
    return it == by_data_.end() ? nullptr : &it->second;
  }
  size_t matrices() const { return by_data_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  std::unordered_map<const void*, PackedMatrix> by_data_;
  std::shared_ptr<uint8_t[]> buffer_;  // every packed matrix; 2 MB aligned, transparent huge pages where available
  size_t bytes_ = 0;
};

}  // namespace hogwild::cpu
