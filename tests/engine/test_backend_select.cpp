// Backend selection, fallback, mid-run failure and honest reporting, without a GPU: the engine loads a fake plugin
// (fake_cuda_plugin.cpp, through $HOGWILD_CUDA_PLUGIN exactly as it loads libhogwild_cuda.so) that speaks the plugin's
// C ABI and computes with the engine's CPU code. So a session on the "CUDA" backend must give the CPU backend's tokens,
// statistics and drill rows — the engine's CUDA client (plan conversion, merges, marker copies, statistics, logits,
// the finisher's plain sequence) is checked end to end — while $HOGWILD_FAKE_CUDA makes the device fail at load
// (out of memory, unsupported tensor type) or mid-run (illegal address, KV cache out of memory).
#include <cmath>
#include <cstdlib>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "backend/backend_select.h"
#include "backend/cpu_backend.h"
#include "common/error.h"
#include "cuda/plugin_loader.h"
#include "fixtures.h"
#include "generation/generator.h"
#include "generation/model_bundle.h"
#include "hogwild/events.h"
#include "hogwild/preset_library.h"
#include "hogwild/session.h"

using namespace hogwild;

namespace {

// The fake plugin is THE plugin of this process: set before the first probe.
struct FakePluginEnvironment : ::testing::Environment {
  void SetUp() override { setenv("HOGWILD_CUDA_PLUGIN", FAKE_CUDA_PLUGIN_PATH, 1); }
};
const auto* const g_env = ::testing::AddGlobalTestEnvironment(new FakePluginEnvironment);

struct FakeMode {  // $HOGWILD_FAKE_CUDA for one test
  explicit FakeMode(const char* m) { setenv("HOGWILD_FAKE_CUDA", m, 1); }
  ~FakeMode() { unsetenv("HOGWILD_FAKE_CUDA"); }
};

ModelBundle& stories() {
  static ModelBundle b = open_model_bundle(test::fixture("stories260K/stories260K.bin"), test::fixture("stories260K/tok512.model"));
  return b;
}

BackendSelection select(BackendChoice c) {
  BackendOptions o;
  o.choice = c;
  o.threads = 2;
  return select_backend(stories().model, o);
}

struct Recorder : EventObserver {
  std::vector<EngineEvent> events;
  void on_event(const EngineEvent& e) override { events.push_back(e); }
  template <typename T> std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& e : events)
      if (const auto* x = std::get_if<T>(&e)) out.push_back(*x);
    return out;
  }
};

struct RunRecord {
  std::vector<std::vector<int32_t>> sampled;
  std::vector<StatsEvent> stats;
  std::vector<StepFinishedEvent> merges;
  FinishedEvent finished;
  std::string history;
};

RunRecord run_session(Backend& backend, const Preset& p, int passes = 1000) {
  SessionOptions so;
  so.backend = &backend;
  HogwildSession s(stories(), p, "Once upon a time", so);
  Recorder rec;
  s.set_observer(&rec);
  s.prefill();
  for (int i = 0; i < passes && s.step(); ++i) {
  }
  RunRecord r;
  for (int w = 0; w < s.workers(); ++w) r.sampled.push_back(s.sampled(w));
  r.stats = rec.all<StatsEvent>();
  r.merges = rec.all<StepFinishedEvent>();
  if (s.result()) r.finished = *s.result();
  r.history = s.history();
  return r;
}

Preset stories_preset(const std::string& layout, int workers, int passes) {
  Preset p = load_preset(find_preset("tiny-stories"));
  p.workers = workers;
  p.layout = layout == "contiguous" ? PresetLayout::Contiguous : layout == "interleaved" ? PresetLayout::Interleaved : PresetLayout::Combined;
  p.budget.max_passes = passes;
  p.statistics.enabled = true;
  p.statistics.drill_layer = 1;
  return p;
}

}  // namespace

TEST(BackendSelect, ChoicesParseAndBadValuesAreOneLine) {
  EXPECT_EQ(parse_backend_choice("auto"), BackendChoice::Auto);
  EXPECT_EQ(parse_backend_choice("cpu"), BackendChoice::Cpu);
  EXPECT_EQ(parse_backend_choice("cuda"), BackendChoice::Cuda);
  try {
    parse_backend_choice("gpu");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "--backend must be auto, cpu or cuda (got 'gpu')");
  }
}

TEST(BackendSelect, CudaWhenTheDeviceWorksAndEveryReportSaysSo) {
  const cuda::DeviceStatus s = cuda::probe_device();
  ASSERT_TRUE(s.usable) << s.reason;
  EXPECT_EQ(s.plugin_path, FAKE_CUDA_PLUGIN_PATH);
  for (BackendChoice c : {BackendChoice::Auto, BackendChoice::Cuda}) {
    const BackendSelection sel = select(c);
    EXPECT_EQ(sel.backend->info().kind, BackendKind::Cuda);
    EXPECT_EQ(sel.backend->info().device, "Fake CUDA device (tests)");
    EXPECT_EQ(sel.describe(), "CUDA: Fake CUDA device (tests)");
    EXPECT_TRUE(sel.fallback.empty());
  }
  const BackendSelection cpu = select(BackendChoice::Cpu);
  EXPECT_EQ(cpu.backend->info().kind, BackendKind::Cpu);
  EXPECT_EQ(cpu.describe(), "CPU (2 threads)") << "the CPU was asked for: no CUDA note";
}

TEST(BackendSelect, FailuresAtLoadFallBackToTheCpuWithTheReason) {
  for (const char* mode : {"oom_load", "unsupported"}) {
    FakeMode m(mode);
    const BackendSelection sel = select(BackendChoice::Auto);
    EXPECT_EQ(sel.backend->info().kind, BackendKind::Cpu) << mode;
    EXPECT_EQ(sel.fallback.rfind("CUDA not used: CUDA: ", 0), 0u) << sel.fallback;
    EXPECT_NE(sel.describe().find("CPU (2 threads) · CUDA not used: CUDA: "), std::string::npos) << sel.describe();
    EXPECT_EQ(sel.describe().find('\n'), std::string::npos);
    try {
      select(BackendChoice::Cuda);
      FAIL() << "--backend cuda must not fall back";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind("CUDA is not available: CUDA: ", 0), 0u) << msg;
      EXPECT_NE(msg.find(std::string(mode) == "oom_load" ? "out of memory" : "cannot run"), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos);
    }
  }
}

TEST(BackendSelect, NoDeviceIsReportedByTheProbe) {
  FakeMode m("no_device");
  const cuda::DeviceStatus s = cuda::probe_plugin(FAKE_CUDA_PLUGIN_PATH);
  EXPECT_TRUE(s.compiled);
  EXPECT_FALSE(s.usable);
  EXPECT_NE(s.reason.find("no CUDA-capable device"), std::string::npos) << s.reason;
  EXPECT_EQ(cuda::describe_availability(s), "CUDA not available: " + s.reason);
}

// The same session on the CPU backend and on the "CUDA" backend: identical tokens, merges, statistics, drill rows.
class SameRunOnBothBackends : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(SameRunOnBothBackends, TokensStatisticsAndDrillRowsAgree) {
  const auto [layout, W] = GetParam();
  const Preset p = stories_preset(layout, W, 150);
  CpuBackend cpu(stories().model, 2);
  const BackendSelection cuda = select(BackendChoice::Cuda);
  ASSERT_EQ(cuda.backend->info().kind, BackendKind::Cuda);
  const RunRecord a = run_session(cpu, p), b = run_session(*cuda.backend, p);
  ASSERT_EQ(a.sampled, b.sampled);
  EXPECT_EQ(a.history, b.history);
  ASSERT_EQ(a.merges.size(), b.merges.size());
  if (layout != "contiguous") {
    EXPECT_GT(a.merges.size(), 0u) << "the run must merge steps to test merges";
  }
  ASSERT_EQ(a.stats.size(), b.stats.size());
  ASSERT_EQ(a.stats.size(), 150u);
  for (size_t i = 0; i < a.stats.size(); ++i) {
    const StatsEvent &x = a.stats[i], &y = b.stats[i];
    ASSERT_EQ(x.block_names, y.block_names);
    ASSERT_EQ(x.block_owner, y.block_owner);
    ASSERT_EQ(x.block_lengths, y.block_lengths) << "pass " << i;
    ASSERT_EQ(x.workers, y.workers);
    ASSERT_EQ(x.mass, y.mass) << "pass " << i;
    ASSERT_EQ(x.drill_layer, 1);
    ASSERT_EQ(y.drill_layer, 1);
    // Drill rows: the CPU adds the heads' rows from several threads, in whatever order they finish (a few ulp).
    ASSERT_EQ(x.drill.size(), y.drill.size());
    for (size_t w = 0; w < x.drill.size(); ++w) {
      ASSERT_EQ(x.drill[w].size(), y.drill[w].size());
      for (size_t j = 0; j < x.drill[w].size(); ++j) ASSERT_NEAR(x.drill[w][j], y.drill[w][j], 1e-6f) << "pass " << i;
    }
  }
  EXPECT_EQ(a.finished.reason, "budget");
  EXPECT_EQ(b.finished.reason, "budget");
}

INSTANTIATE_TEST_SUITE_P(Layouts, SameRunOnBothBackends,
                         ::testing::Values(std::make_tuple("combined", 2), std::make_tuple("combined", 3),
                                           std::make_tuple("interleaved", 2), std::make_tuple("contiguous", 3)));

// Issue #20 (defect 3) on the "CUDA" backend: a step merge that would push another worker's view past the context is
// refused by the CUDA client's merge as by the CPU's (Layout::merge_overflow, checked before the device changes
// anything), so the run ends on "context" at the same pass, with the same tokens and message, on both backends.
TEST(BackendSelect, AMergePastTheContextEndsTheRunAsOnTheCpu) {
  CpuBackend cpu(stories().model, 2);
  const BackendSelection cuda = select(BackendChoice::Cuda);
  int merge_refusals = 0;
  for (const StepMerge merge : {StepMerge::NextPass, StepMerge::SamePass}) {
    for (const int W : {3, 4}) {
      Preset p = stories_preset("interleaved", W, 100000);
      p.step.merge = merge;
      p.stop.on_eos = false;  // run until the context is full
      p.statistics.enabled = false;
      const RunRecord a = run_session(cpu, p, 100000), b = run_session(*cuda.backend, p, 100000);
      EXPECT_EQ(a.finished.reason, "context") << a.finished.message;
      EXPECT_EQ(b.finished.reason, "context") << b.finished.message;
      EXPECT_EQ(a.finished.message, b.finished.message);
      EXPECT_EQ(a.finished.passes, b.finished.passes);
      EXPECT_EQ(a.sampled, b.sampled);
      merge_refusals += a.finished.message.find("context full: merging worker") != std::string::npos ? 1 : 0;
    }
  }
  EXPECT_GT(merge_refusals, 0) << "no run ended on a refused merge: the case is not tested";
}

TEST(BackendSelect, GeneratorAndFinisherRunOnTheChosenBackend) {
  const BackendSelection cuda = select(BackendChoice::Cuda);
  CpuBackend cpu(stories().model, 2);
  GenerateOptions g;
  g.max_new_tokens = 40;
  g.sampling.temperature = 0;
  Generator on_cpu(cpu, *stories().tokenizer), on_cuda(*cuda.backend, *stories().tokenizer);
  EXPECT_EQ(on_cpu.generate("Once upon a time", g).new_ids, on_cuda.generate("Once upon a time", g).new_ids);
  // The §8.8 finisher decodes a plain sequence on the session's backend.
  Preset p = stories_preset("combined", 2, 12);
  p.finisher.text = "\nThe end of the story is";
  p.finisher.max_tokens = 8;
  const RunRecord a = run_session(cpu, p), b = run_session(*cuda.backend, p);
  EXPECT_NE(a.finished.message.find("finisher: \""), std::string::npos) << a.finished.message;
  EXPECT_EQ(a.finished.message, b.finished.message);
}

TEST(BackendSelect, ADeviceFailureMidRunEndsTheRunWithOneMessageAndKeepsTheText) {
  const Preset p = stories_preset("combined", 2, 40);
  CpuBackend cpu(stories().model, 2);
  const RunRecord ref = run_session(cpu, p);
  const BackendSelection cuda = select(BackendChoice::Cuda);
  // The 15th forward of the model fails: a pass after the prefill (whose forwards come first).
  FakeMode m("fail_forward=15");
  const RunRecord r = run_session(*cuda.backend, p);
  EXPECT_EQ(r.finished.reason, "error");
  EXPECT_NE(r.finished.message.find("CUDA: an illegal memory access was encountered"), std::string::npos) << r.finished.message;
  EXPECT_EQ(r.finished.message.find('\n'), std::string::npos);
  EXPECT_GT(r.finished.passes, 5);
  EXPECT_LT(r.finished.passes, 14);
  for (int w = 0; w < 2; ++w) {  // what the workers wrote before the failure stays, and it is the CPU's text
    const auto& got = r.sampled[static_cast<size_t>(w)];
    EXPECT_GE(got.size(), static_cast<size_t>(r.finished.passes));
    ASSERT_LT(got.size(), ref.sampled[static_cast<size_t>(w)].size());
    EXPECT_TRUE(std::equal(got.begin(), got.end(), ref.sampled[static_cast<size_t>(w)].begin()));
  }
  // The backend object stays usable for the next run once the device recovers, and the CPU is untouched.
  unsetenv("HOGWILD_FAKE_CUDA");
  EXPECT_EQ(run_session(cpu, p).sampled, ref.sampled);
}

// A device failure inside a step merge (not a forward) also ends the run cleanly: reason "error", one line, no
// finisher, what the workers wrote kept — nothing escapes step() (issue #15 item 2).
TEST(BackendSelect, ADeviceFailureDuringAStepMergeEndsTheRunWithOneMessage) {
  for (const char* layout : {"combined", "interleaved"}) {
    SCOPED_TRACE(layout);
    const Preset p = stories_preset(layout, 2, 120);
    CpuBackend cpu(stories().model, 2);
    const RunRecord ref = run_session(cpu, p);
    ASSERT_GE(ref.merges.size(), 2u) << "the reference run must merge steps for this test to mean anything";
    const BackendSelection cuda = select(BackendChoice::Cuda);
    FakeMode m("fail_merge=2");
    RunRecord r;
    ASSERT_NO_THROW(r = run_session(*cuda.backend, p));
    EXPECT_EQ(r.finished.reason, "error");
    EXPECT_NE(r.finished.message.find("(step merge)"), std::string::npos) << r.finished.message;
    EXPECT_EQ(r.finished.message.find("finisher"), std::string::npos) << r.finished.message;
    EXPECT_EQ(r.finished.message.find('\n'), std::string::npos);
    EXPECT_EQ(r.merges.size(), 1u);  // the first merge happened, the second failed
    for (int w = 0; w < 2; ++w) {  // the text before the failure is the CPU's
      const auto& got = r.sampled[static_cast<size_t>(w)];
      ASSERT_LE(got.size(), ref.sampled[static_cast<size_t>(w)].size());
      EXPECT_TRUE(std::equal(got.begin(), got.end(), ref.sampled[static_cast<size_t>(w)].begin()));
    }
  }
}

TEST(BackendSelect, TheKvCacheRunningOutOfDeviceMemoryChangesNothing) {
  const BackendSelection cuda = select(BackendChoice::Cuda);
  auto cache = cuda.backend->create_cache(Layout(LayoutKind::Combined, 2));
  std::vector<int32_t> prompt(30, 5);
  cuda.backend->prefill(*cache, 0, prompt, 512, nullptr);
  const std::vector<int64_t> before = cache->block_lengths();
  FakeMode m("kv_budget=40");
  try {
    cuda.backend->prefill(*cache, 0, std::vector<int32_t>(20, 6), 512, nullptr);  // common would hold 50 tokens
    FAIL() << "no out-of-memory error";
  } catch (const BackendError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("CUDA: out of memory", 0), 0u) << msg;
  }
  EXPECT_EQ(cache->block_lengths(), before) << "a failed pass changes nothing";
  cuda.backend->forward(*cache, PassTarget::workers(), ForwardBatch::from_rows({{7}, {8}}), nullptr, LogitsMode::None);
  EXPECT_EQ(cache->block_length(cache->layout().own_block(0)), 1);
}

// Several caches in one pass (the lab's P sessions × W rows): CpuBackend::forward_many runs ONE transformer pass
// over all rows and gives each cache what a pass of its own would have given.
TEST(BackendForwardMany, FusedCachesEqualSeparatePasses) {
  CpuBackend cpu(stories().model, 2);
  const int V = stories().model.config.vocab_size;
  const Layout la(LayoutKind::Combined, 2), lb(LayoutKind::Interleaved, 3);
  auto a1 = cpu.create_cache(la), a2 = cpu.create_cache(la), b1 = cpu.create_cache(lb), b2 = cpu.create_cache(lb);
  for (auto* c : {a1.get(), a2.get()}) cpu.prefill(*c, 0, {1, 403, 407, 261, 378}, 512, nullptr);
  for (auto* c : {b1.get(), b2.get()}) cpu.prefill(*c, 0, {1, 385, 300}, 512, nullptr);
  for (int pass = 0; pass < 6; ++pass) {
    // Rows of different lengths (a step start in one session) and different counts per cache.
    const ForwardBatch ba = ForwardBatch::from_rows({{static_cast<int32_t>(10 + pass)}, {20, 21, static_cast<int32_t>(22 + pass)}});
    const ForwardBatch bb = ForwardBatch::from_rows({{30}, {static_cast<int32_t>(31 + pass)}, {32, 33}});
    std::vector<float> la_sep(2 * static_cast<size_t>(V)), lb_sep(3 * static_cast<size_t>(V)), la_fused(la_sep.size()), lb_fused(lb_sep.size());
    cpu.forward(*a1, PassTarget::workers(), ba, la_sep.data(), LogitsMode::LastSlot);
    cpu.forward(*b1, PassTarget::workers(), bb, lb_sep.data(), LogitsMode::LastSlot);
    const Backend::CachePass passes[] = {{a2.get(), PassTarget::workers(), &ba, la_fused.data(), LogitsMode::LastSlot},
                                         {b2.get(), PassTarget::workers(), &bb, lb_fused.data(), LogitsMode::LastSlot}};
    cpu.forward_many(passes);
    EXPECT_EQ(a1->block_lengths(), a2->block_lengths());
    EXPECT_EQ(b1->block_lengths(), b2->block_lengths());
    // The same fp32 operations per row; only a prefill-sized batch could take another matmul path: 1e-5 relative.
    for (size_t i = 0; i < la_sep.size(); ++i) ASSERT_NEAR(la_fused[i], la_sep[i], 1e-5f * (1.f + std::fabs(la_sep[i]))) << "pass " << pass;
    for (size_t i = 0; i < lb_sep.size(); ++i) ASSERT_NEAR(lb_fused[i], lb_sep[i], 1e-5f * (1.f + std::fabs(lb_sep[i]))) << "pass " << pass;
  }
}

// More caches than threads: their attention runs side by side, one cache per thread at a time
// (HogwildAttention::attend_on_this_thread) — still each cache's own numbers, to the bit. And the pass ledger
// (hogwild-lab bench) counts a fused pass once, with all its slots, as a decode-sized pass.
TEST(BackendForwardMany, ManyCachesAttendSideBySideWithTheirOwnNumbers) {
  CpuBackend cpu(stories().model, 2);
  const int V = stories().model.config.vocab_size;
  constexpr int kCaches = 5;
  const Layout layouts[kCaches] = {Layout(LayoutKind::Combined, 2), Layout(LayoutKind::Interleaved, 3), Layout(LayoutKind::Combined, 1),
                                   Layout(LayoutKind::Contiguous, 2), Layout(LayoutKind::Combined, 2)};
  std::vector<std::unique_ptr<BackendCache>> sep, fused;
  for (int i = 0; i < kCaches; ++i) {
    sep.push_back(cpu.create_cache(layouts[i]));
    fused.push_back(cpu.create_cache(layouts[i]));
    const std::vector<int32_t> prompt = {1, static_cast<int32_t>(300 + 7 * i), 407, static_cast<int32_t>(261 + i)};
    cpu.prefill(*sep.back(), 0, prompt, 512, nullptr);
    cpu.prefill(*fused.back(), 0, prompt, 512, nullptr);
  }
  cpu.reset_ledger();
  for (int pass = 0; pass < 5; ++pass) {
    std::vector<ForwardBatch> batches;
    for (int i = 0; i < kCaches; ++i) {
      std::vector<std::vector<int32_t>> rows;
      for (int w = 0; w < layouts[i].workers(); ++w) {
        std::vector<int32_t> row = {static_cast<int32_t>(10 + 13 * i + 3 * w + pass)};
        if ((i + w + pass) % 3 == 0) row.push_back(static_cast<int32_t>(40 + i));  // a step start: two tokens
        rows.push_back(row);
      }
      batches.push_back(ForwardBatch::from_rows(rows));
    }
    std::vector<std::vector<float>> l_sep, l_fused;
    std::vector<Backend::CachePass> passes;
    for (int i = 0; i < kCaches; ++i) {
      l_sep.emplace_back(static_cast<size_t>(batches[i].rows) * V);
      l_fused.emplace_back(static_cast<size_t>(batches[i].rows) * V);
      cpu.forward(*sep[i], PassTarget::workers(), batches[i], l_sep.back().data(), LogitsMode::LastSlot);
    }
    for (int i = 0; i < kCaches; ++i)
      passes.push_back({fused[i].get(), PassTarget::workers(), &batches[i], l_fused[i].data(), LogitsMode::LastSlot});
    const Backend::PassLedger before = cpu.ledger();
    cpu.forward_many(passes);
    const Backend::PassLedger after = cpu.ledger();
    int64_t slots = 0;
    for (const ForwardBatch& b : batches) slots += static_cast<int64_t>(b.rows) * b.len;
    EXPECT_EQ(after.small.passes - before.small.passes, 1);
    EXPECT_EQ(after.small.slots - before.small.slots, slots);
    EXPECT_EQ(after.large.passes, before.large.passes);
    for (int i = 0; i < kCaches; ++i) {
      EXPECT_EQ(sep[i]->block_lengths(), fused[i]->block_lengths());
      for (size_t e = 0; e < l_sep[i].size(); ++e) ASSERT_EQ(l_fused[i][e], l_sep[i][e]) << "cache " << i << " pass " << pass << " at " << e;
    }
  }
  // The separate passes: 5 per round, all decode-sized; the prompt prefills were before the reset.
  EXPECT_EQ(cpu.ledger().small.passes, 5 * kCaches + 5);
  EXPECT_EQ(cpu.ledger().large.passes, 0);
  EXPECT_GT(cpu.ledger().small.seconds, 0.0);
}
