#pragma once
// The user's model folder (user_model_dir()) as a list: what each entry is, read cheaply (GGUF: header and
// metadata only, via GgufFile's mmap; llama2.c: the 28-byte header; Hugging Face folders: config.json), and the
// file operations of the Models dialog (atomic copy into the folder with progress, removal). No widgets: the
// dialog (models_dialog.h) and the tests use these directly.
#include <atomic>
#include <functional>
#include <vector>

#include <QString>
#include <QStringList>

namespace hogwild::ui {

struct ModelEntry {
  QString path;          // file, or folder for Hugging Face models
  QString file_name;     // display name (file or folder name)
  qint64 bytes = 0;      // file size, or the folder's total
  QString name;          // general.name / file stem
  QString family;        // architecture ("llama", "qwen2", ...), "tokenizer" or "unknown"
  QString format;        // "GGUF v3", "llama2.c", "Hugging Face", "tokenizer" or "unknown"
  QString quantization;  // "Q8_0", "F32", "BF16", ... or "unknown"
  QString details;       // one line: layers, dim, context (empty when unknown)
  QString error;         // why the entry could not be read (then family/format/quantization are "unknown")
  bool ok() const { return error.isEmpty(); }
  bool isModel() const { return ok() && family != "tokenizer"; }
};

// Describes one file or HF folder. Never throws: a problem gives "unknown" fields and `error`.
ModelEntry describe_model(const QString& path);

// Every model-like entry of `dir` (*.gguf, *.bin, folders with config.json; tokenizer files are listed with
// family "tokenizer"), sorted by name. Partial downloads/copies (*.part) are skipped. A missing folder is empty.
std::vector<ModelEntry> scan_model_dir(const QString& dir);

// "1.2 MiB".
QString human_size(qint64 bytes);

// Copies a file or a folder into `dir` atomically: to "<dir>/<name>.part" first, then renamed, so the list never
// shows half a model. `progress(done, total)` is called from the calling thread every few MiB; `cancel` stops the
// copy (the .part is removed). Returns the destination path; throws hogwild::Error with one line on any problem
// (destination exists, read/write error, cancelled).
QString copy_into_model_dir(const QString& source, const QString& dir,
                            const std::function<void(qint64 done, qint64 total)>& progress = {},
                            const std::atomic<bool>* cancel = nullptr);

// Removes a model file or folder. Throws hogwild::Error on failure.
void remove_model(const QString& path);

}  // namespace hogwild::ui
