#pragma once
// GGUF value types and the ggml tensor type table shared by the GGUF reader and writer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/tensor.h"

namespace hogwild {

// Metadata value types as stored in the file (gguf_type in ggml's gguf.h).
enum class GgufType : uint32_t {
  Uint8 = 0, Int8 = 1, Uint16 = 2, Int16 = 3, Uint32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
  String = 8, Array = 9, Uint64 = 10, Int64 = 11, Float64 = 12,
};

const char* gguf_type_name(GgufType t);
bool gguf_type_is_integer(GgufType t);  // the eight integer types (not bool)

// One metadata value. Scalars live in i64/u64/f64/b/str by type; arrays keep their elements compactly by kind
// (a 150k-token vocabulary is one vector of strings, not 150k GgufValues).
struct GgufValue {
  GgufType type = GgufType::Uint8;
  int64_t i64 = 0;   // signed ints, and unsigned ints except uint64
  uint64_t u64 = 0;  // uint64
  double f64 = 0;    // float32, float64
  bool b = false;
  std::string str;

  // type == Array: elem_type and exactly one of the vectors below is used.
  GgufType elem_type = GgufType::Uint8;
  std::vector<int64_t> ints;          // integer elements except uint64; bools as 0/1
  std::vector<uint64_t> uints;        // uint64 elements
  std::vector<double> floats;         // float32/float64 elements
  std::vector<std::string> strings;   // string elements
  std::vector<GgufValue> arrays;      // nested arrays (each itself type == Array)

  size_t array_size() const;
  // The value as an integer when it is one (uint64 above INT64_MAX: nullopt).
  std::optional<int64_t> as_int() const;
  std::optional<double> as_float() const;  // float or integer types

  // Builders used by the writer and by tests.
  static GgufValue of_int(GgufType t, int64_t v);  // t: any integer type except Uint64
  static GgufValue of_uint64(uint64_t v);
  static GgufValue of_float32(float v);
  static GgufValue of_float64(double v);
  static GgufValue of_bool(bool v);
  static GgufValue of_string(std::string v);
  static GgufValue of_int_array(GgufType elem, std::vector<int64_t> v);  // elem: integer type (not Uint64) or Bool
  static GgufValue of_uint64_array(std::vector<uint64_t> v);
  static GgufValue of_float_array(GgufType elem, std::vector<double> v);  // Float32 or Float64
  static GgufValue of_string_array(std::vector<std::string> v);
  static GgufValue of_array_array(std::vector<GgufValue> v);  // each element an array

  bool operator==(const GgufValue&) const = default;
};

// ggml tensor type ids (ggml_type). F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K are computed
// with; the others are known so their sizes can be validated and errors can name them.
namespace ggml_type {
inline constexpr uint32_t F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
                          Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15, BF16 = 30;
}

struct GgmlTypeTraits {
  const char* name = nullptr;  // nullptr: unknown or removed id
  int64_t block_size = 0;      // elements per block
  int64_t type_size = 0;       // bytes per block
};

// Traits of a ggml type id; name == nullptr for ids ggml does not (or no longer) define.
GgmlTypeTraits ggml_type_traits(uint32_t type);
// "Q4_K", or "unknown type 77".
std::string ggml_type_name(uint32_t type);
// The engine's DType for a ggml type id, when the engine computes with it.
std::optional<DType> ggml_type_to_dtype(uint32_t type);
uint32_t dtype_to_ggml_type(DType t);

}  // namespace hogwild
