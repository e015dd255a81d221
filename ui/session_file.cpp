#include "session_file.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/tensor.h"
#include "hogwild/event_json.h"

namespace hogwild::ui {

namespace {

using nlohmann::json;

std::string name_of(const QString& path) { return QFileInfo(path).fileName().toStdString(); }

json settings_json(const SessionRecord& r) {
  json names = json::array();
  for (const QString& n : r.worker_names) names.push_back(n.toStdString());
  return {{"task", r.task.toStdString()}, {"model_path", r.model_path.toStdString()}, {"worker_names", names},
          {"prompt", r.prompt.toStdString()}, {"backend", r.backend.toStdString()}, {"preset", preset_to_json(r.preset)}};
}

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }

}  // namespace

void write_text_file(const QString& path, const QByteArray& data) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit())
    throw ConfigError(name_of(path) + ": cannot write the file: " + f.errorString().toStdString());
}

namespace {

constexpr char kMagic[8] = {'H', 'W', 'S', 'E', 'S', 'S', '2', '\n'};
constexpr quint64 kMaxSection = quint64{1} << 31;  // qUncompress's limit; far above any real session

json session_header(const SessionRecord& r, int version) {
  json j = settings_json(r);
  j["schema"] = "hogwild-session";
  j["version"] = version;
  if (version >= 2) j["context"] = r.context;
  return j;
}

// ---- the binary sections

void put_u32(QByteArray& b, quint32 v) {
  for (int i = 0; i < 4; ++i) b.append(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(QByteArray& b, quint64 v) {
  for (int i = 0; i < 8; ++i) b.append(static_cast<char>((v >> (8 * i)) & 0xff));
}

// 16-bit values split into byte planes (all low bytes, then all high bytes): far better for zlib.
QByteArray planes(const std::vector<quint16>& v) {
  QByteArray out(static_cast<qsizetype>(v.size() * 2), '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    out[static_cast<qsizetype>(i)] = static_cast<char>(v[i] & 0xff);
    out[static_cast<qsizetype>(v.size() + i)] = static_cast<char>(v[i] >> 8);
  }
  return out;
}
std::vector<quint16> unplanes(const QByteArray& b) {
  const size_t n = static_cast<size_t>(b.size()) / 2;
  std::vector<quint16> v(n);
  const auto* d = reinterpret_cast<const unsigned char*>(b.constData());
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<quint16>(d[i] | (d[n + i] << 8));
  return v;
}

quint16 to_fixed(float x) { return static_cast<quint16>(std::lround(std::clamp(x, 0.f, 1.f) * 65535.f)); }
float from_fixed(quint16 v) { return static_cast<float>(v) / 65535.f; }

// Zigzag of a difference taken modulo 2^16 (as a signed 16-bit number): small steps either way become small codes.
quint16 zigzag(quint16 d) {
  const auto x = static_cast<int16_t>(d);
  return static_cast<quint16>((static_cast<uint32_t>(x) << 1) ^ static_cast<uint32_t>(x >> 15));
}
quint16 unzigzag(quint16 z) { return static_cast<quint16>((z >> 1) ^ static_cast<quint16>(-(z & 1))); }

// The statistics' masses, losslessly at 16-bit fixed point: each (worker, layer, head) row sums to one, so its last
// block is stored as the residual against 65535 minus the others (almost always within ±3); then runs of
// consecutive events of one shape are written value by value across passes (a value changes little from pass to
// pass) as zigzag differences to the previous pass. All arithmetic is modulo 2^16, so any input round-trips.
struct MassShape {
  size_t n = 0;  // values (workers × layers × heads × blocks)
  size_t F = 0;  // blocks
};

std::vector<quint16> with_residuals(const std::vector<float>& mass, size_t F) {
  std::vector<quint16> q(mass.size());
  for (size_t g = 0; g + F <= mass.size(); g += F) {
    quint16 others = 0;
    for (size_t f = 0; f + 1 < F; ++f) others = static_cast<quint16>(others + (q[g + f] = to_fixed(mass[g + f])));
    q[g + F - 1] = static_cast<quint16>(to_fixed(mass[g + F - 1]) - static_cast<quint16>(65535 - others));
  }
  return q;
}

std::vector<float> without_residuals(const std::vector<quint16>& q, size_t F) {
  std::vector<float> mass(q.size());
  for (size_t g = 0; g + F <= q.size(); g += F) {
    quint16 others = 0;
    for (size_t f = 0; f + 1 < F; ++f) {
      others = static_cast<quint16>(others + q[g + f]);
      mass[g + f] = from_fixed(q[g + f]);
    }
    mass[g + F - 1] = from_fixed(static_cast<quint16>(q[g + F - 1] + static_cast<quint16>(65535 - others)));
  }
  return mass;
}

std::vector<quint16> encode_masses(const std::vector<const StatsEvent*>& stats) {
  std::vector<quint16> out;
  for (size_t a = 0; a < stats.size();) {
    size_t b = a + 1;
    while (b < stats.size() && stats[b]->mass.size() == stats[a]->mass.size() &&
           stats[b]->block_names.size() == stats[a]->block_names.size())
      ++b;
    std::vector<std::vector<quint16>> run;
    for (size_t e = a; e < b; ++e) run.push_back(with_residuals(stats[e]->mass, stats[e]->block_names.size()));
    for (size_t k = 0; k < run[0].size(); ++k)
      for (size_t e = 0; e < run.size(); ++e) out.push_back(zigzag(static_cast<quint16>(run[e][k] - (e > 0 ? run[e - 1][k] : 0))));
    a = b;
  }
  return out;
}

// Throws ConfigError when the stream does not hold the values of these shapes.
std::vector<std::vector<float>> decode_masses(const std::vector<MassShape>& shapes, const std::vector<quint16>& in) {
  std::vector<std::vector<float>> out;
  size_t at = 0;
  for (size_t a = 0; a < shapes.size();) {
    size_t b = a + 1;
    while (b < shapes.size() && shapes[b].n == shapes[a].n && shapes[b].F == shapes[a].F) ++b;
    const size_t n = shapes[a].n, events = b - a;
    if (n == 0 || shapes[a].F == 0 || n % shapes[a].F != 0 || n > (in.size() - at) / events)
      throw ConfigError("the statistics section does not match the statistics events");
    std::vector<std::vector<quint16>> run(events, std::vector<quint16>(n));
    for (size_t k = 0; k < n; ++k)
      for (size_t e = 0; e < events; ++e) run[e][k] = static_cast<quint16>(unzigzag(in[at++]) + (e > 0 ? run[e - 1][k] : 0));
    for (const auto& q : run) out.push_back(without_residuals(q, shapes[a].F));
    a = b;
  }
  if (at != in.size()) throw ConfigError("the statistics section is longer than its events");
  return out;
}

void add_section(QByteArray& file, const char* name, const QByteArray& raw) {
  const QByteArray z = qCompress(raw, 9);
  put_u32(file, static_cast<quint32>(std::strlen(name)));
  file.append(name);
  put_u64(file, static_cast<quint64>(raw.size()));
  put_u64(file, static_cast<quint64>(z.size()));
  file.append(z);
}

struct Reader {
  const QByteArray& b;
  qsizetype pos = 0;
  const std::string& file;
  quint64 u(int bytes) {
    if (pos + bytes > b.size()) throw ConfigError(file + ": the session file is truncated");
    quint64 v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<quint64>(static_cast<unsigned char>(b[pos + i])) << (8 * i);
    pos += bytes;
    return v;
  }
};

std::map<std::string, QByteArray> read_sections(const QByteArray& data, const std::string& file) {
  std::map<std::string, QByteArray> out;
  Reader r{data, 8, file};
  while (r.pos < data.size()) {
    const quint64 name_len = r.u(4);
    if (name_len == 0 || name_len > 64 || r.pos + static_cast<qsizetype>(name_len) > data.size())
      throw ConfigError(file + ": corrupt session file (bad section name)");
    const std::string name(data.constData() + r.pos, static_cast<size_t>(name_len));
    r.pos += static_cast<qsizetype>(name_len);
    const quint64 raw = r.u(8), stored = r.u(8);
    if (raw > kMaxSection || stored > static_cast<quint64>(data.size() - r.pos))
      throw ConfigError(file + ": corrupt session file (section '" + name + "' is larger than the file)");
    const QByteArray z = data.mid(r.pos, static_cast<qsizetype>(stored));
    r.pos += static_cast<qsizetype>(stored);
    QByteArray plain = qUncompress(z);
    if (static_cast<quint64>(plain.size()) != raw)
      throw ConfigError(file + ": corrupt session file (section '" + name + "' does not decompress)");
    out[name] = std::move(plain);
  }
  return out;
}

SessionRecord record_from_json(const json& j, const std::string& name, int version, const std::vector<quint16>* mass,
                               const std::vector<quint16>* drill);

}  // namespace

void save_session_v1(const SessionRecord& r, const QString& path) {
  json j = session_header(r, 1);
  json events = json::array();
  for (const auto& e : r.events) events.push_back(event_to_json(e));
  j["events"] = std::move(events);
  write_text_file(path, QByteArray::fromStdString(dump(j)));
}

void save_session(const SessionRecord& r, const QString& path) {
  json j = session_header(r, kSessionVersion);
  json events = json::array();
  std::vector<quint16> drill;
  std::vector<const StatsEvent*> stats;
  for (const auto& e : r.events) {
    json ej = event_to_json(e);
    if (const auto* s = std::get_if<StatsEvent>(&e)) {
      ej.erase("mass");
      ej.erase("drill");
      if (!s->drill.empty() && s->drill_layer >= 0) {
        json lens = json::array();
        for (const auto& row : s->drill) {
          lens.push_back(row.size());
          for (float x : row) drill.push_back(fp32_to_fp16(x));
        }
        ej["drill_lengths"] = lens;
      }
      stats.push_back(s);
    }
    events.push_back(std::move(ej));
  }
  const std::vector<quint16> mass = encode_masses(stats);
  j["events"] = std::move(events);
  QByteArray file(kMagic, sizeof kMagic);
  add_section(file, "session.json", QByteArray::fromStdString(j.dump(-1, ' ', false, json::error_handler_t::replace)));
  add_section(file, "mass.u16", planes(mass));
  add_section(file, "drill.f16", planes(drill));
  write_text_file(path, file);
}

SessionRecord load_session(const QString& path) {
  const std::string name = name_of(path);
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) throw ConfigError(name + ": cannot open the file: " + f.errorString().toStdString());
  const QByteArray data = f.readAll();
  json j;
  std::vector<quint16> mass, drill;
  const bool binary = data.startsWith(QByteArray(kMagic, sizeof kMagic));
  QByteArray text = data;
  if (binary) {
    auto sections = read_sections(data, name);
    if (!sections.count("session.json")) throw ConfigError(name + ": corrupt session file (no session.json section)");
    text = sections["session.json"];
    mass = unplanes(sections["mass.u16"]);
    drill = unplanes(sections["drill.f16"]);
  }
  try {
    j = json::parse(text.constData(), text.constData() + text.size());
  } catch (const json::parse_error& e) {
    throw ConfigError(name + ": not valid JSON (byte " + std::to_string(e.byte) + ")");
  }
  if (!j.is_object() || j.value("schema", json()) != "hogwild-session")
    throw ConfigError(name + ": not a Hogwild session file (the \"schema\" field must be \"hogwild-session\")");
  const int version = j.contains("version") && j["version"].is_number_integer() ? j["version"].get<int>() : -1;
  if (version != (binary ? 2 : 1))
    throw ConfigError(name + ": unsupported session version (this build reads version 1 (JSON) and " + std::to_string(kSessionVersion) + ")");
  return record_from_json(j, name, version, binary ? &mass : nullptr, binary ? &drill : nullptr);
}

namespace {

SessionRecord record_from_json(const json& j, const std::string& name, int version, const std::vector<quint16>* mass,
                               const std::vector<quint16>* drill) {
  SessionRecord r;
  size_t drill_at = 0;
  try {
    if (!j.contains("preset")) throw ConfigError("the \"preset\" field is missing");
    r.preset = preset_from_json(j["preset"], "preset");
    r.task = QString::fromStdString(j.value("task", std::string()));
    r.model_path = QString::fromStdString(j.value("model_path", std::string()));
    r.prompt = QString::fromStdString(j.value("prompt", std::string()));
    if (j.contains("backend") && !j["backend"].is_string()) throw ConfigError("\"backend\" must be a string");
    r.backend = QString::fromStdString(j.value("backend", std::string()));
    if (version >= 2 && j.contains("context")) {
      if (!j["context"].is_number_integer() || j["context"].get<int64_t>() < 0) throw ConfigError("\"context\" must be a count");
      r.context = j["context"].get<int64_t>();
    }
    if (j.contains("worker_names")) {
      if (!j["worker_names"].is_array()) throw ConfigError("\"worker_names\" must be a list");
      for (const auto& n : j["worker_names"]) r.worker_names << QString::fromStdString(n.get<std::string>());
    }
    if (r.worker_names.isEmpty())
      for (const auto& n : r.preset.active_names()) r.worker_names << QString::fromStdString(n);
    if (!j.contains("events") || !j["events"].is_array()) throw ConfigError("the \"events\" list is missing");
    const int W = r.worker_names.size();
    // Version 2: the statistics' numbers come from the binary sections. Their shapes first (from the JSON), then
    // each event's version-1 object is rebuilt and validated by event_from_json as before.
    std::vector<std::vector<float>> masses;
    if (mass) {
      std::vector<MassShape> shapes;
      for (const auto& ej : j["events"]) {
        if (!ej.is_object() || ej.value("type", json()) != "stats") continue;
        const auto dim = [&](const char* k) {
          return ej.contains(k) && ej[k].is_number_integer() ? std::clamp<int64_t>(ej[k].get<int64_t>(), 0, 4096) : 0;
        };
        const json blocks = ej.value("blocks", json::array());
        const size_t F = blocks.is_array() ? blocks.size() : 0;
        shapes.push_back({static_cast<size_t>(dim("workers") * dim("layers") * dim("heads")) * F, F});
      }
      masses = decode_masses(shapes, *mass);
    }
    size_t stats_at = 0;
    size_t i = 0;
    for (const auto& ej0 : j["events"]) {
      EngineEvent e;
      try {
        if (mass && ej0.is_object() && ej0.value("type", json()) == "stats") {
          json ej = ej0;
          ej["mass"] = masses.at(stats_at++);
          if (ej.contains("drill_lengths")) {
            json rows = json::array();
            for (const auto& len : ej["drill_lengths"]) {
              if (!len.is_number_unsigned() || len.get<uint64_t>() > drill->size() - drill_at) throw ConfigError("stats event: the drill section is too short");
              json row = json::array();
              for (uint64_t k = 0; k < len.get<uint64_t>(); ++k) row.push_back(fp16_to_fp32((*drill)[drill_at++]));
              rows.push_back(std::move(row));
            }
            ej["drill"] = std::move(rows);
            ej.erase("drill_lengths");
          }
          e = event_from_json(ej);
        } else {
          e = event_from_json(ej0);
        }
      } catch (const std::exception& ex) {
        throw ConfigError("event " + std::to_string(i) + ": " + ex.what());
      }
      // Worker indices index the panes: reject any outside the session's workers.
      int w = 0;
      if (const auto* t = std::get_if<TokenEvent>(&e)) w = t->worker;
      else if (const auto* s = std::get_if<StepFinishedEvent>(&e)) w = s->worker;
      else if (const auto* q = std::get_if<CollabQuestionEvent>(&e)) w = q->worker;
      else if (const auto* st = std::get_if<StatsEvent>(&e)) w = st->workers == W ? 0 : -1;
      if (w < 0 || w >= W) throw ConfigError("event " + std::to_string(i) + ": worker out of range for " + std::to_string(W) + " workers");
      r.events.push_back(std::move(e));
      ++i;
    }
  } catch (const ConfigError& e) {
    throw ConfigError(name + ": " + e.what());
  } catch (const json::exception& e) {
    throw ConfigError(name + ": malformed field (" + std::string(e.what()) + ")");
  }
  return r;
}

}  // namespace

QString transcript_markdown(const SessionRecord& r) {
  QString md;
  md += "# Hogwild! transcript\n\n";
  md += QString("- Model: `%1`\n- Preset: %2 (%3 workers, %4 layout)\n")
            .arg(r.model_path, QString::fromStdString(r.preset.name))
            .arg(r.worker_names.size())
            .arg(QString::fromStdString(std::string(to_string(r.preset.layout))));
  md += QString("- Sampling: temperature %1, top-k %2, top-p %3, min-p %4, seed %5; budget %6 passes\n")
            .arg(r.preset.sampling.temperature).arg(r.preset.sampling.top_k).arg(r.preset.sampling.top_p)
            .arg(r.preset.sampling.min_p).arg(r.preset.sampling.seed).arg(r.preset.budget.max_passes);
  if (const FinishedEvent* f = r.finished()) {
    const double tps = f->seconds > 0 ? static_cast<double>(f->tokens) / f->seconds : 0.0;
    md += QString("- Finished: %1 after %2 passes, %3 tokens in %4 s (%5 tok/s)\n")
              .arg(QString::fromStdString(f->reason)).arg(f->passes).arg(f->tokens).arg(f->seconds, 0, 'f', 2).arg(tps, 0, 'f', 1);
    if (!f->answer.empty()) md += QString("- **Final answer:** %1\n").arg(QString::fromStdString(f->answer));
  }
  md += "\n## Task\n\n" + (r.task.isEmpty() ? QString("*(empty)*") : r.task) + "\n";
  for (int w = 0; w < r.worker_names.size(); ++w) md += QString("\n## %1\n\n```text\n%2\n```\n").arg(r.worker_names[w], r.workerText(w));
  const QString h = r.history();
  if (!h.isEmpty()) md += QString("\n## Shared history\n\n```text\n%1\n```\n").arg(h);
  return md;
}

QString transcript_json(const SessionRecord& r) {
  json j = settings_json(r);
  j["schema"] = "hogwild-transcript";
  j["version"] = 1;
  json workers = json::array();
  for (int w = 0; w < r.worker_names.size(); ++w)
    workers.push_back({{"name", r.worker_names[w].toStdString()}, {"text", r.workerText(w).toStdString()}});
  j["workers"] = workers;
  j["history"] = r.history().toStdString();
  if (const FinishedEvent* f = r.finished()) {
    j["finished"] = event_to_json(*f);
    j["answer"] = f->answer;
    j["timings"] = {{"passes", f->passes}, {"tokens", f->tokens}, {"seconds", f->seconds},
                    {"tokens_per_second", f->seconds > 0 ? static_cast<double>(f->tokens) / f->seconds : 0.0}};
  }
  return QString::fromStdString(dump(j));
}

}  // namespace hogwild::ui
