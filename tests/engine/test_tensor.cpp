// Scalar conversions and Q8_0 round trips against known values.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "common/tensor.h"
#include "common/thread_pool.h"

using namespace hogwild;

TEST(Tensor, Fp16KnownValues) {
  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3c00);
  EXPECT_EQ(fp32_to_fp16(-2.0f), 0xc000);
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(5.960464477539063e-08f), 0x0001);  // smallest subnormal
  EXPECT_FLOAT_EQ(fp16_to_fp32(0x3555), 0.333251953125f);
  EXPECT_FLOAT_EQ(fp16_to_fp32(0x0001), 5.960464477539063e-08f);
  EXPECT_TRUE(std::isinf(fp16_to_fp32(0x7c00)));
  for (uint32_t h = 0; h < 0x7c00; ++h) ASSERT_EQ(fp32_to_fp16(fp16_to_fp32(static_cast<uint16_t>(h))), h);
}

TEST(Tensor, Bf16RoundsToNearestEven) {
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_FLOAT_EQ(bf16_to_fp32(0x3f80), 1.0f);
  EXPECT_FLOAT_EQ(bf16_to_fp32(fp32_to_bf16(3.140625f)), 3.140625f);
}

TEST(Tensor, Q8RoundTripWithinHalfStep) {
  std::vector<float> x(64);
  for (int i = 0; i < 64; ++i) x[i] = std::sin(0.37f * i) * (i < 32 ? 1.f : 100.f);
  std::vector<uint8_t> q(dtype_row_bytes(DType::Q8_0, 64));
  quantize_row_q8_0(x.data(), q.data(), 64);
  std::vector<float> y(64);
  dequantize_row(DType::Q8_0, q.data(), y.data(), 64);
  for (int i = 0; i < 64; ++i) EXPECT_NEAR(y[i], x[i], (i < 32 ? 1.f : 100.f) / 127.f * 0.51f) << i;
}

TEST(ThreadPool, CoversRangeExactlyOnce) {
  ThreadPool pool(3);
  for (int64_t n : {1, 2, 7, 1000}) {
    std::vector<int> hits(static_cast<size_t>(n), 0);
    pool.parallel_for(n, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) hits[i]++; });
    for (int h : hits) EXPECT_EQ(h, 1);
  }
}
