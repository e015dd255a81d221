// Q4_0, Q4_1, Q4_K, Q5_K, Q6_K dequantization against the `gguf` Python package (numpy), on random blocks
// written by tests/reference/make_quant_refs.py; and the same weights through the CPU matmul and a GGUF round trip.
#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/thread_pool.h"
#include "cpu/ops.h"
#include "fixtures.h"
#include "model/gguf_types.h"

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

TEST(Quants, MatmulDequantizesRowsOnTheFly) {
  const auto j = refs();
  ThreadPool pool(2);
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
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
    for (int r = 0; r < 2; ++r) {
      double ref = 0;
      for (int64_t i = 0; i < cols; ++i) ref += expected[static_cast<size_t>(r * cols + i)] * x[static_cast<size_t>(i)];
      EXPECT_NEAR(y[r], ref, 1e-4 * (1 + std::fabs(ref)));
    }
  }
}

}  // namespace
}  // namespace hogwild
