// The shared attention loops (cpu/attention_kernels.h) and the plain causal cache (cpu/sequence_cache.h) against
// double-precision softmax attention (attention_reference.h), with both implementations: the plain loops and,
// where the CPU has it, AVX2/FMA. Shapes cover head sizes that are and are not multiples of 8, 1..64 queries
// per tile, runs shorter and longer than a key tile, per-query visibility (causal masks, nothing visible),
// several runs folded into one softmax (Hogwild blocks), key ranges split into parts and combined.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "attention_reference.h"
#include "common/thread_pool.h"
#include "cpu/attention_kernels.h"
#include "cpu/sequence_cache.h"

using namespace hogwild;
using cpu::AttentionIsa;

namespace {

// Every implementation this CPU runs.
std::vector<AttentionIsa> isas() {
  std::vector<AttentionIsa> v;
  for (AttentionIsa isa : {AttentionIsa::Scalar, AttentionIsa::Avx2, AttentionIsa::Avx512})
    if (cpu::attention_isa_supported(isa)) v.push_back(isa);
  return v;
}

// Restores the default implementation when a test ends.
struct IsaScope {
  explicit IsaScope(AttentionIsa isa) { cpu::set_attention_isa(isa); }
  ~IsaScope() { cpu::set_attention_isa(cpu::best_attention_isa()); }
};

std::vector<float> randn(std::mt19937& rng, size_t n, float sigma = 1.f) {
  std::normal_distribution<float> d(0.f, sigma);
  std::vector<float> x(n);
  for (auto& e : x) e = d(rng);
  return x;
}

struct TileCase {
  int hd, n;
  std::vector<int64_t> run_len;  // keys of each run (a Hogwild block)
  int parts;                     // key ranges per run, combined afterwards
  float sharpness;               // query scale: large = peaked softmax (many rescales of the running max)
};

// n queries, each with its own query vector per run and its own visible prefix of every run, folded into one
// softmax over all runs; compared with the reference over the concatenation of the visible keys.
void check_tile_case(const TileCase& c, AttentionIsa isa, uint32_t seed) {
  SCOPED_TRACE("isa " + std::string(cpu::attention_isa_name(isa)) + " hd " + std::to_string(c.hd) + " n " +
               std::to_string(c.n) + " parts " + std::to_string(c.parts) + " seed " + std::to_string(seed));
  IsaScope scope(isa);
  std::mt19937 rng(seed);
  const int hd = c.hd, n = c.n, R = static_cast<int>(c.run_len.size());
  const int64_t stride = 3 * hd + 8;  // rows of interleaved heads, like the plain cache
  std::vector<std::vector<float>> K(R), V(R), Q(R);
  std::vector<std::vector<int64_t>> vis(R, std::vector<int64_t>(static_cast<size_t>(n)));
  for (int r = 0; r < R; ++r) {
    K[r] = randn(rng, static_cast<size_t>(c.run_len[r] * stride));
    V[r] = randn(rng, static_cast<size_t>(c.run_len[r] * stride));
    Q[r] = randn(rng, static_cast<size_t>(n) * hd, c.sharpness / std::sqrt(static_cast<float>(hd)));
    for (int a = 0; a < n; ++a) {
      // Mostly causal-like prefixes; some queries see nothing of a run, some see all of it.
      std::uniform_int_distribution<int64_t> len(0, c.run_len[r]);
      int64_t v = len(rng);
      if (a % 5 == 1) v = 0;
      if (a % 5 == 2) v = c.run_len[r];
      vis[r][static_cast<size_t>(a)] = v;
    }
  }
  // Give the first run's keys rising scores for query 0 (0 … 30): its running max moves tile after tile.
  float q0_norm2 = 0.f;
  for (int d = 0; d < hd; ++d) q0_norm2 += Q[0][static_cast<size_t>(d)] * Q[0][static_cast<size_t>(d)];
  for (int64_t j = 0; j < c.run_len[0]; ++j)
    for (int d = 0; d < hd; ++d)
      K[0][static_cast<size_t>(j * stride + d)] = Q[0][static_cast<size_t>(d)] * (30.f * j / (c.run_len[0] * q0_norm2));

  std::vector<cpu::QueryTile> tiles(static_cast<size_t>(c.parts));
  std::vector<std::vector<float>> captured(static_cast<size_t>(R));
  for (int r = 0; r < R; ++r) captured[r].assign(static_cast<size_t>(c.run_len[r]), NAN);
  for (int p = 0; p < c.parts; ++p) {
    cpu::QueryTile& t = tiles[static_cast<size_t>(p)];
    t.reset(n, hd, R);
    for (int r = 0; r < R; ++r) {
      for (int a = 0; a < n; ++a) std::copy_n(Q[r].data() + static_cast<size_t>(a) * hd, hd, t.query(a));
      t.capture_scores(0, captured[r].data());  // query 0's raw scores, every part writes its own range
      const int64_t j0 = c.run_len[r] * p / c.parts, j1 = c.run_len[r] * (p + 1) / c.parts;
      t.attend(cpu::KeyRun{K[r].data(), V[r].data(), stride}, j0, j1, vis[r].data(), r);
    }
  }
  std::vector<const cpu::QueryTile*> parts;
  for (const auto& t : tiles) parts.push_back(&t);

  for (int a = 0; a < n; ++a) {
    // Reference: the visible keys of all runs, concatenated (raw scores: queries carry the scale).
    std::vector<double> keys, values;
    std::vector<int> run_of;
    std::vector<int64_t> index;
    std::vector<std::vector<double>> qs(static_cast<size_t>(R));
    int64_t total = 0;
    for (int r = 0; r < R; ++r)
      for (int64_t j = 0; j < vis[r][static_cast<size_t>(a)]; ++j, ++total) {
        // Each run has its own query: fold it into the key (q_r ⊙ k_j) and use a query of ones, so that one
        // reference call scores every run's keys with that run's query.
        for (int d = 0; d < hd; ++d) {
          keys.push_back(static_cast<double>(Q[r][static_cast<size_t>(a) * hd + d]) * K[r][static_cast<size_t>(j * stride + d)]);
          values.push_back(V[r][static_cast<size_t>(j * stride + d)]);
        }
        run_of.push_back(r);
        index.push_back(j);
      }
    std::vector<float> out(static_cast<size_t>(hd), 123.f);
    const cpu::Normaliser z = cpu::combine_parts(parts.data(), c.parts, a, out.data());
    if (total == 0) {
      for (float o : out) ASSERT_EQ(o, 0.f) << "query " << a << " saw no key";
      for (int r = 0; r < R; ++r) ASSERT_EQ(cpu::combined_run_mass(parts.data(), c.parts, a, r, z), 0.f);
      continue;
    }
    std::vector<double> probs;
    const std::vector<double> ones(static_cast<size_t>(hd), 1.0);
    const std::vector<double> want = test::softmax_attention_ref(ones, keys, values, total, hd, 1.0, &probs);
    ASSERT_LT(test::relative_error(out.data(), want), 1e-5) << "query " << a;
    std::vector<double> mass(static_cast<size_t>(R), 0.0);
    for (int64_t j = 0; j < total; ++j) mass[static_cast<size_t>(run_of[static_cast<size_t>(j)])] += probs[static_cast<size_t>(j)];
    for (int r = 0; r < R; ++r)
      ASSERT_NEAR(cpu::combined_run_mass(parts.data(), c.parts, a, r, z), mass[static_cast<size_t>(r)], 1e-5) << "run " << r;
    if (a != 0) continue;
    // Query 0: its captured scores and their probabilities under the combined normaliser.
    for (int64_t j = 0; j < total; ++j) {
      const int r = run_of[static_cast<size_t>(j)];
      const int64_t i = index[static_cast<size_t>(j)];
      const float s = captured[static_cast<size_t>(r)][static_cast<size_t>(i)];
      float p;
      cpu::probabilities(&s, 1, z, &p);
      // fp32 scores carry a rounding error of ~|s|·6e-8, which exp turns into a relative error of p.
      ASSERT_NEAR(p, probs[static_cast<size_t>(j)], 1e-6 + 3e-7 * std::abs(s) * probs[static_cast<size_t>(j)])
          << "run " << r << " key " << i << " score " << s;
    }
  }
}

TEST(QueryTile, EqualsSoftmaxAttention) {
  const std::vector<TileCase> cases = {
      {64, 1, {300}, 1, 1.f},         {64, 2, {64}, 1, 1.f},        {64, 3, {65, 7}, 1, 1.f},
      {64, 7, {1, 130, 0, 40}, 1, 4.f}, {64, 64, {257}, 1, 1.f},    {128, 5, {200, 90}, 1, 1.f},
      {8, 9, {100, 3}, 1, 1.f},       {16, 4, {77}, 1, 1.f},        {24, 3, {150}, 1, 2.f},
      {12, 6, {90, 30}, 1, 1.f},      {6, 2, {70}, 1, 1.f},         {64, 3, {3000, 50}, 3, 1.f},
      {64, 6, {700, 700, 5}, 2, 8.f}, {32, 12, {129}, 4, 1.f},      {64, 1, {2}, 2, 30.f},
  };
  uint32_t seed = 1;
  for (AttentionIsa isa : isas())
    for (const auto& c : cases) check_tile_case(c, isa, seed++);
}

TEST(QueryTile, ProbabilitiesUseAnAccurateExponential) {
  for (AttentionIsa isa : isas()) {
    IsaScope scope(isa);
    std::vector<float> s;
    for (int i = 0; i <= 2000; ++i) s.push_back(-100.f + 0.05f * static_cast<float>(i));
    std::vector<float> p(s.size());
    cpu::probabilities(s.data(), static_cast<int64_t>(s.size()), cpu::Normaliser{0.f, 1.f}, p.data());
    for (size_t i = 0; i < s.size(); ++i) {
      const double want = std::exp(static_cast<double>(s[i]));
      if (s[i] > -80.f) ASSERT_NEAR(p[i] / want, 1.0, 1e-6) << cpu::attention_isa_name(isa) << " exp(" << s[i] << ")";
      else ASSERT_LE(p[i], 1e-34f);
    }
  }
}

TEST(AttentionTasks, KeyPartsKeepEveryThreadBusy) {
  EXPECT_EQ(cpu::key_parts(100, 8192, 2), 1);   // prefill: plenty of query tiles
  EXPECT_EQ(cpu::key_parts(3, 8192, 1), 1);     // one thread
  EXPECT_EQ(cpu::key_parts(3, 4096, 2), 2);     // decode, 3 KV heads, 2 threads: 6 equal tasks
  EXPECT_EQ(cpu::key_parts(3, 512, 2), 1);      // short context: not worth splitting
  EXPECT_EQ(cpu::key_parts(1, 1500, 4), 1);     // parts of ≥ 1024 keys only
  EXPECT_EQ(cpu::key_parts(2, 8192, 3), 3);     // 6 tasks on 3 threads
}

TEST(AttentionTasks, EveryTaskRunsOnce) {
  ThreadPool pool(3);
  for (int64_t n : {0, 1, 2, 5, 1000}) {
    std::vector<std::atomic<int>> runs(static_cast<size_t>(n));
    cpu::for_each_task(&pool, n, [&](int64_t i) { runs[static_cast<size_t>(i)].fetch_add(1); });
    for (auto& r : runs) ASSERT_EQ(r.load(), 1);
  }
  int serial = 0;
  cpu::for_each_task(nullptr, 4, [&](int64_t) { ++serial; });
  EXPECT_EQ(serial, 4);
}

// ---------------------------------------------------------------- the plain causal cache

struct SeqCase {
  int heads, kv, hd;
  RopeStyle style;
};

// Rows of different lengths through prefill (left padding), a long prefill that needs several query tiles,
// and decode passes long enough for the keys to be split across threads.
void check_sequence_cache(const SeqCase& sc, AttentionIsa isa, int threads, int64_t long_prefill) {
  SCOPED_TRACE(std::string(cpu::attention_isa_name(isa)) + " heads " + std::to_string(sc.heads) + "/" + std::to_string(sc.kv) +
               " hd " + std::to_string(sc.hd) + " threads " + std::to_string(threads));
  IsaScope scope(isa);
  ModelConfig c;
  c.n_layers = 2;
  c.n_heads = sc.heads;
  c.n_kv_heads = sc.kv;
  c.head_dim = sc.hd;
  c.rope_dim = sc.hd;
  c.rope_theta = 10000.f;
  c.rope_style = sc.style;
  c.dim = sc.heads * sc.hd;
  const int rows = 2, qd = sc.heads * sc.hd, kvd = sc.kv * sc.hd, group = sc.heads / sc.kv;
  ThreadPool pool(threads);
  cpu::SequenceCache cache(c, rows, 4096, &pool);
  std::mt19937 rng(static_cast<uint32_t>(sc.heads * 100 + sc.hd + threads));
  // Raw (unrotated) k and v of every token so far: [layer][row][pos][kvd].
  std::vector<std::vector<std::vector<std::vector<float>>>> hist(c.n_layers, std::vector<std::vector<std::vector<float>>>(rows));
  std::vector<std::vector<std::vector<std::vector<float>>>> vhist = hist;
  int64_t checked = 0;
  const std::vector<std::vector<int>> passes = {{40, 9}, {static_cast<int>(long_prefill), 1}, {1, 1}, {3, 1}, {1, 2}};
  for (const auto& counts : passes) {
    std::vector<std::vector<int32_t>> toks(rows);
    for (int r = 0; r < rows; ++r) toks[r].assign(static_cast<size_t>(counts[r]), 5);
    const ForwardBatch batch = ForwardBatch::from_rows(toks);
    const int L = batch.len;
    cache.begin_pass(batch);
    for (int l = 0; l < c.n_layers; ++l) {
      std::vector<float> q = randn(rng, static_cast<size_t>(rows) * L * qd), k = randn(rng, static_cast<size_t>(rows) * L * kvd),
                         v = randn(rng, static_cast<size_t>(rows) * L * kvd);
      const std::vector<float> q_raw = q;
      for (int r = 0; r < rows; ++r)
        for (int t = L - counts[r]; t < L; ++t) {
          const size_t s = static_cast<size_t>(r) * L + t;
          hist[l][r].emplace_back(k.begin() + s * kvd, k.begin() + (s + 1) * kvd);
          vhist[l][r].emplace_back(v.begin() + s * kvd, v.begin() + (s + 1) * kvd);
        }
      std::vector<float> out(q.size(), 1e30f);
      cache.attend(l, q.data(), k.data(), v.data(), out.data());
      for (int r = 0; r < rows; ++r) {
        const int64_t n_keys = static_cast<int64_t>(hist[l][r].size());
        // Every key of the row rotated at its position, per KV head: [g][j][hd]; values likewise (unrotated).
        std::vector<std::vector<double>> keys(static_cast<size_t>(sc.kv)), values(static_cast<size_t>(sc.kv));
        for (int g = 0; g < sc.kv; ++g)
          for (int64_t j = 0; j < n_keys; ++j) {
            const auto& kj = hist[l][r][static_cast<size_t>(j)];
            const auto& vj = vhist[l][r][static_cast<size_t>(j)];
            const size_t at = keys[g].size();
            keys[g].insert(keys[g].end(), kj.begin() + g * sc.hd, kj.begin() + (g + 1) * sc.hd);
            values[g].insert(values[g].end(), vj.begin() + g * sc.hd, vj.begin() + (g + 1) * sc.hd);
            test::rotate_ref(&keys[g][at], sc.hd, sc.style, c.rope_theta, j);
          }
        for (int t = L - counts[r]; t < L; ++t) {
          const int64_t pos = n_keys - (L - t);
          if (counts[r] > 64 && t % 13 != 0 && t != L - 1) continue;  // long prefill: a sample of the queries
          const size_t s = static_cast<size_t>(r) * L + t;
          for (int h = 0; h < sc.heads; ++h) {
            std::vector<double> qr(static_cast<size_t>(sc.hd));
            for (int d = 0; d < sc.hd; ++d) qr[static_cast<size_t>(d)] = q_raw[s * qd + static_cast<size_t>(h) * sc.hd + d];
            test::rotate_ref(qr.data(), sc.hd, sc.style, c.rope_theta, pos);
            const auto want = test::softmax_attention_ref(qr, keys[h / group], values[h / group], pos + 1, sc.hd,
                                                          1.0 / std::sqrt(static_cast<double>(sc.hd)));
            ASSERT_LT(test::relative_error(out.data() + s * qd + static_cast<size_t>(h) * sc.hd, want), 1e-5)
                << "layer " << l << " row " << r << " position " << pos << " head " << h;
            ++checked;
          }
        }
        for (int t = 0; t < L - counts[r]; ++t)  // padding: zeros
          for (int i = 0; i < qd; ++i) ASSERT_EQ(out[(static_cast<size_t>(r) * L + t) * qd + i], 0.f);
      }
    }
    cache.end_pass();
  }
  EXPECT_GT(checked, 0);
  EXPECT_EQ(cache.length(0), 45 + long_prefill);
  EXPECT_EQ(cache.length(1), 14);
}

TEST(SequenceCache, EqualsCausalAttention) {
  for (AttentionIsa isa : isas()) {
    check_sequence_cache({6, 2, 64, RopeStyle::NeoX}, isa, 3, 300);        // SmolLM2-like GQA, several query tiles
    check_sequence_cache({4, 4, 8, RopeStyle::Interleaved}, isa, 2, 150);  // tiny heads (stories260K)
    check_sequence_cache({2, 1, 20, RopeStyle::NeoX}, isa, 1, 150);        // head size not a multiple of 8, serial
  }
}

// A 2,100-token prompt, then decode passes whose keys are split across the threads (≥ 2 ranges of ≥ 1k keys).
TEST(SequenceCache, LongContextSplitsDecodeKeys) {
  for (AttentionIsa isa : isas())
    if (!test::kSanitizedBuild || isa == cpu::best_attention_isa()) check_sequence_cache({3, 1, 64, RopeStyle::NeoX}, isa, 3, 2100);
}

}  // namespace
