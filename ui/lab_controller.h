#pragma once
// Runs a lab experiment off the GUI thread (docs/UI.md "Lab window"): one worker thread loads the model, runs the
// ExperimentRunner with the experiment's executor (run_executor.h: batched, or sequential for runs_per_pass 1) and writes the results database; the GUI gets queued signals.
// Pause and cancel are atomics the executor checks between forward passes, so the GUI never blocks on the engine.
#include <atomic>
#include <memory>

#include <QObject>
#include <QString>
#include <QThread>

#include "lab/experiment.h"
#include "lab/experiment_runner.h"

namespace hogwild::ui {

class LabController : public QObject {
  Q_OBJECT
 public:
  explicit LabController(QObject* parent = nullptr);
  ~LabController() override;  // cancels and joins a running experiment

  // Starts (or resumes: runs already in the database are skipped). False when one is running already.
  bool start(const lab::Experiment& e, const QString& db_path, const QString& model, const QString& tokenizer);
  void setPaused(bool paused);
  void cancel();  // stops after the current pass; the run in flight is not stored
  bool running() const { return thread_ != nullptr && !done_->load(); }
  bool paused() const;

 protected:
  bool event(QEvent* e) override;  // takes the ThreadSanitizer hand-off of the worker's queued calls (tsan_sync.h)

 Q_SIGNALS:
  void started(int pending, int total);  // the database is ready: readers may open it
  void progress(const hogwild::lab::LabProgress& p);
  void runStored(qint64 run_id);
  void runFailed(const QString& what);
  void finished(const hogwild::lab::LabProgress& p, bool cancelled);
  void errorOccurred(const QString& message);  // nothing (more) runs

 private:
  void joinFinishedThread();
  QThread* thread_ = nullptr;
  std::shared_ptr<lab::RunControl> control_;
  std::shared_ptr<std::atomic<bool>> done_ = std::make_shared<std::atomic<bool>>(true);  // the worker returned
};

}  // namespace hogwild::ui

Q_DECLARE_METATYPE(hogwild::lab::LabProgress)
