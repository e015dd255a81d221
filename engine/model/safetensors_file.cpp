#include "model/safetensors_file.h"

#include <cstring>
#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace hogwild {

namespace {

size_t dtype_bytes(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
  return 0;
}

constexpr uint64_t kMaxHeader = uint64_t{100} << 20;  // 100 MB of JSON is far beyond any real header

}  // namespace

std::optional<DType> safetensors_dtype(const std::string& dtype) {
  if (dtype == "F32") return DType::F32;
  if (dtype == "F16") return DType::F16;
  if (dtype == "BF16") return DType::BF16;
  return std::nullopt;
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  SafetensorsFile f;
  f.file_ = std::make_shared<const MappedFile>(path);
  const MappedFile& m = *f.file_;
  if (m.size() < 8) throw ModelError(path + ": too small for a safetensors file");
  uint64_t n = 0;
  std::memcpy(&n, m.data(), 8);
  if (n > kMaxHeader || n > m.size() - 8) throw ModelError(path + ": safetensors header length " + std::to_string(n) + " exceeds the file");
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(reinterpret_cast<const char*>(m.data()) + 8, reinterpret_cast<const char*>(m.data()) + 8 + n);
  } catch (const nlohmann::json::exception& e) {
    throw ModelError(path + ": safetensors header is not valid JSON: " + e.what());
  }
  if (!h.is_object()) throw ModelError(path + ": safetensors header is not a JSON object");
  const uint8_t* base = m.data() + 8 + n;
  const uint64_t data_size = m.size() - 8 - n;
  for (const auto& [name, t] : h.items()) {
    if (name == "__metadata__") continue;
    const std::string where = path + ": tensor '" + name + "'";
    if (!t.is_object() || !t.contains("dtype") || !t["dtype"].is_string() || !t.contains("shape") || !t["shape"].is_array() ||
        !t.contains("data_offsets") || !t["data_offsets"].is_array() || t["data_offsets"].size() != 2)
      throw ModelError(where + " lacks dtype, shape or data_offsets");
    SafetensorsTensor st;
    st.dtype = t["dtype"].get<std::string>();
    const size_t eb = dtype_bytes(st.dtype);
    if (eb == 0) throw ModelError(where + " has unknown dtype " + st.dtype);
    uint64_t numel = 1;
    for (const auto& d : t["shape"]) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t{1} << 40)) throw ModelError(where + " has an invalid shape");
      st.shape.push_back(d.get<int64_t>());
      numel *= d.get<uint64_t>();
      if (numel > (uint64_t{1} << 40)) throw ModelError(where + " is too large");
    }
    const auto& off = t["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) throw ModelError(where + " has invalid data_offsets");
    const uint64_t b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
    if (b > e || e > data_size)
      throw ModelError(where + " extends past end of file (offsets " + std::to_string(b) + ".." + std::to_string(e) +
                       ", data size " + std::to_string(data_size) + ")");
    if (e - b != numel * eb)
      throw ModelError(where + " has " + std::to_string(e - b) + " bytes but its shape needs " + std::to_string(numel * eb));
    st.data = base + b;
    st.nbytes = static_cast<size_t>(e - b);
    f.tensors_.emplace(name, std::move(st));
  }
  return f;
}

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
  const auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& tensors) {
  nlohmann::json h = nlohmann::json::object();
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    h[t.name] = {{"dtype", dtype_name(t.type)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  h["__metadata__"] = {{"format", "pt"}};
  std::string header = h.dump();
  while ((header.size() + 8) % 8 != 0) header.push_back(' ');  // data starts 8-byte aligned
  const uint64_t n = header.size();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": cannot write");
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const auto& t : tensors) out.write(reinterpret_cast<const char*>(t.bytes.data()), static_cast<std::streamsize>(t.bytes.size()));
    if (!out) throw Error(path + ": cannot write");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error(path + ": cannot rename " + tmp);
}

}  // namespace hogwild
