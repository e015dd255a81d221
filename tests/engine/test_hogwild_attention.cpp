// Oracle 3 (hogwild-method.md §12g): for every layout, W, GQA shape, RoPE pairing and step history,
// HogwildAttention's output for every real query of every layer equals ordinary causal attention over the
// worker's EXPLICITLY CONCATENATED view, with every key rotated directly at its true view position.
//
// The reference below is deliberately independent of the engine's layout/location code:
//  * it records every logical token (its raw, unrotated k and v per layer) in named token lists;
//  * it builds each view by concatenating those lists in the order the method doc gives (§4.1, §4.2, §12a);
//  * it rotates keys and queries itself, in double precision, from the RoPE definition (§5.1);
//  * it runs a plain causal softmax in double over the concatenation.
// Merges are applied to the token lists (head of the step appended to common, tail stays), never to keys.
// The only engine facts it uses are the public block names and the block-id order of the statistics.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "attention_reference.h"
#include "common/error.h"
#include "cpu/attention_kernels.h"
#include "common/thread_pool.h"
#include "model/rope.h"
#include "hogwild/events.h"
#include "hogwild/hogwild_attention.h"

using namespace hogwild;

namespace {

struct Shape {
  int heads, kv, hd;
};
const Shape kShapes[] = {{4, 4, 8}, {8, 2, 16}, {6, 3, 32}, {8, 4, 8}, {3, 1, 64} /* SmolLM2: head_dim 64, 3 query heads per KV head */};
constexpr int kLayers = 3;
constexpr int kDrillLayer = 1;

using test::rotate_ref;  // R(pos) in double, straight from §5.1 (attention_reference.h)

struct Token {
  std::vector<std::vector<float>> k, v;  // [layer][kv*hd], raw (unrotated)
};

class Scenario {
 public:
  Scenario(LayoutKind kind, int W, Shape shape, RopeStyle style, double theta, uint32_t seed, bool threaded)
      : kind_(kind), W_(W), sh_(shape), style_(style), theta_(theta), rng_(seed) {
    if (threaded) pool_ = std::make_unique<ThreadPool>(3);
    cache_ = std::make_unique<HogwildAttention>(kLayers, sh_.kv, sh_.heads, sh_.hd, Rope(sh_.hd, sh_.hd, theta, style),
                                                Layout(kind, W), W, 1 << 20, pool_.get());
    cache_->set_stats_enabled(true);
    cache_->set_drill_layer(kDrillLayer);
    for (int id = 0; id < cache_->num_blocks(); ++id) lists_[cache_->block_name(id)];  // every block, empty
  }

  HogwildAttention& cache() { return *cache_; }
  // A second cache that gets every call but attends with attend_on_this_thread(): each of its outputs must be the
  // pooled cache's to the bit (CpuBackend::forward_many runs several caches that way). Before the first pass.
  void enable_twin() {
    twin_ = std::make_unique<HogwildAttention>(kLayers, sh_.kv, sh_.heads, sh_.hd, Rope(sh_.hd, sh_.hd, theta_, style_),
                                               Layout(kind_, W_), W_, 1 << 20, pool_.get());
  }
  int64_t twin_compared() const { return twin_compared_; }
  std::mt19937& rng() { return rng_; }
  double max_err() const { return max_err_; }
  double max_mass_err() const { return max_mass_err_; }
  int64_t checked() const { return checked_; }
  // Long prefills: check every n-th query slot of a pass with more than 64 tokens (and always the last one).
  void set_sample(int every) { sample_ = every; }
  const std::vector<int>& list(const std::string& name) { return lists_.at(name); }
  static std::string wname(const char* role, int w) { return std::string(role) + ":" + std::to_string(w); }

  // The view of worker i as the method doc defines it (§4.1, §4.2, §12a), as a list of block names.
  std::vector<std::string> view_names(int i) const {
    std::vector<std::string> v;
    switch (kind_) {
      case LayoutKind::Contiguous:
        v.push_back("prompt");
        for (int j = 0; j < W_; ++j)
          if (j != i) v.push_back(wname("ws", j));
        v.push_back("split");
        v.push_back(wname("ws", i));
        break;
      case LayoutKind::Interleaved:
        v = {"common", wname("step", i)};
        break;
      case LayoutKind::Combined:
        v = {"common", "hdr_others"};
        for (int j = 0; j < W_; ++j)
          if (j != i) {
            v.push_back(wname("step", j));
            v.push_back(wname("marker", j));
          }
        v.push_back("hdr_own");
        v.push_back(wname("step", i));
        break;
    }
    return v;
  }
  std::string own_name(int w) const { return wname(kind_ == LayoutKind::Contiguous ? "ws" : "step", w); }
  int id_of(const std::string& name) const {
    for (int id = 0; id < cache_->num_blocks(); ++id)
      if (cache_->block_name(id) == name) return id;
    ADD_FAILURE() << "no block " << name;
    return 0;
  }

  void prefill(const std::string& name, int n) {
    cache_->set_prefill(id_of(name));
    if (twin_) twin_->set_prefill(id_of(name));
    run_pass({name}, {n}, false);
  }
  void worker_pass(const std::vector<int>& counts) {
    cache_->set_worker_pass();
    if (twin_) twin_->set_worker_pass();
    std::vector<std::string> targets;
    for (int w = 0; w < W_; ++w) targets.push_back(own_name(w));
    run_pass(targets, counts, true);
  }
  // Step merge on the token lists: head [0, n) of the step joins common, the tail stays.
  void merge(int w, int n) {
    cache_->merge_step(w, n);
    if (twin_) twin_->merge_step(w, n);
    auto& step = lists_.at(own_name(w));
    auto& common = lists_.at("common");
    common.insert(common.end(), step.begin(), step.begin() + n);
    step.erase(step.begin(), step.begin() + n);
  }
  // A block copy (markers): new logical tokens with the same k/v.
  void copy(const std::string& dst, const std::string& src) {
    cache_->copy_block(id_of(dst), id_of(src));
    if (twin_) twin_->copy_block(id_of(dst), id_of(src));
    auto& d = lists_.at(dst);
    d.clear();
    for (int id : lists_.at(src)) {
      tokens_.push_back(tokens_[static_cast<size_t>(id)]);
      d.push_back(static_cast<int>(tokens_.size()) - 1);
    }
  }

  // Checks the block lengths the cache reports against the token lists.
  void check_lengths() {
    for (int id = 0; id < cache_->num_blocks(); ++id)
      ASSERT_EQ(cache_->block_length(id), static_cast<int64_t>(lists_.at(cache_->block_name(id)).size()))
          << cache_->block_name(id);
    for (int w = 0; w < W_; ++w) {
      int64_t n = 0;
      for (const auto& b : view_names(w)) n += static_cast<int64_t>(lists_.at(b).size());
      ASSERT_EQ(cache_->view_length(w), n);
    }
  }

 private:
  std::vector<float> randn(size_t n) {
    std::normal_distribution<float> d(0.f, 1.f);
    std::vector<float> x(n);
    for (auto& e : x) e = d(rng_);
    return x;
  }

  void run_pass(const std::vector<std::string>& targets, const std::vector<int>& counts, bool worker) {
    const int rows = static_cast<int>(counts.size());
    const int L = *std::max_element(counts.begin(), counts.end());
    const int qd = sh_.heads * sh_.hd, kvd = sh_.kv * sh_.hd;
    std::vector<std::vector<int32_t>> row_tokens(static_cast<size_t>(rows));
    for (int r = 0; r < rows; ++r) row_tokens[r].assign(static_cast<size_t>(counts[r]), 7);
    const ForwardBatch batch = ForwardBatch::from_rows(row_tokens);
    // Random q/k/v for every slot, padding included (the cache must ignore padded k/v).
    std::vector<std::vector<float>> q(kLayers), k(kLayers), v(kLayers);
    for (int l = 0; l < kLayers; ++l) {
      q[l] = randn(static_cast<size_t>(rows) * L * qd);
      k[l] = randn(static_cast<size_t>(rows) * L * kvd);
      v[l] = randn(static_cast<size_t>(rows) * L * kvd);
    }
    // Record the new logical tokens (all rows) before attention: instant sync.
    std::vector<std::vector<int>> slot_token(static_cast<size_t>(rows), std::vector<int>(static_cast<size_t>(L), -1));
    for (int r = 0; r < rows; ++r)
      for (int t = L - counts[r]; t < L; ++t) {
        Token tok;
        const size_t slot = static_cast<size_t>(r) * L + t;
        for (int l = 0; l < kLayers; ++l) {
          tok.k.emplace_back(k[l].begin() + slot * kvd, k[l].begin() + (slot + 1) * kvd);
          tok.v.emplace_back(v[l].begin() + slot * kvd, v[l].begin() + (slot + 1) * kvd);
        }
        tokens_.push_back(std::move(tok));
        slot_token[r][t] = static_cast<int>(tokens_.size()) - 1;
        lists_.at(targets[r]).push_back(slot_token[r][t]);
      }

    cache_->begin_pass(batch);
    if (twin_) twin_->begin_pass(batch);
    for (int l = 0; l < kLayers; ++l) {
      std::vector<float> qc = q[l], kc = k[l], out(q[l].size(), 1e30f);
      cache_->attend(l, qc.data(), kc.data(), v[l].data(), out.data());
      if (twin_) {
        std::vector<float> qt = q[l], kt = k[l], out_t(q[l].size(), -1e30f);
        twin_->attend_on_this_thread(l, qt.data(), kt.data(), v[l].data(), out_t.data());
        for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out_t[i], out[i]) << "layer " << l << " at " << i;
        ++twin_compared_;
      }
      for (int r = 0; r < rows; ++r) {
        // The view of this row: the method's block order for a worker, the block alone for a prefill.
        const std::vector<std::string> names = worker ? view_names(r) : std::vector<std::string>{targets[r]};
        check_row(l, r, L, counts[r], names, slot_token[r], q[l], out, worker);
      }
    }
    cache_->end_pass();
    if (twin_) twin_->end_pass();
    check_lengths();
  }

  // Dense reference for row r at layer l over the concatenated view `names`.
  void check_row(int l, int r, int L, int n_real, const std::vector<std::string>& names, const std::vector<int>& slot_token,
                 const std::vector<float>& q, const std::vector<float>& out, bool worker) {
    const int hd = sh_.hd, qd = sh_.heads * hd, group = sh_.heads / sh_.kv;
    // Concatenate: view position p ↔ token, and the block (name) each position came from.
    std::vector<int> seq;
    std::vector<std::string> owner;
    std::vector<int64_t> index_in_block;
    for (const auto& b : names) {
      const auto& lst = lists_.at(b);
      for (size_t j = 0; j < lst.size(); ++j) {
        seq.push_back(lst[j]);
        owner.push_back(b);
        index_in_block.push_back(static_cast<int64_t>(j));
      }
    }
    const int64_t N = static_cast<int64_t>(seq.size());
    // Keys rotated at their TRUE view position, in double: [N][kv][hd].
    std::vector<double> K(static_cast<size_t>(N) * sh_.kv * hd);
    for (int64_t p = 0; p < N; ++p)
      for (int g = 0; g < sh_.kv; ++g) {
        double* kp = &K[(static_cast<size_t>(p) * sh_.kv + g) * hd];
        const auto& raw = tokens_[static_cast<size_t>(seq[p])].k[l];
        for (int d = 0; d < hd; ++d) kp[d] = raw[static_cast<size_t>(g) * hd + d];
        rotate_ref(kp, hd, style_, theta_, p);
      }
    const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    std::vector<double> drill(static_cast<size_t>(N), 0.0);
    for (int t = L - n_real; t < L; ++t) {
      if (n_real > 64 && t % sample_ != 0 && t != L - 1) continue;
      const int64_t p = std::find(seq.begin(), seq.end(), slot_token[t]) - seq.begin();
      ASSERT_LT(p, N) << "query token not in its own view";
      const size_t slot = static_cast<size_t>(r) * L + t;
      std::map<std::string, double> mass;
      for (int h = 0; h < sh_.heads; ++h) {
        const int g = h / group;
        std::vector<double> qr(static_cast<size_t>(hd));
        for (int d = 0; d < hd; ++d) qr[d] = q[slot * qd + static_cast<size_t>(h) * hd + d];
        rotate_ref(qr.data(), hd, style_, theta_, p);
        std::vector<double> s(static_cast<size_t>(p + 1));
        double m = -1e300;
        for (int64_t j = 0; j <= p; ++j) {  // plain causal mask over the concatenation
          double a = 0;
          for (int d = 0; d < hd; ++d) a += qr[d] * K[(static_cast<size_t>(j) * sh_.kv + g) * hd + d];
          s[j] = a * scale;
          m = std::max(m, s[j]);
        }
        double sum = 0;
        for (auto& e : s) sum += (e = std::exp(e - m));
        std::vector<double> ref(static_cast<size_t>(hd), 0.0);
        for (int64_t j = 0; j <= p; ++j) {
          s[j] /= sum;
          const auto& vv = tokens_[static_cast<size_t>(seq[j])].v[l];
          for (int d = 0; d < hd; ++d) ref[d] += s[j] * vv[static_cast<size_t>(g) * hd + d];
        }
        double num = 0, den = 0;
        for (int d = 0; d < hd; ++d) {
          const double o = out[slot * qd + static_cast<size_t>(h) * hd + d];
          num += (o - ref[d]) * (o - ref[d]);
          den += ref[d] * ref[d];
        }
        const double err = std::sqrt(num / std::max(den, 1e-30));
        max_err_ = std::max(max_err_, err);
        ++checked_;
        ASSERT_LT(err, 1e-5) << "layer " << l << " row " << r << " slot " << t << " head " << h << " view pos " << p;
        if (worker && t == L - 1) {
          // Reference block masses of the newest query vs the engine's statistics (§12e).
          std::map<std::string, double> mh;
          for (int64_t j = 0; j <= p; ++j) mh[owner[j]] += s[j];
          double total = 0;
          for (int id = 0; id < cache_->num_blocks(); ++id) {
            const float got = cache_->stats().at(r, l, h, id);
            const auto it = mh.find(cache_->block_name(id));
            const double want = it == mh.end() ? 0.0 : it->second;
            max_mass_err_ = std::max(max_mass_err_, std::abs(got - want));
            ASSERT_NEAR(got, want, 1e-5) << "mass of " << cache_->block_name(id) << " layer " << l << " head " << h;
            total += got;
          }
          ASSERT_NEAR(total, 1.0, 1e-5);
          if (l == kDrillLayer)
            for (int64_t j = 0; j <= p; ++j) drill[j] += s[j] / sh_.heads;
        }
      }
    }
    if (worker && l == kDrillLayer) {
      // Drill row: concatenated over blocks in block-id order, lengths after the pass.
      const auto& row = cache_->stats().drill().at(static_cast<size_t>(r));
      std::map<std::string, int64_t> offset;
      int64_t off = 0;
      for (int id = 0; id < cache_->num_blocks(); ++id) {
        offset[cache_->block_name(id)] = off;
        off += static_cast<int64_t>(lists_.at(cache_->block_name(id)).size());
      }
      ASSERT_EQ(static_cast<int64_t>(row.size()), off);
      std::vector<double> want(row.size(), 0.0);
      for (int64_t j = 0; j < N; ++j) want[static_cast<size_t>(offset[owner[j]] + index_in_block[j])] = drill[j];
      for (size_t i = 0; i < row.size(); ++i) ASSERT_NEAR(row[i], want[i], 1e-5) << "drill index " << i;
    }
  }

  LayoutKind kind_;
  int W_;
  Shape sh_;
  RopeStyle style_;
  double theta_;
  std::mt19937 rng_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<HogwildAttention> cache_, twin_;
  int64_t twin_compared_ = 0;
  std::vector<Token> tokens_;
  std::map<std::string, std::vector<int>> lists_;  // block name → logical token ids in block order
  double max_err_ = 0, max_mass_err_ = 0;
  int64_t checked_ = 0;
  int sample_ = 1;
};

// Prefill as a session would: prompt/common in chunks, then the constant blocks.
void prefill_all(Scenario& sc, LayoutKind kind, int W, bool copy_markers) {
  std::uniform_int_distribution<int> chunk(3, 9);
  if (kind == LayoutKind::Contiguous) {
    sc.prefill("prompt", chunk(sc.rng()));
    sc.prefill("prompt", chunk(sc.rng()));
    sc.prefill("split", 3);
    return;
  }
  sc.prefill("common", chunk(sc.rng()));
  sc.prefill("common", chunk(sc.rng()));
  if (kind == LayoutKind::Combined) {
    sc.prefill("hdr_others", 4);
    sc.prefill("hdr_own", 3);
    sc.prefill("marker:0", 2);
    for (int w = 1; w < W; ++w) {
      if (copy_markers) sc.copy(Scenario::wname("marker", w), "marker:0");
      else sc.prefill(Scenario::wname("marker", w), 2);
    }
  }
}

// Random lock-step passes (1..4 new tokens per worker, left-padded) with random merges: whole steps
// and §12b splits (head merged, tail moved to the start of the own block).
void random_history(Scenario& sc, LayoutKind kind, int W, int passes) {
  std::uniform_int_distribution<int> count(1, 4);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  for (int p = 0; p < passes; ++p) {
    std::vector<int> counts(static_cast<size_t>(W));
    for (auto& c : counts) c = count(sc.rng());
    sc.worker_pass(counts);
    if (kind == LayoutKind::Contiguous) continue;
    for (int w = 0; w < W; ++w) {  // ascending worker order, like the session
      const int len = static_cast<int>(sc.list(sc.own_name(w)).size());
      if (len == 0 || coin(sc.rng()) > 0.3) continue;
      if (len >= 2 && coin(sc.rng()) < 0.6) {
        std::uniform_int_distribution<int> head(1, len - 1);
        sc.merge(w, head(sc.rng()));  // split: head to common, tail moves to position 0
      } else {
        sc.merge(w, len);  // whole step
      }
    }
  }
}

using Param = std::tuple<LayoutKind, int, int, RopeStyle, double>;

class HogwildOracle : public ::testing::TestWithParam<Param> {};

TEST_P(HogwildOracle, EqualsDenseAttentionOverConcatenatedView) {
  const auto [kind, W, shape_index, style, theta] = GetParam();
  const uint32_t seed = static_cast<uint32_t>(1000 * static_cast<int>(kind) + 100 * W + 10 * shape_index +
                                              (style == RopeStyle::NeoX ? 5 : 0) + (theta > 1e5 ? 1 : 0));
  Scenario sc(kind, W, kShapes[shape_index], style, theta, seed, /*threaded=*/seed % 2 == 0);
  prefill_all(sc, kind, W, /*copy_markers=*/seed % 3 == 0);
  random_history(sc, kind, W, 20);
  EXPECT_GT(sc.checked(), 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", sc.max_err());
  RecordProperty("max_rel_err", buf);
  std::snprintf(buf, sizeof buf, "%.3g", sc.max_mass_err());
  RecordProperty("max_mass_err", buf);
}

INSTANTIATE_TEST_SUITE_P(
    AllLayouts, HogwildOracle,
    ::testing::Combine(::testing::Values(LayoutKind::Contiguous, LayoutKind::Interleaved, LayoutKind::Combined),
                       ::testing::Values(1, 2, 3, 4), ::testing::Values(0, 1, 2, 3),
                       ::testing::Values(RopeStyle::Interleaved, RopeStyle::NeoX), ::testing::Values(1e4, 1e6)),
    [](const ::testing::TestParamInfo<Param>& info) {
      const Param& p = info.param;
      return std::string(layout_name(std::get<0>(p))) + "_W" + std::to_string(std::get<1>(p)) + "_shape" +
             std::to_string(std::get<2>(p)) + (std::get<3>(p) == RopeStyle::NeoX ? "_neox" : "_interleaved") +
             (std::get<4>(p) > 1e5 ? "_theta1e6" : "_theta1e4");
    });

// Eight workers, every layout, a longer history.
TEST(HogwildOracleLarge, EightWorkers) {
  for (LayoutKind kind : {LayoutKind::Contiguous, LayoutKind::Interleaved, LayoutKind::Combined}) {
    Scenario sc(kind, 8, kShapes[1], RopeStyle::NeoX, 1e6, 88 + static_cast<uint32_t>(kind), true);
    prefill_all(sc, kind, 8, true);
    random_history(sc, kind, 8, 30);
    EXPECT_GT(sc.checked(), 0) << layout_name(kind);
  }
}

// The §12b rhythm on purpose: a step ends, the next pass feeds (separator, prefix…) into the own block, and
// after that pass the block is split right after the separator.
TEST(HogwildOracleLarge, SeparatorSplitRhythm) {
  Scenario sc(LayoutKind::Combined, 2, kShapes[2], RopeStyle::NeoX, 1e4, 7, true);
  prefill_all(sc, LayoutKind::Combined, 2, true);
  for (int round = 0; round < 6; ++round) {
    for (int p = 0; p < 3; ++p) sc.worker_pass({1, 1});
    const int w = round % 2;
    const int before = static_cast<int>(sc.list(sc.own_name(w)).size());  // the step's tokens so far
    std::vector<int> counts{1, 1};
    counts[w] = 4;  // separator + 3 prefix tokens
    sc.worker_pass(counts);
    sc.merge(w, before + 1);  // head = step + separator; tail = the prefix, moved to position 0
    ASSERT_EQ(sc.list(sc.own_name(w)).size(), 3u);
  }
  for (int p = 0; p < 3; ++p) sc.worker_pass({2, 1});
  EXPECT_LT(sc.max_err(), 1e-5);
}

// Restores the default attention loops when a test ends.
struct IsaScope {
  explicit IsaScope(cpu::AttentionIsa isa) { cpu::set_attention_isa(isa); }
  ~IsaScope() { cpu::set_attention_isa(cpu::best_attention_isa()); }
};

std::vector<cpu::AttentionIsa> all_isas() {
  std::vector<cpu::AttentionIsa> v;
  for (cpu::AttentionIsa isa : {cpu::AttentionIsa::Scalar, cpu::AttentionIsa::Avx2, cpu::AttentionIsa::Avx512})
    if (cpu::attention_isa_supported(isa)) v.push_back(isa);
  return v;
}

// Long context with SmolLM2's head size and GQA group: a 2,200-token prompt prefilled in chunks (several key tiles per block,
// many query tiles per pass), then worker passes whose few queries get the keys split across the threads
// (partial softmaxes combined; masses and drill rows from the combination), with both attention loops.
TEST(HogwildOracleLarge, LongContext) {
  for (cpu::AttentionIsa isa : all_isas())
    for (LayoutKind kind : {LayoutKind::Combined, LayoutKind::Contiguous}) {
      // Keep the test short: the plain loops with one layout; sanitizer builds the best loops with one layout.
      if (isa == cpu::AttentionIsa::Scalar && kind == LayoutKind::Contiguous) continue;
      if (test::kSanitizedBuild && (isa != cpu::best_attention_isa() || kind == LayoutKind::Contiguous)) continue;
      IsaScope scope(isa);
      SCOPED_TRACE(std::string(cpu::attention_isa_name(isa)) + " " + layout_name(kind));
      Scenario sc(kind, 2, kShapes[4], RopeStyle::NeoX, 1e4, 31 + static_cast<uint32_t>(kind), true);
      sc.set_sample(41);
      const std::string first = kind == LayoutKind::Contiguous ? "prompt" : "common";
      for (int chunk = 0; chunk < 4; ++chunk) sc.prefill(first, 550);
      prefill_all(sc, kind, 2, true);
      random_history(sc, kind, 2, 4);
      EXPECT_GT(sc.checked(), 0);
      EXPECT_LT(sc.max_err(), 1e-5);
    }
}

// attend_on_this_thread (the fused passes of several caches, CpuBackend::forward_many) splits the work exactly as
// the pooled attend() — also when a long context splits the keys of few queries into ranges — so the numbers are
// the same to the bit; both are checked against the dense reference too.
TEST(HogwildOracleLarge, AttendOnThisThreadGivesThePooledNumbers) {
  for (LayoutKind kind : {LayoutKind::Combined, LayoutKind::Interleaved}) {
    SCOPED_TRACE(layout_name(kind));
    Scenario sc(kind, 2, kShapes[4], RopeStyle::NeoX, 1e4, 71 + static_cast<uint32_t>(kind), true);
    sc.enable_twin();
    sc.set_sample(97);
    for (int chunk = 0; chunk < 4; ++chunk) sc.prefill("common", 550);  // 2,200 keys: key ranges on 3 threads
    prefill_all(sc, kind, 2, true);
    random_history(sc, kind, 2, 5);
    EXPECT_GT(sc.twin_compared(), 0);
    EXPECT_LT(sc.max_err(), 1e-5);
  }
}

// Every layout with the plain (non-vector) attention loops, a few shapes.
TEST(HogwildOracleLarge, PlainLoops) {
  IsaScope scope(cpu::AttentionIsa::Scalar);
  for (LayoutKind kind : {LayoutKind::Contiguous, LayoutKind::Interleaved, LayoutKind::Combined})
    for (int shape : {0, 2}) {
      Scenario sc(kind, 3, kShapes[shape], RopeStyle::Interleaved, 1e4, 500 + static_cast<uint32_t>(kind) * 10 + shape, true);
      prefill_all(sc, kind, 3, false);
      random_history(sc, kind, 3, 12);
      EXPECT_GT(sc.checked(), 0) << layout_name(kind);
    }
}

TEST(HogwildAttentionApi, LayoutsAndErrors) {
  Rope rope(8, 8, 1e4, RopeStyle::NeoX);
  HogwildAttention c(1, 2, 4, 8, rope, Layout(LayoutKind::Combined, 3), 3, 100);
  EXPECT_EQ(c.num_blocks(), 9);
  EXPECT_EQ(c.block_name(c.block_id(BlockRole::Marker, 2)), "marker:2");
  EXPECT_EQ(c.block_owner(c.block_id(BlockRole::Step, 1)), 1);
  const auto& v1 = c.view_order(1);
  std::vector<std::string> names;
  for (int id : v1) names.push_back(c.block_name(id));
  EXPECT_EQ(names, (std::vector<std::string>{"common", "hdr_others", "step:0", "marker:0", "step:2", "marker:2", "hdr_own",
                                             "step:1"}));
  EXPECT_THROW(Layout(LayoutKind::Combined, 9), ConfigError);
  EXPECT_THROW(parse_layout("zigzag"), ConfigError);
  EXPECT_EQ(parse_layout("interleaved"), LayoutKind::Interleaved);
  HogwildAttention contiguous(1, 2, 4, 8, rope, Layout(LayoutKind::Contiguous, 2), 2, 100);
  EXPECT_THROW(contiguous.merge_step(0, 0), ConfigError);
  // A worker pass needs W rows; rows must end with real tokens.
  EXPECT_THROW(c.begin_pass(ForwardBatch::from_rows({{1}, {1}})), ConfigError);
  ForwardBatch bad = ForwardBatch::from_rows({{1, 2}, {1}, {1}});
  bad.tokens[1] = ForwardBatch::kPad;  // row 0: real, pad → padding on the right
  EXPECT_THROW(c.begin_pass(bad), ConfigError);
}

// Issue #20, defect 3: a merge grows the views that hold common but not the merged step (interleaved: the other
// workers'). The check names the first view that would pass the context; combined views hold every step, so a
// merge never grows them; the own worker's view never grows.
TEST(HogwildAttentionApi, MergeMayNotPushAViewPastTheContext) {
  const Layout inter(LayoutKind::Interleaved, 2);  // common, step:0, step:1
  EXPECT_EQ(inter.merge_overflow({10, 5, 4}, 0, 1, 15), "");  // worker 2: 11 + 4 = 15
  const std::string full = inter.merge_overflow({10, 5, 4}, 0, 2, 15);
  EXPECT_NE(full.find("context full"), std::string::npos) << full;
  EXPECT_NE(full.find("worker 2's view 16 tokens"), std::string::npos) << full;
  EXPECT_NE(inter.merge_overflow({10, 5, 4}, 1, 4, 15), "");  // worker 1: 14 + 5
  // Combined: common, hdr_others, step:0, marker:0, step:1, marker:1, hdr_own; each view holds both steps.
  const Layout comb(LayoutKind::Combined, 2);
  EXPECT_EQ(comb.merge_overflow({10, 2, 5, 1, 4, 1, 2}, 0, 5, 10 + 2 + 5 + 4 + 1 + 2), "");
  // The cache refuses such a merge before changing anything.
  Rope rope(8, 8, 1e4, RopeStyle::NeoX);
  HogwildAttention c(1, 2, 4, 8, rope, inter, 2, 100);
  EXPECT_NO_THROW(c.merge_step(0, 0));
}

}  // namespace
