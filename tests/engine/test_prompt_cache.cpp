// Prompt heads (hogwild/prompt_cache.h): a session prefills the preset's text before the task apart from the rest,
// and a PromptCache hands those K/V to the next session on the same backend. Checked against sessions that
// compute everything themselves: every pass's logits bit for bit, for the same task and for another task with the
// same head; plus the cache's bookkeeping (backend, size bound) and BackendCache::assign_block's errors.
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backend/cpu_backend.h"
#include "fixtures.h"
#include "stories_bundle.h"
#include "generation/model_bundle.h"
#include "hogwild/preset_library.h"
#include "hogwild/prompt_builder.h"
#include "hogwild/prompt_cache.h"
#include "hogwild/session.h"

using namespace hogwild;
using hogwild::test::fixture;

namespace {

ModelBundle& stories() {
  return hogwild::test::stories260k();
}

// Two workers, a head of a few dozen tokens (rules) before the task, prefilled in chunks of 8 so that the head
// and the rest each span several chunks.
Preset two_workers(PresetLayout layout = PresetLayout::Combined) {
  Preset p = load_preset(find_preset("raw"));
  p.workers = 2;
  p.layout = layout;
  p.prompt.placement = PromptPlacement::User;
  p.prompt.separator = "\n\n";
  p.prompt.rules = "Once upon a time there was a little girl named Lily. She loved to play outside in the park with her dog.";
  p.sampling.temperature = 0;
  p.budget.max_passes = 24;
  return p;
}

SessionOptions options(Backend& backend, PromptCache* cache) {
  SessionOptions o;
  o.backend = &backend;
  o.prompt_cache = cache;
  o.prefill_chunk = 8;
  return o;
}

// Every pass's logits of a run to its budget.
std::vector<std::vector<float>> run(HogwildSession& s) {
  std::vector<std::vector<float>> out;
  while (s.step()) out.push_back(s.last_logits());
  return out;
}

bool same_bits(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0) return false;
  return true;
}

}  // namespace

TEST(PromptHead, IsThePresetTextBeforeTheTask) {
  ModelBundle& b = stories();
  const Preset p = two_workers();
  EXPECT_EQ(prompt_head(p, p.active_names()), p.prompt.rules + "\n\n");
  CpuBackend backend(b.model, 2);
  HogwildSession s(b, p, "The sun was hot.", options(backend, nullptr));
  s.prefill();
  ASSERT_GT(s.prompt_head_tokens(), 16);
  ASSERT_LT(s.prompt_head_tokens(), static_cast<int64_t>(s.prompt_ids().size()));
  // The head's ids are the prompt's first ids, and they spell the head text.
  const std::vector<int32_t> head(s.prompt_ids().begin(), s.prompt_ids().begin() + s.prompt_head_tokens());
  const std::string text = b.tokenizer->decode(head);
  EXPECT_EQ(p.prompt.rules.rfind(text.substr(0, 20), 0), 0u) << text;
  // A preset without text before the task (raw) has no head: the whole prompt is prefilled as before.
  HogwildSession raw(b, load_preset(find_preset("raw")), "The sun was hot.", options(backend, nullptr));
  raw.prefill();
  EXPECT_EQ(raw.prompt_head_tokens(), 0);
}

TEST(PromptCache, CopiedHeadsGiveTheSameBitsAsPrefilledOnes) {
  ModelBundle& b = stories();
  CpuBackend backend(b.model, 2);
  for (PresetLayout layout : {PresetLayout::Combined, PresetLayout::Interleaved, PresetLayout::Contiguous}) {
    SCOPED_TRACE(static_cast<int>(layout));
    const Preset p = two_workers(layout);
    PromptCache cache;
    // Reference: each task on its own, no cache.
    HogwildSession ref_a(b, p, "The sun was hot.", options(backend, nullptr));
    HogwildSession ref_b(b, p, "Tom had a big red ball.", options(backend, nullptr));
    const auto logits_a = run(ref_a), logits_b = run(ref_b);
    ASSERT_EQ(logits_a.size(), 23u);
    // The first session fills the cache, the second (same task) and third (another task) copy the head.
    HogwildSession first(b, p, "The sun was hot.", options(backend, &cache));
    EXPECT_TRUE(same_bits(run(first), logits_a));
    EXPECT_EQ(cache.hits(), 0);
    EXPECT_EQ(cache.entries(), layout == PresetLayout::Contiguous ? 0u : 1u);  // contiguous: no text before the task
    HogwildSession again(b, p, "The sun was hot.", options(backend, &cache));
    EXPECT_TRUE(same_bits(run(again), logits_a));
    HogwildSession other(b, p, "Tom had a big red ball.", options(backend, &cache));
    EXPECT_TRUE(same_bits(run(other), logits_b));
    EXPECT_EQ(cache.hits(), layout == PresetLayout::Contiguous ? 0 : 2);
    EXPECT_EQ(first.sampled(0), ref_a.sampled(0));
    EXPECT_EQ(other.sampled(1), ref_b.sampled(1));
  }
}

TEST(PromptCache, EntriesBelongToTheirBackendAndStayWithinTheBound) {
  ModelBundle& b = stories();
  CpuBackend one(b.model, 1), two(b.model, 1);
  const Preset p = two_workers();
  HogwildSession probe(b, p, "The sun was hot.", options(one, nullptr));
  probe.prefill();
  const int64_t head = probe.prompt_head_tokens(), bound = 2 * head + head / 2;  // room for two heads, not three
  PromptCache cache(bound);
  HogwildSession s1(b, p, "The sun was hot.", options(one, &cache));
  s1.prefill();
  ASSERT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.tokens(), head);
  // Another backend's session does not take the first backend's K/V; it keeps its own.
  HogwildSession s2(b, p, "The sun was hot.", options(two, &cache));
  s2.prefill();
  EXPECT_EQ(cache.hits(), 0);
  EXPECT_EQ(cache.entries(), 2u);
  // A third head pushes out the least recently used one (the first backend's): never more than the bound.
  Preset q = p;
  q.prompt.rules = "Tim and Sue went to the big park. They saw a tall tree and a small bird.";
  HogwildSession s3(b, q, "The sun was hot.", options(one, &cache));
  s3.prefill();
  EXPECT_LE(cache.tokens(), bound);
  EXPECT_EQ(cache.entries(), 2u);
  HogwildSession s4(b, p, "The sun was hot.", options(one, &cache));  // its head was pushed out: prefilled again
  s4.prefill();
  EXPECT_EQ(cache.hits(), 0);
  HogwildSession s5(b, p, "The sun was hot.", options(two, &cache));  // pushed out by s4's entry in turn
  s5.prefill();
  EXPECT_EQ(cache.hits(), 0);
  HogwildSession s6(b, p, "The sun was hot.", options(one, &cache));  // s4's entry is still there
  s6.prefill();
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_LE(cache.tokens(), bound);
  // A head longer than the bound is not kept at all.
  PromptCache tiny(8);
  HogwildSession s7(b, p, "The sun was hot.", options(one, &tiny));
  s7.prefill();
  EXPECT_EQ(tiny.entries(), 0u);
  EXPECT_EQ(tiny.tokens(), 0);
}

TEST(BackendCache, AssignBlockRejectsARangeBeyondTheSourceAndKeepsTheTarget) {
  ModelBundle& b = stories();
  CpuBackend backend(b.model, 1);
  auto src = backend.create_cache(sequence_layout());
  auto dst = backend.create_cache(sequence_layout());
  backend.prefill(*src, kSequenceBlock, {1, 200, 300, 400}, 8, nullptr);
  backend.prefill(*dst, kSequenceBlock, {1, 201}, 8, nullptr);
  EXPECT_THROW(dst->assign_block(kSequenceBlock, *src, kSequenceBlock, 5), std::out_of_range);
  EXPECT_EQ(dst->block_length(kSequenceBlock), 2);
  EXPECT_TRUE(dst->assign_block(kSequenceBlock, *src, kSequenceBlock, 3));
  EXPECT_EQ(dst->block_length(kSequenceBlock), 3);
  // Bit for bit: the copied K/V equal the source's.
  const auto& a = dynamic_cast<CpuCache&>(*src).attention().block(kSequenceBlock);
  const auto& c = dynamic_cast<CpuCache&>(*dst).attention().block(kSequenceBlock);
  for (int l = 0; l < a.n_layers(); ++l)
    for (int h = 0; h < a.n_kv_heads(); ++h) {
      EXPECT_EQ(std::memcmp(a.keys(l, h), c.keys(l, h), 3 * a.head_dim() * sizeof(float)), 0);
      EXPECT_EQ(std::memcmp(a.values(l, h), c.values(l, h), 3 * a.head_dim() * sizeof(float)), 0);
    }
}

namespace {
// Counts the token slots of every pass (prefills and worker passes) on another backend.
class CountingBackend final : public Backend {
 public:
  explicit CountingBackend(Backend& inner) : Backend(inner.config()), inner_(inner) {}
  BackendInfo info() const override { return inner_.info(); }
  std::unique_ptr<BackendCache> create_cache(const Layout& layout) override { return inner_.create_cache(layout); }
  void forward(BackendCache& cache, const PassTarget& target, const ForwardBatch& batch, float* logits, LogitsMode mode) override {
    slots += static_cast<int64_t>(batch.rows) * batch.len;
    inner_.forward(cache, target, batch, logits, mode);
  }
  int64_t slots = 0;

 private:
  Backend& inner_;
};
}  // namespace

TEST(SessionFinisher, StartsFromThePromptsKVAndGivesTheFreshAnswer) {
  ModelBundle& b = stories();
  CpuBackend cpu(b.model, 2);
  CountingBackend counting(cpu);
  Preset p = two_workers();
  p.finisher.text = " So the answer is \\boxed{";
  p.finisher.max_tokens = 4;
  HogwildSession s(b, p, "The sun was hot.", options(counting, nullptr));
  int64_t before_last = 0;
  while (true) {
    before_last = counting.slots;
    if (!s.step()) break;
  }
  ASSERT_TRUE(s.result().has_value());
  const FinishedEvent& f = *s.result();
  ASSERT_NE(f.message.find("; finisher: \""), std::string::npos) << f.message;
  // The last step: one pass of 2 workers, then the finisher — which prefills only what follows the prompt.
  const int64_t finisher_slots = counting.slots - before_last - 2;
  const int64_t text_ids = static_cast<int64_t>(b.tokenizer->encode_prompt(s.assembled_response() + p.finisher.text).size());
  const int64_t prompt_ids = static_cast<int64_t>(s.prompt_ids().size());
  EXPECT_LE(finisher_slots, text_ids - prompt_ids + 1 + p.finisher.max_tokens);
  // The same continuation as a finisher that prefills everything itself.
  const FinisherRun fresh = run_finisher(cpu, *b.tokenizer, s.assembled_response(), p.finisher, p.stop.answer,
                                         FinisherOptions{b.stop_ids, std::nullopt, 8});
  ASSERT_TRUE(fresh.ran);
  EXPECT_NE(f.message.find("; finisher: \"" + fresh.output + "\""), std::string::npos) << f.message << " vs " << fresh.output;
}
