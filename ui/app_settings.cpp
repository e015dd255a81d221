#include "app_settings.h"

#include <QSettings>

namespace hogwild::ui {

namespace {
QSettings settings() { return QSettings("HogwildStudio", "hogwild-studio"); }
}  // namespace

QByteArray AppSettings::geometry() { return settings().value("window/geometry").toByteArray(); }
void AppSettings::setGeometry(const QByteArray& g) { settings().setValue("window/geometry", g); }
QByteArray AppSettings::splitters() { return settings().value("window/splitters").toByteArray(); }
void AppSettings::setSplitters(const QByteArray& s) { settings().setValue("window/splitters", s); }
QString AppSettings::lastModel() { return settings().value("model/last").toString(); }
QString AppSettings::lastTokenizer() { return settings().value("model/last_tokenizer").toString(); }

void AppSettings::setLastModel(const QString& model, const QString& tokenizer) {
  QSettings s = settings();
  s.setValue("model/last", model);
  s.setValue("model/last_tokenizer", tokenizer);
  QStringList recent = s.value("model/recent").toStringList();
  recent.removeAll(model);
  recent.prepend(model);
  while (recent.size() > 8) recent.removeLast();
  s.setValue("model/recent", recent);
}

QStringList AppSettings::recentModels() { return settings().value("model/recent").toStringList(); }
QString AppSettings::lastPreset() { return settings().value("preset/last").toString(); }
void AppSettings::setLastPreset(const QString& path) { settings().setValue("preset/last", path); }
int AppSettings::delayMs() { return settings().value("run/delay_ms", 0).toInt(); }
void AppSettings::setDelayMs(int ms) { settings().setValue("run/delay_ms", ms); }
QString AppSettings::backend() {
  const QString b = settings().value("engine/backend", "auto").toString();
  return b == "cpu" || b == "cuda" ? b : QString("auto");
}
void AppSettings::setBackend(const QString& choice) { settings().setValue("engine/backend", choice); }
bool AppSettings::presetPinned() { return settings().value("preset/pinned", false).toBool(); }
void AppSettings::setPresetPinned(bool on) { settings().setValue("preset/pinned", on); }
double AppSettings::zoom() { return settings().value("view/zoom", 1.0).toDouble(); }
void AppSettings::setZoom(double z) { settings().setValue("view/zoom", z); }
bool AppSettings::presentation() { return settings().value("view/presentation", false).toBool(); }
void AppSettings::setPresentation(bool on) { settings().setValue("view/presentation", on); }
bool AppSettings::running() { return settings().value("session/running", false).toBool(); }
void AppSettings::setRunning(bool on) {
  QSettings s = settings();
  s.setValue("session/running", on);
  s.sync();  // a crash right after must find it
}

}  // namespace hogwild::ui
