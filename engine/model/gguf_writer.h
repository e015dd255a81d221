#pragma once
// A small GGUF v3 writer: metadata of every value type, tensors in F32/F16/BF16/Q8_0 (or raw bytes of any type
// id), aligned data section. Used by the tests (round trips, malformed corpus) and by the benchmark, which
// writes random-weight models of real shapes without holding them in memory (tensors can be filled row chunk by
// row chunk at write time).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/tensor.h"
#include "model/gguf_types.h"
#include "model/model.h"

namespace hogwild {

class GgufWriter {
 public:
  // Fills rows [first_row, first_row + n_rows) of a tensor into dst, already in the tensor's dtype
  // (a row is dims[0] elements; dst holds n_rows * dtype_row_bytes(type, dims[0]) bytes).
  using RowFiller = std::function<void(int64_t first_row, int64_t n_rows, void* dst)>;

  // alignment: power of two; anything but GGUF's default 32 is recorded as general.alignment (uint32).
  explicit GgufWriter(uint32_t alignment = 32);

  // Adds a metadata pair, or replaces the value of an existing key in place (file order is insertion order).
  void set(const std::string& key, GgufValue value);
  void set_string(const std::string& key, std::string v) { set(key, GgufValue::of_string(std::move(v))); }
  void set_uint32(const std::string& key, uint32_t v) { set(key, GgufValue::of_int(GgufType::Uint32, v)); }
  void set_int32(const std::string& key, int32_t v) { set(key, GgufValue::of_int(GgufType::Int32, v)); }
  void set_uint64(const std::string& key, uint64_t v) { set(key, GgufValue::of_uint64(v)); }
  void set_float32(const std::string& key, float v) { set(key, GgufValue::of_float32(v)); }
  void set_bool(const std::string& key, bool v) { set(key, GgufValue::of_bool(v)); }
  void set_string_array(const std::string& key, std::vector<std::string> v);
  void set_float32_array(const std::string& key, const std::vector<float>& v);
  void set_int32_array(const std::string& key, const std::vector<int32_t>& v);

  // A tensor from bytes in `type` (nbytes must match dims; Q8_0 needs dims[0] % 32 == 0). Copies the data.
  void add_tensor(const std::string& name, DType type, std::vector<int64_t> dims, const void* data, size_t nbytes);
  // A tensor of fp32 values converted to `type` (quantized for Q8_0).
  void add_tensor_f32(const std::string& name, DType type, std::vector<int64_t> dims, const std::vector<float>& values);
  // A tensor filled at write time.
  void add_tensor(const std::string& name, DType type, std::vector<int64_t> dims, RowFiller fill);
  // Raw: any ggml type id and any bytes, unchecked (tests write unsupported or inconsistent tensors with it).
  void add_tensor_raw(const std::string& name, uint32_t ggml_type, std::vector<int64_t> dims, std::vector<uint8_t> bytes);

  // The whole file in memory (small files: tests).
  std::vector<uint8_t> to_bytes() const;
  // Streams the file to `path` (via path + ".tmp" and a rename, so a reader never sees half a file).
  // Throws Error("<path>: cannot write: <reason>").
  void write(const std::string& path) const;

 private:
  struct Tensor {
    std::string name;
    uint32_t ggml_type = 0;
    std::vector<int64_t> dims;
    uint64_t nbytes = 0;
    std::vector<uint8_t> bytes;  // when not filled at write time
    RowFiller fill;
  };
  void check_new_tensor(const std::string& name, DType type, const std::vector<int64_t>& dims) const;
  void emit(const std::function<void(const void*, size_t)>& sink) const;

  uint32_t alignment_;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<Tensor> tensors_;
};

// Writes a llama-architecture GGUF with random weights of cfg's shape (dim, hidden_dim, n_layers, n_heads,
// n_kv_heads, head_dim, vocab_size, context_length, rope_theta, rope_dim, rms_eps, tied_output) and a minimal
// SentencePiece-style vocabulary: "<unk>", "<s>", "</s>", the byte tokens <0x00>..<0xFF> (type 6), then filler
// pieces up to vocab_size (needs vocab_size >= 259); bos = 1, eos = 2, unk = 0.
// Matrices are `weight_type`, uniform with standard deviation 0.02 (deterministic in seed and tensor name);
// norms are F32 ones, so forward passes stay finite. Throws Error on impossible shapes.
void write_random_llama_gguf(const std::string& path, const ModelConfig& cfg, DType weight_type, uint64_t seed);

}  // namespace hogwild
