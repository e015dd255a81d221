#pragma once
// PromptCache: the K/V of prompt heads, shared between sessions on one backend (docs/ARCHITECTURE.md, "Prompt
// heads").
//
// A session prefills its prompt in two parts: the head (the preset's text before the task, prompt_head() in
// prompt_builder.h, as tokens: the longest prefix of the prompt's ids that the head alone encodes to) and the rest.
// Every session does so, with or without a PromptCache, so the head's K/V depend on the head's tokens alone — and a
// session that finds them here copies them (BackendCache::assign_block) instead of computing them, with the same
// bits. Users: the lab (every run of one arm shares its preset's head: rules, examples, collaboration text) and the
// cross-implementation test (two cases, one 5,938-token prompt).
//
// Entries belong to the backend whose caches hold them: the PromptCache must not outlive that backend. A backend
// that cannot copy between its caches (assign_block returns false) simply prefills. Not thread-safe: one thread
// drives the sessions that share it.
#include <cstdint>
#include <memory>
#include <vector>

#include "backend/backend.h"

namespace hogwild {

class PromptCache {
 public:
  // max_tokens: the most tokens kept over all entries; the least recently used entries go first.
  explicit PromptCache(int64_t max_tokens = 8192);
  ~PromptCache();
  PromptCache(const PromptCache&) = delete;
  PromptCache& operator=(const PromptCache&) = delete;

  // Fills `block` of `cache` (a cache of `backend`) with the K/V of exactly `ids` when an entry holds them.
  // True when it did; false (nothing changed) otherwise.
  bool restore(const Backend& backend, BackendCache& cache, int block, const std::vector<int32_t>& ids);
  // Keeps a copy of the first ids.size() tokens of `block` of `cache`, which hold the K/V of `ids` (no-op when
  // already kept, when ids is longer than max_tokens or the backend cannot copy).
  void store(Backend& backend, const BackendCache& cache, int block, const std::vector<int32_t>& ids);

  int64_t hits() const { return hits_; }      // restore() calls that copied
  int64_t misses() const { return misses_; }  // restore() calls that found nothing
  int64_t tokens() const;                     // tokens kept over all entries
  size_t entries() const { return entries_.size(); }
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    const Backend* backend = nullptr;
    std::vector<int32_t> ids;
    std::unique_ptr<BackendCache> kv;  // sequence_layout(): block 0 holds the head
  };
  int64_t max_tokens_;
  std::vector<Entry> entries_;  // least recently used first
  int64_t hits_ = 0, misses_ = 0;
};

}  // namespace hogwild
