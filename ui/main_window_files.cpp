// MainWindow: the File menu, presets, sessions (open, replay, save, the autosave), exports, closing and drops.
#include <QBuffer>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDir>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSplitter>
#include <QStandardPaths>
#include <QTimer>

#include "app_settings.h"
#include "common/error.h"
#include "control_bar.h"
#include "engine_controller.h"
#include "heatmap_panel.h"
#include "heatmap_widget.h"
#include "lab_window.h"
#include "hogwild/layout.h"
#include "hogwild/session.h"
#include "log_panel.h"
#include "main_window.h"
#include "models_dialog.h"
#include "run_banner.h"
#include "session_file.h"
#include "status_panel.h"
#include "worker_grid.h"
#include "worker_pane.h"

namespace hogwild::ui {

namespace {
const QString kSessionFilter = QObject::tr("Sessions (*.hogwild *.hogwild.json)");

bool is_session_path(const QString& p) { return p.endsWith(".hogwild") || p.endsWith(".hogwild.json"); }

}  // namespace

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("Open &model…"), QKeySequence::Open, controls_, &ControlBar::openModelClicked);
  file->addAction(tr("Load the &default model"), this, &MainWindow::loadDefaultModel);
  file->addAction(tr("&Models…"), this, &MainWindow::showModels);
  recent_ = file->addMenu(tr("Recent models"));
  refreshRecentMenu();
  file->addSeparator();
  file->addAction(tr("Open &preset…"), this, [this] {
    const QString p = askPath(false, tr("Open preset"), tr("Presets (*.json)"), "json");
    if (!p.isEmpty()) openPresetFile(p);
  });
  file->addAction(tr("Save preset &as…"), this, [this] {
    const QString p = askPath(true, tr("Save preset"), tr("Presets (*.json)"), "json");
    if (!p.isEmpty()) savePresetFile(p);
  });
  file->addSeparator();
  file->addAction(tr("Open &session…"), this, [this] {
    const QString p = askPath(false, tr("Open session"), kSessionFilter, "hogwild");
    if (!p.isEmpty()) openSessionFile(p);
  });
  file->addAction(tr("&Save session…"), QKeySequence::Save, this, [this] {
    const QString p = askPath(true, tr("Save session"), kSessionFilter, "hogwild");
    if (!p.isEmpty()) saveSessionFile(p);
  });
  file->addAction(tr("Reopen the &last run"), this, [this] {
    if (QFileInfo::exists(autosavePath())) openSessionFile(autosavePath());
    else showError(tr("Hogwild Studio"), tr("There is no autosaved run yet (%1).").arg(autosavePath()));
  });
  QMenu* exp = file->addMenu(tr("&Export"));
  exp->addAction(tr("Transcript as &Markdown…"), this, [this] {
    const QString p = askPath(true, tr("Export transcript"), tr("Markdown (*.md)"), "md");
    if (!p.isEmpty()) exportMarkdown(p);
  });
  exp->addAction(tr("Transcript as &JSON…"), this, [this] {
    const QString p = askPath(true, tr("Export transcript"), tr("JSON (*.json)"), "json");
    if (!p.isEmpty()) exportJson(p);
  });
  exp->addAction(tr("Heatmap as &PNG…"), this, [this] {
    const QString p = askPath(true, tr("Export heatmap"), tr("PNG images (*.png)"), "png");
    if (!p.isEmpty()) exportHeatmapPng(p);
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
}

ModelsDialog* MainWindow::showModels() {
  // Non-modal (open()): the engine keeps streaming while the user manages models.
  auto* d = new ModelsDialog(this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  connect(d, &ModelsDialog::openModelRequested, this, [this](const QString& p) { loadModelFile(p); });
  d->open();
  return d;
}

LabWindow* MainWindow::showLab() {
  // One Lab window, kept while the main window lives (an experiment keeps running while it is hidden). A run
  // opened from it is replayed in this window's panes.
  if (!lab_) {
    lab_ = new LabWindow(this);
    connect(lab_, &LabWindow::openRunRequested, this, [this](const SessionRecord& r) {
      replay(r);
      raise();
      activateWindow();
    });
  }
  if (!lab_->running()) lab_->setModel(model_.path, model_.tokenizer_path);
  lab_->show();
  lab_->raise();
  return lab_;
}

AboutDialog* MainWindow::showAbout() {
  auto* d = new AboutDialog(this, model_.backend);
  d->setAttribute(Qt::WA_DeleteOnClose);
  d->open();
  return d;
}

QString MainWindow::askPath(bool save, const QString& title, const QString& filter, const QString& suffix) {
  const QString dir = model_.path.isEmpty() ? QString() : QFileInfo(model_.path).absolutePath();
  QString p = save ? QFileDialog::getSaveFileName(this, title, {}, filter) : QFileDialog::getOpenFileName(this, title, dir, filter);
  if (save && !p.isEmpty() && !suffix.isEmpty() && QFileInfo(p).suffix().isEmpty()) p += "." + suffix;
  return p;
}

void MainWindow::refreshRecentMenu() {
  recent_->clear();
  for (const QString& m : AppSettings::recentModels()) recent_->addAction(m, this, [this, m] { loadModelFile(m); });
  recent_->setEnabled(!recent_->isEmpty());
}

// ---------------------------------------------------------------- presets

bool MainWindow::openPresetFile(const QString& path) {
  try {
    applyPreset(load_preset(path.toStdString()), path);
    return true;
  } catch (const std::exception& e) {
    showError(tr("Preset not loaded"), QString::fromUtf8(e.what()));
    fillPresetCombo(preset_path_);
    return false;
  }
}

bool MainWindow::savePresetFile(const QString& path) {
  try {
    save_preset(preset_, path.toStdString());  // validates, then writes atomically
    preset_path_ = path;
    if (options_.restore_settings) AppSettings::setLastPreset(path);
    fillPresetCombo(path);
    return true;
  } catch (const std::exception& e) {
    showError(tr("Preset not saved"), QString::fromUtf8(e.what()));
    return false;
  }
}

// ---------------------------------------------------------------- sessions

bool MainWindow::openSessionFile(const QString& path) {
  try {
    replay(load_session(path));
    log_->appendLine(tr("session replayed: %1%2").arg(QFileInfo(path).fileName(),
                                                      record_.finished() ? tr(" (finished: %1)").arg(QString::fromStdString(record_.finished()->reason)) : QString()));
    status_->showMessage(tr("Replaying %1").arg(QFileInfo(path).fileName()), 0);
    return true;
  } catch (const std::exception& e) {
    showError(tr("Session not loaded"), QString::fromUtf8(e.what()));
    return false;
  }
}

void MainWindow::replay(const SessionRecord& r) {
  if (state_ == RunState::Running || state_ == RunState::Paused) engine_->stop();
  if (!record_.events.empty() && dirty_) writeAutosave();
  replay_ = true;
  accept_batches_ = false;
  record_ = r;
  dirty_ = false;
  last_drill_event_ = -1;
  const StatsEvent* last_stats = nullptr;
  for (const auto& e : r.events)
    if (const auto* s = std::get_if<StatsEvent>(&e)) last_stats = s;
  resetViews(r.worker_names, last_stats ? last_stats->layers : 0, last_stats ? last_stats->heads : 0, r.task);
  heatmaps_->setCacheLayout(r.preset.layout);
  status_->clearProgress();
  status_->setFinishReason({}, {});
  consume(r.events);
  // Counters from the events alone: no engine is involved in a replay. The cache numbers are those of the last
  // statistics (the lengths the last pass saw), each worker's view summed over its layout's view.
  RunProgress p;
  p.passes = r.passes();
  const int W = r.worker_names.size();
  std::vector<qint64> sampled(static_cast<size_t>(W), 0);
  for (const auto& e : r.events)
    if (const auto* t = std::get_if<TokenEvent>(&e); t && !t->inserted) ++sampled[static_cast<size_t>(t->worker)];
  p.worker_tokens = sampled;
  if (const FinishedEvent* f = r.finished()) {
    p.tokens = f->tokens;
    p.seconds = f->seconds;
  }
  p.context = r.context;
  if (last_stats && W >= 1 && W <= Layout::kMaxWorkers) {
    const Layout layout(layout_kind(r.preset.layout), W);
    if (static_cast<size_t>(layout.num_blocks()) == last_stats->block_lengths.size()) {
      for (size_t b = 0; b < last_stats->block_names.size(); ++b) {
        p.block_names << QString::fromStdString(last_stats->block_names[b]);
        p.block_lengths.push_back(last_stats->block_lengths[b]);
      }
      for (int w = 0; w < W; ++w) {
        qint64 n = 0;
        for (int id : layout.view(w)) n += last_stats->block_lengths[static_cast<size_t>(id)];
        p.view_lengths.push_back(n);
      }
    }
  }
  status_->setProgress(p, r.worker_names);
  updateWorkerStats(p);
  for (int w = 0; w < panes_->count(); ++w) panes_->pane(w)->setFinished(r.finished() != nullptr);
  controls_->setState(state_, true);
  status_->setState(r.finished() ? RunState::Finished : state_);
  banner_->showResult(r);
  Q_EMIT batchPainted();
}

bool MainWindow::saveSessionFile(const QString& path) {
  try {
    save_session(record_, path);
    dirty_ = false;
    status_->showMessage(tr("Session saved to %1").arg(path));
    return true;
  } catch (const std::exception& e) {
    showError(tr("Session not saved"), QString::fromUtf8(e.what()));
    return false;
  }
}

QString MainWindow::autosavePath() {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/last-run.hogwild";
}

void MainWindow::writeAutosave() {
  if (record_.events.empty() || replay_) return;
  const QString p = autosavePath();
  QDir().mkpath(QFileInfo(p).absolutePath());
  try {
    save_session(record_, p);  // atomic (QSaveFile): a crash mid-write leaves the previous autosave
  } catch (const std::exception& e) {
    log_->appendLine(tr("autosave failed: %1").arg(QString::fromUtf8(e.what())));
  }
}

void MainWindow::offerRecovery() {
  // The previous instance did not close normally (the flag is cleared by a clean close): offer its last run.
  const bool crashed = AppSettings::running();
  AppSettings::setRunning(true);
  if (!crashed || !QFileInfo::exists(autosavePath())) return;
  auto* box = new QMessageBox(QMessageBox::Question, tr("Hogwild Studio"),
                              tr("Hogwild Studio did not close normally last time. Reopen the last run?"),
                              QMessageBox::Yes | QMessageBox::No, this);
  box->setObjectName("recoveryQuestion");
  box->setInformativeText(autosavePath());
  box->setAttribute(Qt::WA_DeleteOnClose);
  connect(box, &QMessageBox::finished, this, [this, box] {
    if (box->clickedButton() == box->button(QMessageBox::Yes)) openSessionFile(autosavePath());
  });
  box->open();
}

// ---------------------------------------------------------------- exports

bool MainWindow::exportMarkdown(const QString& path) {
  try {
    write_text_file(path, transcript_markdown(record_).toUtf8());
    return true;
  } catch (const std::exception& e) {
    showError(tr("Export failed"), QString::fromUtf8(e.what()));
    return false;
  }
}

bool MainWindow::exportJson(const QString& path) {
  try {
    write_text_file(path, transcript_json(record_).toUtf8());
    return true;
  } catch (const std::exception& e) {
    showError(tr("Export failed"), QString::fromUtf8(e.what()));
    return false;
  }
}

bool MainWindow::exportHeatmapPng(const QString& path) {
  const QImage img = heatmaps_->currentHeatmap()->grab().toImage();
  QByteArray data;
  QBuffer buf(&data);
  buf.open(QIODevice::WriteOnly);
  try {
    if (!img.save(&buf, "PNG")) throw ConfigError(QFileInfo(path).fileName().toStdString() + ": cannot encode the heatmap as PNG");
    write_text_file(path, data);
    return true;
  } catch (const std::exception& e) {
    showError(tr("Export failed"), QString::fromUtf8(e.what()));
    return false;
  }
}

// ---------------------------------------------------------------- closing

void MainWindow::stopForClose() {
  // Stop the run and take its last batch (the FinishedEvent) before the thread goes: the stop's flush and the
  // state change are queued in that order, so once the state is no longer Running/Paused every batch is here.
  if (state_ == RunState::Running || state_ == RunState::Paused) {
    engine_->stop();
    QElapsedTimer t;
    t.start();
    while ((state_ == RunState::Running || state_ == RunState::Paused) && t.elapsed() < 5000)
      QCoreApplication::processEvents(QEventLoop::ExcludeUserInputEvents, 20);
  }
  writeAutosave();
  engine_->shutdown();  // frees the session and the model on the engine thread and joins it
}

void MainWindow::closeEvent(QCloseEvent* e) {
  if (closed_) {
    e->accept();
    return;
  }
  if (closing_) {  // a second close while the first waits for the run to stop
    e->ignore();
    return;
  }
  if (options_.ask_before_close && unsavedRun()) {
    QMessageBox box(QMessageBox::Question, tr("Hogwild Studio"), tr("The last run is not saved. Save it before closing?"),
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box.setObjectName("closeQuestion");
    box.setInformativeText(tr("Either way it stays in the autosave (File → Reopen the last run) until the next run."));
    box.setDefaultButton(QMessageBox::Save);
    const int answer = box.exec();
    if (answer == QMessageBox::Cancel) {
      e->ignore();
      return;
    }
    if (answer == QMessageBox::Save) {
      const QString p = askPath(true, tr("Save session"), kSessionFilter, "hogwild");
      if (p.isEmpty() || !saveSessionFile(p)) {
        e->ignore();
        return;
      }
    }
  }
  closing_ = true;
  if (options_.restore_settings) {
    AppSettings::setGeometry(saveGeometry());
    AppSettings::setSplitters(vsplit_->saveState());
  }
  stopForClose();
  if (options_.recover_autosave) AppSettings::setRunning(false);  // a clean close: nothing to recover next time
  closed_ = true;
  e->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  for (const QUrl& u : e->mimeData()->urls()) {
    const QString s = QFileInfo(u.toLocalFile()).suffix().toLower();
    if (u.isLocalFile() && (s == "gguf" || s == "bin" || s == "json" || s == "hogwild")) {
      e->acceptProposedAction();
      return;
    }
  }
}

void MainWindow::dropEvent(QDropEvent* e) {
  for (const QUrl& u : e->mimeData()->urls()) {
    const QString p = u.toLocalFile();
    const QString s = QFileInfo(p).suffix().toLower();
    if (s == "gguf" || s == "bin") loadModelFile(p);
    else if (is_session_path(p)) openSessionFile(p);
    else if (s == "json") openPresetFile(p);
    else continue;
    e->acceptProposedAction();
    return;
  }
}

}  // namespace hogwild::ui
