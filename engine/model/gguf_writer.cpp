#include "model/gguf_writer.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/error.h"

namespace hogwild {

namespace {

constexpr size_t kFillChunkBytes = size_t{16} << 20;  // rows generated per write call, at most ~16 MiB

// Appends little-endian scalars and GGUF strings to a byte buffer.
struct ByteSink {
  std::vector<uint8_t> bytes;
  template <typename T>
  void put(T v) {
    const size_t n = bytes.size();
    bytes.resize(n + sizeof(T));
    std::memcpy(bytes.data() + n, &v, sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
};

void put_value(ByteSink& out, const GgufValue& v, bool with_type) {
  if (with_type) out.put<uint32_t>(static_cast<uint32_t>(v.type));
  switch (v.type) {
    case GgufType::Uint8: out.put<uint8_t>(static_cast<uint8_t>(v.i64)); break;
    case GgufType::Int8: out.put<int8_t>(static_cast<int8_t>(v.i64)); break;
    case GgufType::Uint16: out.put<uint16_t>(static_cast<uint16_t>(v.i64)); break;
    case GgufType::Int16: out.put<int16_t>(static_cast<int16_t>(v.i64)); break;
    case GgufType::Uint32: out.put<uint32_t>(static_cast<uint32_t>(v.i64)); break;
    case GgufType::Int32: out.put<int32_t>(static_cast<int32_t>(v.i64)); break;
    case GgufType::Uint64: out.put<uint64_t>(v.u64); break;
    case GgufType::Int64: out.put<int64_t>(v.i64); break;
    case GgufType::Float32: out.put<float>(static_cast<float>(v.f64)); break;
    case GgufType::Float64: out.put<double>(v.f64); break;
    case GgufType::Bool: out.put<uint8_t>(v.b ? 1 : 0); break;
    case GgufType::String: out.put_string(v.str); break;
    case GgufType::Array: {
      out.put<uint32_t>(static_cast<uint32_t>(v.elem_type));
      out.put<uint64_t>(v.array_size());
      GgufValue e;  // one scratch element, written without its type tag
      e.type = v.elem_type;
      switch (v.elem_type) {
        case GgufType::Float32: case GgufType::Float64:
          for (double f : v.floats) { e.f64 = f; put_value(out, e, false); }
          break;
        case GgufType::Uint64:
          for (uint64_t u : v.uints) out.put<uint64_t>(u);
          break;
        case GgufType::String:
          for (const std::string& s : v.strings) out.put_string(s);
          break;
        case GgufType::Array:
          for (const GgufValue& a : v.arrays) put_value(out, a, false);
          break;
        case GgufType::Bool:
          for (int64_t i : v.ints) out.put<uint8_t>(i != 0 ? 1 : 0);
          break;
        default:
          for (int64_t i : v.ints) { e.i64 = i; put_value(out, e, false); }
          break;
      }
      break;
    }
  }
}

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

int64_t product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// Converts one row of fp32 values to `type` at dst.
void convert_row(DType type, const float* src, void* dst, int64_t n) {
  if (!quantize_row(type, src, dst, n))
    throw Error(std::string("GGUF writer: cannot quantize to ") + dtype_name(type) + " (write it with add_tensor_raw)");
}

}  // namespace

GgufWriter::GgufWriter(uint32_t alignment) : alignment_(alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) throw Error("GGUF writer: alignment must be a power of two");
  if (alignment != 32) set_uint32("general.alignment", alignment);
}

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& [k, v] : kv_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  kv_.emplace_back(key, std::move(value));
}

void GgufWriter::set_string_array(const std::string& key, std::vector<std::string> v) {
  set(key, GgufValue::of_string_array(std::move(v)));
}

void GgufWriter::set_float32_array(const std::string& key, const std::vector<float>& v) {
  set(key, GgufValue::of_float_array(GgufType::Float32, std::vector<double>(v.begin(), v.end())));
}

void GgufWriter::set_int32_array(const std::string& key, const std::vector<int32_t>& v) {
  set(key, GgufValue::of_int_array(GgufType::Int32, std::vector<int64_t>(v.begin(), v.end())));
}

void GgufWriter::check_new_tensor(const std::string& name, DType type, const std::vector<int64_t>& dims) const {
  if (dims.empty() || dims.size() > 4) throw Error("GGUF writer: tensor '" + name + "' needs 1..4 dims");
  for (int64_t d : dims) {
    if (d <= 0) throw Error("GGUF writer: tensor '" + name + "' has a dimension <= 0");
  }
  if (dims[0] % dtype_block_size(type) != 0) {
    throw Error("GGUF writer: tensor '" + name + "' row length " + std::to_string(dims[0]) + " is not a multiple of the " +
                dtype_name(type) + " block size " + std::to_string(dtype_block_size(type)));
  }
  for (const Tensor& t : tensors_) {
    if (t.name == name) throw Error("GGUF writer: duplicate tensor '" + name + "'");
  }
}

void GgufWriter::add_tensor(const std::string& name, DType type, std::vector<int64_t> dims, const void* data, size_t nbytes) {
  check_new_tensor(name, type, dims);
  const uint64_t expected = dtype_row_bytes(type, dims[0]) * static_cast<uint64_t>(product(dims) / dims[0]);
  if (nbytes != expected) {
    throw Error("GGUF writer: tensor '" + name + "' has " + std::to_string(nbytes) + " bytes, dims need " +
                std::to_string(expected));
  }
  const auto* p = static_cast<const uint8_t*>(data);
  tensors_.push_back({name, dtype_to_ggml_type(type), std::move(dims), expected, std::vector<uint8_t>(p, p + nbytes), {}});
}

void GgufWriter::add_tensor_f32(const std::string& name, DType type, std::vector<int64_t> dims,
                                const std::vector<float>& values) {
  check_new_tensor(name, type, dims);
  const int64_t cols = dims[0], rows = product(dims) / dims[0];
  if (static_cast<int64_t>(values.size()) != cols * rows) {
    throw Error("GGUF writer: tensor '" + name + "' got " + std::to_string(values.size()) + " values");
  }
  const size_t row_bytes = dtype_row_bytes(type, cols);
  std::vector<uint8_t> bytes(row_bytes * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) convert_row(type, values.data() + r * cols, bytes.data() + r * row_bytes, cols);
  tensors_.push_back({name, dtype_to_ggml_type(type), std::move(dims), bytes.size(), std::move(bytes), {}});
}

void GgufWriter::add_tensor(const std::string& name, DType type, std::vector<int64_t> dims, RowFiller fill) {
  check_new_tensor(name, type, dims);
  const uint64_t nbytes = dtype_row_bytes(type, dims[0]) * static_cast<uint64_t>(product(dims) / dims[0]);
  tensors_.push_back({name, dtype_to_ggml_type(type), std::move(dims), nbytes, {}, std::move(fill)});
}

void GgufWriter::add_tensor_raw(const std::string& name, uint32_t ggml_type, std::vector<int64_t> dims,
                                std::vector<uint8_t> bytes) {
  const uint64_t n = bytes.size();
  tensors_.push_back({name, ggml_type, std::move(dims), n, std::move(bytes), {}});
}

void GgufWriter::emit(const std::function<void(const void*, size_t)>& sink) const {
  ByteSink head;
  head.put<uint32_t>(0x46554747u);  // "GGUF" read as a little-endian uint32
  head.put<uint32_t>(3);
  head.put<uint64_t>(tensors_.size());
  head.put<uint64_t>(kv_.size());
  for (const auto& [key, value] : kv_) {
    head.put_string(key);
    put_value(head, value, true);
  }
  // Tensor offsets: each tensor starts at the next multiple of the alignment within the data section.
  uint64_t offset = 0;
  std::vector<uint64_t> offsets;
  for (const Tensor& t : tensors_) {
    offset = align_up(offset, alignment_);
    offsets.push_back(offset);
    head.put_string(t.name);
    head.put<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (int64_t d : t.dims) head.put<uint64_t>(static_cast<uint64_t>(d));
    head.put<uint32_t>(t.ggml_type);
    head.put<uint64_t>(offset);
    offset += t.nbytes;
  }
  head.bytes.resize(align_up(head.bytes.size(), alignment_), 0);
  sink(head.bytes.data(), head.bytes.size());

  const std::vector<uint8_t> zeros(alignment_, 0);
  uint64_t pos = 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const Tensor& t = tensors_[i];
    sink(zeros.data(), offsets[i] - pos);
    if (t.fill) {
      const auto type = ggml_type_to_dtype(t.ggml_type).value_or(DType::F32);
      const size_t row_bytes = dtype_row_bytes(type, t.dims[0]);
      const int64_t rows = product(t.dims) / t.dims[0];
      const int64_t chunk_rows = std::max<int64_t>(1, static_cast<int64_t>(kFillChunkBytes / row_bytes));
      std::vector<uint8_t> buf(row_bytes * static_cast<size_t>(std::min(rows, chunk_rows)));
      for (int64_t r = 0; r < rows; r += chunk_rows) {
        const int64_t n = std::min(chunk_rows, rows - r);
        t.fill(r, n, buf.data());
        sink(buf.data(), row_bytes * static_cast<size_t>(n));
      }
    } else {
      sink(t.bytes.data(), t.bytes.size());
    }
    pos = offsets[i] + t.nbytes;
  }
  sink(zeros.data(), align_up(pos, alignment_) - pos);  // ggml pads the last tensor as well
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
  std::vector<uint8_t> out;
  emit([&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  });
  return out;
}

void GgufWriter::write(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(tmp.c_str(), "wb"), &std::fclose);
  if (!f) throw Error(path + ": cannot write: " + std::strerror(errno));
  try {
    emit([&](const void* p, size_t n) {
      if (n > 0 && std::fwrite(p, 1, n, f.get()) != n) throw Error(path + ": cannot write: " + std::strerror(errno));
    });
  } catch (...) {
    f.reset();
    std::remove(tmp.c_str());
    throw;
  }
  if (std::fclose(f.release()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error(path + ": cannot write: " + std::strerror(err));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw Error(path + ": cannot write: " + ec.message());
  }
}

}  // namespace hogwild
