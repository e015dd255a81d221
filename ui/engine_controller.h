#pragma once
// EngineController: the GUI-thread handle of the engine. Owns the QThread and the EngineRunner living on it.
// Every call is forwarded with an explicit queued invocation, and every runner signal comes back through an
// explicit queued connection, so the controller's signals are always emitted on the GUI thread (widgets and
// QSignalSpy can use them directly). Pause and stop also set the runner's atomics at once, so they never wait
// for a pass to finish. The destructor stops the run, quits the thread and waits for it (closing mid-run).
#include <QObject>
#include <QThread>

#include "engine_batch.h"
#include "hogwild/preset.h"

namespace hogwild::ui {

class EngineRunner;

class EngineController : public QObject {
  Q_OBJECT
 public:
  explicit EngineController(QObject* parent = nullptr);
  ~EngineController() override;

  void loadModel(const QString& modelPath, const QString& tokenizerPath = {});
  void loadDefaultModel();
  void setPreset(const Preset& preset);
  void setTask(const QString& task);
  void setThreads(int threads);
  void setDrillLayer(int layer);
  void setBackendChoice(const QString& choice);  // "auto", "cpu", "cuda" (EngineRunner::setBackendChoice)
  void estimateBudget(const Preset& preset, const QString& task);
  void setDelayMs(int ms);
  void setFlushIntervalMs(int ms);  // EngineRunner::setFlushIntervalMs (an atomic: takes effect at the next flush)
  int flushIntervalMs() const;
  int delayMs() const;
  void start();
  void pause();
  void step();
  void stop();
  void reset();

  // Stops the run, frees the session and the model on the engine thread, quits the thread and joins it (the
  // destructor does the same). Afterwards every call is ignored. Used by MainWindow's close.
  void shutdown();
  bool threadFinished() const { return thread_.isFinished(); }

  RunState state() const { return state_; }
  bool busy() const { return state_ == RunState::Running || state_ == RunState::Loading; }

 Q_SIGNALS:
  void modelLoading(const QString& status);
  void modelLoaded(const hogwild::ui::ModelInfo& info);
  void runStarted(const hogwild::ui::RunInfo& info);
  void eventsReady(const hogwild::ui::EngineBatchPtr& batch);
  void stateChanged(hogwild::ui::RunState state);
  void errorOccurred(const QString& message);
  void backendChanged(const QString& description);
  void budgetEstimated(const hogwild::ui::BudgetInfo& info);

 protected:
  bool event(QEvent* e) override;  // queued calls from the engine thread: ThreadSanitizer hand-off (tsan_sync.h)

 private:
  template <typename F>
  void post(F&& f);

  QThread thread_;
  EngineRunner* runner_ = nullptr;  // lives on thread_, deleted there when the thread finishes
  RunState state_ = RunState::NoModel;
  bool shut_down_ = false;
};

}  // namespace hogwild::ui
