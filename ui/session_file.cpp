#include "session_file.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "hogwild/event_json.h"

namespace hogwild::ui {

namespace {

using nlohmann::json;

std::string name_of(const QString& path) { return QFileInfo(path).fileName().toStdString(); }

json settings_json(const SessionRecord& r) {
  json names = json::array();
  for (const QString& n : r.worker_names) names.push_back(n.toStdString());
  return {{"task", r.task.toStdString()}, {"model_path", r.model_path.toStdString()}, {"worker_names", names},
          {"prompt", r.prompt.toStdString()}, {"preset", preset_to_json(r.preset)}};
}

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }

}  // namespace

void write_text_file(const QString& path, const QByteArray& data) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit())
    throw ConfigError(name_of(path) + ": cannot write the file: " + f.errorString().toStdString());
}

void save_session(const SessionRecord& r, const QString& path) {
  json j = settings_json(r);
  j["schema"] = "hogwild-session";
  j["version"] = kSessionVersion;
  json events = json::array();
  for (const auto& e : r.events) events.push_back(event_to_json(e));
  j["events"] = std::move(events);
  write_text_file(path, QByteArray::fromStdString(dump(j)));
}

SessionRecord load_session(const QString& path) {
  const std::string name = name_of(path);
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) throw ConfigError(name + ": cannot open the file: " + f.errorString().toStdString());
  const QByteArray data = f.readAll();
  json j;
  try {
    j = json::parse(data.constData(), data.constData() + data.size());
  } catch (const json::parse_error& e) {
    throw ConfigError(name + ": not valid JSON (byte " + std::to_string(e.byte) + ")");
  }
  if (!j.is_object() || j.value("schema", json()) != "hogwild-session")
    throw ConfigError(name + ": not a Hogwild session file (the \"schema\" field must be \"hogwild-session\")");
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != kSessionVersion)
    throw ConfigError(name + ": unsupported session version (this build reads version " + std::to_string(kSessionVersion) + ")");
  SessionRecord r;
  try {
    if (!j.contains("preset")) throw ConfigError("the \"preset\" field is missing");
    r.preset = preset_from_json(j["preset"], "preset");
    r.task = QString::fromStdString(j.value("task", std::string()));
    r.model_path = QString::fromStdString(j.value("model_path", std::string()));
    r.prompt = QString::fromStdString(j.value("prompt", std::string()));
    if (j.contains("worker_names")) {
      if (!j["worker_names"].is_array()) throw ConfigError("\"worker_names\" must be a list");
      for (const auto& n : j["worker_names"]) r.worker_names << QString::fromStdString(n.get<std::string>());
    }
    if (r.worker_names.isEmpty())
      for (const auto& n : r.preset.active_names()) r.worker_names << QString::fromStdString(n);
    if (!j.contains("events") || !j["events"].is_array()) throw ConfigError("the \"events\" list is missing");
    const int W = r.worker_names.size();
    size_t i = 0;
    for (const auto& ej : j["events"]) {
      EngineEvent e;
      try {
        e = event_from_json(ej);
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
