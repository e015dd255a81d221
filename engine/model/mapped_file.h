#pragma once
// A read-only memory map of a whole file. Model weights are used in place from the map: loading a model
// costs page-table entries, not a copy, and the kernel pages weights in (and out) as needed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hogwild {

class MappedFile {
 public:
  // Maps `path` read-only. Throws ModelError("<path>: cannot open: <reason>") (or cannot stat / cannot map).
  // An empty file is valid: size() == 0 and data() == nullptr (mmap of length 0 is an error in POSIX).
  explicit MappedFile(std::string path);
  // A file-like view of bytes already in memory (fuzz targets, tests); `name` stands in for the path in errors.
  MappedFile(std::string name, std::vector<uint8_t> bytes);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;

  const std::string& path() const { return path_; }
  size_t size() const { return size_; }
  const uint8_t* data() const { return data_; }
  // Gives the pages wholly inside [p, p + len) back to the kernel (madvise MADV_DONTNEED; the mapping is read-only
  // and private, so a later read pages the file's bytes in again). For bytes a caller has copied elsewhere and
  // rarely reads here (packed weights, cpu/packed_weights.h). Does nothing for the in-memory variant or a range
  // outside the map.
  void release_pages(const void* p, size_t len) const noexcept;

 private:
  void release() noexcept;

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;         // data_ came from mmap (else it points into owned_)
  std::vector<uint8_t> owned_;  // the in-memory variant's bytes
};

}  // namespace hogwild
