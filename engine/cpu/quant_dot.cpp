#include "cpu/quant_dot.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "common/log.h"
#include "cpu/quant_kernels.h"

namespace hogwild::cpu {

namespace {

using kernels::ActQ8K;

int weight_kind(DType t) {
  switch (t) {
    case DType::Q8_0: return kernels::kQ8_0;
    case DType::Q4_0: return kernels::kQ4_0;
    case DType::Q4_1: return kernels::kQ4_1;
    case DType::Q5_0: return kernels::kQ5_0;
    case DType::Q5_1: return kernels::kQ5_1;
    case DType::Q4_K: return kernels::kQ4_K;
    case DType::Q5_K: return kernels::kQ5_K;
    case DType::Q6_K: return kernels::kQ6_K;
    default: return -1;
  }
}

#if defined(__x86_64__)
// F16C from CPUID leaf 1 (clang's __builtin_cpu_supports does not know "f16c").
bool cpu_has_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) != 0 && (c & bit_F16C) != 0;
}
#endif

bool is_k_quant(DType t) { return t == DType::Q4_K || t == DType::Q5_K || t == DType::Q6_K; }

struct Tables {
  kernels::KernelTable scalar, avx2, vnni;
  KernelLevel detected = KernelLevel::Scalar;
  Tables() {
    kernels::fill_scalar(scalar);
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c()) {
      kernels::fill_avx2(avx2);
      detected = KernelLevel::Avx2;
      if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
          __builtin_cpu_supports("avx512vnni")) {
        kernels::fill_avx512_vnni(vnni);
        detected = KernelLevel::Avx512Vnni;
      }
    }
#endif
  }
  const kernels::KernelTable* at(KernelLevel level) const {
    if (static_cast<int>(level) > static_cast<int>(detected)) return nullptr;
    switch (level) {
      case KernelLevel::Scalar: return &scalar;
      case KernelLevel::Avx2: return &avx2;
      case KernelLevel::Avx512Vnni: return &vnni;
      default: return nullptr;
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

KernelLevel initial_level() {
  KernelLevel level = tables().detected;
  if (const char* env = std::getenv("HOGWILD_CPU_KERNELS"); env != nullptr && *env != '\0') {
    KernelLevel wanted;
    if (parse_kernel_level(env, wanted)) level = std::min(wanted, level);
    else logger("cpu")->warn("HOGWILD_CPU_KERNELS='{}' is not dequant, scalar, avx2 or vnni; using {}", env, kernel_level_name(level));
  }
  return level;
}

std::atomic<KernelLevel>& level_setting() {
  static std::atomic<KernelLevel> level{initial_level()};
  return level;
}

}  // namespace

const char* kernel_level_name(KernelLevel level) {
  switch (level) {
    case KernelLevel::Dequant: return "dequant";
    case KernelLevel::Scalar: return "scalar";
    case KernelLevel::Avx2: return "avx2";
    case KernelLevel::Avx512Vnni: return "vnni";
  }
  return "?";
}

bool parse_kernel_level(const std::string& name, KernelLevel& level) {
  for (KernelLevel l : {KernelLevel::Dequant, KernelLevel::Scalar, KernelLevel::Avx2, KernelLevel::Avx512Vnni}) {
    if (name == kernel_level_name(l)) {
      level = l;
      return true;
    }
  }
  return false;
}

KernelLevel detected_kernel_level() { return tables().detected; }
KernelLevel kernel_level() { return level_setting().load(std::memory_order_relaxed); }
void set_kernel_level(KernelLevel level) { level_setting().store(std::min(level, detected_kernel_level())); }

bool has_quant_dot(DType t) { return weight_kind(t) >= 0; }

size_t activation_row_bytes(DType weight, int64_t k) {
  return is_k_quant(weight) ? static_cast<size_t>(k / 256) * sizeof(ActQ8K) : static_cast<size_t>(k / 32 * kernels::kActQ8BlockBytes);
}

void quantize_activations(DType weight, const float* x, int64_t n, int64_t k, uint8_t* dst) {
  // Every level's quantize_q8 writes the same bytes (round to nearest even, the same fp32 operations).
  const kernels::KernelTable* t = tables().at(std::max(kernel_level(), KernelLevel::Scalar));
  const kernels::QuantizeQ8Fn quantize_q8 = (t != nullptr ? t : &tables().scalar)->quantize_q8;
  const size_t row_bytes = activation_row_bytes(weight, k);
  for (int64_t i = 0; i < n; ++i) {
    const float* xi = x + i * k;
    uint8_t* out = dst + static_cast<size_t>(i) * row_bytes;
    if (is_k_quant(weight)) {
      auto* blocks = reinterpret_cast<ActQ8K*>(out);
      for (int64_t b = 0; b < k / 256; ++b) {
        ActQ8K& a = blocks[b];
        kernels::quantize_block(xi + b * 256, 256, a.q, a.d);
        for (int g = 0; g < 16; ++g) {
          int s = 0;
          for (int j = 0; j < 16; ++j) s += a.q[g * 16 + j];
          a.bsums[g] = static_cast<int16_t>(s);
        }
      }
    } else {
      quantize_q8(xi, k, out);
    }
  }
}

namespace {
// The level's kernel of one per-type column of the table (nullptr: none at that level, or a type without one).
template <typename Fn>
Fn table_entry(KernelLevel level, DType weight, Fn (kernels::KernelTable::*column)[kernels::kQuantKinds]) {
  const kernels::KernelTable* t = tables().at(level);
  const int kind = weight_kind(weight);
  return t != nullptr && kind >= 0 ? (t->*column)[kind] : nullptr;
}
}  // namespace

QuantRowsFn quant_rows_kernel(KernelLevel level, DType weight) { return table_entry(level, weight, &kernels::KernelTable::quant); }
QuantPackFn quant_pack_kernel(KernelLevel level, DType weight) { return table_entry(level, weight, &kernels::KernelTable::pack); }
PackedDotFn packed_dot_kernel(KernelLevel level, DType weight) {
  return table_entry(level, weight, &kernels::KernelTable::packed);
}

size_t packed_group_bytes(DType weight, int64_t k) {
  const int kind = weight_kind(weight);
  return kind >= 0 ? static_cast<size_t>(k / 32 * kernels::packed_block_bytes(kind)) : 0;
}

HalfRowsFn half_rows_kernel(KernelLevel level, DType weight) {
  const kernels::KernelTable* t = tables().at(level);
  if (t == nullptr) return nullptr;
  return weight == DType::F16 ? t->f16 : weight == DType::BF16 ? t->bf16 : nullptr;
}

}  // namespace hogwild::cpu
