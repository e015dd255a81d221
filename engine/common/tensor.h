#pragma once
// Weight tensors as views into a mapped file (or owned memory), in their file dtype.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace hogwild {

// Weight element types the engine computes with. Q8_0: blocks of 32 int8 with one f16 scale (34 bytes).
// Q4_0/Q4_1/Q5_0/Q5_1 (32-element blocks) and the K-quants Q4_K/Q5_K/Q6_K (256-element super-blocks) are ggml's
// layouts; the CPU matmul dequantizes their rows on the fly (dequantize_row).
enum class DType : uint8_t { F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K };

const char* dtype_name(DType t);
// Bytes needed for one row of `n` elements (n must be a multiple of the block size for quantized types).
size_t dtype_row_bytes(DType t, int64_t n);
inline constexpr int kQ8BlockSize = 32;
inline constexpr int kQKBlockSize = 256;  // K-quant super-block
// Elements per block: 1 for F32/F16/BF16, 32 for Q8_0/Q4_0/Q4_1/Q5_0/Q5_1, 256 for the K-quants.
int64_t dtype_block_size(DType t);

// A read-only view of a tensor. dims follow GGUF order: dims[0] is the fastest (row length);
// a matrix [in, out] therefore has `out` rows of `in` elements (row-major [out][in]).
struct TensorView {
  std::string name;
  DType type = DType::F32;
  std::vector<int64_t> dims;
  const void* data = nullptr;
  size_t nbytes = 0;

  bool empty() const { return data == nullptr; }
  int64_t cols() const { return dims.empty() ? 0 : dims[0]; }
  int64_t rows() const {
    int64_t r = 1;
    for (size_t i = 1; i < dims.size(); ++i) r *= dims[i];
    return r;
  }
  int64_t numel() const { return cols() * rows(); }
  const uint8_t* row_ptr(int64_t r) const {
    return static_cast<const uint8_t*>(data) + static_cast<size_t>(r) * dtype_row_bytes(type, cols());
  }
};

// Scalar conversions (IEEE half and bfloat16), exact and branch-light.
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);
inline float bf16_to_fp32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
uint16_t fp32_to_bf16(float f);  // round to nearest even

// Converts one row of `n` elements of type `t` into fp32.
void dequantize_row(DType t, const void* src, float* dst, int64_t n);
// Quantizes n floats to Q8_0 (n multiple of 32), as ggml does (scale = max|x|/127, round to nearest).
void quantize_row_q8_0(const float* src, void* dst, int64_t n);
// Converts n floats to type t (n a multiple of its block size): F32, F16, BF16, and Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 as
// ggml's reference quantizers do (quantize_row_*_ref); Q4_K/Q5_K/Q6_K with a plain min/max fit of each sub-block (ggml
// also searches nearby scales, so its files are slightly more accurate). False for a type it cannot write.
bool quantize_row(DType t, const float* src, void* dst, int64_t n);

}  // namespace hogwild
