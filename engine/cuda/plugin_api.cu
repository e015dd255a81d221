// The C ABI of libhogwild_cuda.so (plugin_abi.h): the one exported symbol, hogwild_cuda_api(), hands out a table of
// C functions. Every function catches everything: a C++ exception never crosses the boundary; failures become an
// HwcCode and one line in HwcStatus.
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include <cuda_runtime.h>

#include "cuda/device_model.cuh"
#include "cuda/device_ops.cuh"

using namespace hogwild::cuda;

struct HwcModel {
  DeviceModel impl;
  explicit HwcModel(const HwcModelDesc& d) : impl(d) {}
};
struct HwcCache {
  std::unique_ptr<DeviceCache> impl;
};
struct HwcOps {
  DeviceOps impl;
};

namespace {

void copy_text(char* dst, size_t cap, const char* src) {
  std::strncpy(dst, src, cap - 1);
  dst[cap - 1] = '\0';
}

int32_t fail(HwcStatus* st, int32_t code, const char* what) {
  if (st) {
    st->code = code;
    copy_text(st->message, sizeof st->message, what);
  }
  return code;
}

template <typename F>
int32_t guarded(HwcStatus* st, F&& f) {
  try {
    f();
    if (st) st->code = HWC_OK, st->message[0] = '\0';
    return HWC_OK;
  } catch (const PluginError& e) {
    return fail(st, e.code(), e.what());
  } catch (const std::bad_alloc&) {
    return fail(st, HWC_ERR_OUT_OF_MEMORY, "CUDA: out of host memory");
  } catch (const std::exception& e) {
    return fail(st, HWC_ERR_DEVICE, (std::string("CUDA: ") + e.what()).c_str());
  } catch (...) {
    return fail(st, HWC_ERR_DEVICE, "CUDA: unknown error");
  }
}

// Runtime GPU check: cudaGetDeviceCount with its error recorded (no driver, no device) — never fatal.
int32_t probe(HwcProbe* out) {
  std::memset(out, 0, sizeof *out);
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    const std::string why = std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
    copy_text(out->reason, sizeof out->reason, why.c_str());
    cudaGetLastError();
    return 0;
  }
  out->device_count = count;
  if (count <= 0) {
    copy_text(out->reason, sizeof out->reason, "cudaErrorNoDevice: no CUDA device found");
    return 0;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) {
    copy_text(out->device_name, sizeof out->device_name, prop.name);
    out->total_memory = static_cast<int64_t>(prop.totalGlobalMem);
    out->sm_major = prop.major;
    out->sm_minor = prop.minor;
  }
  out->usable = 1;
  return 0;
}

HwcModel* model_create(const HwcModelDesc* d, HwcStatus* st) {
  HwcModel* m = nullptr;
  guarded(st, [&] {
    if (!d) invalid("no model description");
    m = new HwcModel(*d);
  });
  return m;
}
void model_destroy(HwcModel* m) { delete m; }
int32_t model_info(const HwcModel* m, HwcModelInfo* out) {
  m->impl.info(out);
  return 0;
}
int32_t model_set_option(HwcModel* m, int32_t option, int64_t value, HwcStatus* st) {
  return guarded(st, [&] { m->impl.set_option(option, value); });
}

HwcCache* cache_create(HwcModel* m, const HwcCacheDesc* d, HwcStatus* st) {
  HwcCache* c = nullptr;
  guarded(st, [&] {
    if (!d) invalid("no cache description");
    c = new HwcCache{m->impl.create_cache(*d)};
  });
  return c;
}
void cache_destroy(HwcCache* c) { delete c; }
uint64_t cache_bytes_per_token(const HwcCache* c) { return c->impl->store.bytes_per_token(); }
int64_t cache_length(const HwcCache* c, int32_t block) {
  return block >= 0 && block < c->impl->store.n_blocks() ? c->impl->store.length(block) : -1;
}
void check_block(const HwcCache* c, int32_t block) {
  if (block < 0 || block >= c->impl->store.n_blocks()) invalid("no block " + std::to_string(block));
}
int32_t cache_merge(HwcCache* c, int32_t own, int32_t common, int64_t n, HwcStatus* st) {
  return guarded(st, [&] {
    check_block(c, own), check_block(c, common);
    c->impl->store.merge(own, common, n, c->impl->model->stream());
  });
}
int32_t cache_copy(HwcCache* c, int32_t dst, int32_t src, HwcStatus* st) {
  return guarded(st, [&] {
    check_block(c, dst), check_block(c, src);
    c->impl->store.copy(dst, src, c->impl->model->stream());
  });
}
int32_t cache_truncate(HwcCache* c, int32_t block, int64_t n, HwcStatus* st) {
  return guarded(st, [&] {
    check_block(c, block);
    if (n < 0 || n > c->impl->store.length(block)) invalid("truncate to " + std::to_string(n) + " tokens");
    c->impl->store.set_length(block, n);
  });
}
int32_t cache_reserve(HwcCache* c, int32_t block, int64_t n, HwcStatus* st) {
  return guarded(st, [&] {
    check_block(c, block);
    c->impl->store.reserve(block, n, c->impl->model->stream());
  });
}
int32_t cache_read(HwcCache* c, int32_t block, int32_t layer, int32_t kv_head, float* k, float* v, HwcStatus* st) {
  return guarded(st, [&] {
    check_block(c, block);
    c->impl->store.read(block, layer, kv_head, k, v, c->impl->model->stream());
  });
}
int32_t cache_fill_random(HwcCache* c, int32_t block, int64_t n, uint64_t seed, HwcStatus* st) {
  return guarded(st, [&] {
    check_block(c, block);
    c->impl->store.fill_random(block, n, seed, c->impl->model->stream());
  });
}

int32_t forward(HwcModel* m, HwcCache* c, const HwcPassPlan* plan, const int32_t* tokens, int32_t logits_mode, float* logits,
                const HwcStatsOut* stats, HwcStatus* st) {
  return guarded(st, [&] { m->impl.forward(*c->impl, *plan, tokens, logits_mode, logits, stats); });
}
int32_t attention_begin(HwcModel* m, HwcCache* c, const HwcPassPlan* plan, const HwcStatsOut* stats, HwcStatus* st) {
  return guarded(st, [&] { m->impl.attention_begin(*c->impl, *plan, stats); });
}
int32_t attention_layer(HwcModel* m, int32_t layer, const float* q, const float* k, const float* v, float* out, HwcStatus* st) {
  return guarded(st, [&] { m->impl.attention_layer(layer, q, k, v, out); });
}
int32_t attention_end(HwcModel* m, HwcStatus* st) {
  return guarded(st, [&] { m->impl.attention_end(); });
}
void attention_abort(HwcModel* m) { m->impl.attention_abort(); }
int32_t last_timings(const HwcModel* m, HwcTimings* out) {
  *out = m->impl.timings();
  return 0;
}
int32_t time_attention(HwcModel* m, HwcCache* c, const HwcPassPlan* plan, int32_t iters, int32_t plain, double* ms, HwcStatus* st) {
  return guarded(st, [&] { *ms = m->impl.time_attention(*c->impl, *plan, iters, plain != 0); });
}

HwcOps* ops_create(HwcStatus* st) {
  HwcOps* o = nullptr;
  guarded(st, [&] { o = new HwcOps{}; });
  return o;
}
void ops_destroy(HwcOps* o) { delete o; }
int32_t op_rmsnorm(HwcOps* o, const float* x, const float* w, int64_t n, int32_t dim, float eps, float* out, HwcStatus* st) {
  return guarded(st, [&] { o->impl.rmsnorm(x, w, n, dim, eps, out); });
}
int32_t op_embed(HwcOps* o, const HwcTensor* table, const int32_t* tokens, int64_t n, float* out, HwcStatus* st) {
  return guarded(st, [&] { o->impl.embed(*table, tokens, n, out); });
}
int32_t op_matmul(HwcOps* o, const HwcTensor* w, const float* x, int64_t n, int32_t path, float* y, HwcStatus* st) {
  return guarded(st, [&] { o->impl.matmul(*w, x, n, path, y); });
}
int32_t op_swiglu(HwcOps* o, float* gate, const float* up, int64_t count, HwcStatus* st) {
  return guarded(st, [&] { o->impl.swiglu(gate, up, count); });
}
int32_t op_add(HwcOps* o, float* y, const float* x, int64_t count, HwcStatus* st) {
  return guarded(st, [&] { o->impl.add(y, x, count); });
}
int32_t op_rope(HwcOps* o, float* x, int64_t rows, int32_t n_heads, int32_t head_dim, int32_t rope_dim, int32_t neox, const double* inv_freq,
                const int64_t* positions, HwcStatus* st) {
  return guarded(st, [&] { o->impl.rope(x, rows, n_heads, head_dim, rope_dim, neox != 0, inv_freq, positions); });
}
int32_t op_round_trip(HwcOps* o, int32_t type, float* x, int64_t count, HwcStatus* st) {
  return guarded(st, [&] { o->impl.round_trip(dev_type_of(type), x, count); });
}
int32_t op_copy_bandwidth(HwcOps* o, uint64_t bytes, int32_t iters, double* gbs, HwcStatus* st) {
  return guarded(st, [&] { *gbs = o->impl.copy_bandwidth_gbs(bytes, iters); });
}

HwcApi make_api() {
  HwcApi a{};
  HWC_FILL_API(a);
  a.op_rmsnorm = op_rmsnorm, a.op_embed = op_embed, a.op_matmul = op_matmul, a.op_swiglu = op_swiglu, a.op_add = op_add;
  a.op_rope = op_rope, a.op_round_trip = op_round_trip, a.op_copy_bandwidth = op_copy_bandwidth;
  return a;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const HwcApi* hogwild_cuda_api(uint32_t abi_version) {
  static const HwcApi api = make_api();
  return abi_version == HWC_ABI_VERSION ? &api : nullptr;
}
