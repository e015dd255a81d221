// A stand-in for libhogwild_cuda.so (built with the host compiler, no CUDA) that reports a usable device whose
// memory runs out: for the "CUDA out of memory" rows of the bad-input matrix, which CI must check without a GPU.
//   * creating a full model fails the way the real plugin does on cudaMalloc failure: nullptr + one line;
//   * an attention-only device holds at most kBudget tokens per block: a pass that would grow a block past it
//     throws "CUDA: out of memory: ..." from attention_begin/forward, before anything changes (like the real one,
//     which reserves first).
// Loaded by test_cuda_fallback through $HOGWILD_CUDA_PLUGIN, exactly as the engine loads the real plugin.
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda/cuda_api.h"
#include "cuda/cuda_backend.h"

namespace {

constexpr int64_t kBudget = 64;

void copy_text(char* dst, unsigned long cap, const std::string& s) {
  if (!dst || cap == 0) return;
  const size_t n = std::min<size_t>(cap - 1, s.size());
  std::memcpy(dst, s.data(), n);
  dst[n] = 0;
}

class FakeDevice : public hogwild::cuda::DeviceHogwild {
 public:
  explicit FakeDevice(const hogwild::cuda::DeviceModelDesc& d) : d_(d), len_(static_cast<size_t>(d.n_blocks), 0) {}
  std::string device_name() const override { return "Fake CUDA device (tests)"; }
  size_t weight_bytes() const override { return 0; }
  size_t kv_bytes_per_token() const override { return 0; }
  void forward(const hogwild::cuda::PassPlan& plan, const int32_t*, float*, bool) override {
    reserve(plan);
    commit(plan);
  }
  void attention_begin(const hogwild::cuda::PassPlan& plan) override {
    reserve(plan);
    plan_ = plan;
    open_ = true;
  }
  void attention_layer(int, const float*, const float*, const float*, float* out) override {
    const size_t n = static_cast<size_t>(plan_.rows) * static_cast<size_t>(plan_.len) * static_cast<size_t>(d_.n_heads) * static_cast<size_t>(d_.head_dim);
    std::memset(out, 0, n * sizeof(float));
  }
  void attention_end() override {
    if (open_) commit(plan_);
    open_ = false;
  }
  void attention_abort() override { open_ = false; }
  void merge_step(int own, int common, int64_t n) override {
    len_[static_cast<size_t>(common)] += n;
    len_[static_cast<size_t>(own)] -= n;
  }
  void copy_block(int dst, int src) override { len_[static_cast<size_t>(dst)] = len_[static_cast<size_t>(src)]; }
  void truncate_block(int block, int64_t n) override { len_[static_cast<size_t>(block)] = n; }
  void reserve_block(int, int64_t n) override {
    if (n > kBudget) oom(n);
  }
  int64_t block_length(int block) const override { return len_[static_cast<size_t>(block)]; }
  void read_block(int, int, int, float*, float*) const override {}
  void fill_block_random(int block, int64_t n, uint64_t) override { len_[static_cast<size_t>(block)] = n; }
  const std::vector<float>& stats_mass() const override { return mass_; }
  void set_attention_kernel(hogwild::cuda::AttentionKernel) override {}
  double last_forward_ms() const override { return 0; }
  double time_attention(const hogwild::cuda::PassPlan&, int, bool) override { return 0; }

 private:
  [[noreturn]] static void oom(int64_t tokens) {
    throw std::runtime_error("CUDA: out of memory: cudaMalloc(&p, " + std::to_string(tokens * 4096) +
                             " bytes) at fake_cuda_plugin.cpp (block of " + std::to_string(tokens) + " tokens)");
  }
  void reserve(const hogwild::cuda::PassPlan& plan) {
    for (int b = 0; b < plan.n_blocks; ++b)
      if (plan.new_len[b] > kBudget) oom(plan.new_len[b]);
  }
  void commit(const hogwild::cuda::PassPlan& plan) {
    for (int b = 0; b < plan.n_blocks; ++b) len_[static_cast<size_t>(b)] = plan.new_len[b];
  }
  hogwild::cuda::DeviceModelDesc d_;
  std::vector<int64_t> len_;
  hogwild::cuda::PassPlan plan_;
  bool open_ = false;
  std::vector<float> mass_;
};

}  // namespace

extern "C" __attribute__((visibility("default"))) int hogwild_cuda_probe_v1(HogwildCudaProbeV1* out) {
  std::memset(out, 0, sizeof *out);
  out->usable = 1;
  out->device_count = 1;
  copy_text(out->device_name, sizeof out->device_name, "Fake CUDA device (tests)");
  return 0;
}

extern "C" __attribute__((visibility("default"))) hogwild::cuda::DeviceHogwild* hogwild_cuda_create_model_v1(
    const hogwild::cuda::DeviceModelDesc* desc, char* err, unsigned long err_cap) {
  if (!desc->attention_only) {
    copy_text(err, err_cap, "CUDA: out of memory: cudaMalloc(&p, 1073741824 bytes) at fake_cuda_plugin.cpp (weights)");
    return nullptr;
  }
  return new FakeDevice(*desc);
}

extern "C" __attribute__((visibility("default"))) hogwild::cuda::DeviceOps* hogwild_cuda_create_ops_v1(char* err, unsigned long err_cap) {
  copy_text(err, err_cap, "CUDA: out of memory: cudaMalloc at fake_cuda_plugin.cpp (ops)");
  return nullptr;
}
