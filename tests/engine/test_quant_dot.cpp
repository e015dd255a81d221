// Quantized dot products (cpu/quant_dot.h): the scalar integer reference against an independent fp64 computation
// over dequantize_row (itself checked against gguf's numpy code in test_quants), every SIMD level the CPU has against
// the scalar reference, and matmul against the dequantizing path within the activation-quantization error bound.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/thread_pool.h"
#include "cpu/ops.h"
#include "cpu/packed_weights.h"
#include "cpu/quant_dot.h"
#include "cpu/quant_kernels.h"
#include "model/model.h"

namespace hogwild::cpu {
namespace {

struct TypeCase {
  DType type;
  std::vector<int> f16_fields;  // byte offsets of the f16 scales in a block (random bytes there could be inf/NaN)
  bool positive_second = false; // the second f16 is a minimum / dmin (non-negative in real files)
};

const TypeCase kTypes[] = {{DType::Q8_0, {0}},         {DType::Q4_0, {0}},         {DType::Q4_1, {0, 2}, true},
                           {DType::Q5_0, {0}},         {DType::Q5_1, {0, 2}, true}, {DType::Q4_K, {0, 2}, true},
                           {DType::Q5_K, {0, 2}, true}, {DType::Q6_K, {208}}};

// `rows` weight rows of k elements: random bytes, f16 scales of about 0.05.
std::vector<uint8_t> random_weights(const TypeCase& c, int64_t rows, int64_t k, std::mt19937& rng) {
  const size_t row_bytes = dtype_row_bytes(c.type, k);
  const size_t block_bytes = dtype_row_bytes(c.type, dtype_block_size(c.type));
  std::vector<uint8_t> w(row_bytes * static_cast<size_t>(rows));
  std::uniform_int_distribution<int> byte(0, 255);
  std::normal_distribution<float> scale(0.f, 0.05f);
  for (auto& b : w) b = static_cast<uint8_t>(byte(rng));
  for (size_t off = 0; off < w.size(); off += block_bytes) {
    for (size_t f = 0; f < c.f16_fields.size(); ++f) {
      float v = scale(rng);
      if (f == 1 && c.positive_second) v = std::fabs(v);
      const uint16_t h = fp32_to_fp16(v);
      std::memcpy(&w[off + static_cast<size_t>(c.f16_fields[f])], &h, 2);
    }
  }
  return w;
}

// Activations with the awkward cases: a zero block, a block with one large value, mixed magnitudes.
std::vector<float> random_activations(int64_t n, int64_t k, std::mt19937& rng) {
  std::normal_distribution<float> g(0.f, 1.f);
  std::vector<float> x(static_cast<size_t>(n * k));
  for (auto& v : x) v = g(rng);
  for (int64_t j = 0; j < 32 && j < k; ++j) x[static_cast<size_t>(j)] = 0.f;
  if (k > 64) x[40] = 300.f;
  return x;
}

// The quantized activation row i as floats (d * q), and each element's bound |x - d q| <= d / 2.
void dequantized_activation(DType t, const uint8_t* act, int64_t k, std::vector<double>& xq, std::vector<double>& err) {
  xq.assign(static_cast<size_t>(k), 0.);
  err.assign(static_cast<size_t>(k), 0.);
  const bool kq = t == DType::Q4_K || t == DType::Q5_K || t == DType::Q6_K;
  const int bs = kq ? 256 : 32;
  for (int64_t b = 0; b < k / bs; ++b) {
    float d;
    const int8_t* q;
    if (kq) {
      const auto* a = reinterpret_cast<const kernels::ActQ8K*>(act) + b;
      d = a->d, q = a->q;
      for (int g = 0; g < 16; ++g) {  // the block sums the k-quant kernels rely on
        int s = 0;
        for (int j = 0; j < 16; ++j) s += q[g * 16 + j];
        EXPECT_EQ(a->bsums[g], s);
      }
    } else {  // the three arrays of quant_kernels.h: values, scales, sums
      const int64_t nb = k / 32;
      q = reinterpret_cast<const int8_t*>(act) + b * 32;
      d = reinterpret_cast<const float*>(act + nb * 32)[b];
      const float sum = reinterpret_cast<const float*>(act + nb * 36)[b];
      int s = 0;
      for (int j = 0; j < 32; ++j) s += q[j];
      EXPECT_FLOAT_EQ(sum, d * static_cast<float>(s));
    }
    for (int j = 0; j < bs; ++j) {
      xq[static_cast<size_t>(b * bs + j)] = static_cast<double>(d) * q[j];
      err[static_cast<size_t>(b * bs + j)] = 0.5 * d;
    }
  }
}

std::vector<KernelLevel> available_levels() {
  std::vector<KernelLevel> out;
  for (KernelLevel l : {KernelLevel::Scalar, KernelLevel::Avx2, KernelLevel::Avx512Vnni})
    if (l <= detected_kernel_level()) out.push_back(l);
  return out;
}

constexpr int64_t kK = 512, kRowsW = 3;
// 19 activation rows: two groups of 8 (the 512-bit kernels), four of 4 (AVX2) and every remainder of both.
constexpr int64_t kMaxN = 19;
// Widths: one 16-block chunk exactly (512), a chunk and an odd tail (544 = 17 blocks), a chunk and a pair (576 =
// 18 blocks, SmolLM2's width), fewer than 16 blocks with an odd count (224 = 7 blocks); the k-quants take 1-3 super-blocks.
std::vector<int64_t> widths(DType t) {
  if (t == DType::Q4_K || t == DType::Q5_K || t == DType::Q6_K) return {512, 256, 768};
  return {512, 544, 576, 224};
}

TEST(QuantDot, ScalarReferenceEqualsDequantizedDotAndEverySimdLevelEqualsIt) {
  std::mt19937 rng(7);
  std::printf("kernel levels on this CPU: up to %s\n", kernel_level_name(detected_kernel_level()));
  for (const TypeCase& c : kTypes) for (const int64_t kK : widths(c.type)) {
    SCOPED_TRACE(std::string(dtype_name(c.type)) + " k " + std::to_string(kK));
    const auto w = random_weights(c, kRowsW, kK, rng);
    const auto x = random_activations(kMaxN, kK, rng);
    const size_t ab = activation_row_bytes(c.type, kK);
    std::vector<uint8_t> act(ab * kMaxN);
    quantize_activations(c.type, x.data(), kMaxN, kK, act.data());
    const size_t row_bytes = dtype_row_bytes(c.type, kK);
    for (int64_t r = 0; r < kRowsW; ++r) {
      std::vector<float> wf(kK);
      dequantize_row(c.type, w.data() + r * row_bytes, wf.data(), kK);
      for (int64_t n = 1; n <= kMaxN; ++n) {
        std::vector<float> ref(static_cast<size_t>(n));
        quant_rows_kernel(KernelLevel::Scalar, c.type)(w.data() + r * row_bytes, act.data(), static_cast<int64_t>(ab), n, kK,
                                                      ref.data(), 1);
        for (int64_t i = 0; i < n; ++i) {
          std::vector<double> xq, err;
          dequantized_activation(c.type, act.data() + i * ab, kK, xq, err);
          double exact_q = 0, exact_x = 0, magnitude = 0, quant_bound = 0;
          for (int64_t j = 0; j < kK; ++j) {
            const double wj = wf[static_cast<size_t>(j)], xj = x[static_cast<size_t>(i * kK + j)];
            exact_q += wj * xq[static_cast<size_t>(j)];
            exact_x += wj * xj;
            magnitude += std::fabs(wj * xj);
            quant_bound += std::fabs(wj) * err[static_cast<size_t>(j)];
          }
          const double rounding = 1e-5 * magnitude + 1e-6;
          const float got = ref[static_cast<size_t>(i)];
          // Same numbers as the dequantized weights times the dequantized activations, up to fp32 rounding ...
          EXPECT_NEAR(got, exact_q, rounding) << "row " << r << " n " << n << " i " << i;
          // ... hence within the activation's quantization error of the fp32 dot product.
          EXPECT_NEAR(got, exact_x, quant_bound + rounding) << "row " << r << " n " << n << " i " << i;
          for (KernelLevel level : available_levels()) {
            std::vector<float> simd(static_cast<size_t>(n));
            quant_rows_kernel(level, c.type)(w.data() + r * row_bytes, act.data(), static_cast<int64_t>(ab), n, kK, simd.data(), 1);
            // The integer sums are exact in both; only the order of the fp32 additions differs.
            EXPECT_NEAR(simd[static_cast<size_t>(i)], got, rounding) << kernel_level_name(level) << " row " << r << " n " << n;
          }
        }
      }
    }
  }
}

// One group of 16 weight rows packed (quant_dot.h `pack`), in a 64-byte aligned buffer.
struct PackedGroup {
  std::vector<uint8_t> bytes;
  uint8_t* data = nullptr;
  PackedGroup(QuantPackFn pack, DType t, const uint8_t* w, int64_t m, int64_t k) : bytes(packed_group_bytes(t, k) + 64) {
    data = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(bytes.data()) + 63) & ~uintptr_t{63});
    pack(w, static_cast<int64_t>(dtype_row_bytes(t, k)), m, k, data);
  }
};

// The packed kernels' arithmetic, written out in scalar code: per block the exact integer sum of the weights'
// unsigned values (w + 128, q, q | h << 4) times the activation's int8 values, then acc = fma(float(sum), d_w * d_x,
// acc) and acc = fma(offset, s_x, acc) with offset = the block's minimum or d_w times -128 / -8 / -16. The kernels must
// give exactly these numbers (fp32, same order) whatever the number of activation rows and rows in the group — the
// property that lets a fused pass give each row its solo numbers.
float packed_formula(DType t, const uint8_t* wrow, const uint8_t* act, int64_t k) {
  const int64_t nb = k / 32, bb = static_cast<int64_t>(dtype_row_bytes(t, 32));
  const auto* xq = reinterpret_cast<const int8_t*>(act);
  const auto* xf = reinterpret_cast<const float*>(act + nb * 32);
  const bool has_min = t == DType::Q4_1 || t == DType::Q5_1, five = t == DType::Q5_0 || t == DType::Q5_1;
  float acc = 0.f;
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = wrow + b * bb;
    uint16_t h;
    std::memcpy(&h, blk, 2);
    const float dw = fp16_to_fp32(h);
    float mw = dw * (t == DType::Q8_0 ? -128.f : t == DType::Q4_0 ? -8.f : -16.f);
    if (has_min) {
      std::memcpy(&h, blk + 2, 2);
      mw = fp16_to_fp32(h);
    }
    const uint8_t* q = blk + (has_min ? 4 : 2);
    uint32_t qh = 0;
    if (five) {
      std::memcpy(&qh, q, 4);
      q += 4;
    }
    int32_t sum = 0;
    for (int e = 0; e < 32; ++e) {
      int32_t u;
      if (t == DType::Q8_0) u = static_cast<int8_t>(q[e]) + 128;
      else u = (e < 16 ? q[e] & 15 : q[e - 16] >> 4) | (five ? static_cast<int32_t>((qh >> e) & 1u) << 4 : 0);
      sum += u * xq[b * 32 + e];
    }
    acc = std::fma(static_cast<float>(sum), dw * xf[b], acc);
    acc = std::fma(mw, xf[nb + b], acc);
  }
  return acc;
}

// The packed kernels (16 weight rows side by side: weights packed at load and batches), for m = 16 and fewer weight
// rows (the tail group), every width with block tails, activation rows in groups of 8 and every remainder: every
// output equals the formula above to the bit and the scalar reference kernel within its bound; y's untouched columns
// stay untouched.
TEST(QuantDot, PackedKernelsEqualTheirFormulaToTheBitAndTheScalarReference) {
  std::mt19937 rng(13);
  int tested = 0;
  for (const TypeCase& c : kTypes) for (const int64_t k : widths(c.type)) {
    SCOPED_TRACE(std::string(dtype_name(c.type)) + " k " + std::to_string(k));
    for (KernelLevel level : available_levels()) {
      const QuantPackFn pack = quant_pack_kernel(level, c.type);
      const PackedDotFn packed = packed_dot_kernel(level, c.type);
      ASSERT_EQ(pack == nullptr, packed == nullptr);
      if (pack == nullptr) continue;
      ++tested;
      const int64_t rows = 16, n = 19;
      const auto w = random_weights(c, rows, k, rng);
      const auto x = random_activations(n, k, rng);
      const size_t ab = activation_row_bytes(c.type, k), rb = dtype_row_bytes(c.type, k);
      if (c.type == DType::Q8_0 || c.type == DType::Q4_0 || c.type == DType::Q4_1)
        EXPECT_EQ(packed_group_bytes(c.type, k), 16 * rb) << "a packed group is as large as its 16 rows in the file";
      else
        EXPECT_GT(packed_group_bytes(c.type, k), 16 * rb) << "the Q5 types are packed larger (and so only per matmul)";
      std::vector<uint8_t> act(ab * n);
      quantize_activations(c.type, x.data(), n, k, act.data());
      std::vector<float> ref(static_cast<size_t>(n * rows)), magnitude(ref.size());
      for (int64_t j = 0; j < rows; ++j) {
        quant_rows_kernel(KernelLevel::Scalar, c.type)(w.data() + j * rb, act.data(), static_cast<int64_t>(ab), n, k, ref.data() + j, rows);
        std::vector<float> wf(static_cast<size_t>(k));
        dequantize_row(c.type, w.data() + j * rb, wf.data(), k);
        for (int64_t i = 0; i < n; ++i) {
          double mag = 0;
          for (int64_t e = 0; e < k; ++e) mag += std::fabs(double(wf[static_cast<size_t>(e)]) * x[static_cast<size_t>(i * k + e)]);
          magnitude[static_cast<size_t>(i * rows + j)] = static_cast<float>(mag);
        }
      }
      for (const int64_t m : {int64_t{16}, int64_t{5}, int64_t{1}}) {
        const PackedGroup group(pack, c.type, w.data(), m, k);
        for (const int64_t nn : {int64_t{1}, int64_t{3}, int64_t{8}, n}) {
          constexpr int64_t kLdy = 20;
          std::vector<float> y(static_cast<size_t>(nn * kLdy), -7.f);
          packed(group.data, m, act.data(), static_cast<int64_t>(ab), nn, k, y.data(), kLdy);
          for (int64_t i = 0; i < nn; ++i)
            for (int64_t j = 0; j < kLdy; ++j) {
              const float got = y[static_cast<size_t>(i * kLdy + j)];
              if (j >= m) {
                ASSERT_EQ(got, -7.f) << "column " << j << " past m " << m;
                continue;
              }
              ASSERT_EQ(got, packed_formula(c.type, w.data() + j * rb, act.data() + i * ab, k))
                  << kernel_level_name(level) << " m " << m << " n " << nn << " row " << j << " input " << i;
              const size_t at = static_cast<size_t>(i * rows + j);
              EXPECT_NEAR(got, ref[at], 1e-5 * magnitude[at] + 1e-6)
                  << kernel_level_name(level) << " m " << m << " n " << nn << " row " << j << " input " << i;
            }
        }
      }
    }
  }
  if (detected_kernel_level() >= KernelLevel::Avx512Vnni) EXPECT_EQ(tested, 5 * 4) << "every 32-element type at every width";
  else std::printf("no AVX-512-VNNI on this CPU: the packed kernels are not used here (tested %d)\n", tested);
}

// PackedWeights over a model: the matrices of the types the level packs are packed (a row count that is not a
// multiple of 16 included), the others are not; a second request while the first is alive shares it; and matmul on
// the packed form gives, for every row count and allow_blas either way, each row the result of a pass of its own,
// equal to a batch on the file's layout (packed per call at the same level) to the bit.
TEST(QuantDot, PackedWeightsServeMatmulWithEachRowsOwnResult) {
  std::mt19937 rng(22);
  ThreadPool pool(2);
  const KernelLevel saved = kernel_level();
  set_kernel_level(detected_kernel_level());
  const int64_t rows = 300;  // 18 groups of 16 and one of 12
  const auto q4 = random_weights(kTypes[1], rows, kK, rng);
  const auto q4k = random_weights(kTypes[5], rows, kK, rng);
  Model model;
  model.weights.layers.resize(1);
  auto view = [&](DType t, const std::vector<uint8_t>& b) {
    TensorView v;
    v.type = t;
    v.dims = {kK, rows};
    v.data = b.data();
    v.nbytes = b.size();
    return v;
  };
  model.weights.layers[0].wq = view(DType::Q4_0, q4);
  model.weights.layers[0].wk = view(DType::Q4_K, q4k);
  const auto packed = PackedWeights::for_model(model, pool);
  const bool packs = packed_dot_kernel(kernel_level(), DType::Q4_0) != nullptr;
  if (!packs) {
    EXPECT_EQ(packed->matrices(), 0u);
    std::printf("no packed kernels at level %s: nothing to test\n", kernel_level_name(kernel_level()));
    set_kernel_level(saved);
    return;
  }
  ASSERT_EQ(packed->matrices(), 1u);
  EXPECT_EQ(packed->bytes(), 19 * packed_group_bytes(DType::Q4_0, kK));
  EXPECT_EQ(packed->find(model.weights.layers[0].wk), nullptr) << "Q4_K is not packed";
  const PackedMatrix* p = packed->find(model.weights.layers[0].wq);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(PackedWeights::for_model(model, pool).get(), packed.get()) << "one packed copy per live model";
  const TensorView& w = model.weights.layers[0].wq;
  const int64_t n = 37;
  const auto x = random_activations(n, kK, rng);
  std::vector<float> tiles(static_cast<size_t>(n * rows)), all(tiles.size()), fused(tiles.size()), one(static_cast<size_t>(rows));
  matmul(w, x.data(), n, tiles.data(), pool, /*allow_blas=*/true);  // the file's layout, packed per call
  matmul(w, x.data(), n, all.data(), pool, /*allow_blas=*/true, p);
  matmul(w, x.data(), n, fused.data(), pool, /*allow_blas=*/false, p);
  for (size_t i = 0; i < tiles.size(); ++i) {
    ASSERT_EQ(all[i], tiles[i]) << "at " << i;
    ASSERT_EQ(fused[i], tiles[i]) << "at " << i;
  }
  for (int64_t i = 0; i < n; ++i) {
    matmul(w, x.data() + i * kK, 1, one.data(), pool, true, p);
    for (int64_t r = 0; r < rows; ++r) ASSERT_EQ(one[static_cast<size_t>(r)], all[static_cast<size_t>(i * rows + r)]) << "input " << i << " row " << r;
  }
  // At a level without packed kernels matmul ignores the packed form (the row kernels on the file's bytes).
  set_kernel_level(KernelLevel::Scalar);
  matmul(w, x.data(), 1, one.data(), pool, true, p);
  std::vector<float> ref(static_cast<size_t>(rows));
  matmul(w, x.data(), 1, ref.data(), pool, true);
  for (int64_t r = 0; r < rows; ++r) ASSERT_EQ(one[static_cast<size_t>(r)], ref[static_cast<size_t>(r)]);
  set_kernel_level(saved);
}

// matmul_shared_input (q/k/v and gate/up of a layer: one input, several matrices): every output is bit for bit what
// matmul() gives for its matrix alone — matrices on the packed kernels (packed at load, or a batch packed per call)
// of one type share one quantized input and one loop (groups of every matrix, row counts that are not multiples of
// 16), anything else falls back to one matmul each.
TEST(QuantDot, SharedInputMatmulsEqualSeparateMatmulsToTheBit) {
  std::mt19937 rng(31);
  ThreadPool pool(2);
  const KernelLevel saved = kernel_level();
  set_kernel_level(detected_kernel_level());
  const int64_t rows[] = {300, 70, 16, 45};
  std::vector<std::vector<uint8_t>> bytes = {random_weights(kTypes[2], rows[0], kK, rng), random_weights(kTypes[2], rows[1], kK, rng),
                                             random_weights(kTypes[2], rows[2], kK, rng), random_weights(kTypes[0], rows[3], kK, rng)};
  const DType types[] = {DType::Q4_1, DType::Q4_1, DType::Q4_1, DType::Q8_0};
  Model model;
  model.weights.layers.resize(1);
  TensorView views[4];
  for (int i = 0; i < 4; ++i) {
    views[i].type = types[i];
    views[i].dims = {kK, rows[i]};
    views[i].data = bytes[static_cast<size_t>(i)].data();
    views[i].nbytes = bytes[static_cast<size_t>(i)].size();
  }
  auto& L = model.weights.layers[0];
  L.wq = views[0], L.wk = views[1], L.wv = views[2], L.w_gate = views[3];
  const auto packed = PackedWeights::for_model(model, pool);
  const bool packs = packed_dot_kernel(kernel_level(), DType::Q4_1) != nullptr;
  EXPECT_EQ(packed->matrices(), packs ? 4u : 0u);
  for (const int64_t n : {int64_t{1}, int64_t{7}, int64_t{19}}) {
    const auto x = random_activations(n, kK, rng);
    // Sets: the three Q4_1 matrices packed at load (one loop), the same unpacked (one loop for a batch with
    // allow_blas: packed per call; else one matmul each), packed and unpacked together, mixed types (one each).
    struct Case {
      const char* what;
      std::vector<int> idx;
      std::vector<bool> use_packed;
    };
    for (const bool allow_blas : {false, true})
      for (const Case& c : {Case{"three packed Q4_1", {0, 1, 2}, {true, true, true}}, Case{"unpacked", {0, 1, 2}, {false, false, false}},
                            Case{"packed and unpacked", {0, 1, 2}, {true, false, true}}, Case{"mixed types", {1, 3}, {true, true}}}) {
        SCOPED_TRACE(std::string(c.what) + ", n = " + std::to_string(n) + (allow_blas ? ", allow_blas" : ""));
        std::vector<std::vector<float>> shared, alone;
        std::vector<MatmulTarget> targets;
        for (int i : c.idx) {
          shared.emplace_back(static_cast<size_t>(n * rows[i]), -7.f);
          alone.emplace_back(static_cast<size_t>(n * rows[i]), 0.f);
        }
        for (size_t j = 0; j < c.idx.size(); ++j) {
          const int i = c.idx[j];
          targets.push_back({&views[i], c.use_packed[j] ? packed->find(views[i]) : nullptr, shared[j].data()});
          matmul(views[i], x.data(), n, alone[j].data(), pool, allow_blas, targets.back().packed);
        }
        matmul_shared_input(targets.data(), static_cast<int>(targets.size()), x.data(), n, pool, allow_blas);
        for (size_t j = 0; j < c.idx.size(); ++j)
          for (size_t e = 0; e < alone[j].size(); ++e) ASSERT_EQ(shared[j][e], alone[j][e]) << "matrix " << c.idx[j] << " at " << e;
      }
  }
  set_kernel_level(saved);
}

// The element-wise steps split over the pool give the serial loop's numbers to the bit, below and above the size at
// which they split.
TEST(QuantDot, PooledElementwiseStepsEqualTheSerialLoops) {
  std::mt19937 rng(32);
  std::normal_distribution<float> g(0.f, 1.5f);
  ThreadPool pool(2);
  const int dim = 576;
  for (const int64_t n : {int64_t{1}, int64_t{3}, int64_t{29}}) {
    SCOPED_TRACE("rows " + std::to_string(n));
    const size_t N = static_cast<size_t>(n) * dim;
    std::vector<float> x(N), d(N), w(dim);
    for (auto* v : {&x, &d, &w})
      for (float& f : *v) f = g(rng);
    // add_rmsnorm = the residual add then rmsnorm; out may be d itself (the transformer's use).
    std::vector<float> x_ref = x, out_ref(N), x_p = x, d_p = d;
    for (size_t i = 0; i < N; ++i) x_ref[i] += d[i];
    rmsnorm(out_ref.data(), x_ref.data(), w.data(), n, dim, 1e-5f);
    add_rmsnorm(x_p.data(), d_p.data(), d_p.data(), w.data(), n, dim, 1e-5f, pool);
    ASSERT_EQ(x_p, x_ref);
    ASSERT_EQ(d_p, out_ref);
    std::vector<float> r_p(N);
    rmsnorm(r_p.data(), x.data(), w.data(), n, dim, 1e-5f, pool);
    std::vector<float> r_ref(N);
    rmsnorm(r_ref.data(), x.data(), w.data(), n, dim, 1e-5f);
    ASSERT_EQ(r_p, r_ref);
    // swiglu over n rows of 1536 (chunks of 1024 do not line up with rows).
    const size_t H = static_cast<size_t>(n) * 1536;
    std::vector<float> gate(H), up(H);
    for (float& f : gate) f = g(rng);
    for (float& f : up) f = g(rng);
    std::vector<float> gate_ref = gate;
    swiglu(gate_ref.data(), up.data(), static_cast<int64_t>(H));
    swiglu(gate.data(), up.data(), static_cast<int64_t>(H), pool);
    ASSERT_EQ(gate, gate_ref);
  }
}

// Every level's activation quantizer writes the same bytes as the scalar reference (values, scales and sums), on
// rows with zeros, ties at .5 after scaling, one large value and a tail of blocks.
TEST(QuantDot, EveryLevelQuantizesActivationsToTheSameBytes) {
  std::mt19937 rng(3);
  const KernelLevel saved = kernel_level();
  for (const int64_t k : {32, 544, 576}) {
    auto x = random_activations(3, k, rng);
    x[static_cast<size_t>(k + 1)] = 127.f, x[static_cast<size_t>(k + 2)] = 0.5f, x[static_cast<size_t>(k + 3)] = -2.5f;
    const size_t ab = activation_row_bytes(DType::Q4_0, k);
    std::vector<uint8_t> ref(ab * 3, 0xAA), got(ab * 3, 0x55);
    set_kernel_level(KernelLevel::Scalar);
    quantize_activations(DType::Q4_0, x.data(), 3, k, ref.data());
    for (KernelLevel level : available_levels()) {
      set_kernel_level(level);
      std::fill(got.begin(), got.end(), uint8_t{0x55});
      quantize_activations(DType::Q4_0, x.data(), 3, k, got.data());
      EXPECT_EQ(0, std::memcmp(ref.data(), got.data(), ref.size())) << kernel_level_name(level) << " k " << k;
    }
  }
  set_kernel_level(saved);
}

TEST(QuantDot, HalfKernelsEqualTheFp32Path) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.f, 1.f);
  for (DType t : {DType::F16, DType::BF16}) {
    for (int64_t k : {8, 37, 256, 771}) {  // tails of every length
      SCOPED_TRACE(std::string(dtype_name(t)) + " k " + std::to_string(k));
      std::vector<uint16_t> w(static_cast<size_t>(k));
      for (auto& h : w) h = t == DType::F16 ? fp32_to_fp16(g(rng)) : fp32_to_bf16(g(rng));
      std::vector<float> wf(static_cast<size_t>(k)), x(static_cast<size_t>(k * 6));
      dequantize_row(t, w.data(), wf.data(), k);
      for (auto& v : x) v = g(rng);
      for (KernelLevel level : available_levels()) {
        const HalfRowsFn fn = half_rows_kernel(level, t);
        if (fn == nullptr) continue;
        std::vector<float> y(6);
        fn(w.data(), x.data(), k, 6, k, y.data(), 1);
        for (int i = 0; i < 6; ++i) {
          double ref = 0, mag = 0;
          for (int64_t j = 0; j < k; ++j) ref += double(wf[static_cast<size_t>(j)]) * x[static_cast<size_t>(i * k + j)],
                                          mag += std::fabs(double(wf[static_cast<size_t>(j)]) * x[static_cast<size_t>(i * k + j)]);
          EXPECT_NEAR(y[static_cast<size_t>(i)], ref, 1e-5 * mag + 1e-6) << kernel_level_name(level);
        }
      }
    }
  }
}

// matmul through the integer kernels against the dequantizing path: tiles, activation groups and threads cover
// every output; the difference stays within the activation-quantization bound.
TEST(QuantDot, MatmulMatchesTheDequantizingPath) {
  std::mt19937 rng(5);
  ThreadPool pool(2);
  const KernelLevel saved = kernel_level();
  for (const TypeCase& c : kTypes) {
    SCOPED_TRACE(dtype_name(c.type));
    const int64_t rows = 300;  // more than one 16 KB tile per thread for every type
    const auto wbytes = random_weights(c, rows, kK, rng);
    TensorView w;
    w.type = c.type;
    w.dims = {kK, rows};
    w.data = wbytes.data();
    w.nbytes = wbytes.size();
    for (int64_t n : {1, 4, 9, 20, 37}) {  // 20 and 37: the tile kernels where the level has them
      const auto x = random_activations(n, kK, rng);
      std::vector<float> base(static_cast<size_t>(n * rows)), got(base.size());
      set_kernel_level(KernelLevel::Dequant);
      matmul(w, x.data(), n, base.data(), pool);
      for (KernelLevel level : available_levels()) {
        set_kernel_level(level);
        matmul(w, x.data(), n, got.data(), pool);
        std::vector<float> wf(kK);
        for (int64_t r = 0; r < rows; ++r) {
          dequantize_row(c.type, wbytes.data() + r * dtype_row_bytes(c.type, kK), wf.data(), kK);
          for (int64_t i = 0; i < n; ++i) {
            // |error| <= sum_j |w_j| * max|x in j's block| / 254 (+ fp32 rounding)
            double bound = 1e-6;
            const int bs = static_cast<int>(dtype_block_size(c.type)) == 1 ? 32 : static_cast<int>(std::max<int64_t>(32, dtype_block_size(c.type)));
            for (int64_t b0 = 0; b0 < kK; b0 += bs) {
              double amax = 0, wsum = 0;
              for (int64_t j = b0; j < b0 + bs; ++j) {
                amax = std::max(amax, std::fabs(double(x[static_cast<size_t>(i * kK + j)])));
                wsum += std::fabs(double(wf[static_cast<size_t>(j)]));
                bound += 1e-5 * std::fabs(double(wf[static_cast<size_t>(j)]) * x[static_cast<size_t>(i * kK + j)]);
              }
              bound += amax / 254. * wsum;
            }
            const size_t at = static_cast<size_t>(i * rows + r);
            ASSERT_NEAR(got[at], base[at], bound) << kernel_level_name(level) << " n " << n << " row " << r << " input " << i;
          }
        }
      }
    }
  }
  set_kernel_level(saved);
}

TEST(QuantDot, KernelLevelNames) {
  KernelLevel l;
  for (const char* name : {"dequant", "scalar", "avx2", "vnni"}) {
    ASSERT_TRUE(parse_kernel_level(name, l));
    EXPECT_STREQ(kernel_level_name(l), name);
  }
  EXPECT_FALSE(parse_kernel_level("sse9", l));
}


// Prefill of the types without a tile kernel at the current level (the k-quants; every type at the AVX2 level, which
// this test runs at): quantized weights are dequantized tile by tile and multiplied with OpenBLAS SGEMM. Against a
// double-precision product of the dequantized weights, for every type, with more rows than one tile so the tile loop,
// its last partial tile and the column offsets into y are all exercised.
TEST(QuantDot, PrefillTilesThroughSgemmMatchDoublePrecision) {
  std::mt19937 rng(11);
  ThreadPool pool(2);
  const KernelLevel saved = kernel_level();
  set_kernel_level(std::min(detected_kernel_level(), KernelLevel::Avx2));
  const int64_t rows = (int64_t{1} << 20) / kK + 37;  // two tiles of (1 MB / k) rows, the second one short
  for (const TypeCase& c : kTypes) {
    SCOPED_TRACE(dtype_name(c.type));
    const auto wbytes = random_weights(c, rows, kK, rng);
    TensorView w;
    w.type = c.type;
    w.dims = {kK, rows};
    w.data = wbytes.data();
    w.nbytes = wbytes.size();
    const int64_t n = kBlasMinSlotsQuantized + 1;  // the SGEMM path for every type
    const auto x = random_activations(n, kK, rng);
    std::vector<float> y(static_cast<size_t>(n * rows));
    matmul(w, x.data(), n, y.data(), pool);
    std::vector<float> wf(kK);
    for (int64_t r = 0; r < rows; ++r) {
      dequantize_row(c.type, wbytes.data() + r * dtype_row_bytes(c.type, kK), wf.data(), kK);
      for (int64_t i = 0; i < n; ++i) {
        double ref = 0, mag = 0;
        for (int64_t j = 0; j < kK; ++j) {
          const double p = double(wf[static_cast<size_t>(j)]) * x[static_cast<size_t>(i * kK + j)];
          ref += p, mag += std::fabs(p);
        }
        ASSERT_NEAR(y[static_cast<size_t>(i * rows + r)], ref, 1e-5 * mag + 1e-6) << "row " << r << " input " << i;
      }
    }
  }
  set_kernel_level(saved);
}

// allow_blas = false (a fused pass of several sessions, CpuBackend::forward_many): however many rows, each row's
// result is bit for bit what a matmul of that row alone gives, for every type (F32 included) — the lab's batched
// executor relies on it to give the same tokens as one run at a time.
TEST(QuantDot, RowKernelsGiveEachRowItsOwnResultHoweverManyRows) {
  std::mt19937 rng(12);
  ThreadPool pool(2);
  const int64_t rows = 160;  // rows * k >= 2^16: large enough for SGEMM when allowed
  std::vector<TypeCase> cases(std::begin(kTypes), std::end(kTypes));
  cases.push_back({DType::F32, {}});
  cases.push_back({DType::F16, {}});
  cases.push_back({DType::BF16, {}});
  for (const TypeCase& c : cases) {
    SCOPED_TRACE(dtype_name(c.type));
    std::vector<uint8_t> wbytes;
    if (c.type == DType::F32) {
      std::normal_distribution<float> g(0.f, 0.05f);
      std::vector<float> wf(static_cast<size_t>(rows * kK));
      for (auto& v : wf) v = g(rng);
      wbytes.resize(wf.size() * sizeof(float));
      std::memcpy(wbytes.data(), wf.data(), wbytes.size());
    } else if (c.type == DType::F16 || c.type == DType::BF16) {
      std::normal_distribution<float> g(0.f, 0.05f);
      std::vector<uint16_t> wh(static_cast<size_t>(rows * kK));
      for (auto& v : wh) {
        const float f = g(rng);
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        v = c.type == DType::F16 ? fp32_to_fp16(f) : static_cast<uint16_t>(bits >> 16);
      }
      wbytes.resize(wh.size() * 2);
      std::memcpy(wbytes.data(), wh.data(), wbytes.size());
    } else {
      wbytes = random_weights(c, rows, kK, rng);
    }
    TensorView w;
    w.type = c.type;
    w.dims = {kK, rows};
    w.data = wbytes.data();
    w.nbytes = wbytes.size();
    const int64_t n = 37;  // groups of 8 and a remainder; >= kBlasMinSlots
    const auto x = random_activations(n, kK, rng);
    std::vector<float> all(static_cast<size_t>(n * rows)), one(static_cast<size_t>(rows));
    matmul(w, x.data(), n, all.data(), pool, /*allow_blas=*/false);
    for (int64_t i = 0; i < n; ++i) {
      matmul(w, x.data() + i * kK, 1, one.data(), pool);
      for (int64_t r = 0; r < rows; ++r)
        ASSERT_EQ(all[static_cast<size_t>(i * rows + r)], one[static_cast<size_t>(r)]) << "input " << i << " row " << r;
    }
  }
}

}  // namespace
}  // namespace hogwild::cpu
