#include "cpu/ops.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include <cblas.h>

extern "C" void openblas_set_num_threads(int num_threads);  // OpenBLAS (BLA_VENDOR OpenBLAS in CMake)

#include "cpu/packed_weights.h"
#include "cpu/quant_dot.h"

namespace hogwild::cpu {

namespace {
// GCC generic vectors: 8 floats. target_clones gives an AVX2+FMA variant selected at load time and a
// baseline (SSE2) one, so one binary runs everywhere and uses wide vectors where they exist.
typedef float v8f __attribute__((vector_size(32)));

#if defined(__clang__)
// clang rejects passing a 32-byte vector by value in the non-AVX ("default") clone (it changes the ABI), so
// there the two helpers are macros with the same arithmetic (GNU statement expression; clang builds the fuzz targets).
#define load8(p) ({ v8f v_; std::memcpy(&v_, (p), sizeof v_); v_; })
#define hsum(v) ((((v)[0] + (v)[1]) + ((v)[2] + (v)[3])) + (((v)[4] + (v)[5]) + ((v)[6] + (v)[7])))
#else
inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline float hsum(v8f v) { return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])); }
#endif

// The clones are picked by an ifunc resolver while the program is being loaded; under ThreadSanitizer that
// resolver runs instrumented before the TSan runtime exists and crashes, so TSan builds use the baseline only.
#if defined(__SANITIZE_THREAD__)
#define HOGWILD_VECTOR_CLONES
#else
#define HOGWILD_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#endif

// y[i*ldy + j] for i < n = dot(w_row, x_i), for up to n inputs. Weight row read once for all inputs.
HOGWILD_VECTOR_CLONES
void dot_rows(const float* wrow, const float* x, int64_t n, int64_t k, float* y, int64_t ldy) {
  int64_t i = 0;
  const int64_t k8 = k & ~int64_t{7};
  for (; i + 4 <= n; i += 4) {
    const float* x0 = x + i * k;
    const float* x1 = x0 + k;
    const float* x2 = x1 + k;
    const float* x3 = x2 + k;
    v8f a0{}, a1{}, a2{}, a3{}, b0{}, b1{}, b2{}, b3{};
    int64_t c = 0;
    for (; c + 16 <= k8; c += 16) {  // eight independent chains: enough to cover the FMA latency
      const v8f w = load8(wrow + c), u = load8(wrow + c + 8);
      a0 += w * load8(x0 + c);
      a1 += w * load8(x1 + c);
      a2 += w * load8(x2 + c);
      a3 += w * load8(x3 + c);
      b0 += u * load8(x0 + c + 8);
      b1 += u * load8(x1 + c + 8);
      b2 += u * load8(x2 + c + 8);
      b3 += u * load8(x3 + c + 8);
    }
    for (; c < k8; c += 8) {
      const v8f w = load8(wrow + c);
      a0 += w * load8(x0 + c);
      a1 += w * load8(x1 + c);
      a2 += w * load8(x2 + c);
      a3 += w * load8(x3 + c);
    }
    float s0 = hsum(a0 + b0), s1 = hsum(a1 + b1), s2 = hsum(a2 + b2), s3 = hsum(a3 + b3);
    for (int64_t c = k8; c < k; ++c) {
      s0 += wrow[c] * x0[c];
      s1 += wrow[c] * x1[c];
      s2 += wrow[c] * x2[c];
      s3 += wrow[c] * x3[c];
    }
    y[i * ldy] = s0;
    y[(i + 1) * ldy] = s1;
    y[(i + 2) * ldy] = s2;
    y[(i + 3) * ldy] = s3;
  }
  if (i + 2 <= n) {  // two inputs: one weight load feeds both
    const float* x0 = x + i * k;
    const float* x1 = x0 + k;
    v8f a0{}, a1{}, b0{}, b1{};
    int64_t c = 0;
    for (; c + 16 <= k8; c += 16) {  // two independent accumulator chains per input hide FMA latency
      const v8f w0 = load8(wrow + c), w1 = load8(wrow + c + 8);
      a0 += w0 * load8(x0 + c);
      b0 += w1 * load8(x0 + c + 8);
      a1 += w0 * load8(x1 + c);
      b1 += w1 * load8(x1 + c + 8);
    }
    for (; c < k8; c += 8) {
      const v8f w0 = load8(wrow + c);
      a0 += w0 * load8(x0 + c);
      a1 += w0 * load8(x1 + c);
    }
    float s0 = hsum(a0 + b0), s1 = hsum(a1 + b1);
    for (int64_t cc = k8; cc < k; ++cc) {
      s0 += wrow[cc] * x0[cc];
      s1 += wrow[cc] * x1[cc];
    }
    y[i * ldy] = s0;
    y[(i + 1) * ldy] = s1;
    i += 2;
  }
  if (i < n) {  // one input: the same two chains (and order of additions) as above, so that a row's result does not
                // depend on how many rows share the call (fused passes of several sessions: matmul's allow_blas)
    const float* xi = x + i * k;
    v8f a0{}, b0{};
    int64_t c = 0;
    for (; c + 16 <= k8; c += 16) {
      a0 += load8(wrow + c) * load8(xi + c);
      b0 += load8(wrow + c + 8) * load8(xi + c + 8);
    }
    for (; c < k8; c += 8) a0 += load8(wrow + c) * load8(xi + c);
    float s = hsum(a0 + b0);
    for (int64_t cc = k8; cc < k; ++cc) s += wrow[cc] * xi[cc];
    y[i * ldy] = s;
  }
}
}  // namespace

namespace {
std::atomic<bool> g_blas{true};
}  // namespace

void set_blas_enabled(bool on) { g_blas = on; }

namespace {
std::atomic<int> g_blas_threads{0};
}  // namespace

void set_blas_threads(int threads) {
  if (threads < 1) return;
  openblas_set_num_threads(threads);
  g_blas_threads = threads;
}
int blas_threads() { return g_blas_threads; }
bool blas_enabled() { return g_blas; }

float dot(const float* a, const float* b, int64_t n) {
  float y;
  dot_rows(a, b, 1, n, &y, 1);
  return y;
}

namespace {
// The activation rows quantized once per matmul (by the pool for batches of 16 rows or more; the bytes do not
// depend on who quantizes them), in the calling thread's buffer.
const uint8_t* quantized_inputs(DType type, const float* x, int64_t n, int64_t k, ThreadPool& pool) {
  const size_t act_bytes = activation_row_bytes(type, k);
  thread_local std::vector<uint8_t> act;
  act.resize(act_bytes * static_cast<size_t>(n));
  uint8_t* dst = act.data();
  if (n < 16) {
    quantize_activations(type, x, n, k, dst);
  } else {
    pool.parallel_for(n, [&](int64_t r0, int64_t r1) {
      quantize_activations(type, x + r0 * k, r1 - r0, k, dst + static_cast<size_t>(r0) * act_bytes);
    }, 8);
  }
  return dst;
}

// The row kernels: every thread walks its weight rows in tiles of about 16 KB, and each tile meets the activation
// rows in groups of 8, so a weight byte comes from memory once per matmul and from cache for the later groups, and an
// activation group stays in L1 across the tile.
void matmul_quantized(const TensorView& w, const float* x, int64_t n, float* y, ThreadPool& pool, KernelLevel level,
                      int64_t grain) {
  const int64_t rows = w.rows(), k = w.cols();
  const size_t act_bytes = activation_row_bytes(w.type, k);
  const uint8_t* acts = quantized_inputs(w.type, x, n, k, pool);
  const QuantRowsFn kernel = quant_rows_kernel(level, w.type);
  const int64_t tile = std::max<int64_t>(1, 16384 / static_cast<int64_t>(dtype_row_bytes(w.type, k)));
  constexpr int64_t kGroup = 8;
  pool.parallel_for(rows, [&](int64_t r0, int64_t r1) {
    for (int64_t t0 = r0; t0 < r1; t0 += tile) {
      const int64_t t1 = std::min(r1, t0 + tile);
      for (int64_t i0 = 0; i0 < n; i0 += kGroup) {
        const int64_t m = std::min(kGroup, n - i0);
        const uint8_t* a = acts + static_cast<size_t>(i0) * act_bytes;
        for (int64_t r = t0; r < t1; ++r)
          kernel(w.row_ptr(r), a, static_cast<int64_t>(act_bytes), m, k, y + i0 * rows + r, rows);
      }
    }
  }, grain);
}
// Groups of 16 weight rows side by side (the packed kernels, cpu/quant_dot.h) of one matrix or of several with the
// same input (q/k/v; gate/up: the same type and width): the input is quantized once, and every group of every
// matrix is a task of ONE parallel loop that streams all n activation rows past it. A group comes packed at load
// (`packed`, cpu/packed_weights.h) or is packed here, once per matmul, into the thread's scratch (batches of types
// not packed at load).
constexpr int kMaxShared = 4;  // matrices per matmul_packed call
void matmul_packed(const MatmulTarget* t, int count, QuantPackFn pack, PackedDotFn kernel, const float* x, int64_t n,
                   ThreadPool& pool, int64_t grain) {
  const TensorView& w0 = *t[0].w;
  const int64_t k = w0.cols();
  const size_t act_bytes = activation_row_bytes(w0.type, k), row_bytes = dtype_row_bytes(w0.type, k);
  const uint8_t* acts = quantized_inputs(w0.type, x, n, k, pool);
  int64_t first[kMaxShared + 1] = {0};  // the first group of each matrix in the loop's numbering
  bool packs_here = false;
  for (int i = 0; i < count; ++i) {
    first[i + 1] = first[i] + (t[i].w->rows() + 15) / 16;
    packs_here = packs_here || t[i].packed == nullptr;
  }
  pool.parallel_for(first[count], [&](int64_t g0, int64_t g1) {
    thread_local std::vector<uint8_t> scratch;
    uint8_t* own = nullptr;
    if (packs_here) {
      scratch.resize(packed_group_bytes(w0.type, k) + 64);
      own = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(scratch.data()) + 63) & ~uintptr_t{63});
    }
    int i = 0;
    for (int64_t g = g0; g < g1; ++g) {
      while (g >= first[i + 1]) ++i;
      const TensorView& w = *t[i].w;
      const int64_t rows = w.rows(), local = g - first[i], m = std::min<int64_t>(16, rows - 16 * local);
      const uint8_t* group = t[i].packed != nullptr ? t[i].packed->group(local) : own;
      if (t[i].packed == nullptr) pack(w.row_ptr(16 * local), static_cast<int64_t>(row_bytes), m, k, own);
      kernel(group, m, acts, static_cast<int64_t>(act_bytes), n, k, t[i].y + 16 * local, rows);
    }
  }, grain);
}

// The packed kernel matmul() uses for w (nullptr: another path): for a matrix packed at load every pass, whatever n
// (a row's numbers never depend on the other rows); for the other 32-element types batches outside fused passes,
// packed per matmul (faster than dequantized tiles through SGEMM at every size measured, docs/PERFORMANCE.md; like
// SGEMM kept out of fused passes).
PackedDotFn packed_path(KernelLevel level, const TensorView& w, const PackedMatrix* packed, int64_t n, bool allow_blas) {
  if (level == KernelLevel::Dequant || !has_quant_dot(w.type)) return nullptr;
  const PackedDotFn kernel = packed_dot_kernel(level, w.type);
  return kernel != nullptr && (packed != nullptr || (allow_blas && n >= kBlasMinSlots)) ? kernel : nullptr;
}
// Grain keeps tiny matrices (stories260K: 64x64) on one thread, where a wake-up costs more than the work; the packed
// path counts groups of 16 rows.
int64_t row_grain(int64_t k, int64_t n) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, k * n)); }
int64_t group_grain(int64_t k, int64_t n) { return std::max<int64_t>(1, row_grain(k, n) / 16); }

// Prefill of a quantized matrix: tiles of weight rows are dequantized to F32 (split over the pool's threads), and
// each tile meets all n activation rows in one OpenBLAS SGEMM. The dequantization is paid once per weight per
// matmul, i.e. 1/(2n) of the GEMM's work; the weights stay in their file type (a tile buffer of <= 4 MB per call).
void matmul_dequant_sgemm(const TensorView& w, const float* x, int64_t n, float* y, ThreadPool& pool) {
  const int64_t rows = w.rows(), k = w.cols();
  const int64_t tile = std::clamp<int64_t>((int64_t{1} << 20) / k, 16, rows);
  thread_local std::vector<float> buf;
  buf.resize(static_cast<size_t>(tile * k));
  for (int64_t t0 = 0; t0 < rows; t0 += tile) {
    const int64_t t1 = std::min(rows, t0 + tile);
    float* b = buf.data();
    pool.parallel_for(t1 - t0, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) dequantize_row(w.type, w.row_ptr(t0 + r), b + r * k, k);
    }, std::max<int64_t>(1, 8192 / k));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(t1 - t0),
                static_cast<int>(k), 1.0f, x, static_cast<int>(k), b, static_cast<int>(k), 0.0f, y + t0,
                static_cast<int>(rows));
  }
}
}  // namespace

void matmul(const TensorView& w, const float* x, int64_t n, float* y, ThreadPool& pool, bool allow_blas,
            const PackedMatrix* packed) {
  const int64_t rows = w.rows(), k = w.cols();
  // Large batches (prompt prefill) of large matrices go to OpenBLAS SGEMM: ~1.8x faster than the row kernel on the
  // 15M/110M F32 shapes, 1.7-2.0x the integer kernels for quantized weights (dequantized tile by tile), but 25x
  // slower on stories260K's 64-wide matrices (thread start-up dominates): docs/PERFORMANCE.md.
  const KernelLevel level = kernel_level();
  const bool integer = level != KernelLevel::Dequant && has_quant_dot(w.type);
  const int64_t grain = row_grain(k, n);
  if (const PackedDotFn kernel = packed_path(level, w, packed, n, allow_blas)) {
    const MatmulTarget one{&w, packed, y};
    return matmul_packed(&one, 1, quant_pack_kernel(level, w.type), kernel, x, n, pool, group_grain(k, n));
  }
  const int64_t min_slots = integer ? kBlasMinSlotsQuantized : kBlasMinSlots;
  if (allow_blas && n >= min_slots && rows * k >= (int64_t{1} << 16) && g_blas.load(std::memory_order_relaxed)) {
    if (w.type != DType::F32) return matmul_dequant_sgemm(w, x, n, y, pool);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(rows),
                static_cast<int>(k), 1.0f, x, static_cast<int>(k), static_cast<const float*>(w.data),
                static_cast<int>(k), 0.0f, y, static_cast<int>(rows));
    return;
  }
  // Row-parallel: each thread owns a range of weight rows and applies them to all n inputs.
  if (integer) {
    matmul_quantized(w, x, n, y, pool, level, grain);
    return;
  }
  const HalfRowsFn half = level != KernelLevel::Dequant ? half_rows_kernel(level, w.type) : nullptr;
  pool.parallel_for(rows, [&](int64_t r0, int64_t r1) {
    if (w.type == DType::F32) {
      const float* base = static_cast<const float*>(w.data);
      for (int64_t r = r0; r < r1; ++r) dot_rows(base + r * k, x, n, k, y + r, rows);
      return;
    }
    if (half != nullptr) {
      for (int64_t r = r0; r < r1; ++r) half(reinterpret_cast<const uint16_t*>(w.row_ptr(r)), x, k, n, k, y + r, rows);
      return;
    }
    thread_local std::vector<float> buf;
    buf.resize(static_cast<size_t>(k));
    for (int64_t r = r0; r < r1; ++r) {
      dequantize_row(w.type, w.row_ptr(r), buf.data(), k);
      dot_rows(buf.data(), x, n, k, y + r, rows);
    }
  }, grain);
}

void matmul_shared_input(const MatmulTarget* t, int count, const float* x, int64_t n, ThreadPool& pool, bool allow_blas) {
  if (count <= 0) return;
  // One loop when every matrix would take the packed path alone, with one type and width (so one quantized input).
  const KernelLevel level = kernel_level();
  const TensorView& w0 = *t[0].w;
  const PackedDotFn kernel = packed_path(level, w0, t[0].packed, n, allow_blas);
  bool shared = kernel != nullptr && count > 1 && count <= kMaxShared;
  for (int i = 1; i < count && shared; ++i)
    shared = t[i].w->type == w0.type && t[i].w->cols() == w0.cols() && packed_path(level, *t[i].w, t[i].packed, n, allow_blas) != nullptr;
  if (!shared) {
    for (int i = 0; i < count; ++i) matmul(*t[i].w, x, n, t[i].y, pool, allow_blas, t[i].packed);
    return;
  }
  matmul_packed(t, count, quant_pack_kernel(level, w0.type), kernel, x, n, pool, group_grain(w0.cols(), n));
}

namespace {
// Rows per task for the element-wise steps: about 8 K elements, and the whole thing on the calling thread below that.
void rows_parallel(int64_t n, int64_t row_elems, ThreadPool& pool, const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t grain = std::max<int64_t>(1, 8192 / std::max<int64_t>(1, row_elems));
  if (pool.size() == 1 || n < 2 * grain) return fn(0, n);
  pool.parallel_for(n, fn, grain);
}
}  // namespace

void add_rmsnorm(float* x, const float* d, float* out, const float* weight, int64_t n, int dim, float eps, ThreadPool& pool) {
  rows_parallel(n, dim, pool, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0 * dim; i < r1 * dim; ++i) x[i] += d[i];
    rmsnorm(out + r0 * dim, x + r0 * dim, weight, r1 - r0, dim, eps);
  });
}

void rmsnorm(float* out, const float* x, const float* weight, int64_t n, int dim, float eps, ThreadPool& pool) {
  rows_parallel(n, dim, pool, [&](int64_t r0, int64_t r1) { rmsnorm(out + r0 * dim, x + r0 * dim, weight, r1 - r0, dim, eps); });
}

void swiglu(float* gate, const float* up, int64_t count, ThreadPool& pool) {
  constexpr int64_t kChunk = 1024;
  rows_parallel((count + kChunk - 1) / kChunk, kChunk, pool, [&](int64_t c0, int64_t c1) {
    const int64_t e0 = c0 * kChunk, e1 = std::min(count, c1 * kChunk);
    swiglu(gate + e0, up + e0, e1 - e0);
  });
}

void rmsnorm(float* out, const float* x, const float* weight, int64_t n, int dim, float eps) {
  for (int64_t i = 0; i < n; ++i) {
    const float* xi = x + i * dim;
    float* oi = out + i * dim;
    float ss = 0.f;
    for (int j = 0; j < dim; ++j) ss += xi[j] * xi[j];
    const float s = 1.0f / std::sqrt(ss / static_cast<float>(dim) + eps);
    for (int j = 0; j < dim; ++j) oi[j] = weight[j] * (s * xi[j]);
  }
}

void swiglu(float* gate, const float* up, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  const float mx = *std::max_element(x, x + n);
  float sum = 0.f;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    sum += x[i];
  }
  const float inv = 1.0f / sum;
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

}  // namespace hogwild::cpu
