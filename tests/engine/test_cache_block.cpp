// CacheBlock (hogwild-method.md §5.3, §6, §12b, §12d, §12f) and the context-full guarantee of
// HogwildAttention. References are computed in double from the RoPE definition, not with the block.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/error.h"
#include "model/rope.h"
#include "hogwild/cache_block.h"
#include "hogwild/hogwild_attention.h"

using namespace hogwild;

namespace {

// R(pos)·x in double (§5.1).
std::vector<double> rotated(const float* x, int hd, RopeStyle style, double theta, int64_t pos) {
  std::vector<double> y(x, x + hd);
  for (int d = 0; d < hd / 2; ++d) {
    const double a = static_cast<double>(pos) * std::pow(theta, -2.0 * d / hd);
    const int i0 = style == RopeStyle::Interleaved ? 2 * d : d, i1 = style == RopeStyle::Interleaved ? 2 * d + 1 : d + hd / 2;
    const double u = y[i0], v = y[i1];
    y[i0] = u * std::cos(a) - v * std::sin(a);
    y[i1] = v * std::cos(a) + u * std::sin(a);
  }
  return y;
}

double rel_err(const float* got, const std::vector<double>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    num += (got[i] - want[i]) * (got[i] - want[i]);
    den += want[i] * want[i];
  }
  return std::sqrt(num / den);
}

std::vector<float> randn(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> x(n);
  for (auto& e : x) e = d(rng);
  return x;
}

struct RopeCase {
  RopeStyle style;
  double theta;
};
const RopeCase kRopes[] = {{RopeStyle::Interleaved, 1e4}, {RopeStyle::NeoX, 1e4}, {RopeStyle::NeoX, 1e6}};

// Merge into a long common block: R(C)·R(j)·k must equal R(C+j)·k to fp32 rounding at C ≈ 60000.
// This holds only because angles are formed in double before converting cos/sin to fp32 (§12f); with fp32
// angles the phase error at 60000 rad would be ~4e-3.
TEST(CacheBlock, MergeRotationEqualsRotationAtNewPosition) {
  const int hd = 64, kv = 2;
  for (const auto& rc : kRopes) {
    const Rope rope(hd, hd, rc.theta, rc.style);
    CacheBlock common(1, kv, hd, rope), step(1, kv, hd, rope);
    const int64_t C = 60001;
    const std::vector<float> zeros(static_cast<size_t>(C) * kv * hd, 0.f);
    common.append(0, C, zeros.data(), zeros.data(), kv * hd);
    const int n = 9;
    const auto k = randn(static_cast<size_t>(n) * kv * hd, 1), v = randn(static_cast<size_t>(n) * kv * hd, 2);
    step.append(0, n, k.data(), v.data(), kv * hd);
    common.append_rotated_from(step, 0, n, common.length());
    ASSERT_EQ(common.length(), C + n);
    double worst = 0;
    for (int j = 0; j < n; ++j)
      for (int h = 0; h < kv; ++h) {
        const float* raw = &k[(static_cast<size_t>(j) * kv + h) * hd];
        worst = std::max(worst, rel_err(common.key(0, h, C + j), rotated(raw, hd, rc.style, rc.theta, C + j)));
        ASSERT_EQ(std::memcmp(common.value(0, h, C + j), &v[(static_cast<size_t>(j) * kv + h) * hd], hd * sizeof(float)), 0);
      }
    // Two fp32 rotations: a few ulp of relative error (fp32 epsilon is 1.2e-7).
    EXPECT_LT(worst, 1e-6) << "theta " << rc.theta;
  }
}

// §12b move: dropping the head of n tokens moves the tail to positions 0.. with R(−n).
TEST(CacheBlock, DropHeadMovesTailToFront) {
  const int hd = 16, kv = 3, layers = 2;
  for (const auto& rc : kRopes) {
    const Rope rope(hd, hd, rc.theta, rc.style);
    CacheBlock b(layers, kv, hd, rope);
    const int n = 40;
    const auto k = randn(static_cast<size_t>(n) * kv * hd, 3), v = randn(static_cast<size_t>(n) * kv * hd, 4);
    for (int l = 0; l < layers; ++l) b.append(l, n, k.data(), v.data(), kv * hd);
    b.drop_head(29);
    ASSERT_EQ(b.length(), 11);
    for (int l = 0; l < layers; ++l)
      for (int i = 0; i < 11; ++i)
        for (int h = 0; h < kv; ++h) {
          const size_t src = (static_cast<size_t>(29 + i) * kv + h) * hd;
          EXPECT_LT(rel_err(b.key(l, h, i), rotated(&k[src], hd, rc.style, rc.theta, i)), 1e-6);
          EXPECT_EQ(std::memcmp(b.value(l, h, i), &v[src], hd * sizeof(float)), 0);
        }
    b.drop_head(11);
    EXPECT_EQ(b.length(), 0);
  }
}

// Appends in small chunks from capacity 0: every growth keeps keys (rotated at their block-local
// position) and values; the capacity grows geometrically.
TEST(CacheBlock, GrowthKeepsContents) {
  const int hd = 8, kv = 2, layers = 3;
  const Rope rope(hd, hd, 1e4, RopeStyle::Interleaved);
  CacheBlock b(layers, kv, hd, rope);
  EXPECT_EQ(b.capacity(), 0);
  const int total = 1000;
  const auto k = randn(static_cast<size_t>(total) * kv * hd, 5), v = randn(static_cast<size_t>(total) * kv * hd, 6);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> chunk(1, 7);
  int done = 0, growths = 0;
  int64_t cap = b.capacity();
  while (done < total) {
    const int n = std::min(chunk(rng), total - done);
    for (int l = 0; l < layers; ++l) {
      b.append(l, n, &k[static_cast<size_t>(done) * kv * hd], &v[static_cast<size_t>(done) * kv * hd], kv * hd);
      if (l + 1 < layers) {
        EXPECT_EQ(b.length(), done);  // half-written pass: length() counts complete tokens
      }
    }
    done += n;
    ASSERT_EQ(b.length(), done);
    if (b.capacity() != cap) {
      ++growths;
      cap = b.capacity();
    }
  }
  EXPECT_LE(growths, 8);  // 16, 32, ..., 1024
  for (int l = 0; l < layers; ++l)
    for (int j = 0; j < total; ++j)
      for (int h = 0; h < kv; ++h) {
        const size_t src = (static_cast<size_t>(j) * kv + h) * hd;
        ASSERT_LT(rel_err(b.key(l, h, j), rotated(&k[src], hd, RopeStyle::Interleaved, 1e4, j)), 1e-6) << j;
        ASSERT_EQ(std::memcmp(b.value(l, h, j), &v[src], hd * sizeof(float)), 0);
      }
  b.truncate(10);
  EXPECT_EQ(b.length(), 10);
  b.clear();
  EXPECT_EQ(b.length(), 0);
  EXPECT_EQ(b.capacity(), cap);
}

// --- HogwildAttention: context full leaves the cache unchanged, aborted passes roll back.

struct Snapshot {
  std::vector<int64_t> lengths;
  std::vector<std::vector<float>> data;  // per block: keys+values of all layers/heads up to length
  static Snapshot of(const HogwildAttention& c) {
    Snapshot s;
    s.lengths = c.block_lengths();
    for (int id = 0; id < c.num_blocks(); ++id) {
      std::vector<float> d;
      const CacheBlock& b = c.block(id);
      for (int l = 0; l < c.n_layers(); ++l)
        for (int h = 0; h < c.n_kv_heads(); ++h) {
          d.insert(d.end(), b.keys(l, h), b.keys(l, h) + b.length() * c.head_dim());
          d.insert(d.end(), b.values(l, h), b.values(l, h) + b.length() * c.head_dim());
        }
      s.data.push_back(std::move(d));
    }
    return s;
  }
  bool operator==(const Snapshot&) const = default;
};

void run_pass(HogwildAttention& c, const std::vector<std::vector<int32_t>>& rows, uint32_t seed) {
  const ForwardBatch batch = ForwardBatch::from_rows(rows);
  const size_t slots = static_cast<size_t>(batch.rows) * batch.len;
  c.begin_pass(batch);
  for (int l = 0; l < c.n_layers(); ++l) {
    auto q = randn(slots * c.n_heads() * c.head_dim(), seed + 3 * l);
    auto k = randn(slots * c.n_kv_heads() * c.head_dim(), seed + 3 * l + 1);
    auto v = randn(slots * c.n_kv_heads() * c.head_dim(), seed + 3 * l + 2);
    std::vector<float> out(q.size());
    c.attend(l, q.data(), k.data(), v.data(), out.data());
  }
  c.end_pass();
}

TEST(HogwildAttentionContext, ContextFullLeavesCacheUnchanged) {
  const Rope rope(8, 8, 1e4, RopeStyle::NeoX);
  HogwildAttention c(2, 2, 4, 8, rope, Layout(LayoutKind::Combined, 2), 2, 40);
  c.set_prefill(c.block_id(BlockRole::Common));
  run_pass(c, {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1);  // 20
  c.set_prefill(c.block_id(BlockRole::HdrOthers));
  run_pass(c, {{1, 1, 1}}, 2);
  c.set_prefill(c.block_id(BlockRole::HdrOwn));
  run_pass(c, {{1, 1}}, 3);
  c.set_prefill(c.block_id(BlockRole::Marker, 0));
  run_pass(c, {{1}}, 4);
  c.copy_block(c.block_id(BlockRole::Marker, 1), c.block_id(BlockRole::Marker, 0));
  c.set_worker_pass();
  // Views: 20 + 3 + (step_j + 1) + 2 + step_i = 26 + 2·steps (both steps equal length) → full at 40.
  for (int p = 0; p < 7; ++p) run_pass(c, {{1}, {1}}, 10 + p);
  EXPECT_EQ(c.view_length(0), 40);
  const Snapshot before = Snapshot::of(c);
  try {
    run_pass(c, {{1}, {1, 1}}, 99);
    FAIL() << "expected context full";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "context full: worker 1's view would reach 43 tokens, the model's context is 40");
  }
  EXPECT_FALSE(c.in_pass());
  EXPECT_TRUE(Snapshot::of(c) == before);
  // A prefill that would grow common past the context fails the same way.
  c.set_prefill(c.block_id(BlockRole::Common));
  EXPECT_THROW(run_pass(c, {{1}}, 5), ConfigError);
  EXPECT_TRUE(Snapshot::of(c) == before);
  // After a merge the views still fit (combined: common grows by what the step loses).
  c.merge_step(0, 3);
  EXPECT_EQ(c.view_length(0), 40);
  EXPECT_EQ(c.view_length(1), 40);
}

TEST(HogwildAttentionContext, UnfinishedPassRollsBack) {
  const Rope rope(8, 8, 1e4, RopeStyle::Interleaved);
  HogwildAttention c(3, 2, 4, 8, rope, Layout(LayoutKind::Interleaved, 2), 2, 1000);
  c.set_prefill(c.block_id(BlockRole::Common));
  run_pass(c, {{1, 1, 1, 1}}, 1);
  c.set_worker_pass();
  run_pass(c, {{1}, {1, 1}}, 2);
  const Snapshot before = Snapshot::of(c);
  const ForwardBatch batch = ForwardBatch::from_rows({{1, 1}, {1}});
  c.begin_pass(batch);
  auto q = randn(2 * 2 * 4 * 8, 9), k = randn(2 * 2 * 2 * 8, 10), v = randn(2 * 2 * 2 * 8, 11);
  std::vector<float> out(q.size());
  c.attend(0, q.data(), k.data(), v.data(), out.data());
  EXPECT_THROW(c.end_pass(), std::logic_error);  // layers 1 and 2 missing → rolled back
  EXPECT_TRUE(Snapshot::of(c) == before);
  c.begin_pass(batch);
  c.attend(0, q.data(), k.data(), v.data(), out.data());
  c.abort_pass();
  EXPECT_TRUE(Snapshot::of(c) == before);
  EXPECT_THROW(c.merge_step(0, 5), std::out_of_range);  // step 0 holds 1 token
}

}  // namespace
