#include "model/gguf_types.h"

#include <limits>

namespace hogwild {

const char* gguf_type_name(GgufType t) {
  switch (t) {
    case GgufType::Uint8: return "uint8";
    case GgufType::Int8: return "int8";
    case GgufType::Uint16: return "uint16";
    case GgufType::Int16: return "int16";
    case GgufType::Uint32: return "uint32";
    case GgufType::Int32: return "int32";
    case GgufType::Float32: return "float32";
    case GgufType::Bool: return "bool";
    case GgufType::String: return "string";
    case GgufType::Array: return "array";
    case GgufType::Uint64: return "uint64";
    case GgufType::Int64: return "int64";
    case GgufType::Float64: return "float64";
  }
  return "?";
}

bool gguf_type_is_integer(GgufType t) {
  switch (t) {
    case GgufType::Uint8: case GgufType::Int8: case GgufType::Uint16: case GgufType::Int16:
    case GgufType::Uint32: case GgufType::Int32: case GgufType::Uint64: case GgufType::Int64: return true;
    default: return false;
  }
}

size_t GgufValue::array_size() const {
  if (type != GgufType::Array) return 0;
  switch (elem_type) {
    case GgufType::Float32: case GgufType::Float64: return floats.size();
    case GgufType::String: return strings.size();
    case GgufType::Array: return arrays.size();
    case GgufType::Uint64: return uints.size();
    default: return ints.size();
  }
}

std::optional<int64_t> GgufValue::as_int() const {
  if (type == GgufType::Uint64) {
    if (u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u64);
  }
  if (gguf_type_is_integer(type)) return i64;
  return std::nullopt;
}

std::optional<double> GgufValue::as_float() const {
  if (type == GgufType::Float32 || type == GgufType::Float64) return f64;
  if (type == GgufType::Uint64) return static_cast<double>(u64);
  if (gguf_type_is_integer(type)) return static_cast<double>(i64);
  return std::nullopt;
}

GgufValue GgufValue::of_int(GgufType t, int64_t v) {
  GgufValue r;
  r.type = t;
  r.i64 = v;
  return r;
}
GgufValue GgufValue::of_uint64(uint64_t v) {
  GgufValue r;
  r.type = GgufType::Uint64;
  r.u64 = v;
  return r;
}
GgufValue GgufValue::of_float32(float v) {
  GgufValue r;
  r.type = GgufType::Float32;
  r.f64 = v;
  return r;
}
GgufValue GgufValue::of_float64(double v) {
  GgufValue r;
  r.type = GgufType::Float64;
  r.f64 = v;
  return r;
}
GgufValue GgufValue::of_bool(bool v) {
  GgufValue r;
  r.type = GgufType::Bool;
  r.b = v;
  return r;
}
GgufValue GgufValue::of_string(std::string v) {
  GgufValue r;
  r.type = GgufType::String;
  r.str = std::move(v);
  return r;
}
GgufValue GgufValue::of_int_array(GgufType elem, std::vector<int64_t> v) {
  GgufValue r;
  r.type = GgufType::Array;
  r.elem_type = elem;
  r.ints = std::move(v);
  return r;
}
GgufValue GgufValue::of_uint64_array(std::vector<uint64_t> v) {
  GgufValue r;
  r.type = GgufType::Array;
  r.elem_type = GgufType::Uint64;
  r.uints = std::move(v);
  return r;
}
GgufValue GgufValue::of_float_array(GgufType elem, std::vector<double> v) {
  GgufValue r;
  r.type = GgufType::Array;
  r.elem_type = elem;
  r.floats = std::move(v);
  return r;
}
GgufValue GgufValue::of_string_array(std::vector<std::string> v) {
  GgufValue r;
  r.type = GgufType::Array;
  r.elem_type = GgufType::String;
  r.strings = std::move(v);
  return r;
}
GgufValue GgufValue::of_array_array(std::vector<GgufValue> v) {
  GgufValue r;
  r.type = GgufType::Array;
  r.elem_type = GgufType::Array;
  r.arrays = std::move(v);
  return r;
}

GgmlTypeTraits ggml_type_traits(uint32_t type) {
  // Block sizes and bytes per block from ggml's type_traits table (ggml.c). Ids 4, 5, 31-33 and 36-38 were
  // removed from ggml and stay unknown here.
  switch (type) {
    case 0: return {"F32", 1, 4};
    case 1: return {"F16", 1, 2};
    case 2: return {"Q4_0", 32, 18};
    case 3: return {"Q4_1", 32, 20};
    case 6: return {"Q5_0", 32, 22};
    case 7: return {"Q5_1", 32, 24};
    case 8: return {"Q8_0", 32, 34};
    case 9: return {"Q8_1", 32, 36};
    case 10: return {"Q2_K", 256, 84};
    case 11: return {"Q3_K", 256, 110};
    case 12: return {"Q4_K", 256, 144};
    case 13: return {"Q5_K", 256, 176};
    case 14: return {"Q6_K", 256, 210};
    case 15: return {"Q8_K", 256, 292};
    case 16: return {"IQ2_XXS", 256, 66};
    case 17: return {"IQ2_XS", 256, 74};
    case 18: return {"IQ3_XXS", 256, 98};
    case 19: return {"IQ1_S", 256, 50};
    case 20: return {"IQ4_NL", 32, 18};
    case 21: return {"IQ3_S", 256, 110};
    case 22: return {"IQ2_S", 256, 82};
    case 23: return {"IQ4_XS", 256, 136};
    case 24: return {"I8", 1, 1};
    case 25: return {"I16", 1, 2};
    case 26: return {"I32", 1, 4};
    case 27: return {"I64", 1, 8};
    case 28: return {"F64", 1, 8};
    case 29: return {"IQ1_M", 256, 56};
    case 30: return {"BF16", 1, 2};
    case 34: return {"TQ1_0", 256, 54};
    case 35: return {"TQ2_0", 256, 66};
    case 39: return {"MXFP4", 32, 17};
    default: return {};
  }
}

std::string ggml_type_name(uint32_t type) {
  const GgmlTypeTraits t = ggml_type_traits(type);
  return t.name != nullptr ? std::string(t.name) : "unknown type " + std::to_string(type);
}

std::optional<DType> ggml_type_to_dtype(uint32_t type) {
  switch (type) {
    case ggml_type::F32: return DType::F32;
    case ggml_type::F16: return DType::F16;
    case ggml_type::BF16: return DType::BF16;
    case ggml_type::Q8_0: return DType::Q8_0;
    case ggml_type::Q4_0: return DType::Q4_0;
    case ggml_type::Q4_1: return DType::Q4_1;
    case ggml_type::Q5_0: return DType::Q5_0;
    case ggml_type::Q5_1: return DType::Q5_1;
    case ggml_type::Q4_K: return DType::Q4_K;
    case ggml_type::Q5_K: return DType::Q5_K;
    case ggml_type::Q6_K: return DType::Q6_K;
    default: return std::nullopt;
  }
}

uint32_t dtype_to_ggml_type(DType t) {
  switch (t) {
    case DType::F32: return ggml_type::F32;
    case DType::F16: return ggml_type::F16;
    case DType::BF16: return ggml_type::BF16;
    case DType::Q8_0: return ggml_type::Q8_0;
    case DType::Q4_0: return ggml_type::Q4_0;
    case DType::Q4_1: return ggml_type::Q4_1;
    case DType::Q5_0: return ggml_type::Q5_0;
    case DType::Q5_1: return ggml_type::Q5_1;
    case DType::Q4_K: return ggml_type::Q4_K;
    case DType::Q5_K: return ggml_type::Q5_K;
    case DType::Q6_K: return ggml_type::Q6_K;
  }
  return ggml_type::F32;
}

}  // namespace hogwild
