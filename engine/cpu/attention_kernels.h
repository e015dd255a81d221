#pragma once
// The attention inner loops shared by the plain causal cache (cpu/sequence_cache.h) and the Hogwild block cache
// (hogwild/hogwild_attention.h): fp32 online-softmax ("flash") attention of a tile of queries against runs of
// keys, AVX-512 or AVX2/FMA intrinsics when the CPU has them (chosen at run time), plain loops otherwise
// (attention_loops_*.cpp).
//
// A QueryTile holds n queries (already rotated and multiplied by the softmax scale) and their running softmax:
//   max(a)  largest score seen        sum(a)  Σ exp(score − max(a))        acc(a)  Σ exp(score − max(a))·v
// attend() folds keys [j0, j1) of one run (a sequence, or one Hogwild block) into that state, key tile by key
// tile (kKeyTile keys stay in L1 while every query of the tile uses them); query a sees only keys j < vis[a].
// The output is acc/sum. Scores, exponentials and sums stay fp32; the order of the additions differs from a
// two-pass softmax, so results agree with it to fp32 rounding (tests/engine/test_attention_kernels.cpp).
//
// Several tiles over DISJOINT key sets of the same queries combine exactly (combine_parts): that is how a long
// context is split across threads when there are too few queries to keep every thread busy (decode).
//
// Statistics: attend(..., run_slot) also records, per query, the softmax mass of a run before normalisation
// (Σ exp(score − m) with its m), so per-block masses come out of the same pass; capture_scores() copies raw
// scores out for the few queries whose every probability is wanted (drill rows).
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "common/thread_pool.h"

namespace hogwild::cpu {

enum class AttentionIsa { Scalar, Avx2, Avx512 };
// The best implementation this CPU runs (Avx2 needs AVX2 and FMA, Avx512 also AVX-512F). Head sizes the vector
// loops do not take (AVX-512: multiples of 64, AVX2: of 8) fall back to the next one.
AttentionIsa best_attention_isa();
bool attention_isa_supported(AttentionIsa isa);
// The implementation in use (default: the best). Tests switch to Scalar to check both; ConfigError when the CPU
// lacks the requested one. Not while attention runs on other threads.
AttentionIsa attention_isa();
void set_attention_isa(AttentionIsa isa);
const char* attention_isa_name(AttentionIsa isa);

// Keys and values of one run: key j at keys + j·stride, value j at values + j·stride (head_dim floats each).
struct KeyRun {
  const float* keys = nullptr;
  const float* values = nullptr;
  int64_t stride = 0;
};

// A query's softmax normaliser over everything it attended: p(score) = exp(score − max) / sum.
struct Normaliser {
  float max = -std::numeric_limits<float>::infinity();
  float sum = 0.f;
};

class QueryTile {
 public:
  static constexpr int kKeyTile = 64;
  // Queries per tile the caches aim for: every key tile read from memory serves up to this many queries (a
  // multiple of 1..6, so that GQA groups and the AVX-512 blocks of 6 queries fill tiles).
  static constexpr int kQueries = 60;

  // n queries of head_dim floats, nothing attended yet; `runs` slots for per-run masses (0: none).
  void reset(int n, int head_dim, int runs = 0);
  int size() const { return n_; }
  int head_dim() const { return hd_; }
  // Where the caller writes query a: rotated for the next run, times the softmax scale.
  float* query(int a) { return q_.data() + static_cast<size_t>(a) * hd_; }
  // The raw (scaled) score of every key j attended by query a from now on is also written to row[j]
  // (row indexed like the run's keys); nullptr stops it.
  void capture_scores(int a, float* row) { capture_[static_cast<size_t>(a)] = row; }

  // Folds keys [j0, j1) of `run` into the state; query a uses only keys j < vis[a] (vis: n entries).
  // run_slot ≥ 0 adds these keys' mass to that slot of every query.
  void attend(const KeyRun& run, int64_t j0, int64_t j1, const int64_t* vis, int run_slot = -1);

  float max(int a) const { return m_[static_cast<size_t>(a)]; }
  float sum(int a) const { return l_[static_cast<size_t>(a)]; }
  const float* acc(int a) const { return o_.data() + static_cast<size_t>(a) * hd_; }
  // Mass recorded in a run slot: Σ exp(score − run_max) over its keys (0 and −inf when none).
  float run_sum(int a, int slot) const { return runs_[static_cast<size_t>(a) * n_runs_ + slot].sum; }
  float run_max(int a, int slot) const { return runs_[static_cast<size_t>(a) * n_runs_ + slot].max; }

 private:
  int n_ = 0, hd_ = 0, n_runs_ = 0;
  std::vector<float> q_, o_;          // [n][hd]
  std::vector<float> m_, l_;          // [n]
  std::vector<float> s_;              // [n][kKeyTile] scores, then probabilities, of the current key tile
  std::vector<int> lim_, active_;     // keys of the tile each query sees; queries that see any
  std::vector<float*> capture_;       // [n]
  std::vector<Normaliser> runs_;      // [n][runs]
  std::vector<float> kt_;             // [head_dim][kKeyTile] scratch of the vector loops
};

// Query a of `n_parts` tiles that attended disjoint key sets: writes acc/sum of the union to out (head_dim floats;
// zeros when no part saw a key) and returns the union's normaliser.
Normaliser combine_parts(const QueryTile* const* parts, int n_parts, int a, float* out);
// Softmax mass of run `slot` of query a over all parts, under the union's normaliser z.
float combined_run_mass(const QueryTile* const* parts, int n_parts, int a, int slot, const Normaliser& z);
// p[j] = exp(s[j] − z.max) / z.sum, j < n (the exponential the attention loops use).
void probabilities(const float* s, int64_t n, const Normaliser& z, float* p);

// Into how many key ranges to split each of `groups` query groups over `keys` keys so that `threads` threads
// stay busy: 1 when there are enough groups, never ranges shorter than ~1k keys.
int key_parts(int64_t groups, int64_t keys, int threads);

// Runs fn(i) for every i in [0, n) on the pool's threads (pool may be null: serially), handing out the
// indices one at a time in increasing order: tasks of uneven cost (causal attention) balance; put the heaviest
// first.
void for_each_task(ThreadPool* pool, int64_t n, const std::function<void(int64_t)>& fn);

}  // namespace hogwild::cpu
