#include "backend/cpu_backend.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "common/error.h"
#include "cpu/attention_kernels.h"
#include "cpu/ops.h"
#include "model/rope.h"

namespace hogwild {

namespace {

// Several Hogwild caches behind one AttentionCache: the transformer runs ONE pass over the concatenated rows and
// each cache attends to its own rows (a contiguous slice: slot = row·len + t, every part padded to the common len).
class CacheGroup final : public AttentionCache {
 public:
  struct Part {
    HogwildAttention* cache;
    int row0, rows;
  };
  CacheGroup(std::vector<Part> parts, int q_dim, int kv_dim, ThreadPool& pool)
      : parts_(std::move(parts)), q_dim_(q_dim), kv_dim_(kv_dim), pool_(pool) {}

  void begin_pass(const ForwardBatch& batch) override {
    len_ = batch.len;
    try {
      for (const Part& p : parts_) {
        ForwardBatch sub;
        sub.rows = p.rows;
        sub.len = batch.len;
        const auto first = batch.tokens.begin() + static_cast<ptrdiff_t>(p.row0) * batch.len;
        sub.tokens.assign(first, first + static_cast<ptrdiff_t>(p.rows) * batch.len);
        p.cache->begin_pass(sub);
      }
    } catch (...) {
      abort();
      throw;
    }
  }
  // With at least as many caches as threads, the caches' attention runs side by side, each cache's tasks on one
  // thread (HogwildAttention::attend_on_this_thread: the same tasks as attend(), so the same numbers): one pool
  // synchronisation per layer instead of one per cache, and the threads share out whole caches.
  void attend(int layer, float* q, float* k, const float* v, float* out) override {
    const auto one = [&](const Part& p, bool here) {
      const size_t s0 = static_cast<size_t>(p.row0) * len_;
      float *qs = q + s0 * q_dim_, *ks = k + s0 * kv_dim_, *os = out + s0 * q_dim_;
      const float* vs = v + s0 * kv_dim_;
      if (here) p.cache->attend_on_this_thread(layer, qs, ks, vs, os);
      else p.cache->attend(layer, qs, ks, vs, os);
    };
    if (pool_.size() == 1 || parts_.size() < static_cast<size_t>(pool_.size())) {
      for (const Part& p : parts_) one(p, false);
      return;
    }
    std::mutex m;
    std::exception_ptr error;  // the first failure, rethrown here (a pool task must not throw)
    cpu::for_each_task(&pool_, static_cast<int64_t>(parts_.size()), [&](int64_t i) {
      try {
        one(parts_[static_cast<size_t>(i)], true);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(m);
        if (!error) error = std::current_exception();
      }
    });
    if (error) std::rethrow_exception(error);
  }
  void end_pass() override {
    for (const Part& p : parts_) p.cache->end_pass();
  }
  void abort() {
    for (const Part& p : parts_) p.cache->abort_pass();  // a no-op for parts that are not in a pass
  }

 private:
  std::vector<Part> parts_;
  int q_dim_, kv_dim_;
  ThreadPool& pool_;
  int len_ = 1;
};

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
CpuCache::CpuCache(const ModelConfig& c, const Layout& layout, ThreadPool* pool)
    : BackendCache(layout),
      attention_(c.n_layers, c.n_kv_heads, c.n_heads, c.head_dim, Rope::for_model(c), layout, layout.workers(), c.context_length, pool) {}

void CpuCache::truncate_block(int block, int64_t n) { attention_.truncate_block(block, n); }

bool CpuCache::assign_block(int dst, const BackendCache& src, int src_block, int64_t n) {
  const auto* s = dynamic_cast<const CpuCache*>(&src);
  if (!s) return false;
  const HogwildAttention& a = s->attention_;
  if (a.n_layers() != attention_.n_layers() || a.n_kv_heads() != attention_.n_kv_heads() || a.head_dim() != attention_.head_dim())
    return false;
  attention_.assign_block(dst, a, src_block, n);
  return true;
}

void CpuCache::set_target(const PassTarget& target) {
  if (target.worker_pass()) attention_.set_worker_pass();
  else attention_.set_prefill(target.prefill_block);
}

// ---------------------------------------------------------------------------------------------------------------
CpuBackend::CpuBackend(const Model& model, int threads)
    : Backend(model.config), transformer_(model, threads), threads_(transformer_.pool().size()) {}

BackendInfo CpuBackend::info() const {
  BackendInfo i;
  i.kind = BackendKind::Cpu;
  const int n = threads_;
  i.device = std::to_string(n) + (n == 1 ? " thread" : " threads");
  return i;
}

std::unique_ptr<BackendCache> CpuBackend::create_cache(const Layout& layout) {
  return std::make_unique<CpuCache>(config(), layout, &transformer_.pool());
}

CpuCache& CpuBackend::own(BackendCache& cache) const {
  auto* c = dynamic_cast<CpuCache*>(&cache);
  if (!c) throw std::logic_error("CPU backend: the cache was created by another backend");
  return *c;
}

void CpuBackend::account(int64_t slots, bool small, std::chrono::steady_clock::time_point t0) {
  PassLedger::Kind& k = small ? ledger_.small : ledger_.large;
  ++k.passes;
  k.slots += slots;
  k.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void CpuBackend::forward(BackendCache& cache, const PassTarget& target, const ForwardBatch& batch, float* logits, LogitsMode mode) {
  const auto t0 = std::chrono::steady_clock::now();
  CpuCache& c = own(cache);
  c.set_target(target);
  try {
    transformer_.forward(batch, c.attention(), mode == LogitsMode::None ? nullptr : logits, mode == LogitsMode::AllSlots);
  } catch (...) {
    c.attention().abort_pass();  // a pass that failed half-way leaves the cache as it was
    throw;
  }
  account(static_cast<int64_t>(batch.rows) * batch.len, fuses(CachePass{&cache, target, &batch, logits, mode}), t0);
}

bool CpuBackend::fuses(const CachePass& p) const {
  return p.batch && p.mode != LogitsMode::AllSlots && static_cast<int64_t>(p.batch->rows) * p.batch->len < cpu::kBlasMinSlots;
}

void CpuBackend::forward_many(std::span<const CachePass> passes) {
  // Fused only when every part wants the last slot's logits (or none); all-slot logits run one by one.
  const bool fusable = passes.size() > 1 && std::all_of(passes.begin(), passes.end(), [](const CachePass& p) { return p.mode != LogitsMode::AllSlots; });
  if (!fusable) return Backend::forward_many(passes);
  // Parts that would run on the row kernels alone keep them in the fused pass (exact: fuses()); a part large
  // enough for SGEMM alone lets the whole fused pass use it.
  const bool exact = std::all_of(passes.begin(), passes.end(), [this](const CachePass& p) { return fuses(p); });
  const auto t0 = std::chrono::steady_clock::now();
  struct BlasScope {
    cpu::Transformer& t;
    bool was;
    BlasScope(cpu::Transformer& tr, bool allow) : t(tr), was(tr.blas_allowed()) { t.set_blas_allowed(allow && was); }
    ~BlasScope() { t.set_blas_allowed(was); }
  } blas(transformer_, !exact);
  const ModelConfig& c = config();
  std::vector<std::vector<int32_t>> rows;
  std::vector<CacheGroup::Part> parts;
  for (const CachePass& p : passes) {
    CpuCache& cc = own(*p.cache);
    cc.set_target(p.target);
    parts.push_back({&cc.attention(), static_cast<int>(rows.size()), p.batch->rows});
    for (int r = 0; r < p.batch->rows; ++r) {
      std::vector<int32_t> row;
      for (int t = 0; t < p.batch->len; ++t)
        if (p.batch->real(r, t)) row.push_back(p.batch->at(r, t));
      rows.push_back(std::move(row));
    }
  }
  const ForwardBatch all = ForwardBatch::from_rows(rows);
  CacheGroup group(parts, c.n_heads * c.head_dim, c.n_kv_heads * c.head_dim, transformer_.pool());
  logits_.resize(static_cast<size_t>(all.rows) * c.vocab_size);
  try {
    transformer_.forward(all, group, logits_.data());
  } catch (...) {
    group.abort();
    throw;
  }
  for (size_t i = 0; i < passes.size(); ++i) {
    const CachePass& p = passes[i];
    if (p.mode == LogitsMode::None || !p.logits) continue;
    std::memcpy(p.logits, logits_.data() + static_cast<size_t>(parts[i].row0) * c.vocab_size,
                static_cast<size_t>(p.batch->rows) * c.vocab_size * sizeof(float));
  }
  int64_t slots = 0;
  for (const CachePass& p : passes) slots += static_cast<int64_t>(p.batch->rows) * p.batch->len;
  account(slots, exact, t0);
}

}  // namespace hogwild
