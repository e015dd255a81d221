#pragma once
// EngineRunner: the one thread bridge (docs/architecture.md). A QObject that lives on its own QThread and owns
// the model bundle and the HogwildSession. The GUI never calls it directly: EngineController invokes its slots
// with queued calls and receives its signals through queued connections.
//
// Passes are driven by a single-shot timer (interval = the speed delay), one pass per timer shot, so that the
// thread's event loop runs between passes: queued pause/stop/step calls are handled without the GUI ever
// waiting on a pass. Stop and pause are also atomics that the GUI sets at once and the runner checks before
// each pass, so they take effect at the next pass boundary even while a long pass is computing.
#include <atomic>
#include <memory>

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include "backend/backend_select.h"
#include "batching_observer.h"
#include "engine_batch.h"
#include "generation/model_bundle.h"
#include "hogwild/preset.h"
#include "hogwild/session.h"

namespace hogwild::ui {

class EngineRunner : public QObject {
  Q_OBJECT
 public:
  explicit EngineRunner(QObject* parent = nullptr);
  ~EngineRunner() override;

  // Thread-safe; called on the GUI thread. They only set atomics: the runner acts at the next pass boundary.
  void requestStop() { stop_requested_.store(true); }
  void requestPause() { pause_requested_.store(true); }
  void setDelayMs(int ms) { delay_ms_.store(ms < 0 ? 0 : ms); }
  int delayMs() const { return delay_ms_.load(); }

  static constexpr int kFlushIntervalMs = 16;  // at most ~60 batches per second
  static constexpr int kSliceMs = 5;           // passes run back to back this long between event-loop rounds
  // The interval between batches, kFlushIntervalMs or longer (GuiLoadGovernor lengthens it when the GUI thread is
  // busy). Thread-safe like setDelayMs; taken at the next flush.
  void setFlushIntervalMs(int ms) { flush_interval_ms_.store(ms < kFlushIntervalMs ? kFlushIntervalMs : ms); }
  int flushIntervalMs() const { return flush_interval_ms_.load(); }

 public Q_SLOTS:
  // All slots run on the runner's thread.
  void loadModel(const QString& modelPath, const QString& tokenizerPath);
  void loadDefaultModel();
  void setPreset(const hogwild::Preset& preset);
  void setTask(const QString& task);
  void setThreads(int threads);
  void setDrillLayer(int layer);
  // "auto", "cpu" or "cuda": the backend of the next model load (a loaded model moves to it at once, stopping a run).
  // A CUDA failure falls back to the CPU with the reason (backendChanged, modelLoaded's ModelInfo::backend).
  void setBackendChoice(const QString& choice);
  // Estimates how many passes fit in the model's context with `preset` and `task` (budgetEstimated).
  void estimateBudget(const hogwild::Preset& preset, const QString& task);
  void start();   // new run (or resume when paused)
  void pause();
  void step();    // exactly one pass, then paused
  void stop();    // ends the run (reason "stopped")
  void reset();   // drops the session: the next start begins a fresh run
  void shutdown();  // stops and frees everything (before the thread quits)

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
  bool event(QEvent* e) override;  // queued calls from the GUI: ThreadSanitizer hand-off (tsan_sync.h)

 private:
  void pump();                    // one timer shot: one pass when running
  bool ensureSession();           // creates and prefills a session when none is active; false on error
  bool runPass();                 // one pass; false when the run ended or failed
  void schedulePass();
  void flushIfDue();
  void flushNow();
  void setState(RunState s);
  void endRun(const QString& error);  // drops the session after an error, runner stays usable
  void stopRunFirst();            // model/preset changes stop a running session first
  void createBackend();           // for the loaded model, with the current choice and threads (no session active)
  RunProgress progress() const;

  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> pause_requested_{false};
  std::atomic<int> delay_ms_{0};
  std::atomic<int> flush_interval_ms_{kFlushIntervalMs};

  std::unique_ptr<ModelBundle> bundle_;
  std::unique_ptr<Backend> backend_;      // of bundle_'s model: weights uploaded once per load, shared by runs
  BackendChoice backend_choice_ = BackendChoice::Auto;
  QString backend_text_;
  int backend_threads_ = -1;               // threads the CPU backend was made with
  std::unique_ptr<HogwildSession> session_;
  Preset preset_;
  bool preset_set_ = false;
  QString task_;
  int threads_ = 0;
  int drill_layer_ = -1;
  BatchingObserver observer_;
  QTimer* pass_timer_ = nullptr;
  QTimer* flush_timer_ = nullptr;
  QElapsedTimer since_flush_;
  RunState state_ = RunState::NoModel;
};

}  // namespace hogwild::ui
