// Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K dequantization against the `gguf` Python package (numpy), on random blocks
// written by tests/reference/make_quant_refs.py; and the same weights through the CPU matmul and a GGUF round trip.
#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/thread_pool.h"
#include "cpu/ops.h"
#include "cpu/quant_dot.h"
#include "fixtures.h"
#include "model/gguf_types.h"
#include "model/model.h"
#include "real_models.h"

namespace hogwild {
namespace {

nlohmann::json refs() {
  std::ifstream in(test::source_dir() + "/tests/reference/data/quant_refs.json");
  std::ostringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

std::vector<uint8_t> from_hex(const std::string& h) {
  std::vector<uint8_t> b(h.size() / 2);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(std::stoi(h.substr(2 * i, 2), nullptr, 16));
  return b;
}

struct Case {
  const char* name;
  DType type;
  uint32_t ggml;
};
constexpr Case kCases[] = {{"Q4_0", DType::Q4_0, ggml_type::Q4_0},
                           {"Q4_1", DType::Q4_1, ggml_type::Q4_1},
                           {"Q5_0", DType::Q5_0, ggml_type::Q5_0},
                           {"Q5_1", DType::Q5_1, ggml_type::Q5_1},
                           {"Q4_K", DType::Q4_K, ggml_type::Q4_K},
                           {"Q5_K", DType::Q5_K, ggml_type::Q5_K},
                           {"Q6_K", DType::Q6_K, ggml_type::Q6_K}};

TEST(Quants, DequantizeMatchesGgufPython) {
  const auto j = refs();
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(j.contains(c.name));
    const auto bytes = from_hex(j[c.name]["hex"].get<std::string>());
    const auto expected = j[c.name]["values"].get<std::vector<double>>();
    const auto n = static_cast<int64_t>(expected.size());
    ASSERT_EQ(dtype_row_bytes(c.type, n), bytes.size());
    // Sizes agree with the GGUF type table.
    const GgmlTypeTraits tr = ggml_type_traits(c.ggml);
    EXPECT_EQ(dtype_block_size(c.type), tr.block_size);
    EXPECT_EQ(dtype_row_bytes(c.type, tr.block_size), static_cast<size_t>(tr.type_size));
    EXPECT_EQ(ggml_type_to_dtype(c.ggml), c.type);
    EXPECT_EQ(dtype_to_ggml_type(c.type), c.ggml);
    std::vector<float> got(static_cast<size_t>(n));
    dequantize_row(c.type, bytes.data(), got.data(), n);
    int mismatches = 0;
    for (int64_t i = 0; i < n; ++i) {
      // Same float32 operations in the same order as numpy, so equal up to one rounding of the fused products.
      const double e = expected[static_cast<size_t>(i)];
      if (std::fabs(got[static_cast<size_t>(i)] - e) > 1e-6 * std::max(1.0, std::fabs(e))) ++mismatches;
    }
    EXPECT_EQ(mismatches, 0);
  }
}

// matmul on gguf's values: the dequantizing path within fp32 rounding; the integer kernels (activations quantized
// to 8 bits per block of 32 or 256) within the activation's quantization error, sum_j |w_j| * max|x in block| / 254.
TEST(Quants, MatmulOnGgufValues) {
  const auto j = refs();
  ThreadPool pool(2);
  const cpu::KernelLevel saved = cpu::kernel_level();
  for (const Case& c : kCases) {
    for (cpu::KernelLevel level : {cpu::KernelLevel::Dequant, cpu::detected_kernel_level()}) {
      SCOPED_TRACE(std::string(c.name) + " " + cpu::kernel_level_name(level));
      cpu::set_kernel_level(level);
      const auto bytes = from_hex(j[c.name]["hex"].get<std::string>());
      const auto expected = j[c.name]["values"].get<std::vector<double>>();
      // View the blocks as a matrix of 2 rows (each row whole blocks) and multiply by x.
      const int64_t n = static_cast<int64_t>(expected.size()), cols = n / 2;
      TensorView w;
      w.type = c.type;
      w.dims = {cols, 2};
      w.data = bytes.data();
      w.nbytes = bytes.size();
      std::vector<float> x(static_cast<size_t>(cols));
      for (int64_t i = 0; i < cols; ++i) x[static_cast<size_t>(i)] = std::sin(0.1f * static_cast<float>(i));
      float y[2];
      cpu::matmul(w, x.data(), 1, y, pool);
      const int64_t block = std::max<int64_t>(32, dtype_block_size(c.type));
      for (int r = 0; r < 2; ++r) {
        double ref = 0, quant_bound = 0;
        for (int64_t i = 0; i < cols; ++i) ref += expected[static_cast<size_t>(r * cols + i)] * x[static_cast<size_t>(i)];
        for (int64_t b0 = 0; b0 < cols; b0 += block) {
          double amax = 0, wsum = 0;
          for (int64_t i = b0; i < b0 + block; ++i) {
            amax = std::max(amax, std::fabs(double(x[static_cast<size_t>(i)])));
            wsum += std::fabs(expected[static_cast<size_t>(r * cols + i)]);
          }
          quant_bound += amax / 254. * wsum;
        }
        EXPECT_NEAR(y[r], ref, 1e-4 * (1 + std::fabs(ref)) + (level == cpu::KernelLevel::Dequant ? 0. : quant_bound));
      }
    }
  }
  cpu::set_kernel_level(saved);
}

// quantize_row (the writer's and the random models' quantizers, ggml's reference rules) round-trips through
// dequantize_row within one step of the block's grid: |x - x'| <= d (Q4_0/Q5_0: the largest magnitude maps to
// -2^(bits-1), so the other end may clamp by one step), <= d/2 with a minimum (Q4_1/Q5_1), plus f16 rounding.
TEST(Quants, QuantizeRowRoundTrips) {
  std::vector<float> x(256), back(256);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * (1.f + static_cast<float>(i % 7));
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1}) {
    SCOPED_TRACE(dtype_name(t));
    std::vector<uint8_t> q(dtype_row_bytes(t, 256));
    ASSERT_TRUE(quantize_row(t, x.data(), q.data(), 256));
    dequantize_row(t, q.data(), back.data(), 256);
    const int levels = t == DType::Q8_0 ? 255 : (t == DType::Q5_0 || t == DType::Q5_1) ? 31 : 15;
    const bool with_min = t == DType::Q4_1 || t == DType::Q5_1;
    for (int b = 0; b < 256; b += 32) {
      float mn = x[b], mx = x[b];
      for (int j = b; j < b + 32; ++j) mn = std::min(mn, x[j]), mx = std::max(mx, x[j]);
      const float amax = std::max(std::fabs(mn), std::fabs(mx));
      const float step = with_min ? (mx - mn) / levels : 2 * amax / (levels + 1);
      const float bound = (with_min || t == DType::Q8_0 ? 0.5f : 1.f) * step + 2e-3f * amax;
      for (int j = b; j < b + 32; ++j) EXPECT_NEAR(back[j], x[j], bound) << j;
    }
  }
}

// The k-quant quantizers write the layouts the dequantizer (checked against gguf's numpy code above) reads: each
// value comes back within one step of its sub-block (a step: the sub-block's range over the levels, plus what the
// 6-bit / int8 scales and the 6-bit minimum lose by rounding), over 3 super-blocks of mixed magnitudes.
TEST(Quants, KQuantQuantizersRoundTrip) {
  constexpr int kN = 768;
  std::vector<float> x(kN), back(kN);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(0.37f * static_cast<float>(i)) * (1.f + static_cast<float>(i % 7)) * (i < 256 ? 1.f : i < 512 ? 0.01f : 30.f);
  x[300] = 0.5f;  // one outlier in the small super-block
  for (DType t : {DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    SCOPED_TRACE(dtype_name(t));
    std::vector<uint8_t> q(dtype_row_bytes(t, kN));
    ASSERT_TRUE(quantize_row(t, x.data(), q.data(), kN));
    dequantize_row(t, q.data(), back.data(), kN);
    const int group = t == DType::Q6_K ? 16 : 32;
    const float levels = t == DType::Q4_K ? 15.f : t == DType::Q5_K ? 31.f : 63.f;
    double err2 = 0, x2 = 0;
    for (int sb = 0; sb < kN; sb += 256) {
      float sb_amax = 0.f;
      for (int j = sb; j < sb + 256; ++j) sb_amax = std::max(sb_amax, std::fabs(x[j]));
      for (int g = sb; g < sb + 256; g += group) {
        float mn = 0.f, mx = x[g], amax = 0.f;
        for (int j = g; j < g + group; ++j) mn = std::min(mn, x[j]), mx = std::max(mx, x[j]), amax = std::max(amax, std::fabs(x[j]));
        const float step = t == DType::Q6_K ? 2.f * amax / 64.f : (mx - mn) / levels;
        // the scales are multiples of the super-block's largest scale / 63 (k4) or / 128 (Q6_K): up to half of that
        // per level, and the minimum up to half of its own unit
        const float scale_unit = t == DType::Q6_K ? 2.f * sb_amax / 64.f / 128.f : 2.f * sb_amax / levels / 63.f;
        const float bound = 0.5f * step + levels * 0.5f * scale_unit + sb_amax / 63.f + 1e-3f * sb_amax;
        for (int j = g; j < g + group; ++j) {
          EXPECT_NEAR(back[j], x[j], bound) << j;
          err2 += double(back[j] - x[j]) * (back[j] - x[j]), x2 += double(x[j]) * x[j];
        }
      }
    }
    // and on the whole, like a quantizer of that many bits (relative RMS error)
    const double rel = std::sqrt(err2 / x2);
    std::printf("%s: relative RMS error %.4f\n", dtype_name(t), rel);
    EXPECT_LT(rel, t == DType::Q4_K ? 0.08 : t == DType::Q5_K ? 0.04 : 0.02);
    EXPECT_FALSE(quantize_row(t, x.data(), q.data(), 288)) << "a row that is not a whole number of super-blocks";
  }
}

// Qwen2.5-Coder-0.5B-Instruct Q4_K_M (llama.cpp's mix: Q5_0 for most matrices because 896 is not a multiple of 256,
// Q4_K/Q6_K/Q8_0 for the rest) loads, and its Q5_0 token embedding rows equal what `gguf.quants.dequantize` (numpy)
// makes of the same file: first four values and the sum of |x| over the 896 values, printed by gguf 0.19.0.
TEST(Quants, Qwen25CoderQ4KMLoadsItsQ5_0Tensors) {
  const std::string path = test::real_model("qwen25-coder");
  ASSERT_FALSE(path.empty());
  const Model m = load_model(path);
  ASSERT_EQ(m.config.dim, 896);
  EXPECT_EQ(m.weights.token_embd.type, DType::Q5_0);
  EXPECT_EQ(m.weights.layers[0].wq.type, DType::Q5_0);
  EXPECT_EQ(m.weights.layers[0].w_down.type, DType::Q6_K);
  EXPECT_EQ(m.weights.output.type, DType::Q8_0);
  struct Row {
    int32_t token;
    float first[4];
    double abs_sum;
  };
  const Row rows[] = {{0, {-0.01709747314453125f, 0.02469635009765625f, 0.022796630859375f, 0.0113983154296875f}, 12.864501953125},
                      {12345, {-0.0174102783203125f, 0.024871826171875f, 0.00994873046875f, 0.004974365234375f}, 11.400672912597656},
                      {151935, {0.0193023681640625f, 0.0087738037109375f, -0.0228118896484375f, -0.0017547607421875f}, 7.3022613525390625}};
  std::vector<float> got(896);
  for (const Row& r : rows) {
    SCOPED_TRACE(r.token);
    dequantize_row(DType::Q5_0, m.weights.token_embd.row_ptr(r.token), got.data(), 896);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(got[static_cast<size_t>(i)], r.first[i]);
    double abs_sum = 0;
    for (float v : got) abs_sum += std::fabs(v);
    EXPECT_NEAR(abs_sum, r.abs_sum, 1e-9);
  }
}

}  // namespace
}  // namespace hogwild
