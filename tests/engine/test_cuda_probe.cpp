// The CUDA plugin probe never crashes and always explains itself: on a machine without a GPU (CI) the status
// says why CUDA is not used and the CPU runs.
#include <gtest/gtest.h>

#include "cuda/cuda_backend.h"

TEST(CudaProbe, ReportsAReasonOrADevice) {
  const auto s = hogwild::cuda::probe_device();
  if (s.usable) {
    EXPECT_FALSE(s.device_name.empty());
    EXPECT_EQ(hogwild::cuda::describe(s).rfind("CUDA: ", 0), 0u);
  } else {
    EXPECT_FALSE(s.reason.empty());
    EXPECT_NE(hogwild::cuda::describe(s).find("CPU"), std::string::npos);
  }
  // Probing twice gives the same answer (loaded once).
  EXPECT_EQ(hogwild::cuda::probe_device().reason, s.reason);
}
