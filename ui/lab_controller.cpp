#include "lab_controller.h"

#include <optional>

#include <QMetaObject>

#include "backend/backend_select.h"
#include "generation/model_bundle.h"
#include "lab/result_store.h"
#include "lab/run_executor.h"
#include "tsan_sync.h"

namespace hogwild::ui {

LabController::LabController(QObject* parent) : QObject(parent) { qRegisterMetaType<hogwild::lab::LabProgress>(); }

LabController::~LabController() {
  if (thread_) {
    control_->stop = true;
    thread_->wait();
    tsanJoined(this);
    delete thread_;
  }
}

bool LabController::event(QEvent* e) {
  tsanHandoffReceived(this);  // before touching e: it may be a queued call from the worker thread
  return QObject::event(e);
}

bool LabController::paused() const { return control_ && control_->pause.load(); }

void LabController::setPaused(bool paused) {
  if (control_) control_->pause = paused;
}

void LabController::cancel() {
  if (control_) control_->stop = true;
}

bool LabController::start(const lab::Experiment& e, const QString& db_path, const QString& model, const QString& tokenizer) {
  if (running()) return false;
  joinFinishedThread();  // the previous worker returned (done_): join it now, it is about to exit
  control_ = std::make_shared<lab::RunControl>();
  done_ = std::make_shared<std::atomic<bool>>(false);
  auto control = control_;
  auto done = done_;
  const std::string db = db_path.toStdString(), model_path = model.toStdString(), tok = tokenizer.toStdString();
  // Everything below runs on the worker thread; it talks to the GUI only through queued signals.
  thread_ = QThread::create([this, e, db, model_path, tok, control, done] {
    std::optional<lab::LabProgress> result;
    QString error;
    try {
      lab::ResultStore store(db, true);
      lab::ExperimentRunner runner(e, store, model_path, lab::executor_name(e.effective_runs_per_pass()));
      {
        const TsanHandoff handoff(this);
        QMetaObject::invokeMethod(this, [this, p = static_cast<int>(runner.pending().size()), t = static_cast<int>(runner.total_runs())] {
          Q_EMIT started(p, t);
        }, Qt::QueuedConnection);
      }
      const ModelBundle bundle = open_model_bundle(model_path, tok);
      // The experiment's backend choice (auto: CUDA when usable, else the CPU); the results name the one that ran.
      const BackendSelection selected =
          select_backend(bundle.model, BackendOptions{parse_backend_choice(e.backend), e.threads, {}});
      store.record_backend(selected.backend->info().describe());
      const std::unique_ptr<lab::RunExecutor> executor = lab::make_executor(bundle, *selected.backend, e.effective_runs_per_pass());
      lab::ExperimentRunner::Callbacks cb;
      cb.progress = [this](const lab::LabProgress& p) {
        const TsanHandoff handoff(this);
        QMetaObject::invokeMethod(this, [this, p] { Q_EMIT progress(p); }, Qt::QueuedConnection);
      };
      cb.run_stored = [this](const lab::RunTask&, int64_t id, const lab::RunResult&) {
        const TsanHandoff handoff(this);
        QMetaObject::invokeMethod(this, [this, id] { Q_EMIT runStored(id); }, Qt::QueuedConnection);
      };
      cb.run_failed = [this](const lab::RunTask& t, const std::string& what) {
        const QString text = QString::fromStdString(lab::describe(t) + ": " + what);
        const TsanHandoff handoff(this);
        QMetaObject::invokeMethod(this, [this, text] { Q_EMIT runFailed(text); }, Qt::QueuedConnection);
      };
      result = runner.run(*executor, *control, cb);
    } catch (const std::exception& ex) {
      error = QString::fromUtf8(ex.what());
    }
    done->store(true);  // before the last signal: its slots see running() == false
    const TsanHandoff handoff(this);
    if (result) {
      const bool cancelled = control->stop.load();
      QMetaObject::invokeMethod(this, [this, p = *result, cancelled] { Q_EMIT finished(p, cancelled); }, Qt::QueuedConnection);
    } else {
      QMetaObject::invokeMethod(this, [this, error] { Q_EMIT errorOccurred(error); }, Qt::QueuedConnection);
    }
  });
  tsanJoinable(*thread_, this);
  thread_->start();
  return true;
}

void LabController::joinFinishedThread() {
  if (!thread_) return;
  thread_->wait();
  tsanJoined(this);
  delete thread_;
  thread_ = nullptr;
}

}  // namespace hogwild::ui
