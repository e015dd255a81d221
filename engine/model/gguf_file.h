#pragma once
// Reader for GGUF v2/v3 files (ggml's model container): header, metadata, tensor infos, tensor data in place.
//
// Layout (little-endian): "GGUF", uint32 version, uint64 n_tensors, uint64 n_kv, n_kv × {string key, uint32
// type, value}, n_tensors × {string name, uint32 n_dims, uint64 dims[n_dims], uint32 ggml_type, uint64 offset},
// padding to general.alignment (default 32), then the data section; a tensor's offset is relative to it.
// Strings are uint64 length + bytes (no terminator); arrays are uint32 element type + uint64 count + elements.
//
// The file is untrusted: every count and length is checked against the bytes that remain before anything is
// allocated, every read is bounds-checked, and each problem is one ModelError line naming the file.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <map>
#include <vector>

#include "model/gguf_types.h"
#include "model/mapped_file.h"

namespace hogwild {

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> dims;  // GGUF order: dims[0] is the row length
  uint32_t ggml_type = 0;     // as stored; see ggml_type_traits()
  uint64_t offset = 0;        // relative to the data section
  uint64_t nbytes = 0;        // computed from dims and type (validated to lie within the file)
  int64_t numel() const;
};

struct GgufKeyValue {
  std::string key;
  GgufValue value;
};

class GgufFile {
 public:
  // Maps and parses `path`. Throws ModelError naming the file on any problem.
  static GgufFile open(const std::string& path);
  // Parses an already mapped file (kept alive by the GgufFile).
  explicit GgufFile(std::shared_ptr<const MappedFile> file);

  const std::string& path() const { return file_->path(); }
  const std::shared_ptr<const MappedFile>& mapped_file() const { return file_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // start of the data section in the file

  // Metadata, in file order.
  const std::vector<GgufKeyValue>& metadata() const { return kv_; }
  const GgufValue* find(std::string_view key) const;
  // Typed getters: nullopt when the key is absent; ModelError when present with an incompatible type
  // (get_int accepts every integer type, get_float also integers, get_bool also integers 0/1).
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<std::vector<std::string>> get_string_array(std::string_view key) const;
  std::optional<std::vector<double>> get_float_array(std::string_view key) const;   // float or integer elements
  std::optional<std::vector<int64_t>> get_int_array(std::string_view key) const;    // integer elements

  // Tensors, in file order.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;
  // Pointer to the tensor's bytes inside the map (validated at parse time to lie within the file).
  const void* tensor_data(const GgufTensorInfo& info) const;

 private:
  void parse();
  [[noreturn]] void fail(const std::string& what) const;

  std::shared_ptr<const MappedFile> file_;
  uint32_t version_ = 0;
  uint32_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<GgufKeyValue> kv_;
  std::map<std::string, size_t, std::less<>> kv_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace hogwild
