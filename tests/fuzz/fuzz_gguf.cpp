// Fuzz target: GGUF reader. Bytes -> GgufFile (in-memory MappedFile) -> every typed getter, every tensor's
// data range, the embedded vocabulary and the llama model loader. Only ModelError may escape the engine.
#include <memory>
#include <vector>

#include "common/error.h"
#include "fuzz_common.h"
#include "model/gguf_file.h"
#include "model/gguf_vocab.h"
#include "model/model_loaders.h"

using namespace hogwild;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::quiet_logs();
  auto file = std::make_shared<const MappedFile>("fuzz.gguf", std::vector<uint8_t>(data, data + size));
  std::unique_ptr<GgufFile> gguf;
  try {
    gguf = std::make_unique<GgufFile>(file);
  } catch (const ModelError&) {
    return 0;
  }
  // Every getter on every key: a value of another type is a ModelError, never a crash.
  for (const GgufKeyValue& kv : gguf->metadata()) {
    FUZZ_CHECK(gguf->find(kv.key) != nullptr, "every parsed key can be found");
    try { (void)gguf->get_int(kv.key); } catch (const ModelError&) {}
    try { (void)gguf->get_float(kv.key); } catch (const ModelError&) {}
    try { (void)gguf->get_bool(kv.key); } catch (const ModelError&) {}
    try { (void)gguf->get_string(kv.key); } catch (const ModelError&) {}
    try { (void)gguf->get_string_array(kv.key); } catch (const ModelError&) {}
    try { (void)gguf->get_float_array(kv.key); } catch (const ModelError&) {}
    try { (void)gguf->get_int_array(kv.key); } catch (const ModelError&) {}
  }
  // Every tensor lies inside the file: touch its first and last byte (ASan catches a read past the buffer).
  volatile uint8_t sink = 0;
  for (const GgufTensorInfo& t : gguf->tensors()) {
    FUZZ_CHECK(gguf->find_tensor(t.name) != nullptr, "every parsed tensor can be found");
    FUZZ_CHECK(gguf->data_offset() + t.offset + t.nbytes <= size, "tensor data lies inside the file");
    if (t.nbytes == 0) continue;
    const auto* p = static_cast<const uint8_t*>(gguf->tensor_data(t));
    sink = sink + p[0] + p[t.nbytes - 1];
  }
  try {
    (void)read_gguf_vocab(*gguf);
  } catch (const ModelError&) {
  }
  try {
    const Model m = load_gguf_model(*gguf);
    FUZZ_CHECK(m.config.n_layers == static_cast<int>(m.weights.layers.size()), "one LayerWeights per layer");
  } catch (const ModelError&) {
  }
  return 0;
}
