#include "engine_controller.h"

#include <QEvent>
#include <QMetaObject>

#include "engine_runner.h"
#include "tsan_sync.h"

namespace hogwild::ui {

EngineController::EngineController(QObject* parent) : QObject(parent) {
  qRegisterMetaType<EngineBatchPtr>();
  qRegisterMetaType<ModelInfo>();
  qRegisterMetaType<RunInfo>();
  qRegisterMetaType<RunState>();
  qRegisterMetaType<BudgetInfo>();
  runner_ = new EngineRunner;
  runner_->moveToThread(&thread_);
  thread_.setObjectName("hogwild-engine");
  connect(&thread_, &QThread::finished, runner_, &QObject::deleteLater);

  constexpr auto q = Qt::QueuedConnection;
  connect(runner_, &EngineRunner::modelLoading, this, &EngineController::modelLoading, q);
  connect(runner_, &EngineRunner::modelLoaded, this, &EngineController::modelLoaded, q);
  connect(runner_, &EngineRunner::runStarted, this, &EngineController::runStarted, q);
  connect(runner_, &EngineRunner::eventsReady, this, &EngineController::eventsReady, q);
  connect(runner_, &EngineRunner::errorOccurred, this, &EngineController::errorOccurred, q);
  connect(runner_, &EngineRunner::backendChanged, this, &EngineController::backendChanged, q);
  connect(runner_, &EngineRunner::budgetEstimated, this, &EngineController::budgetEstimated, q);
  connect(
      runner_, &EngineRunner::stateChanged, this,
      [this](RunState s) {
        state_ = s;
        Q_EMIT stateChanged(s);
      },
      q);
  tsanJoinable(thread_, &thread_);
  thread_.start();
}

EngineController::~EngineController() { shutdown(); }

void EngineController::shutdown() {
  // Closing mid-run: the atomic ends the current pass loop at once; shutdown frees the session and the model on
  // their own thread; then the loop quits and the runner is deleted there (finished -> deleteLater).
  if (shut_down_) return;
  shut_down_ = true;
  runner_->requestStop();
  post([r = runner_] { r->shutdown(); });
  thread_.quit();
  thread_.wait();
  tsanJoined(&thread_);
}

bool EngineController::event(QEvent* e) {
  tsanHandoffReceived(&thread_);  // before touching e: it may be a queued runner signal (tsan_sync.h)
  return QObject::event(e);
}

template <typename F>
void EngineController::post(F&& f) {
  const TsanHandoff handoff(&thread_);  // the bridge's channel: the engine thread (tsan_sync.h)
  QMetaObject::invokeMethod(runner_, std::forward<F>(f), Qt::QueuedConnection);
}

void EngineController::loadModel(const QString& modelPath, const QString& tokenizerPath) {
  if (shut_down_) return;
  runner_->requestStop();  // a model switch stops the run first
  post([r = runner_, modelPath, tokenizerPath] { r->loadModel(modelPath, tokenizerPath); });
}

void EngineController::loadDefaultModel() {
  if (shut_down_) return;
  runner_->requestStop();
  post([r = runner_] { r->loadDefaultModel(); });
}

void EngineController::setPreset(const Preset& preset) {
  if (shut_down_) return;
  runner_->requestStop();
  post([r = runner_, preset] { r->setPreset(preset); });
}

void EngineController::setTask(const QString& task) {
  if (shut_down_) return;
  post([r = runner_, task] { r->setTask(task); });
}

void EngineController::setBackendChoice(const QString& choice) {
  runner_->requestStop();  // a backend switch stops the run first
  post([r = runner_, choice] { r->setBackendChoice(choice); });
}

void EngineController::setThreads(int threads) {
  if (shut_down_) return;
  post([r = runner_, threads] { r->setThreads(threads); });
}

void EngineController::setDrillLayer(int layer) {
  if (shut_down_) return;
  post([r = runner_, layer] { r->setDrillLayer(layer); });
}

void EngineController::estimateBudget(const Preset& preset, const QString& task) {
  if (shut_down_) return;
  post([r = runner_, preset, task] { r->estimateBudget(preset, task); });
}

void EngineController::setDelayMs(int ms) { runner_->setDelayMs(ms); }
void EngineController::setFlushIntervalMs(int ms) { runner_->setFlushIntervalMs(ms); }
int EngineController::flushIntervalMs() const { return runner_->flushIntervalMs(); }
int EngineController::delayMs() const { return runner_->delayMs(); }

void EngineController::start() {
  if (shut_down_) return;
  post([r = runner_] { r->start(); });
}

void EngineController::pause() {
  if (shut_down_) return;
  runner_->requestPause();
  post([r = runner_] { r->pause(); });
}

void EngineController::step() {
  if (shut_down_) return;
  runner_->requestPause();
  post([r = runner_] { r->step(); });
}

void EngineController::stop() {
  if (shut_down_) return;
  runner_->requestStop();
  post([r = runner_] { r->stop(); });
}

void EngineController::reset() {
  if (shut_down_) return;
  runner_->requestStop();
  post([r = runner_] { r->reset(); });
}

}  // namespace hogwild::ui
