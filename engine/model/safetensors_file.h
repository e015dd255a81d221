#pragma once
// Hugging Face safetensors: an 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32"|"F16"|"BF16"|..., "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the data (offsets relative to its start). Mapped read-only; every offset and size is validated.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/tensor.h"
#include "model/mapped_file.h"

namespace hogwild {

struct SafetensorsTensor {
  std::string dtype;            // as in the file ("F32", "BF16", "I64", ...)
  std::vector<int64_t> shape;   // row-major, outermost first (PyTorch order)
  const uint8_t* data = nullptr;
  size_t nbytes = 0;
};

class SafetensorsFile {
 public:
  // Maps and parses `path`. Throws ModelError naming the file (and the tensor) for any inconsistency.
  static SafetensorsFile open(const std::string& path);

  const std::string& path() const { return file_->path(); }
  const std::map<std::string, SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(const std::string& name) const;
  std::shared_ptr<const MappedFile> mapped_file() const { return file_; }

 private:
  std::shared_ptr<const MappedFile> file_;
  std::map<std::string, SafetensorsTensor> tensors_;
};

// The engine DType of a safetensors dtype string when the engine computes with it (F32, F16, BF16).
std::optional<DType> safetensors_dtype(const std::string& dtype);

// Writes a safetensors file (tests and tools): tensors in the given order, each {name, dtype, shape, bytes}.
struct SafetensorsEntry {
  std::string name;
  DType type = DType::F32;  // F32, F16 or BF16
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};
void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& tensors);

}  // namespace hogwild
