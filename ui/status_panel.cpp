#include "status_panel.h"

#include <QLabel>
#include <QProgressBar>
#include <QStatusBar>

#include "attention_matrices.h"
#include "live_label.h"

namespace hogwild::ui {

StatusPanel::StatusPanel(QStatusBar* bar, QObject* parent) : QObject(parent), bar_(bar) {
  auto label = [bar](const QString& tip) {
    auto* l = new QLabel(bar);
    l->setToolTip(tip);
    l->setContentsMargins(6, 0, 6, 0);
    return l;
  };
  loading_ = new QProgressBar(bar);
  loading_->setRange(0, 0);  // busy indicator: loading reports steps, not fractions
  loading_->setMaximumWidth(160);
  loading_->hide();
  // The numbers change with every batch: LiveLabels repaint themselves without a layout pass of the status bar.
  auto live = [bar](const QString& tip) {
    auto* l = new LiveLabel(bar);
    l->setToolTip(tip);
    return l;
  };
  backend_ = label(tr("Where the forward passes run"));
  state_ = label(tr("Run state"));
  speed_ = live(tr("Tokens per second of all workers together (engine time, delays excluded)"));
  passes_ = live(tr("Forward passes (one token per worker each)"));
  cache_ = live(tr("Tokens per cache block, and the longest worker view against the model's context"));
  bar->addPermanentWidget(loading_);
  bar->addPermanentWidget(state_);
  bar->addPermanentWidget(passes_);
  bar->addPermanentWidget(speed_);
  bar->addPermanentWidget(cache_);
  bar->addPermanentWidget(backend_);
  setState(RunState::NoModel);
  clearProgress();
}

void StatusPanel::setBackend(const QString& text) {
  // The probe's reason can be a long sentence: the label shows the part before it ("CPU (2 threads)"), the tooltip
  // all of it (a cut "…" label is unreadable on a projector).
  const qsizetype dot = text.indexOf(" · ");
  backend_->setText(dot > 0 ? text.left(dot) : text);
  backend_->setToolTip(text);
}

void StatusPanel::setState(RunState s) {
  static const char* names[] = {"no model", "loading", "ready", "running", "paused", "finished"};
  if (s == RunState::Running || s == RunState::Loading || s == RunState::NoModel) setFinishReason({}, {});  // a new run or model
  const bool why = s == RunState::Finished && !finish_reason_.isEmpty();
  state_->setText(QString("<b>%1</b>%2").arg(tr(names[static_cast<int>(s)]), why ? QString(" · %1").arg(finish_reason_.toHtmlEscaped()) : QString()));
  state_->setToolTip(why ? finish_message_ : tr("Run state"));
}

void StatusPanel::setFinishReason(const QString& reason, const QString& message) {
  finish_reason_ = reason;
  finish_message_ = message;
}

void StatusPanel::setLoading(const QString& status) {
  loading_->setVisible(!status.isEmpty());
  if (!status.isEmpty()) bar_->showMessage(status);
  else bar_->clearMessage();
}

void StatusPanel::setProgress(const RunProgress& p, const QStringList& names) {
  passes_->setText(tr("%1 passes").arg(p.passes));
  speed_->setText(tr("%1 tok/s").arg(p.seconds > 0 ? static_cast<double>(p.tokens) / p.seconds : 0.0, 0, 'f', 1));
  QStringList blocks;
  for (int b = 0; b < p.block_names.size() && b < static_cast<int>(p.block_lengths.size()); ++b) {
    const qint64 len = p.block_lengths[static_cast<size_t>(b)];
    if (len > 0) blocks << QString("%1 %2").arg(block_label(p.block_names[b].toStdString(), names)).arg(len);
  }
  qint64 longest = 0;
  for (qint64 v : p.view_lengths) longest = std::max(longest, v);
  cache_->setText(p.context > 0 ? tr("cache: view %1 / %2").arg(longest).arg(p.context) : tr("cache: view %1").arg(longest));
  cache_->setToolTip(tr("The longest worker view against the model's context. Tokens per cache block:\n%1").arg(blocks.join("\n")));
}

void StatusPanel::clearProgress() {
  passes_->setText(tr("0 passes"));
  speed_->setText(tr("– tok/s"));
  cache_->setText(tr("cache: –"));
  cache_->setToolTip(tr("Tokens per cache block, and the longest worker view against the model's context"));
}

QString StatusPanel::cacheText() const { return cache_->text(); }
QString StatusPanel::cacheToolTip() const { return cache_->toolTip(); }
void StatusPanel::clearMessage() { bar_->clearMessage(); }

void StatusPanel::showMessage(const QString& text, int ms) { bar_->showMessage(text, ms); }

QString StatusPanel::summary() const {
  return QStringList{state_->text(), passes_->text(), speed_->text(), cache_->text(), backend_->text()}.join(" | ");
}

void StatusPanel::setUpdateRate(int interval_ms, double gui_busy) {
  speed_->setToolTip(tr("Tokens per second of engine time, all workers together.\nThe window takes %1 updates per second "
                        "(GUI thread busy %2 % of the last half second; fewer updates when it is busy, so that the "
                        "window does not slow the engine).")
                         .arg(interval_ms > 0 ? 1000 / interval_ms : 0)
                         .arg(gui_busy * 100.0, 0, 'f', 0));
}

}  // namespace hogwild::ui
