#pragma once
// The status bar's permanent widgets: backend, run state, aggregate tokens/s, passes, cache usage per block
// against the model's context, and a progress bar while a model loads. The numbers stay after a run ends.
#include <QObject>
#include <QString>

#include "engine_batch.h"

class QLabel;
class QProgressBar;
class QStatusBar;

namespace hogwild::ui {

class LiveLabel;

class StatusPanel : public QObject {
  Q_OBJECT
 public:
  StatusPanel(QStatusBar* bar, QObject* parent = nullptr);

  void setBackend(const QString& text);
  void setState(RunState s);
  // Why the last run ended (FinishedEvent): the state label reads "finished · <reason>" with the whole message in
  // its tooltip, so the reason stays readable when the status bar has no room for the message. Cleared by a start.
  void setFinishReason(const QString& reason, const QString& message);
  void setLoading(const QString& status);  // empty: loading finished
  void setProgress(const RunProgress& p, const QStringList& worker_names);
  // Reset: no run, no numbers (the previous run's passes, tok/s and cache go).
  void clearProgress();
  QString cacheText() const;
  QString cacheToolTip() const;
  void clearMessage();
  void showMessage(const QString& text, int ms = 6000);
  // Batches per second the window takes (GuiLoadGovernor), shown in the speed label's tooltip.
  void setUpdateRate(int interval_ms, double gui_busy);
  QString summary() const;  // all labels joined, for tests and the exports

 private:
  QStatusBar* bar_;
  QLabel *backend_, *state_;
  QString finish_reason_, finish_message_;
  LiveLabel *speed_, *passes_, *cache_;
  QProgressBar* loading_;
};

}  // namespace hogwild::ui
