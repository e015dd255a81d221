// A stand-in for libhogwild_cuda.so, built with the host compiler, that speaks the plugin's C ABI
// (engine/cuda/plugin_abi.h) and computes on the CPU with the engine's own code (cpu::Transformer over
// HogwildAttention caches): a session on this "CUDA device" must give exactly the CPU backend's tokens, statistics and
// drill rows, which proves the engine's CUDA client (plan conversion, merges, copies, statistics, logits modes,
// errors) without a GPU. Every plan the engine sends is checked against the fake's own PassPlanner.
//
// Behaviour from $HOGWILD_FAKE_CUDA, read at each call (comma-separated):
//   (empty)            a usable device named "Fake CUDA device (tests)"
//   no_device          the probe finds no device (cudaErrorNoDevice)
//   oom_load           model_create fails: out of memory while uploading the weights
//   unsupported        model_create fails: a tensor type the device cannot run
//   fail_forward=N     the N-th forward of a model (1-based) and every later one fail (cudaErrorIllegalAddress)
//   kv_budget=N        a block holds at most N tokens: a pass or merge that grows one past it runs out of memory
//   fail_merge=N       the N-th step merge of a cache (1-based) and every later one fail (cudaErrorIllegalAddress)
// Loaded by the tests through $HOGWILD_CUDA_PLUGIN, exactly as the engine loads the real plugin.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/pass_planner.h"
#include "cpu/transformer.h"
#include "cuda/plugin_abi.h"
#include "hogwild/hogwild_attention.h"
#include "model/model.h"
#include "model/rope.h"

using namespace hogwild;

namespace {

constexpr const char* kName = "Fake CUDA device (tests)";

std::string mode() {
  const char* e = std::getenv("HOGWILD_FAKE_CUDA");
  return e ? e : "";
}
bool has(const std::string& flag) { return mode().find(flag) != std::string::npos; }
long number(const std::string& key, long fallback) {
  const std::string m = mode();
  const size_t p = m.find(key + "=");
  return p == std::string::npos ? fallback : std::atol(m.c_str() + p + key.size() + 1);
}

int32_t fail(HwcStatus* st, int32_t code, const std::string& msg) {
  if (st) {
    st->code = code;
    const size_t n = std::min(msg.size(), sizeof st->message - 1);
    std::memcpy(st->message, msg.data(), n);
    st->message[n] = '\0';
  }
  return code;
}

// Thrown inside the fake, turned into a status at the ABI.
struct FakeError : std::runtime_error {
  int32_t code;
  FakeError(int32_t c, const std::string& m) : std::runtime_error(m), code(c) {}
};

template <typename F>
int32_t guarded(HwcStatus* st, F&& f) {
  try {
    f();
    return HWC_OK;
  } catch (const FakeError& e) {
    return fail(st, e.code, e.what());
  } catch (const std::exception& e) {
    return fail(st, HWC_ERR_INVALID, std::string("CUDA: fake plugin: ") + e.what());
  }
}

DType dtype(int32_t t) {
  switch (t) {
    case HWC_F32: return DType::F32;
    case HWC_F16: return DType::F16;
    case HWC_BF16: return DType::BF16;
    case HWC_Q8_0: return DType::Q8_0;
    case HWC_Q4_0: return DType::Q4_0;
    case HWC_Q4_1: return DType::Q4_1;
    case HWC_Q5_0: return DType::Q5_0;
    case HWC_Q5_1: return DType::Q5_1;
    case HWC_Q4_K: return DType::Q4_K;
    case HWC_Q5_K: return DType::Q5_K;
    case HWC_Q6_K: return DType::Q6_K;
    default: throw FakeError(HWC_ERR_UNSUPPORTED, "CUDA: tensor type " + std::to_string(t) + " is not supported");
  }
}

}  // namespace

struct HwcModel {
  Model model;
  bool attention_only = false;
  std::unique_ptr<cpu::Transformer> tf;
  Rope rope;
  long forwards = 0;
  // Attention-only passes in flight.
  struct HwcCache* open = nullptr;
  int rows = 0, len = 0;
  const HwcStatsOut* stats = nullptr;
  HwcStatsOut stats_copy{};
  bool stats_on = false;
};

struct HwcCache {
  HwcModel* m;
  Layout layout;
  std::unique_ptr<HogwildAttention> attn;
  PassPlanner planner;
  long merges = 0;
};

namespace {

TensorView view(const HwcTensor& t, const char* name, Model& m) {
  TensorView v;
  if (!t.data) return v;
  v.name = name;
  v.type = dtype(t.type);
  v.dims = {t.cols, t.rows};
  auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<const uint8_t*>(t.data), static_cast<const uint8_t*>(t.data) + t.nbytes);
  v.data = bytes->data();
  v.nbytes = bytes->size();
  m.owned.push_back(bytes);
  return v;
}

void check_budget(const HwcCache& c, int64_t n) {
  const long budget = number("kv_budget", -1);
  if (budget >= 0 && n > budget)
    throw FakeError(HWC_ERR_OUT_OF_MEMORY, "CUDA: out of memory (cudaErrorMemoryAllocation): cudaMalloc(&p, " + std::to_string(n * 4096) +
                                               " bytes) at fake_cuda_plugin.cpp (block of " + std::to_string(n) + " tokens)");
  (void)c;
}

// The pass the engine planned, re-planned here: a worker pass or a prefill of one block, and every field compared.
PassTarget check_plan(const HwcCache& c, const HwcPassPlan& p, const ForwardBatch& batch) {
  const Layout& lay = c.layout;
  size_t view_entries = 0;
  for (int w = 0; w < lay.workers(); ++w) view_entries += lay.view(w).size();
  bool workers = p.rows == lay.workers() && static_cast<size_t>(p.n_entries) == view_entries;
  for (int r = 0; workers && r < p.rows; ++r) workers = p.target[r] == lay.own_block(r);
  const PassTarget target = workers ? PassTarget::workers() : PassTarget::prefill(p.target[0]);
  const PassPlan mine = c.planner.plan(target, batch, c.attn->block_lengths());
  auto mismatch = [](const std::string& what) { throw FakeError(HWC_ERR_INVALID, "CUDA: the pass plan does not match the block store (" + what + ")"); };
  if (p.n_blocks != mine.n_blocks || p.n_entries != mine.entries()) mismatch("shape");
  for (int r = 0; r < p.rows; ++r) {
    if (p.n_real[r] != mine.n_real[static_cast<size_t>(r)] || p.target[r] != mine.target[static_cast<size_t>(r)]) mismatch("row " + std::to_string(r));
    for (int X = 0; X < p.n_blocks; ++X) {
      const int e = p.entry_of[r][X], me = mine.entry(r, X);
      if ((e < 0) != (me < 0)) mismatch("view of row " + std::to_string(r));
      if (e >= 0 && (p.entry_block[e] != X || p.entry_pos[e] != mine.entry_end[static_cast<size_t>(me)])) mismatch("location");
    }
  }
  for (int X = 0; X < p.n_blocks; ++X)
    if (p.old_len[X] != mine.old_len[static_cast<size_t>(X)] || p.new_len[X] != mine.new_len[static_cast<size_t>(X)]) mismatch("lengths");
  return target;
}

ForwardBatch batch_from(const HwcPassPlan& p, const int32_t* tokens) {
  ForwardBatch b;
  b.rows = p.rows;
  b.len = p.len;
  b.tokens.assign(static_cast<size_t>(p.rows) * p.len, ForwardBatch::kPad);
  for (int r = 0; r < p.rows; ++r)
    for (int t = p.len - p.n_real[r]; t < p.len; ++t) b.tokens[static_cast<size_t>(r) * p.len + t] = tokens ? tokens[static_cast<size_t>(r) * p.len + t] : 0;
  return b;
}

void prepare(HwcCache& c, const HwcPassPlan& p, const ForwardBatch& batch) {
  const PassTarget target = check_plan(c, p, batch);
  for (int X = 0; X < p.n_blocks; ++X) check_budget(c, p.new_len[X]);
  if (target.worker_pass()) c.attn->set_worker_pass();
  else c.attn->set_prefill(target.prefill_block);
  c.attn->set_stats_enabled(p.stats != 0);
  c.attn->set_drill_layer(p.stats ? p.drill_layer : -1);
}

void copy_stats(const HwcCache& c, const HwcPassPlan& p, const HwcStatsOut* out) {
  if (!p.stats || !out) return;
  const AttentionStats& s = c.attn->stats();
  if (out->mass) std::memcpy(out->mass, s.mass().data(), s.mass().size() * sizeof(float));
  if (out->drill && p.drill_layer >= 0) {
    if (s.drill().size() != static_cast<size_t>(p.rows)) throw FakeError(HWC_ERR_INVALID, "CUDA: fake plugin: no drill rows");
    for (int r = 0; r < p.rows; ++r) {
      const auto& row = s.drill()[static_cast<size_t>(r)];
      if (static_cast<int64_t>(row.size()) != out->drill_len) throw FakeError(HWC_ERR_INVALID, "CUDA: fake plugin: drill length");
      std::memcpy(out->drill + static_cast<size_t>(r) * out->drill_len, row.data(), row.size() * sizeof(float));
    }
  }
}

int worker_of(const Layout& lay, int block) {
  for (int w = 0; w < lay.workers(); ++w)
    if (lay.own_block(w) == block) return w;
  throw FakeError(HWC_ERR_INVALID, "CUDA: block " + std::to_string(block) + " is no worker's step");
}

// ---- the ABI
int32_t probe(HwcProbe* out) {
  std::memset(out, 0, sizeof *out);
  if (has("no_device")) {
    std::strcpy(out->reason, "cudaErrorNoDevice: no CUDA-capable device is detected");
    return 0;
  }
  out->usable = 1;
  out->device_count = 1;
  std::strcpy(out->device_name, kName);
  out->total_memory = int64_t{1} << 30;
  out->sm_major = 9;
  return 0;
}

HwcModel* model_create(const HwcModelDesc* d, HwcStatus* st) {
  if (has("oom_load")) {
    fail(st, HWC_ERR_OUT_OF_MEMORY, "CUDA: out of memory (cudaErrorMemoryAllocation): cudaMalloc(&p, 1073741824 bytes) at fake_cuda_plugin.cpp (weights)");
    return nullptr;
  }
  if (has("unsupported")) {
    fail(st, HWC_ERR_UNSUPPORTED, "CUDA: tensor 'blk.0.attn_q.weight' has type 99, which the device cannot run");
    return nullptr;
  }
  auto m = std::make_unique<HwcModel>();
  const int32_t rc = guarded(st, [&] {
    if (d->struct_size != sizeof(HwcModelDesc)) throw FakeError(HWC_ERR_INVALID, "CUDA: model description of another ABI");
    if (d->random_weights) throw FakeError(HWC_ERR_UNSUPPORTED, "CUDA: the fake device has no random weights");
    ModelConfig& c = m->model.config;
    c.name = "fake";
    c.dim = d->dim, c.hidden_dim = d->hidden_dim, c.n_layers = d->n_layers, c.n_heads = d->n_heads, c.n_kv_heads = d->n_kv_heads;
    c.head_dim = d->head_dim, c.vocab_size = d->vocab_size, c.rms_eps = d->rms_eps, c.context_length = 1 << 30;
    c.rope_dim = d->rope_dim;
    c.rope_style = d->rope_neox ? RopeStyle::NeoX : RopeStyle::Interleaved;
    m->rope = Rope::from_inv_freq(d->head_dim, c.rope_style, std::vector<double>(d->inv_freq, d->inv_freq + d->rope_dim / 2));
    m->attention_only = d->attention_only != 0;
    if (m->attention_only) return;
    ModelWeights& w = m->model.weights;
    w.token_embd = view(d->token_embd, "token_embd", m->model);
    w.output = d->tied_output ? w.token_embd : view(d->output, "output", m->model);
    c.tied_output = d->tied_output != 0;
    w.output_norm = view(d->output_norm, "output_norm", m->model);
    for (int l = 0; l < d->n_layers; ++l) {
      const HwcLayerDesc& s = d->layers[l];
      LayerWeights lw;
      lw.wq = view(s.wq, "wq", m->model), lw.wk = view(s.wk, "wk", m->model), lw.wv = view(s.wv, "wv", m->model);
      lw.wo = view(s.wo, "wo", m->model), lw.w_gate = view(s.w_gate, "w_gate", m->model), lw.w_up = view(s.w_up, "w_up", m->model);
      lw.w_down = view(s.w_down, "w_down", m->model), lw.attn_norm = view(s.attn_norm, "attn_norm", m->model);
      lw.ffn_norm = view(s.ffn_norm, "ffn_norm", m->model), lw.bq = view(s.bq, "bq", m->model), lw.bk = view(s.bk, "bk", m->model);
      lw.bv = view(s.bv, "bv", m->model), lw.q_norm = view(s.q_norm, "q_norm", m->model), lw.k_norm = view(s.k_norm, "k_norm", m->model);
      w.layers.push_back(lw);
      if (d->progress) d->progress(d->progress_user, l + 1, d->n_layers);
    }
    m->tf = std::make_unique<cpu::Transformer>(m->model, 1);
  });
  return rc == HWC_OK ? m.release() : nullptr;
}

void model_destroy(HwcModel* m) { delete m; }

int32_t model_info(const HwcModel*, HwcModelInfo* out) {
  std::memset(out, 0, sizeof *out);
  std::strcpy(out->device_name, kName);
  return 0;
}

int32_t model_set_option(HwcModel*, int32_t, int64_t, HwcStatus*) { return 0; }

HwcCache* cache_create(HwcModel* m, const HwcCacheDesc* d, HwcStatus* st) {
  HwcCache* out = nullptr;
  guarded(st, [&] {
    const Layout layout(static_cast<LayoutKind>(d->layout_kind), d->workers);
    if (layout.num_blocks() != d->n_blocks) throw FakeError(HWC_ERR_INVALID, "CUDA: the cache description does not match its layout");
    const ModelConfig& c = m->model.config;
    auto attn = std::make_unique<HogwildAttention>(c.n_layers, c.n_kv_heads, c.n_heads, c.head_dim, m->rope, layout, layout.workers(),
                                                   int64_t{1} << 30);
    out = new HwcCache{m, layout, std::move(attn), PassPlanner(layout, int64_t{1} << 30)};
  });
  return out;
}

void cache_destroy(HwcCache* c) { delete c; }
uint64_t cache_bytes_per_token(const HwcCache* c) {
  const ModelConfig& m = c->m->model.config;
  return 2ull * m.n_layers * m.n_kv_heads * m.head_dim * sizeof(float);
}
int64_t cache_length(const HwcCache* c, int32_t block) { return c->attn->block_length(block); }

int32_t cache_merge(HwcCache* c, int32_t own, int32_t common, int64_t n, HwcStatus* st) {
  return guarded(st, [&] {
    if (common != c->layout.first_block()) throw FakeError(HWC_ERR_INVALID, "CUDA: merge into a block that is not common");
    const long fail_at = number("fail_merge", -1);
    if (fail_at > 0 && ++c->merges >= fail_at)
      throw FakeError(HWC_ERR_DEVICE, "CUDA: an illegal memory access was encountered (cudaErrorIllegalAddress): "
                                      "cudaMemcpyAsync(common, own) at fake_cuda_plugin.cpp (step merge)");
    check_budget(*c, c->attn->block_length(common) + n);
    c->attn->merge_step(worker_of(c->layout, own), n);
  });
}
int32_t cache_copy(HwcCache* c, int32_t dst, int32_t src, HwcStatus* st) {
  return guarded(st, [&] { c->attn->copy_block(dst, src); });
}
int32_t cache_truncate(HwcCache* c, int32_t block, int64_t n, HwcStatus* st) {
  return guarded(st, [&] { c->attn->truncate_block(block, n); });
}
int32_t cache_reserve(HwcCache* c, int32_t block, int64_t n, HwcStatus* st) {
  return guarded(st, [&] {
    check_budget(*c, n);
    c->attn->reserve(block, n);
  });
}
int32_t cache_read(HwcCache* c, int32_t block, int32_t layer, int32_t kv_head, float* k, float* v, HwcStatus* st) {
  return guarded(st, [&] {
    const CacheBlock& b = c->attn->block(block);
    const size_t n = static_cast<size_t>(b.length()) * static_cast<size_t>(b.head_dim());
    std::memcpy(k, b.keys(layer, kv_head), n * sizeof(float));
    std::memcpy(v, b.values(layer, kv_head), n * sizeof(float));
  });
}
int32_t cache_fill_random(HwcCache*, int32_t, int64_t, uint64_t, HwcStatus* st) {
  return fail(st, HWC_ERR_UNSUPPORTED, "CUDA: the fake device cannot fill blocks at random");
}

int32_t forward(HwcModel* m, HwcCache* c, const HwcPassPlan* p, const int32_t* tokens, int32_t logits_mode, float* logits,
                const HwcStatsOut* stats, HwcStatus* st) {
  return guarded(st, [&] {
    if (m->attention_only) throw FakeError(HWC_ERR_INVALID, "CUDA: this device store was created without weights");
    ++m->forwards;
    const long fail_at = number("fail_forward", -1);
    if (fail_at > 0 && m->forwards >= fail_at)
      throw FakeError(HWC_ERR_DEVICE, "CUDA: an illegal memory access was encountered (cudaErrorIllegalAddress): "
                                      "cudaStreamSynchronize(stream_) at fake_cuda_plugin.cpp");
    const ForwardBatch batch = batch_from(*p, tokens);
    prepare(*c, *p, batch);
    try {
      m->tf->forward(batch, *c->attn, logits_mode == HWC_LOGITS_NONE ? nullptr : logits, logits_mode == HWC_LOGITS_ALL);
    } catch (...) {
      c->attn->abort_pass();
      throw;
    }
    copy_stats(*c, *p, stats);
  });
}

int32_t attention_begin(HwcModel* m, HwcCache* c, const HwcPassPlan* p, const HwcStatsOut* stats, HwcStatus* st) {
  return guarded(st, [&] {
    const ForwardBatch batch = batch_from(*p, nullptr);
    prepare(*c, *p, batch);
    c->attn->begin_pass(batch);
    m->open = c;
    m->rows = p->rows, m->len = p->len;
    m->stats_on = p->stats != 0 && stats;
    if (stats) m->stats_copy = *stats;
  });
}
int32_t attention_layer(HwcModel* m, int32_t layer, const float* q, const float* k, const float* v, float* out, HwcStatus* st) {
  return guarded(st, [&] {
    if (!m->open) throw FakeError(HWC_ERR_INVALID, "CUDA: attention_layer outside attention_begin/end");
    const ModelConfig& c = m->model.config;
    const size_t slots = static_cast<size_t>(m->rows) * m->len;
    std::vector<float> qq(q, q + slots * c.n_heads * c.head_dim), kk(k, k + slots * c.n_kv_heads * c.head_dim);
    m->open->attn->attend(layer, qq.data(), kk.data(), v, out);
  });
}
int32_t attention_end(HwcModel* m, HwcStatus* st) {
  return guarded(st, [&] {
    if (!m->open) throw FakeError(HWC_ERR_INVALID, "CUDA: attention_end without attention_begin");
    HwcCache* c = m->open;
    m->open = nullptr;
    c->attn->end_pass();
    HwcPassPlan p{};
    p.rows = m->rows;
    p.stats = m->stats_on;
    p.drill_layer = m->stats_copy.drill ? 0 : -1;
    if (m->stats_on) copy_stats(*c, p, &m->stats_copy);
  });
}
void attention_abort(HwcModel* m) {
  if (m->open) m->open->attn->abort_pass();
  m->open = nullptr;
}
int32_t last_timings(const HwcModel*, HwcTimings* out) {
  std::memset(out, 0, sizeof *out);
  return 0;
}
int32_t time_attention(HwcModel*, HwcCache*, const HwcPassPlan*, int32_t, int32_t, double*, HwcStatus* st) {
  return fail(st, HWC_ERR_UNSUPPORTED, "CUDA: the fake device has no timers");
}
HwcOps* ops_create(HwcStatus* st) {
  fail(st, HWC_ERR_UNSUPPORTED, "CUDA: the fake device has no single ops");
  return nullptr;
}
void ops_destroy(HwcOps*) {}

HwcApi make_api() {
  HwcApi a{};
  HWC_FILL_API(a);
  return a;  // the op_* entries stay NULL: ops_create refuses first
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const HwcApi* hogwild_cuda_api(uint32_t abi_version) {
  static const HwcApi api = make_api();
  return abi_version == HWC_ABI_VERSION ? &api : nullptr;
}
