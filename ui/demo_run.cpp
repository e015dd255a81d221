#include "demo_run.h"

#include <cstdio>

#include <QApplication>
#include <QThread>
#include <QTimer>

#include "control_bar.h"
#include "engine_controller.h"
#include "heatmap_panel.h"
#include "hogwild/preset_library.h"
#include "main_window.h"

namespace hogwild::ui {

namespace {
QString AppPresetPath(const MainWindow& w) { return w.presetPath(); }
}  // namespace

DemoRun::DemoRun(MainWindow& window, Options options, QObject* parent) : QObject(parent), w_(window), o_(std::move(options)) {}

void DemoRun::begin() {
  connect(&w_.engine(), &EngineController::modelLoaded, this, &DemoRun::onModelLoaded, Qt::QueuedConnection);
  connect(&w_.engine(), &EngineController::stateChanged, this, &DemoRun::onState, Qt::QueuedConnection);
  connect(&w_.engine(), &EngineController::errorOccurred, this, [this](const QString& m) { finish(1, m); });
  QTimer::singleShot(o_.timeout_s * 1000, this, [this] { finish(2, "timed out"); });
  if (o_.size.isValid()) w_.resize(o_.size);
  if (o_.presentation) w_.setPresentation(true);
  if (o_.grab_at > 0)
    connect(&w_, &MainWindow::batchPainted, this, [this] {
      if (!done_ && started_ && w_.record().passes() >= o_.grab_at) grab();
    });
  if (o_.model.isEmpty()) w_.loadDefaultModel();
  else w_.loadModelFile(o_.model);
}

void DemoRun::onModelLoaded() {
  if (started_) return;
  started_ = true;
  try {
    Preset p = w_.preset();
    QString path = AppPresetPath(w_);
    if (!o_.preset.isEmpty()) {
      const auto found = find_preset(o_.preset.toStdString());
      p = load_preset(found);
      path = QString::fromStdString(found.string());
    }
    p.budget.max_passes = o_.passes;
    if (o_.workers > 0) {
      p.workers = o_.workers;
      p.validate("--workers");
    }
    w_.applyPreset(p, path);
  } catch (const std::exception& e) {
    finish(1, QString::fromUtf8(e.what()));
    return;
  }
  w_.controls()->setTask(o_.task);
  w_.controls()->setDelayMs(o_.delay_ms);
  QMetaObject::invokeMethod(w_.controls(), "startClicked", Qt::QueuedConnection);
}

void DemoRun::onState(RunState s) {
  if (s != RunState::Finished || !started_ || done_) return;
  if (o_.screenshot.isEmpty()) {
    done_ = true;
    return;
  }
  grab();
}

void DemoRun::grab() {
  if (grabbing_) return;
  grabbing_ = true;
  // The final batch is queued before the state change; give the views a moment to lay out and paint, and the
  // heatmap renderer thread time to deliver the newest picture. Mid-run (--grab-at) the run goes on meanwhile.
  QTimer::singleShot(500, this, [this] {
    for (int i = 0; i < 200 && w_.heatmaps()->renderPending(); ++i) {
      QThread::msleep(10);
      QCoreApplication::processEvents();
    }
    if (o_.drill_worker >= 0) w_.drillInto(o_.drill_worker, o_.drill_token);
    const QPixmap shot = w_.grab();
    if (shot.isNull() || !shot.save(o_.screenshot, "PNG")) finish(1, "cannot write " + o_.screenshot);
    else finish(0, QString("screenshot %1 (%2x%3)").arg(o_.screenshot).arg(shot.width()).arg(shot.height()));
  });
}

void DemoRun::finish(int code, const QString& message) {
  if (done_) return;
  done_ = true;
  std::fprintf(code == 0 ? stdout : stderr, "hogwild-studio --demo: %s\n", qPrintable(message));
  QApplication::exit(code);
}

}  // namespace hogwild::ui
