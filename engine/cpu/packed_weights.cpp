#include "cpu/packed_weights.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>

#include "cpu/quant_dot.h"
#include "model/mapped_file.h"

namespace hogwild::cpu {

namespace {
// The packed bytes in anonymous memory aligned to 2 MB and marked for transparent huge pages: the kernels stream
// every matrix front to back, and with 4 KB pages every 4 KB costs a TLB miss (docs/PERFORMANCE.md).
std::shared_ptr<uint8_t[]> huge_buffer(size_t bytes) {
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t len = (bytes + kHuge - 1) / kHuge * kHuge + kHuge;
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  auto* aligned = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~uintptr_t{kHuge - 1});
#ifdef MADV_HUGEPAGE
  ::madvise(aligned, len - kHuge, MADV_HUGEPAGE);  // a hint: without THP the pages stay 4 KB
#endif
  return std::shared_ptr<uint8_t[]>(aligned, [p, len](uint8_t*) { ::munmap(p, len); });
}

// Packs w into `out` (packed_group_bytes per group of 16 rows) over the pool.
PackedMatrix pack(const TensorView& w, QuantPackFn packer, uint8_t* out, ThreadPool& pool) {
  PackedMatrix p;
  p.type = w.type;
  p.rows = w.rows();
  p.cols = w.cols();
  p.group_bytes = packed_group_bytes(w.type, p.cols);
  p.aligned = out;
  const int64_t groups = (p.rows + 15) / 16;
  const size_t row_bytes = dtype_row_bytes(w.type, p.cols);
  pool.parallel_for(groups, [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g)
      packer(w.row_ptr(16 * g), static_cast<int64_t>(row_bytes), std::min<int64_t>(16, p.rows - 16 * g), p.cols,
             out + static_cast<size_t>(g) * p.group_bytes);
  });
  return p;
}
size_t packed_bytes(const TensorView& w) {
  return static_cast<size_t>((w.rows() + 15) / 16) * packed_group_bytes(w.type, w.cols());
}
}  // namespace

bool PackedWeights::enabled() {
  static const bool on = [] {
    const char* v = std::getenv("HOGWILD_CPU_PACK");
    return v == nullptr || std::strcmp(v, "0") != 0;
  }();
  return on;
}

std::shared_ptr<const PackedWeights> PackedWeights::for_model(const Model& model, ThreadPool& pool) {
  // One packed copy per live model: a second Transformer of the same model (the lab's executors, a bench) shares it.
  // An entry whose weak pointer is alive is held by a Transformer that is alive, and a model outlives its
  // Transformers, so the address still names the same model.
  static std::mutex mu;
  static std::map<const Model*, std::weak_ptr<const PackedWeights>> live;
  const std::lock_guard<std::mutex> lock(mu);
  if (auto it = live.find(&model); it != live.end()) {
    if (auto shared = it->second.lock()) return shared;
  }
  auto packed = std::make_shared<PackedWeights>();
  if (enabled()) {
    // The matrices to pack, then one buffer for all of them (one huge-page region: per-matrix regions would each
    // round up to a 2 MB page), each matrix at a 64-byte aligned offset.
    const KernelLevel level = kernel_level();
    std::vector<const TensorView*> todo;
    const auto want = [&](const TensorView& w) {
      if (w.empty() || w.dims.size() != 2 || w.cols() % 32 != 0) return;
      if (quant_pack_kernel(level, w.type) == nullptr || packed_dot_kernel(level, w.type) == nullptr) return;
      // Only where a packed group is no larger than its 16 rows in the file (Q8_0/Q4_0/Q4_1): the Q5 types' packed
      // form is 1.5x their file size, and they are packed per matmul for batches instead.
      if (packed_group_bytes(w.type, w.cols()) > 16 * dtype_row_bytes(w.type, w.cols())) return;
      for (const TensorView* t : todo)
        if (t->data == w.data) return;  // a tied classifier is the embedding matrix: once
      todo.push_back(&w);
    };
    for (const auto& l : model.weights.layers) {
      for (const TensorView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) want(*w);
    }
    want(model.weights.output);
    size_t total = 0;
    for (const TensorView* w : todo) total += (packed_bytes(*w) + 63) / 64 * 64;
    if (total > 0) {
      packed->buffer_ = huge_buffer(total);
      uint8_t* at = packed->buffer_.get();
      for (const TensorView* w : todo) {
        packed->by_data_.emplace(w->data, pack(*w, quant_pack_kernel(level, w->type), at, pool));
        at += (packed_bytes(*w) + 63) / 64 * 64;
        if (model.file) model.file->release_pages(w->data, w->nbytes);
      }
      packed->bytes_ = total;
    }
  }
  for (auto it = live.begin(); it != live.end();) it = it->second.expired() ? live.erase(it) : std::next(it);
  live[&model] = packed;
  return packed;
}

}  // namespace hogwild::cpu
