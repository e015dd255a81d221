/* The C ABI of the CUDA plugin libhogwild_cuda.so (docs/CUDA.md, "Plugin ABI").
 *
 * The engine loads the plugin with dlopen and calls ONE exported function, hogwild_cuda_api(HWC_ABI_VERSION), which
 * returns a table of C function pointers (or NULL when the plugin speaks another version). Across this boundary
 * only C types travel: fixed-size structs, pointers to caller-owned arrays, int32 status codes with a one-line
 * message. No C++ object, exception, std::string or std::vector crosses it, so the plugin and the engine may be
 * built by different compilers and standard libraries (llama.cpp's loadable backends do the same).
 *
 * Objects (opaque):
 *   HwcModel  one model on the device: weights in their FILE layout (f32/f16/bf16 and ggml's quantized blocks),
 *             the execution context (stream, cuBLAS, activations, CUDA graphs) and the forward pass.
 *   HwcCache  the Hogwild block KV store of one layout, created from a model (any number per model).
 *   HwcOps    single ops over host arrays (the parity harness tests/gpu/test_backend_ops.cpp, microbenchmarks).
 *
 * Every function that can fail returns 0 on success or an HwcCode, and writes one line into *st (st may be NULL),
 * e.g. "CUDA: out of memory (cudaErrorMemoryAllocation): cudaMalloc(&p, 2147483648 bytes) at kv_store.cu:61".
 * A failed pass changes no block length. Calls on one model (and its caches) must come from one thread at a time.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HWC_ABI_VERSION 2u
#define HWC_MAX_ROWS 8      /* rows of one pass: W ≤ 8 (Layout::kMaxWorkers) */
#define HWC_MAX_BLOCKS 32   /* blocks of one layout: F ≤ 2·8 + 3 = 19 */
#define HWC_MESSAGE_CAP 512

/* Element types: ggml's tensor type ids (GGUF), so that a file's tensors pass through unchanged. Weights may be any
 * of them; the KV cache is F32, F16 or BF16. */
enum HwcType {
  HWC_F32 = 0, HWC_F16 = 1, HWC_Q4_0 = 2, HWC_Q4_1 = 3, HWC_Q5_0 = 6, HWC_Q5_1 = 7, HWC_Q8_0 = 8,
  HWC_Q4_K = 12, HWC_Q5_K = 13, HWC_Q6_K = 14, HWC_BF16 = 30
};

enum HwcCode {
  HWC_OK = 0,
  HWC_ERR_DEVICE = 1,       /* a CUDA/cuBLAS call failed (the message names it) */
  HWC_ERR_OUT_OF_MEMORY = 2,
  HWC_ERR_INVALID = 3,      /* bad arguments or a plan that does not match the store */
  HWC_ERR_UNSUPPORTED = 4   /* a tensor type or shape the plugin cannot run */
};

typedef struct HwcStatus {
  int32_t code;
  char message[HWC_MESSAGE_CAP];
} HwcStatus;

typedef struct HwcProbe {
  int32_t usable;           /* a device exists and the runtime works */
  int32_t device_count;
  char device_name[256];    /* device 0 */
  char reason[HWC_MESSAGE_CAP]; /* why not usable */
  int64_t total_memory;     /* bytes of device 0 */
  int32_t sm_major, sm_minor;
} HwcProbe;

/* A row-major matrix [rows][cols] in host memory (weights: rows = output features). Quantized rows are cols/B
 * blocks of ggml's layout (B = 32, or 256 for the K-quants). data == NULL: absent (optional tensors), or filled on
 * the device (random_weights). Host memory is read during model_create only, tensor by tensor (no staging copy of
 * the whole model): it may be the mapped file. */
typedef struct HwcTensor {
  int32_t type;
  int64_t rows, cols;
  const void* data;
  uint64_t nbytes;
} HwcTensor;

typedef struct HwcLayerDesc {
  HwcTensor wq, wk, wv, wo, w_gate, w_up, w_down;
  /* fp32 vectors (rows = 1); data == NULL when the architecture has none (biases: qwen2; q/k norms: qwen3) */
  HwcTensor attn_norm, ffn_norm, bq, bk, bv, q_norm, k_norm;
} HwcLayerDesc;

typedef void (*HwcProgressFn)(void* user, int32_t done, int32_t total);

typedef struct HwcModelDesc {
  uint32_t struct_size;     /* sizeof(HwcModelDesc) */
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, head_dim, vocab_size;
  int32_t rope_dim;         /* rotated dims per head (≤ head_dim); the rest pass through */
  int32_t rope_neox;        /* pairing (d, d + rope_dim/2) instead of (2d, 2d + 1) */
  const double* inv_freq;   /* rope_dim/2 angular frequencies, frequency factors applied (angles in double, §12f) */
  float rms_eps;
  float softmax_scale;      /* 0: 1/sqrt(head_dim) */
  HwcTensor token_embd;     /* [vocab][dim] */
  HwcTensor output;         /* [vocab][dim]; ignored with tied_output */
  HwcTensor output_norm;    /* fp32 [dim] */
  int32_t tied_output;
  const HwcLayerDesc* layers; /* n_layers entries (NULL with attention_only or random_weights) */
  int32_t attention_only;   /* no weights: block stores and the attention only (parity tests) */
  int32_t random_weights;   /* every matrix filled on the device in random_type (benchmarks), norms 1 */
  int32_t random_type;
  uint64_t seed;
  int32_t max_rows;         /* rows of the largest pass (≤ HWC_MAX_ROWS) */
  HwcProgressFn progress;   /* called after each uploaded tensor (may be NULL) */
  void* progress_user;
} HwcModelDesc;

typedef struct HwcModelInfo {
  char device_name[256];
  uint64_t weight_bytes;    /* bytes of weight matrices on the device (file layout) */
  uint64_t free_memory;     /* device memory still free after the upload */
} HwcModelInfo;

/* Options of a model (model_set_option). */
enum HwcOption {
  HWC_OPT_ATTENTION_KERNEL = 1, /* 0: split-K fast kernel (default), 1: simple one-CTA-per-query kernel */
  HWC_OPT_GRAPHS = 2            /* 1 (default): decode passes of one token per row run as CUDA graphs; 0: eager */
};

typedef struct HwcCacheDesc {
  uint32_t struct_size;     /* sizeof(HwcCacheDesc) */
  int32_t kv_type;          /* HWC_F32, HWC_F16 or HWC_BF16 */
  int32_t n_blocks;         /* F ≤ HWC_MAX_BLOCKS */
  int32_t layout_kind;      /* informational (0 contiguous, 1 interleaved, 2 combined): the plan carries the views */
  int32_t workers;          /* informational: W of the layout */
  /* 1: the block's keys move (a worker's step block: merged into common, its tail moved to the front). Such
   * blocks keep fp32 master copies of their unrotated keys, so that a merge writes R(new position)·k rounded ONCE
   * instead of re-rotating an already rounded key (docs/CUDA.md, "Merges"). */
  uint8_t merge_source[HWC_MAX_BLOCKS];
} HwcCacheDesc;

/* One pass, planned on the host by the engine's PassPlanner (backend/pass_planner.h). For view entry e of row r and
 * query slot t: loc = entry_pos[e] − len + t; key j of block entry_block[e] is visible iff j ≤ loc. */
typedef struct HwcPassPlan {
  int32_t rows, len, n_blocks, n_entries;
  int32_t stats;            /* record block masses (a worker pass with statistics on) */
  int32_t drill_layer;      /* ≥ 0 (with stats): per-token rows of the newest queries for this layer; −1: none */
  int32_t n_real[HWC_MAX_ROWS];      /* real tokens of row r: slots len − n_real .. len − 1 */
  int32_t target[HWC_MAX_ROWS];      /* block receiving row r's tokens */
  int64_t old_len[HWC_MAX_BLOCKS];   /* block lengths before the pass (must equal the store's) */
  int64_t new_len[HWC_MAX_BLOCKS];   /* after */
  int32_t entry_of[HWC_MAX_ROWS][HWC_MAX_BLOCKS]; /* view entry of (row, block), −1 when absent */
  int64_t entry_pos[HWC_MAX_ROWS * HWC_MAX_BLOCKS]; /* length from the entry's block start to the view's end */
  int32_t entry_block[HWC_MAX_ROWS * HWC_MAX_BLOCKS];
} HwcPassPlan;

/* Statistics of a pass (hogwild-method.md §12e), written into caller-owned host arrays. */
typedef struct HwcStatsOut {
  float* mass;              /* [rows][layers][heads][F] when plan.stats */
  float* drill;             /* [rows][drill_len] when plan.drill_layer ≥ 0: each row's newest query, mean over heads,
                               over every block's tokens concatenated in block-id order (0 where not visible) */
  int64_t drill_len;        /* Σ new_len */
} HwcStatsOut;

enum HwcLogits { HWC_LOGITS_NONE = 0, HWC_LOGITS_LAST = 1, HWC_LOGITS_ALL = 2 };

typedef struct HwcTimings {
  double device_ms;         /* last forward: device time between its first and last command (events) */
  double host_us;           /* last forward: host time until the pass was launched (plan upload, tables, graph launch) */
  int32_t graph;            /* last forward: 0 eager, 1 replayed a CUDA graph, 2 captured a new graph */
  int32_t graphs_cached;    /* graphs held (one per pass shape) */
  int32_t graph_failures;   /* captures that failed (those shapes run eagerly) */
} HwcTimings;

enum HwcMatmulPath { HWC_MATMUL_AUTO = 0, HWC_MATMUL_VEC = 1, HWC_MATMUL_GEMM = 2 };

typedef struct HwcModel HwcModel;
typedef struct HwcCache HwcCache;
typedef struct HwcOps HwcOps;

typedef struct HwcApi {
  uint32_t abi_version;     /* HWC_ABI_VERSION */
  uint32_t struct_size;     /* sizeof(HwcApi) as the plugin was built */

  int32_t (*probe)(HwcProbe* out);

  HwcModel* (*model_create)(const HwcModelDesc* desc, HwcStatus* st);
  void (*model_destroy)(HwcModel* m);
  int32_t (*model_info)(const HwcModel* m, HwcModelInfo* out);
  int32_t (*model_set_option)(HwcModel* m, int32_t option, int64_t value, HwcStatus* st);

  HwcCache* (*cache_create)(HwcModel* m, const HwcCacheDesc* desc, HwcStatus* st);
  void (*cache_destroy)(HwcCache* c);
  uint64_t (*cache_bytes_per_token)(const HwcCache* c);   /* K + V of one token, all layers and KV heads */
  int64_t (*cache_length)(const HwcCache* c, int32_t block);
  /* common.append(own[0, n)) at positions |common|.., own[n, len) → own[0, len − n) (§6, §12b) */
  int32_t (*cache_merge)(HwcCache* c, int32_t own, int32_t common, int64_t n, HwcStatus* st);
  int32_t (*cache_copy)(HwcCache* c, int32_t dst, int32_t src, HwcStatus* st);
  int32_t (*cache_truncate)(HwcCache* c, int32_t block, int64_t n, HwcStatus* st);
  int32_t (*cache_reserve)(HwcCache* c, int32_t block, int64_t n, HwcStatus* st);
  /* keys (rotated at block-local positions) and values of one layer and KV head as fp32 [length][head_dim] */
  int32_t (*cache_read)(HwcCache* c, int32_t block, int32_t layer, int32_t kv_head, float* k, float* v, HwcStatus* st);
  /* n tokens of random K/V (benchmarks: a long context without running prefill) */
  int32_t (*cache_fill_random)(HwcCache* c, int32_t block, int64_t n, uint64_t seed, HwcStatus* st);

  /* Whole model: tokens [rows*len] (−1 = padding), logits per HwcLogits ([rows][vocab] or [rows*len][vocab]).
   * Commits plan.new_len as the block lengths. Synchronous. */
  int32_t (*forward)(HwcModel* m, HwcCache* c, const HwcPassPlan* plan, const int32_t* tokens, int32_t logits_mode,
                     float* logits, const HwcStatsOut* stats, HwcStatus* st);
  /* Attention alone over host arrays (a host forward driving the device cache; parity tests): begin, every layer
   * once (q [rows*len][n_heads*head_dim], k/v [rows*len][n_kv_heads*head_dim] unrotated, out like q), then end
   * (commits) or abort. */
  int32_t (*attention_begin)(HwcModel* m, HwcCache* c, const HwcPassPlan* plan, const HwcStatsOut* stats, HwcStatus* st);
  int32_t (*attention_layer)(HwcModel* m, int32_t layer, const float* q, const float* k, const float* v, float* out,
                             HwcStatus* st);
  int32_t (*attention_end)(HwcModel* m, HwcStatus* st);
  void (*attention_abort)(HwcModel* m);
  int32_t (*last_timings)(const HwcModel* m, HwcTimings* out);
  /* Mean ms of `iters` launches of the attention of `plan` over the store (nothing appended or committed);
   * plain = 1: no query rotation (ordinary causal attention when the plan has one row and one block). */
  int32_t (*time_attention)(HwcModel* m, HwcCache* c, const HwcPassPlan* plan, int32_t iters, int32_t plain, double* ms,
                            HwcStatus* st);

  HwcOps* (*ops_create)(HwcStatus* st);
  void (*ops_destroy)(HwcOps* o);
  /* out[i] = x[i]/rms(x[i])·w, n rows of dim */
  int32_t (*op_rmsnorm)(HwcOps* o, const float* x, const float* w, int64_t n, int32_t dim, float eps, float* out, HwcStatus* st);
  /* out[i] = table[tokens[i]] as fp32 (any weight type); token −1 → zeros */
  int32_t (*op_embed)(HwcOps* o, const HwcTensor* table, const int32_t* tokens, int64_t n, float* out, HwcStatus* st);
  /* y[n][w.rows] = x[n][w.cols]·wᵀ: the forward's matrix product for weight type w.type along `path` (HwcMatmulPath:
   * the dequantizing mat-vec kernel for n ≤ HWC_MAX_ROWS, or the dequantize-to-f16 + cuBLAS path of prefill) */
  int32_t (*op_matmul)(HwcOps* o, const HwcTensor* w, const float* x, int64_t n, int32_t path, float* y, HwcStatus* st);
  int32_t (*op_swiglu)(HwcOps* o, float* gate, const float* up, int64_t count, HwcStatus* st);
  int32_t (*op_add)(HwcOps* o, float* y, const float* x, int64_t count, HwcStatus* st);
  /* rotates row i (n_heads heads) in place by R(positions[i]) */
  int32_t (*op_rope)(HwcOps* o, float* x, int64_t rows, int32_t n_heads, int32_t head_dim, int32_t rope_dim, int32_t neox,
                     const double* inv_freq, const int64_t* positions, HwcStatus* st);
  /* x → the KV type (F32/F16/BF16) → fp32: what storing a key costs in precision */
  int32_t (*op_round_trip)(HwcOps* o, int32_t type, float* x, int64_t count, HwcStatus* st);
  /* device-to-device copy bandwidth of `bytes` (GB/s counting read + write), median of iters */
  int32_t (*op_copy_bandwidth)(HwcOps* o, uint64_t bytes, int32_t iters, double* gbs, HwcStatus* st);
} HwcApi;

/* Fills the model, cache and pass entries of an HwcApi from functions of the same names in scope (probe,
 * model_create, …): the plugin and the tests' stand-in (tests/engine/fake_cuda_plugin.cpp) build the table alike. */
#define HWC_FILL_API(a)                                                                                          \
  do {                                                                                                           \
    (a).abi_version = HWC_ABI_VERSION, (a).struct_size = sizeof(HwcApi), (a).probe = probe;                      \
    (a).model_create = model_create, (a).model_destroy = model_destroy, (a).model_info = model_info;            \
    (a).model_set_option = model_set_option, (a).cache_create = cache_create, (a).cache_destroy = cache_destroy; \
    (a).cache_bytes_per_token = cache_bytes_per_token, (a).cache_length = cache_length;                         \
    (a).cache_merge = cache_merge, (a).cache_copy = cache_copy, (a).cache_truncate = cache_truncate;            \
    (a).cache_reserve = cache_reserve, (a).cache_read = cache_read, (a).cache_fill_random = cache_fill_random;  \
    (a).forward = forward, (a).attention_begin = attention_begin, (a).attention_layer = attention_layer;        \
    (a).attention_end = attention_end, (a).attention_abort = attention_abort, (a).last_timings = last_timings;  \
    (a).time_attention = time_attention, (a).ops_create = ops_create, (a).ops_destroy = ops_destroy;            \
  } while (0)

/* The one symbol the plugin exports. Returns NULL when abi_version is not the plugin's. */
typedef const HwcApi* (*HwcGetApiFn)(uint32_t abi_version);
#define HWC_GET_API_SYMBOL "hogwild_cuda_api"

#ifdef __cplusplus
}
#endif
