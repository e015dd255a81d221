// Writes the seed corpora of the fuzz targets from the real fixtures into <out>/<target>/ (in the build dir,
// never the repository): the model files, tokenizer files, texts, the shipped presets and the event lines of a
// short real Hogwild! run on stories260K, plus tiny valid models made here so mutations reach the deep checks.
//   fuzz_make_seeds <out-dir> <models-dir> <source-dir>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/log.h"
#include "generation/model_bundle.h"
#include "hogwild/event_json.h"
#include "hogwild/preset.h"
#include "hogwild/session.h"
#include "model/gguf_writer.h"

namespace fs = std::filesystem;
using namespace hogwild;

namespace {

std::string read_file(const fs::path& p, size_t max_bytes = SIZE_MAX) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw Error(p.string() + ": cannot read");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (s.size() > max_bytes) s.resize(max_bytes);
  return s;
}

void write_file(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// A llama2.c checkpoint of a tiny shape; vocab < 0 means an unshared classifier.
std::string tiny_llama2c(int32_t vocab) {
  const int32_t dim = 8, hidden = 16, layers = 1, heads = 2, kv_heads = 1, seq_len = 16;
  const int32_t header[7] = {dim, hidden, layers, heads, kv_heads, vocab, seq_len};
  const int64_t v = vocab < 0 ? -vocab : vocab, kv_dim = dim * kv_heads / heads, head = dim / heads;
  const int64_t floats = v * dim + layers * (2 * dim + 2 * dim * dim + 2 * dim * kv_dim + 3 * dim * hidden) + dim +
                         seq_len * head + (vocab < 0 ? v * dim : 0);
  std::string s(reinterpret_cast<const char*>(header), sizeof header);
  for (int64_t i = 0; i < floats; ++i) {
    const float f = 0.01f * static_cast<float>(i % 17) - 0.08f;
    s.append(reinterpret_cast<const char*>(&f), 4);
  }
  return s;
}

struct Recorder : EventObserver {
  std::vector<std::string> lines;
  void on_event(const EngineEvent& e) override { lines.push_back(event_to_json(e).dump()); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: fuzz_make_seeds <out-dir> <models-dir> <source-dir>\n");
    return 2;
  }
  set_log_level("warn");
  const fs::path out = argv[1], models = argv[2], src = argv[3];
  try {
    // GGUF: the real model and vocabulary, and tiny models written by the engine's own writer.
    write_file(out / "gguf/stories260K.gguf", read_file(models / "stories260K-gguf/stories260K.gguf"));
    write_file(out / "gguf/vocab-llama-spm-head.gguf", read_file(models / "llama2-tokenizer/ggml-vocab-llama-spm.gguf", 64 << 10));
    ModelConfig c;
    c.dim = 8, c.hidden_dim = 16, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 1, c.head_dim = 4;
    c.vocab_size = 260, c.context_length = 32, c.rope_dim = 4, c.tied_output = true;
    write_random_llama_gguf((out / "gguf/tiny-f32.gguf").string(), c, DType::F32, 1);
    c.tied_output = false;
    write_random_llama_gguf((out / "gguf/tiny-f16.gguf").string(), c, DType::F16, 2);
    c.dim = 32, c.hidden_dim = 32, c.head_dim = 16, c.rope_dim = 16;  // Q8_0 rows are blocks of 32
    write_random_llama_gguf((out / "gguf/tiny-q8.gguf").string(), c, DType::Q8_0, 3);

    // llama2.c: tiny valid checkpoints (shared and unshared classifier) and the head of stories260K.bin.
    write_file(out / "llama2c/tiny-shared.bin", tiny_llama2c(32));
    write_file(out / "llama2c/tiny-unshared.bin", tiny_llama2c(-32));
    write_file(out / "llama2c/stories260K-head.bin", read_file(models / "stories260K/stories260K.bin", 4096));
    write_file(out / "llama2c/tiny-f32.gguf", read_file(out / "gguf/tiny-f32.gguf"));

    // Tokenizer inputs: byte 0 = tokenizer (0..4) + mode (bits 2-3) + flags; texts from the llama.cpp test inputs.
    const std::string inp = read_file(models / "llama2-tokenizer/ggml-vocab-llama-spm.gguf.inp");
    int n = 0;
    for (size_t at = 0; at < inp.size() && n < 40; ++n) {
      size_t end = inp.find("\n__ggml_vocab_test__\n", at);
      if (end == std::string::npos) end = inp.size();
      const std::string text = inp.substr(at, end - at);
      at = end + 21;
      for (int tok = 0; tok < 5; ++tok) {
        const char sel = static_cast<char>(tok | ((n % 2) << 2) | (n % 3 == 0 ? 0x80 : 0));
        write_file(out / ("tokenizer/text-" + std::to_string(n) + "-" + std::to_string(tok)), std::string(1, sel) + text);
      }
    }
    write_file(out / "tokenizer/invalid-utf8", std::string("\x00", 1) + "ab\xff\xfe\xc3(\xe2\x82 \xf0\x9f\x98 end\xed\xa0\x80");
    write_file(out / "tokenizer/ids-valid", std::string("\x09", 1) + std::string("\x01\x00\x2a\x00\x03\x01\x10\x00\x02\x00", 10));
    write_file(out / "tokenizer/ids-raw", std::string("\x0d", 1) + std::string("\xff\xff\x00\x80\x20\x00\x05\x00", 8));

    // Tokenizer files: byte 0 = reader (0 load_tokenizer, 1 llama2.c .bin, 2 normalizer flags).
    write_file(out / "tokenizer_file/tok512.model", "\x00" + read_file(models / "stories260K/tok512.model"));
    write_file(out / "tokenizer_file/tok512.bin", "\x01" + read_file(models / "stories260K/tok512.bin"));
    write_file(out / "tokenizer_file/flags-tok512", "\x02" + read_file(models / "stories260K/tok512.model"));
    write_file(out / "tokenizer_file/vocab-gguf-head", "\x00" + read_file(models / "llama2-tokenizer/ggml-vocab-llama-spm.gguf", 32 << 10));

    // Vocabularies: FuzzedDataProvider input, so any bytes do; a few shapes.
    write_file(out / "vocab/a", std::string(64, '\x01'));
    write_file(out / "vocab/b", std::string("\x00\x10\x01\x00\x00\x00\x01\x02\x00", 9) + "Once upon a time");
    write_file(out / "vocab/c", std::string(300, '\x7f'));

    // Presets: the shipped ones and every field written out.
    for (const auto& e : fs::directory_iterator(src / "resources/presets"))
      if (e.path().extension() == ".json") write_file(out / "preset" / e.path().filename(), read_file(e.path()));
    write_file(out / "preset/defaults.json", preset_to_json(Preset{}).dump(2));
    write_file(out / "preset/minimal.json", R"({"schema": "hogwild-preset", "version": 1})");

    // Events: every line of a short real run (2 workers, statistics with drill-down) on stories260K.
    ModelBundle b = open_model_bundle((models / "stories260K/stories260K.bin").string(), (models / "stories260K/tok512.model").string());
    Preset p = load_preset(src / "resources/presets/tiny-stories.json");  // a prompt that fits stories260K
    p.workers = 2;
    p.budget.max_passes = 6;
    p.statistics.drill_layer = 0;
    p.collaboration.interval = 4;
    Recorder rec;
    SessionOptions so;
    so.threads = 1;
    HogwildSession s(b.model, *b.tokenizer, p, "Once upon a time", so);
    s.set_observer(&rec);
    while (s.step()) {
    }
    n = 0;
    for (const std::string& line : rec.lines) {
      if (n > 60) break;
      write_file(out / ("event/line-" + std::to_string(n++)), line);
    }
    write_file(out / "event/newer-type", R"({"type": "worker_paused", "worker": 0, "pass": 3})");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_make_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
