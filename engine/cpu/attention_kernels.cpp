#include "cpu/attention_kernels.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "common/error.h"
#include "cpu/attention_loops.h"

namespace hogwild::cpu {

using loops::Kernels;
using loops::kT;

namespace {

bool cpu_has(AttentionIsa isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (isa == AttentionIsa::Avx2) return avx2;
  if (isa == AttentionIsa::Avx512) return avx2 && __builtin_cpu_supports("avx512f");
#endif
  return isa == AttentionIsa::Scalar;
}

std::atomic<AttentionIsa>& current_isa() {
  static std::atomic<AttentionIsa> isa{best_attention_isa()};
  return isa;
}

// The loops for a head size and a tile of `queries` active queries: the AVX-512 ones need blocks of 64 floats and
// pay off from one block of 6 queries (with fewer, the AVX2 loops are faster: no transposed key tile, and no
// 512-bit instructions that lower the core's clock for the rest), the AVX2 ones whole 8-float vectors.
const Kernels& kernels_for(int head_dim, int queries) {
#if defined(__x86_64__) || defined(__i386__)
  const AttentionIsa isa = current_isa().load(std::memory_order_relaxed);
  if (isa == AttentionIsa::Avx512 && head_dim % 64 == 0 && queries >= 6) return loops::kAvx512;
  if (isa != AttentionIsa::Scalar && head_dim % 8 == 0) return loops::kAvx2;
#endif
  (void)head_dim, (void)queries;
  return loops::kScalar;
}

}  // namespace

AttentionIsa best_attention_isa() {
  static const AttentionIsa best = cpu_has(AttentionIsa::Avx512) ? AttentionIsa::Avx512
                                   : cpu_has(AttentionIsa::Avx2) ? AttentionIsa::Avx2
                                                                 : AttentionIsa::Scalar;
  return best;
}

bool attention_isa_supported(AttentionIsa isa) { return cpu_has(isa); }

AttentionIsa attention_isa() { return current_isa().load(); }

void set_attention_isa(AttentionIsa isa) {
  if (!cpu_has(isa)) throw ConfigError(std::string("attention: this CPU cannot run the ") + attention_isa_name(isa) + " loops");
  current_isa().store(isa);
}

const char* attention_isa_name(AttentionIsa isa) {
  switch (isa) {
    case AttentionIsa::Avx512: return "avx512";
    case AttentionIsa::Avx2: return "avx2";
    default: return "scalar";
  }
}

void QueryTile::reset(int n, int head_dim, int runs) {
  n_ = n;
  hd_ = head_dim;
  n_runs_ = runs;
  const size_t nn = static_cast<size_t>(n);
  q_.resize(nn * head_dim);
  o_.assign(nn * head_dim, 0.f);
  m_.assign(nn, -std::numeric_limits<float>::infinity());
  l_.assign(nn, 0.f);
  s_.resize(nn * kT);
  lim_.resize(nn);
  active_.reserve(nn);
  capture_.assign(nn, nullptr);
  runs_.assign(nn * runs, Normaliser{});
  kt_.resize(static_cast<size_t>(head_dim) * kT);
}

void QueryTile::attend(const KeyRun& run, int64_t j0, int64_t j1, const int64_t* vis, int run_slot) {
  int64_t max_vis = 0;
  for (int a = 0; a < n_; ++a) max_vis = std::max(max_vis, vis[a]);
  j1 = std::min(j1, max_vis);
  for (int64_t jt = j0; jt < j1; jt += kT) {
    const int T = static_cast<int>(std::min<int64_t>(kT, j1 - jt));
    active_.clear();
    for (int a = 0; a < n_; ++a) {
      const int64_t lim = std::clamp<int64_t>(vis[a] - jt, 0, T);
      lim_[static_cast<size_t>(a)] = static_cast<int>(lim);
      if (lim > 0) active_.push_back(a);
    }
    const Kernels& K = kernels_for(hd_, static_cast<int>(active_.size()));
    const loops::TileStep step{hd_, T, run.keys + jt * run.stride, run.values + jt * run.stride, run.stride, q_.data(),
                               s_.data(), lim_.data(), active_.data(), static_cast<int>(active_.size()), kt_.data()};
    K.scores(step);
    // Online softmax: raise each query's max to the tile's, rescaling what it holds, then p = exp(s − max).
    for (const int a : active_) {
      const size_t ua = static_cast<size_t>(a);
      float* row = s_.data() + ua * kT;
      const int lim = lim_[ua];
      if (capture_[ua]) std::memcpy(capture_[ua] + jt, row, sizeof(float) * static_cast<size_t>(lim));
      const float mt = K.row_max(row, lim);
      float& m = m_[ua];
      if (mt > m) {
        if (m > -std::numeric_limits<float>::infinity()) {
          const float alpha = std::exp(m - mt);
          l_[ua] *= alpha;
          K.scale(o_.data() + ua * hd_, hd_, alpha);
        }
        m = mt;
      }
      const float sum = K.exp_row(row, lim, T, m);
      l_[ua] += sum;
      if (run_slot >= 0) {
        Normaliser& r = runs_[ua * n_runs_ + run_slot];
        if (r.sum > 0.f && r.max != m) r.sum *= std::exp(r.max - m);
        r.sum += sum;
        r.max = m;
      }
    }
    K.accumulate(step, o_.data());
  }
}

Normaliser combine_parts(const QueryTile* const* parts, int n_parts, int a, float* out) {
  const int hd = parts[0]->head_dim();
  Normaliser z;
  for (int p = 0; p < n_parts; ++p) z.max = std::max(z.max, parts[p]->max(a));
  std::fill(out, out + hd, 0.f);
  if (z.max == -std::numeric_limits<float>::infinity()) return z;  // no key seen
  for (int p = 0; p < n_parts; ++p) {
    if (parts[p]->max(a) == -std::numeric_limits<float>::infinity()) continue;
    const float w = n_parts == 1 ? 1.f : std::exp(parts[p]->max(a) - z.max);
    z.sum += w * parts[p]->sum(a);
    const float* acc = parts[p]->acc(a);
    for (int d = 0; d < hd; ++d) out[d] += w * acc[d];
  }
  const float inv = 1.f / z.sum;
  for (int d = 0; d < hd; ++d) out[d] *= inv;
  return z;
}

float combined_run_mass(const QueryTile* const* parts, int n_parts, int a, int slot, const Normaliser& z) {
  float mass = 0.f;
  for (int p = 0; p < n_parts; ++p) {
    const float s = parts[p]->run_sum(a, slot);
    if (s > 0.f) mass += s * std::exp(parts[p]->run_max(a, slot) - z.max);
  }
  return z.sum > 0.f ? mass / z.sum : 0.f;
}

void probabilities(const float* s, int64_t n, const Normaliser& z, float* p) {
  const Kernels& K = kernels_for(8, 1);
  const float inv = z.sum > 0.f ? 1.f / z.sum : 0.f;
  for (int64_t j0 = 0; j0 < n; j0 += kT) {
    const int len = static_cast<int>(std::min<int64_t>(kT, n - j0));
    std::memcpy(p + j0, s + j0, sizeof(float) * static_cast<size_t>(len));
    K.exp_row(p + j0, len, len, z.max);
    K.scale(p + j0, len, inv);
  }
}

int key_parts(int64_t groups, int64_t keys, int threads) {
  if (threads <= 1 || groups <= 0 || groups >= 4 * static_cast<int64_t>(threads)) return 1;
  // At least two tasks per thread, preferring a task count every thread gets the same share of.
  const int64_t low = (2 * threads + groups - 1) / groups;
  int64_t parts = low;
  for (int64_t p = low; p < low + threads; ++p)
    if ((groups * p) % threads == 0) {
      parts = p;
      break;
    }
  return static_cast<int>(std::clamp<int64_t>(std::min(parts, keys / 1024), 1, parts));
}

void for_each_task(ThreadPool* pool, int64_t n, const std::function<void(int64_t)>& fn) {
  if (n <= 0) return;
  if (!pool || pool->size() == 1 || n == 1) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<int64_t> next{0};
  pool->parallel_for(std::min<int64_t>(pool->size(), n), [&](int64_t, int64_t) {
    for (int64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(i);
  }, 1);
}

}  // namespace hogwild::cpu