// Fuzz target: load_model() on arbitrary bytes (in-memory MappedFile). Anything without the "GGUF" magic goes to
// the llama2.c checkpoint reader (7 x int32 header, then float32 arrays), whose header checks must reject junk
// with a ModelError. Seeds: a tiny valid checkpoint and the head of stories260K.bin (see make_seeds.py).
#include <memory>
#include <vector>

#include "common/error.h"
#include "fuzz_common.h"
#include "model/model_loaders.h"

using namespace hogwild;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::quiet_logs();
  auto file = std::make_shared<const MappedFile>("fuzz.bin", std::vector<uint8_t>(data, data + size));
  try {
    const Model m = load_model_file(file);
    const ModelConfig& c = m.config;
    FUZZ_CHECK(c.dim > 0 && c.n_layers > 0 && c.n_heads > 0 && c.vocab_size > 0, "a loaded model has a shape");
    FUZZ_CHECK(static_cast<int>(m.weights.layers.size()) == c.n_layers, "one LayerWeights per layer");
    // Every weight view lies inside the data: touch its last byte.
    volatile uint8_t sink = 0;
    const auto touch = [&](const TensorView& t) {
      if (t.nbytes) sink = sink + static_cast<const uint8_t*>(t.data)[t.nbytes - 1];
    };
    touch(m.weights.token_embd);
    touch(m.weights.output);
    touch(m.weights.output_norm);
    for (const LayerWeights& l : m.weights.layers)
      for (const TensorView* t : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.w_gate, &l.w_down, &l.w_up})
        touch(*t);
  } catch (const ModelError&) {
  }
  return 0;
}
