#pragma once
// The catalog of known-good models (File → Models… → Catalog, issue #20): what each is, what it needs, the preset
// that suits it, and where its file comes from (a Hugging Face URL at a pinned revision where one is known, and
// the file's sha256 where a published LFS pointer gives it). Downloads go through download_file (download.h).
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "model/default_model.h"
#include "model/download.h"

namespace hogwild {

struct KnownFile {
  std::string name;    // file name in the model folder
  std::string url;     // https://huggingface.co/<repo>/resolve/<revision>/<file>
  std::string sha256;  // "" = not published where we could read it: checked (computed and shown) on first download
  int64_t bytes = 0;   // download size, about (what the catalog shows); 0 when unknown
  bool exact = false;  // `bytes` is the exact size (the downloader may then use it to finish a complete .part)
};

struct KnownModel {
  std::string id;            // "smollm2-135m-instruct"
  std::string title;         // "SmolLM2-135M-Instruct"
  std::string family;        // "llama (SmolLM2)"
  std::string quantization;  // "Q8_0"
  std::string license;       // "Apache-2.0"
  int64_t ram_bytes = 0;     // memory a 2-worker run needs, about
  bool gpu = false;          // too large for a CPU: meant for a GPU machine
  std::string preset;        // the shipped preset that suits it (recommended_preset gives the same on load)
  std::string note;          // one line for the catalog
  std::vector<KnownFile> files;  // the model first; a separate tokenizer after it (stories260K)
  bool pinned() const;       // every file has a sha256
  int64_t bytes() const;     // sum of the files (0 when one is unknown)
};

// stories260K, SmolLM2-135M-Instruct, Qwen2.5-0.5B-Instruct, Qwen3-0.6B, DeepSeek-R1-Distill-Qwen-1.5B, QwQ-32B.
const std::vector<KnownModel>& known_models();
// Throws ConfigError naming the ids when there is none.
const KnownModel& known_model(const std::string& id);

// The model's files in `dir` (the model folder), present when every file exists (a pinned hash is checked).
ModelFiles known_model_files(const KnownModel& m, const std::string& dir);
bool known_model_present(const KnownModel& m, const std::string& dir);

// Downloads every file of `m` that is missing into `dir` (download_file: resume, sha256, atomic rename).
// progress(done, total) covers all files together. Throws DownloadError. $HOGWILD_HF_MIRROR, when set, replaces
// "https://huggingface.co" in the URLs (a classroom mirror; the tests' local server).
std::string known_file_url(const KnownFile& f);
ModelFiles download_known_model(const KnownModel& m, const std::string& dir, const DownloadProgress& progress = {},
                                const std::atomic<bool>* cancel = nullptr);

}  // namespace hogwild
