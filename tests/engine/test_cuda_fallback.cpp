// "CUDA out of memory → a clean fallback", checked without a GPU: the engine loads a fake plugin
// (fake_cuda_plugin.cpp, through $HOGWILD_CUDA_PLUGIN as it would load libhogwild_cuda.so) that reports a usable
// device whose memory runs out. Creating the model must return nullptr with the plugin's one-line reason (the
// caller then stays on the CPU); a pass that runs out of device memory mid-run must throw one hogwild::Error,
// leave the block lengths as they were and keep the object usable; the CPU path keeps working afterwards.
#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

#include "common/error.h"
#include "cpu/rope.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_hogwild.h"
#include "fixtures.h"
#include "generation/model_bundle.h"
#include "hogwild/preset_library.h"
#include "hogwild/session.h"

using namespace hogwild;

namespace {

constexpr int kLayers = 2, kHeads = 2, kKv = 1, kHd = 8;

void pass(CudaHogwild& h, const std::vector<int>& counts) {
  std::vector<std::vector<int32_t>> rows;
  for (int n : counts) rows.emplace_back(static_cast<size_t>(n), 3);
  const ForwardBatch b = ForwardBatch::from_rows(rows);
  h.begin_pass(b);
  std::vector<float> q(static_cast<size_t>(b.rows) * b.len * kHeads * kHd, 0.5f), k(static_cast<size_t>(b.rows) * b.len * kKv * kHd, 0.25f);
  std::vector<float> v = k, out(q.size(), 1.f);
  for (int l = 0; l < kLayers; ++l) h.attend(l, q.data(), k.data(), v.data(), out.data());
  h.end_pass();
}

}  // namespace

TEST(CudaFallback, OutOfMemoryIsACleanErrorAndTheCpuKeepsWorking) {
  // Before the first probe (the plugin is looked up once per process).
  ASSERT_EQ(setenv("HOGWILD_CUDA_PLUGIN", FAKE_CUDA_PLUGIN_PATH, 1), 0);
  const cuda::DeviceStatus s = cuda::probe_device();
  ASSERT_TRUE(s.usable) << s.reason;
  EXPECT_EQ(s.device_name, "Fake CUDA device (tests)");
  EXPECT_EQ(s.plugin_path, FAKE_CUDA_PLUGIN_PATH);

  // 1. The weights do not fit: create() gives nullptr and the plugin's line, nothing is thrown.
  const ModelBundle bundle = open_model_bundle(test::fixture("stories260K/stories260K.bin"), test::fixture("stories260K/tok512.model"));
  std::string why;
  const auto full = CudaHogwild::create(bundle.model, Layout(LayoutKind::Combined, 2), CudaOptions{}, &why);
  EXPECT_EQ(full, nullptr);
  EXPECT_NE(why.find("CUDA: out of memory"), std::string::npos) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos) << "one line";

  // 2. The KV cache runs out mid-run (the fake device holds 64 tokens per block).
  why.clear();
  const Rope rope(kHd, kHd, 10000.0, RopeStyle::NeoX);
  auto h = CudaHogwild::create_attention_only(kLayers, kKv, kHeads, kHd, rope, Layout(LayoutKind::Combined, 2), 4096, CudaOptions{}, &why);
  ASSERT_NE(h, nullptr) << why;
  h->set_prefill(0);
  pass(*h, {40});
  h->set_worker_pass();
  for (int i = 0; i < 20; ++i) pass(*h, {1, 1});
  const std::vector<int64_t> before = h->block_lengths();
  EXPECT_EQ(before[0], 40);
  try {
    h->set_prefill(0);
    pass(*h, {30});  // common would hold 70 tokens
    FAIL() << "no out-of-memory error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("CUDA: out of memory"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
  }
  EXPECT_FALSE(h->in_pass());
  EXPECT_EQ(h->block_lengths(), before) << "a failed pass changes nothing";
  h->set_worker_pass();
  pass(*h, {1, 1});  // still usable
  EXPECT_EQ(h->block_length(0), 40);
  h.reset();

  // 3. The CPU path is untouched: a Hogwild session runs to its budget.
  Preset p = load_preset(find_preset("tiny-stories"));
  p.budget.max_passes = 20;
  HogwildSession session(bundle, p, "Once upon a time");
  session.prefill();
  int passes = 0;
  while (session.step()) ++passes;
  EXPECT_GE(passes, 19);
  EXPECT_GT(session.generated_tokens(), 30);
}
