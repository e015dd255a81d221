#pragma once
// Persistent settings (QSettings "HogwildStudio/hogwild-studio"): window geometry and splitters, the last model,
// the recent models, the last preset and the speed. Tests switch QStandardPaths to test mode so they never
// touch a user's settings.
#include <QByteArray>
#include <QString>
#include <QStringList>

namespace hogwild::ui {

class AppSettings {
 public:
  static QByteArray geometry();
  static void setGeometry(const QByteArray& g);
  static QByteArray splitters();
  static void setSplitters(const QByteArray& s);
  static QString lastModel();
  static QString lastTokenizer();
  static void setLastModel(const QString& model, const QString& tokenizer);
  static QStringList recentModels();  // newest first, at most 8
  static QString lastPreset();        // a preset file path
  static void setLastPreset(const QString& path);
  static int delayMs();
  static void setDelayMs(int ms);
  // The backend choice of Engine → Backend: "auto" (default), "cpu" or "cuda".
  static QString backend();
  static void setBackend(const QString& choice);
  static bool presetPinned();  // "Keep" preset when another model is opened
  static void setPresetPinned(bool on);
  static double zoom();        // View → Zoom, 1 = normal
  static void setZoom(double z);
  static bool presentation();  // View → Presentation mode
  static void setPresentation(bool on);
  // Set while a window is open, cleared by a clean close: still set at start means the last one crashed.
  static bool running();
  static void setRunning(bool on);
};

}  // namespace hogwild::ui
