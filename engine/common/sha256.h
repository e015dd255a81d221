#pragma once
// SHA-256 (FIPS 180-4) of a byte buffer or a file, as lowercase hex. Used to verify downloaded models.
#include <cstddef>
#include <cstdint>
#include <string>

namespace hogwild {

std::string sha256_hex(const void* data, size_t size);
// Throws Error when the file cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace hogwild
