#include "hogwild/prompt_cache.h"

#include <algorithm>

namespace hogwild {

PromptCache::PromptCache(int64_t max_tokens) : max_tokens_(max_tokens) {}

PromptCache::~PromptCache() = default;

int64_t PromptCache::tokens() const {
  int64_t n = 0;
  for (const Entry& e : entries_) n += static_cast<int64_t>(e.ids.size());
  return n;
}

bool PromptCache::restore(const Backend& backend, BackendCache& cache, int block, const std::vector<int32_t>& ids) {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const Entry& e) { return e.backend == &backend && e.ids == ids; });
  if (it == entries_.end() || !cache.assign_block(block, *it->kv, kSequenceBlock, static_cast<int64_t>(ids.size()))) {
    ++misses_;
    return false;
  }
  ++hits_;
  std::rotate(it, it + 1, entries_.end());  // most recently used last
  return true;
}

void PromptCache::store(Backend& backend, const BackendCache& cache, int block, const std::vector<int32_t>& ids) {
  const int64_t n = static_cast<int64_t>(ids.size());
  if (n == 0 || n > max_tokens_) return;
  for (const Entry& e : entries_)
    if (e.backend == &backend && e.ids == ids) return;
  Entry e;
  e.backend = &backend;
  e.ids = ids;
  e.kv = backend.create_cache(sequence_layout());
  if (!e.kv->assign_block(kSequenceBlock, cache, block, n)) return;
  int64_t total = tokens() + n;
  while (total > max_tokens_ && !entries_.empty()) {
    total -= static_cast<int64_t>(entries_.front().ids.size());
    entries_.erase(entries_.begin());
  }
  entries_.push_back(std::move(e));
}

}  // namespace hogwild
