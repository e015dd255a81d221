#include "backend/backend.h"

#include <algorithm>

#include "common/error.h"

namespace hogwild {

const char* backend_kind_name(BackendKind k) { return k == BackendKind::Cuda ? "cuda" : "cpu"; }

std::string BackendInfo::describe() const {
  if (kind == BackendKind::Cuda) return "CUDA: " + device;
  return "CPU (" + device + ")";
}

std::vector<int64_t> BackendCache::block_lengths() const {
  std::vector<int64_t> out(static_cast<size_t>(num_blocks()));
  for (int X = 0; X < num_blocks(); ++X) out[static_cast<size_t>(X)] = block_length(X);
  return out;
}

int64_t BackendCache::view_length(int worker) const {
  int64_t n = 0;
  for (int id : layout_.view(worker)) n += block_length(id);
  return n;
}

void BackendCache::reset() {
  for (int X = 0; X < num_blocks(); ++X) truncate_block(X, 0);
}

void Backend::forward_many(std::span<const CachePass> passes) {
  for (const CachePass& p : passes) forward(*p.cache, p.target, *p.batch, p.logits, p.mode);
}

void Backend::prefill(BackendCache& cache, int block, const std::vector<int32_t>& ids, int64_t chunk, float* last_logits) {
  if (ids.empty()) return;
  const size_t step = static_cast<size_t>(std::max<int64_t>(1, chunk));
  for (size_t i = 0; i < ids.size(); i += step) {
    const size_t end = std::min(ids.size(), i + step);
    const bool last = end == ids.size();
    const std::vector<int32_t> part(ids.begin() + static_cast<ptrdiff_t>(i), ids.begin() + static_cast<ptrdiff_t>(end));
    forward(cache, PassTarget::prefill(block), ForwardBatch::from_rows({part}), last ? last_logits : nullptr,
            last && last_logits ? LogitsMode::LastSlot : LogitsMode::None);
  }
}

Layout sequence_layout() { return Layout(LayoutKind::Contiguous, 1); }

}  // namespace hogwild
