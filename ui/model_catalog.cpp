#include "model_catalog.h"

#include <algorithm>
#include <cstring>
#include <map>

#include <unistd.h>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "common/error.h"
#include "model/gguf_file.h"
#include "model/gguf_types.h"

namespace hogwild::ui {
namespace {

// llama.cpp's general.file_type (llama_ftype): the quantization a GGUF was made with, when the file records it.
QString ftype_name(int64_t t) {
  static const std::map<int64_t, const char*> names = {
      {0, "F32"},     {1, "F16"},     {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},    {8, "Q5_0"},    {9, "Q5_1"},
      {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"}, {15, "Q4_K_M"}, {16, "Q5_K_S"},
      {17, "Q5_K_M"}, {18, "Q6_K"},   {19, "IQ2_XXS"}, {20, "IQ2_XS"}, {21, "Q2_K_S"}, {22, "IQ3_XS"}, {23, "IQ3_XXS"},
      {24, "IQ1_S"},  {25, "IQ4_NL"}, {26, "IQ3_S"},  {27, "IQ3_M"},  {28, "IQ2_S"},  {29, "IQ2_M"},  {30, "IQ4_XS"},
      {31, "IQ1_M"},  {32, "BF16"}};
  const auto it = names.find(t);
  return it == names.end() ? QString() : QString(it->second);
}

ModelEntry unknown(ModelEntry e, const QString& error) {
  e.family = e.format = e.quantization = "unknown";
  e.details.clear();
  e.error = error.isEmpty() ? QStringLiteral("unreadable") : error;
  return e;
}

bool is_tokenizer_name(const QString& file_name) {
  const QString n = file_name.toLower();
  return n == "tokenizer.bin" || n == "tokenizer.model" || (n.startsWith("tok") && (n.endsWith(".bin") || n.endsWith(".model")));
}

void describe_gguf(ModelEntry& e) {
  const GgufFile f = GgufFile::open(e.path.toStdString());
  e.format = QString("GGUF v%1").arg(f.version());
  const auto arch = f.get_string("general.architecture");
  e.family = arch ? QString::fromStdString(*arch) : QStringLiteral("unknown");
  if (const auto n = f.get_string("general.name")) e.name = QString::fromStdString(*n);
  // Quantization: the dominant type of the matrices (by elements); general.file_type names it more precisely
  // (Q4_K_M rather than Q4_K) when present.
  std::map<uint32_t, int64_t> elements;
  for (const auto& t : f.tensors())
    if (t.dims.size() >= 2) elements[t.ggml_type] += t.numel();
  if (!elements.empty()) {
    const auto top = std::max_element(elements.begin(), elements.end(), [](auto& a, auto& b) { return a.second < b.second; });
    e.quantization = QString::fromStdString(ggml_type_name(top->first));
  }
  if (const auto ft = f.get_int("general.file_type")) {
    const QString n = ftype_name(*ft);
    if (!n.isEmpty()) e.quantization = n;
  }
  if (e.quantization.isEmpty()) e.quantization = f.tensors().empty() ? QStringLiteral("none (vocabulary only)") : QStringLiteral("unknown");
  if (arch) {
    const std::string a = *arch;
    QStringList d;
    if (const auto v = f.get_int(a + ".block_count")) d << QString("%1 layers").arg(*v);
    if (const auto v = f.get_int(a + ".embedding_length")) d << QString("dim %1").arg(*v);
    if (const auto v = f.get_int(a + ".context_length")) d << QString("context %1").arg(*v);
    e.details = d.join(" · ");
  }
}

// llama2.c checkpoint: 7 int32 {dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (< 0: untied), seq_len},
// then F32 weights. The header is checked against the file size so that random .bin files are not "models".
void describe_llama2c(ModelEntry& e) {
  QFile f(e.path);
  if (!f.open(QIODevice::ReadOnly)) throw Error(f.errorString().toStdString());
  int32_t h[7] = {};
  if (f.read(reinterpret_cast<char*>(h), sizeof h) != static_cast<qint64>(sizeof h))
    throw Error("too small for a llama2.c checkpoint (" + std::to_string(f.size()) + " bytes)");
  const int64_t dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kv = h[4], vocab = h[5] < 0 ? -int64_t{h[5]} : h[5], seq = h[6];
  auto in = [](int64_t v, int64_t hi) { return v >= 1 && v <= hi; };
  if (!in(dim, 1 << 16) || !in(hidden, 1 << 18) || !in(layers, 1024) || !in(heads, 1024) || !in(kv, 1024) || !in(vocab, 1 << 24) ||
      !in(seq, 1 << 24) || dim % heads != 0 || heads % kv != 0)
    throw Error("not a llama2.c checkpoint (header values out of range)");
  const int64_t hs = dim / heads;
  const int64_t floats = vocab * dim + layers * (2 * dim + dim * heads * hs + 2 * dim * kv * hs + heads * hs * dim + 3 * dim * hidden) + dim;
  if (f.size() < 28 + 4 * floats)
    throw Error("llama2.c header needs " + std::to_string(28 + 4 * floats) + " bytes, the file has " + std::to_string(f.size()));
  e.format = "llama2.c";
  e.family = "llama";
  e.quantization = "F32";
  e.details = QString("%1 layers · dim %2 · context %3").arg(layers).arg(dim).arg(seq);
}

void describe_hf(ModelEntry& e) {
  QFile f(QDir(e.path).filePath("config.json"));
  if (!f.open(QIODevice::ReadOnly)) throw Error("config.json: " + f.errorString().toStdString());
  QJsonParseError pe;
  const QJsonDocument doc = QJsonDocument::fromJson(f.read(4 << 20), &pe);
  if (!doc.isObject()) throw Error("config.json: " + pe.errorString().toStdString());
  const QJsonObject c = doc.object();
  e.format = "Hugging Face";
  e.family = c.value("model_type").toString();
  if (e.family.isEmpty()) e.family = c.value("architectures").toArray().first().toString();
  if (e.family.isEmpty()) e.family = "unknown";
  const QJsonObject q = c.value("quantization_config").toObject();
  e.quantization = !q.isEmpty() ? q.value("quant_method").toString("quantized").toUpper() : c.value("torch_dtype").toString("unknown").toUpper();
  if (e.quantization == "BFLOAT16") e.quantization = "BF16";
  else if (e.quantization == "FLOAT16") e.quantization = "F16";
  else if (e.quantization == "FLOAT32") e.quantization = "F32";
  QStringList d;
  if (c.contains("num_hidden_layers")) d << QString("%1 layers").arg(c.value("num_hidden_layers").toInt());
  if (c.contains("hidden_size")) d << QString("dim %1").arg(c.value("hidden_size").toInt());
  if (c.contains("max_position_embeddings")) d << QString("context %1").arg(c.value("max_position_embeddings").toInt());
  e.details = d.join(" · ");
}

qint64 tree_bytes(const QString& path) {
  const QFileInfo fi(path);
  if (!fi.isDir()) return fi.size();
  qint64 n = 0;
  QDirIterator it(path, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
  while (it.hasNext()) n += QFileInfo(it.next()).size();
  return n;
}

}  // namespace

QString human_size(qint64 bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? QString("%1 B").arg(bytes) : QString("%1 %2").arg(v, 0, 'f', v < 10 ? 1 : 0).arg(units[u]);
}

ModelEntry describe_model(const QString& path) {
  ModelEntry e;
  const QFileInfo fi(path);
  e.path = fi.absoluteFilePath();
  e.file_name = fi.fileName();
  e.name = fi.isDir() ? fi.fileName() : fi.completeBaseName();
  try {
    e.bytes = tree_bytes(path);
    if (!fi.exists()) return unknown(e, "no such file");
    if (fi.isDir()) {
      describe_hf(e);
      return e;
    }
    if (is_tokenizer_name(e.file_name)) {
      e.family = "tokenizer";
      e.format = e.file_name.endsWith(".model", Qt::CaseInsensitive) ? "SentencePiece" : "llama2.c tokenizer";
      e.quantization = "-";
      return e;
    }
    char magic[4] = {};
    {
      QFile f(path);
      if (!f.open(QIODevice::ReadOnly)) return unknown(e, f.errorString());
      f.read(magic, 4);
    }
    if (std::memcmp(magic, "GGUF", 4) == 0) describe_gguf(e);
    else describe_llama2c(e);
    return e;
  } catch (const std::exception& ex) {
    return unknown(e, QString::fromUtf8(ex.what()));
  }
}

std::vector<ModelEntry> scan_model_dir(const QString& dir) {
  std::vector<ModelEntry> out;
  const QDir d(dir);
  if (!d.exists()) return out;
  for (const QFileInfo& fi : d.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name | QDir::IgnoreCase)) {
    const QString n = fi.fileName();
    if (n.endsWith(".part") || n.endsWith(".tmp")) continue;  // copies and downloads in progress
    if (fi.isDir()) {
      if (QFileInfo::exists(fi.filePath() + "/config.json")) out.push_back(describe_model(fi.filePath()));
    } else if (n.endsWith(".gguf", Qt::CaseInsensitive) || n.endsWith(".bin", Qt::CaseInsensitive) || is_tokenizer_name(n)) {
      out.push_back(describe_model(fi.filePath()));
    }
  }
  return out;
}

namespace {

void copy_file(const QString& from, const QString& to, qint64& done, qint64 total,
               const std::function<void(qint64, qint64)>& progress, const std::atomic<bool>* cancel) {
  QFile in(from), out(to);
  if (!in.open(QIODevice::ReadOnly)) throw Error(from.toStdString() + ": " + in.errorString().toStdString());
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) throw Error(to.toStdString() + ": " + out.errorString().toStdString());
  QByteArray buf(4 << 20, Qt::Uninitialized);
  for (;;) {
    if (cancel && cancel->load()) throw Error("cancelled");
    const qint64 n = in.read(buf.data(), buf.size());
    if (n < 0) throw Error(from.toStdString() + ": " + in.errorString().toStdString());
    if (n == 0) break;
    if (out.write(buf.constData(), n) != n) throw Error(to.toStdString() + ": " + out.errorString().toStdString());
    done += n;
    if (progress) progress(done, total);
  }
  if (!out.flush() || ::fsync(out.handle()) != 0) throw Error(to.toStdString() + ": cannot flush to disk");
}

}  // namespace

QString copy_into_model_dir(const QString& source, const QString& dir, const std::function<void(qint64, qint64)>& progress,
                            const std::atomic<bool>* cancel) {
  const QFileInfo src(source);
  if (!src.exists()) throw Error(source.toStdString() + ": no such file");
  if (!QDir().mkpath(dir)) throw Error("cannot create the model folder " + dir.toStdString());
  const QString dest = QDir(dir).filePath(src.fileName());
  if (QFileInfo(dest).absoluteFilePath() == src.absoluteFilePath()) throw Error(src.fileName().toStdString() + " is already in the model folder");
  if (QFileInfo::exists(dest)) throw Error(src.fileName().toStdString() + " already exists in the model folder (remove it first)");
  const QString part = dest + ".part";
  QFileInfo(part).isDir() ? void(QDir(part).removeRecursively()) : void(QFile::remove(part));
  const qint64 total = tree_bytes(source);
  qint64 done = 0;
  if (progress) progress(0, total);
  try {
    if (src.isDir()) {
      QDir().mkpath(part);
      const QDir base(source);
      QDirIterator it(source, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
      while (it.hasNext()) {
        const QString f = it.next();
        const QString rel = base.relativeFilePath(f);
        const QString to = QDir(part).filePath(rel);
        QDir().mkpath(QFileInfo(to).absolutePath());
        copy_file(f, to, done, total, progress, cancel);
      }
      if (!QDir().rename(part, dest)) throw Error("cannot rename " + part.toStdString() + " into place");
    } else {
      copy_file(source, part, done, total, progress, cancel);
      if (!QFile::rename(part, dest)) throw Error("cannot rename " + part.toStdString() + " into place");
    }
  } catch (...) {
    QFileInfo(part).isDir() ? void(QDir(part).removeRecursively()) : void(QFile::remove(part));
    throw;
  }
  return dest;
}

void remove_model(const QString& path) {
  const QFileInfo fi(path);
  if (!fi.exists()) throw Error(path.toStdString() + ": no such file");
  const bool ok = fi.isDir() ? QDir(path).removeRecursively() : QFile::remove(path);
  if (!ok) throw Error("cannot remove " + path.toStdString());
}

}  // namespace hogwild::ui
