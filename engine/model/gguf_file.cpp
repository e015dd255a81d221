#include "model/gguf_file.h"

#include <cstring>
#include <limits>
#include <utility>

#include "common/error.h"

namespace hogwild {

namespace {

constexpr uint64_t kHeaderBytes = 24;     // magic, version, n_tensors, n_kv (v2+)
constexpr uint64_t kMinKvBytes = 13;      // key length (8) + type (4) + smallest value (1)
constexpr uint64_t kMinTensorBytes = 32;  // name length (8) + n_dims (4) + one dim (8) + type (4) + offset (8)
constexpr uint32_t kMaxDims = 4;          // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 8;         // nested arrays deeper than this are refused (no recursion bombs)
constexpr uint32_t kMaxAlignment = 1u << 30;
// Memory the parsed metadata and tensor infos may take. Counts are already bounded by the bytes left in the
// file, but elements grow when parsed (a uint8 becomes an int64, a 9-byte string a 32-byte std::string), so a
// multi-GB model file read as one huge array could still ask for tens of GB. Real files need a few tens of MB
// (a 262k-token vocabulary with merges); 512 MiB is far beyond that.
constexpr uint64_t kMaxParsedBytes = uint64_t{512} << 20;

[[noreturn]] void fail_at(const std::string& path, const std::string& what) { throw ModelError(path + ": " + what); }

// Bytes per element of a fixed-size value type; 0 for string/array (variable size).
uint64_t fixed_size(GgufType t) {
  switch (t) {
    case GgufType::Uint8: case GgufType::Int8: case GgufType::Bool: return 1;
    case GgufType::Uint16: case GgufType::Int16: return 2;
    case GgufType::Uint32: case GgufType::Int32: case GgufType::Float32: return 4;
    case GgufType::Uint64: case GgufType::Int64: case GgufType::Float64: return 8;
    case GgufType::String: case GgufType::Array: return 0;
  }
  return 0;
}

// Smallest number of bytes one element of type t occupies in the file (for count plausibility checks).
uint64_t min_size(GgufType t) {
  if (t == GgufType::String) return 8;   // length only
  if (t == GgufType::Array) return 12;   // element type + count
  return fixed_size(t);
}

bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::Float64); }

// A bounds-checked little-endian reader over the mapped bytes. Reads use memcpy: nothing in GGUF is aligned.
class Cursor {
 public:
  // Charges n items of `each` bytes against kMaxParsedBytes before they are allocated.
  void charge(uint64_t n, uint64_t each, const std::string& what) {
    if (n > (kMaxParsedBytes - parsed_bytes_) / each) {
      fail_at(path_, what + " needs more than " + std::to_string(kMaxParsedBytes >> 20) +
                         " MiB of metadata in total (count " + std::to_string(n) + "); refusing an absurd file");
    }
    parsed_bytes_ += n * each;
  }

  Cursor(const std::string& path, const uint8_t* data, uint64_t size) : path_(path), data_(data), size_(size) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }

  void need(uint64_t n, const std::string& what) const {
    if (n > remaining()) {
      fail_at(path_, "truncated file: need " + std::to_string(n) + " bytes for " + what + " at offset " +
                         std::to_string(pos_) + ", file is " + std::to_string(size_) + " bytes");
    }
  }

  template <typename T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string read_string(const std::string& what) {
    const auto len = read<uint64_t>(what + " (length)");
    if (len > remaining()) {
      fail_at(path_, what + " has length " + std::to_string(len) + " but only " + std::to_string(remaining()) +
                         " bytes remain in the file");
    }
    charge(len, 1, what);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
    pos_ += len;
    return s;
  }

 private:
  const std::string& path_;
  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
  uint64_t parsed_bytes_ = 0;
};

// Bytes one parsed array element of type t occupies in memory.
uint64_t parsed_size(GgufType t) {
  switch (t) {
    case GgufType::Float32: case GgufType::Float64: return sizeof(double);
    case GgufType::Uint64: return sizeof(uint64_t);
    case GgufType::String: return sizeof(std::string);
    case GgufType::Array: return sizeof(GgufValue);
    default: return sizeof(int64_t);
  }
}

// Reads one value of type t. `what` names it for errors ("metadata key 'x'").
GgufValue read_value(Cursor& c, const std::string& path, GgufType t, const std::string& what, int depth) {
  GgufValue v;
  v.type = t;
  switch (t) {
    case GgufType::Uint8: v.i64 = c.read<uint8_t>(what); break;
    case GgufType::Int8: v.i64 = c.read<int8_t>(what); break;
    case GgufType::Uint16: v.i64 = c.read<uint16_t>(what); break;
    case GgufType::Int16: v.i64 = c.read<int16_t>(what); break;
    case GgufType::Uint32: v.i64 = c.read<uint32_t>(what); break;
    case GgufType::Int32: v.i64 = c.read<int32_t>(what); break;
    case GgufType::Uint64: v.u64 = c.read<uint64_t>(what); break;
    case GgufType::Int64: v.i64 = c.read<int64_t>(what); break;
    case GgufType::Float32: v.f64 = c.read<float>(what); break;
    case GgufType::Float64: v.f64 = c.read<double>(what); break;
    case GgufType::Bool: {
      const auto b = c.read<uint8_t>(what);
      if (b > 1) fail_at(path, what + " has invalid bool value " + std::to_string(b));
      v.b = b != 0;
      break;
    }
    case GgufType::String: v.str = c.read_string(what); break;
    case GgufType::Array: {
      if (depth >= kMaxArrayDepth) {
        fail_at(path, what + " nests arrays deeper than " + std::to_string(kMaxArrayDepth) + " levels");
      }
      const auto et = c.read<uint32_t>(what + " (array element type)");
      if (!valid_type(et)) fail_at(path, what + " has invalid array element type " + std::to_string(et));
      v.elem_type = static_cast<GgufType>(et);
      const auto n = c.read<uint64_t>(what + " (array count)");
      // Plausibility before any allocation: n elements need at least n * min_size bytes.
      if (n > c.remaining() / min_size(v.elem_type)) {
        fail_at(path, what + " has array count " + std::to_string(n) + " but only " +
                          std::to_string(c.remaining()) + " bytes remain in the file");
      }
      c.charge(n, parsed_size(v.elem_type), what);
      const std::string elem_what = what + " (array element)";
      switch (v.elem_type) {
        case GgufType::Float32: case GgufType::Float64:
          v.floats.reserve(n);
          for (uint64_t i = 0; i < n; ++i) v.floats.push_back(read_value(c, path, v.elem_type, elem_what, depth + 1).f64);
          break;
        case GgufType::Uint64:
          v.uints.reserve(n);
          for (uint64_t i = 0; i < n; ++i) v.uints.push_back(c.read<uint64_t>(elem_what));
          break;
        case GgufType::String:
          v.strings.reserve(n);
          for (uint64_t i = 0; i < n; ++i) v.strings.push_back(c.read_string(elem_what));
          break;
        case GgufType::Array:
          v.arrays.reserve(n);
          for (uint64_t i = 0; i < n; ++i) v.arrays.push_back(read_value(c, path, GgufType::Array, elem_what, depth + 1));
          break;
        case GgufType::Bool:
          v.ints.reserve(n);
          for (uint64_t i = 0; i < n; ++i) v.ints.push_back(read_value(c, path, GgufType::Bool, elem_what, depth + 1).b);
          break;
        default:
          v.ints.reserve(n);
          for (uint64_t i = 0; i < n; ++i) v.ints.push_back(read_value(c, path, v.elem_type, elem_what, depth + 1).i64);
          break;
      }
      break;
    }
  }
  return v;
}

std::string dims_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) s.push_back(',');
    s.append(std::to_string(dims[i]));
  }
  s.push_back(']');
  return s;
}

}  // namespace

int64_t GgufTensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

GgufFile GgufFile::open(const std::string& path) { return GgufFile(std::make_shared<const MappedFile>(path)); }

GgufFile::GgufFile(std::shared_ptr<const MappedFile> file) : file_(std::move(file)) { parse(); }

void GgufFile::fail(const std::string& what) const { fail_at(path(), what); }

void GgufFile::parse() {
  const uint64_t size = file_->size();
  const uint8_t* data = file_->data();
  const std::string need_header = "(file is " + std::to_string(size) + " bytes, need " + std::to_string(kHeaderBytes) + ")";
  if (size < 4) fail("truncated header " + need_header);
  if (std::memcmp(data, "GGUF", 4) != 0) fail("bad magic (not a GGUF file)");
  if (size < 8) fail("truncated header " + need_header);
  std::memcpy(&version_, data + 4, 4);
  if (version_ != 2 && version_ != 3) {
    // A big-endian file (GGUF v3 allows them) reads as 0x0N000000 here.
    if (version_ != 0 && (version_ & 0x00ffffffu) == 0) fail("big-endian GGUF files are not supported");
    fail("unsupported GGUF version " + std::to_string(version_) + " (supported: 2, 3)");
  }
  if (size < kHeaderBytes) fail("truncated header " + need_header);

  Cursor c(path(), data, size);
  c.read<uint32_t>("magic");
  c.read<uint32_t>("version");
  const auto n_tensors = c.read<uint64_t>("tensor count");
  const auto n_kv = c.read<uint64_t>("metadata count");
  if (n_kv > c.remaining() / kMinKvBytes) {
    fail("absurd metadata count " + std::to_string(n_kv) + " (file has " + std::to_string(c.remaining()) +
         " bytes after the header)");
  }
  if (n_tensors > c.remaining() / kMinTensorBytes) {
    fail("absurd tensor count " + std::to_string(n_tensors) + " (file has " + std::to_string(c.remaining()) +
         " bytes after the header)");
  }

  c.charge(n_kv, sizeof(GgufKeyValue) + 64, "metadata count");  // + its index entry
  kv_.reserve(n_kv);
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key = c.read_string("key of metadata pair " + std::to_string(i));
    if (key.empty()) fail("metadata pair " + std::to_string(i) + " has an empty key");
    if (kv_index_.count(key) != 0) fail("duplicate metadata key '" + key + "'");
    const std::string what = "metadata key '" + key + "'";
    const auto t = c.read<uint32_t>(what + " (type)");
    if (!valid_type(t)) fail(what + " has invalid value type " + std::to_string(t));
    GgufValue value = read_value(c, path(), static_cast<GgufType>(t), what, 0);
    kv_index_.emplace(key, kv_.size());
    kv_.push_back({std::move(key), std::move(value)});
  }

  if (const GgufValue* a = find("general.alignment")) {
    const auto v = a->as_int();
    if (!v) fail("general.alignment has type " + std::string(gguf_type_name(a->type)) + ", expected an integer");
    if (*v <= 0 || *v > kMaxAlignment || (*v & (*v - 1)) != 0) {
      fail("general.alignment " + std::to_string(*v) + " is not a power of two (1.." + std::to_string(kMaxAlignment) + ")");
    }
    alignment_ = static_cast<uint32_t>(*v);
  }

  c.charge(n_tensors, sizeof(GgufTensorInfo) + 64, "tensor count");
  tensors_.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo info;
    info.name = c.read_string("name of tensor " + std::to_string(i));
    if (tensor_index_.count(info.name) != 0) fail("duplicate tensor name '" + info.name + "'");
    const std::string what = "tensor '" + info.name + "'";
    const auto n_dims = c.read<uint32_t>(what + " (n_dims)");
    if (n_dims < 1 || n_dims > kMaxDims) {
      fail(what + " has n_dims " + std::to_string(n_dims) + " (must be 1.." + std::to_string(kMaxDims) + ")");
    }
    int64_t numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const auto dim = c.read<uint64_t>(what + " (dims)");
      if (dim == 0 || dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail(what + " has invalid dimension " + std::to_string(dim));
      }
      info.dims.push_back(static_cast<int64_t>(dim));
      if (info.dims.back() > std::numeric_limits<int64_t>::max() / numel) {
        fail(what + " has dims whose product overflows");
      }
      numel *= info.dims.back();
    }
    info.ggml_type = c.read<uint32_t>(what + " (type)");
    const GgmlTypeTraits tt = ggml_type_traits(info.ggml_type);
    if (tt.name == nullptr) fail(what + " has unknown tensor type id " + std::to_string(info.ggml_type));
    if (info.dims[0] % tt.block_size != 0) {
      fail(what + " has dims " + dims_string(info.dims) + " whose row length is not a multiple of the " + tt.name +
           " block size " + std::to_string(tt.block_size));
    }
    const uint64_t blocks = static_cast<uint64_t>(numel / tt.block_size);
    if (blocks > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(tt.type_size)) {
      fail(what + " is too large (" + dims_string(info.dims) + ")");
    }
    info.nbytes = blocks * static_cast<uint64_t>(tt.type_size);
    info.offset = c.read<uint64_t>(what + " (offset)");
    if (info.offset % alignment_ != 0) {
      fail(what + " has offset " + std::to_string(info.offset) + " that is not a multiple of the alignment " +
           std::to_string(alignment_));
    }
    tensor_index_.emplace(info.name, tensors_.size());
    tensors_.push_back(std::move(info));
  }

  // The data section starts at the next multiple of the alignment after the tensor infos.
  data_offset_ = (c.pos() + alignment_ - 1) / alignment_ * alignment_;
  for (const GgufTensorInfo& t : tensors_) {
    // Checked in pieces so that no sum can overflow; tensors may overlap (ggml does not forbid it).
    const bool fits = data_offset_ <= size && t.offset <= size - data_offset_ && t.nbytes <= size - data_offset_ - t.offset;
    if (!fits) {
      const bool abs_ok = t.offset <= std::numeric_limits<uint64_t>::max() - data_offset_;
      fail("tensor '" + t.name + "' extends past end of file (offset " +
           (abs_ok ? std::to_string(data_offset_ + t.offset) : std::to_string(t.offset) + " in the data section") +
           ", size " + std::to_string(t.nbytes) + ", file size " + std::to_string(size) + ")");
    }
  }
}

const GgufValue* GgufFile::find(std::string_view key) const {
  const auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].value;
}

namespace {
[[noreturn]] void type_error(const std::string& path, std::string_view key, const GgufValue& v, const char* expected) {
  std::string got = gguf_type_name(v.type);
  if (v.type == GgufType::Array) got += std::string(" of ") + gguf_type_name(v.elem_type);
  fail_at(path, "metadata key '" + std::string(key) + "' has type " + got + ", expected " + expected);
}
}  // namespace

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (const auto i = v->as_int()) return i;
  if (v->type == GgufType::Uint64) fail("metadata key '" + std::string(key) + "' value " + std::to_string(v->u64) + " is out of range");
  type_error(path(), key, *v, "an integer");
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (const auto f = v->as_float()) return f;
  type_error(path(), key, *v, "a number");
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type == GgufType::Bool) return v->b;
  if (const auto i = v->as_int(); i && (*i == 0 || *i == 1)) return *i == 1;
  type_error(path(), key, *v, "a bool");
}

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type != GgufType::String) type_error(path(), key, *v, "a string");
  return v->str;
}

std::optional<std::vector<std::string>> GgufFile::get_string_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type != GgufType::Array || v->elem_type != GgufType::String) type_error(path(), key, *v, "an array of strings");
  return v->strings;
}

std::optional<std::vector<double>> GgufFile::get_float_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type != GgufType::Array) type_error(path(), key, *v, "an array of numbers");
  if (v->elem_type == GgufType::Float32 || v->elem_type == GgufType::Float64) return v->floats;
  if (v->elem_type == GgufType::Uint64) return std::vector<double>(v->uints.begin(), v->uints.end());
  if (gguf_type_is_integer(v->elem_type)) return std::vector<double>(v->ints.begin(), v->ints.end());
  type_error(path(), key, *v, "an array of numbers");
}

std::optional<std::vector<int64_t>> GgufFile::get_int_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type != GgufType::Array) type_error(path(), key, *v, "an array of integers");
  if (v->elem_type == GgufType::Uint64) {
    std::vector<int64_t> out;
    out.reserve(v->uints.size());
    for (uint64_t u : v->uints) {
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail("metadata key '" + std::string(key) + "' has out-of-range element " + std::to_string(u));
      }
      out.push_back(static_cast<int64_t>(u));
    }
    return out;
  }
  if (gguf_type_is_integer(v->elem_type)) return v->ints;
  type_error(path(), key, *v, "an array of integers");
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const void* GgufFile::tensor_data(const GgufTensorInfo& info) const {
  return file_->data() + data_offset_ + info.offset;
}

}  // namespace hogwild
