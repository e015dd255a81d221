#include "main_window.h"

#include <thread>

#include <QAction>
#include <QBuffer>
#include <QCloseEvent>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "app_settings.h"
#include "common/error.h"
#include "common/log.h"
#include "control_bar.h"
#include "cuda/cuda_backend.h"
#include "engine_controller.h"
#include "gui_load_governor.h"
#include "heatmap_panel.h"
#include "heatmap_widget.h"
#include "hogwild/preset_library.h"
#include "log_panel.h"
#include "models_dialog.h"
#include "preset_editor_dialog.h"
#include "session_file.h"
#include "shared_history_view.h"
#include "status_panel.h"
#include "worker_grid.h"
#include "worker_pane.h"

namespace hogwild::ui {

MainWindow::MainWindow() : MainWindow(Options{}) {}

MainWindow::MainWindow(const Options& options) : options_(options), engine_(std::make_unique<EngineController>()) {
  hogwild_ui_init_resources();
  setWindowTitle(tr("Hogwild Studio"));
  setWindowIcon(QIcon(":/icons/hogwild-studio.png"));
  setAcceptDrops(true);
  auto* central = new QWidget(this);
  auto* lay = new QVBoxLayout(central);
  lay->setContentsMargins(4, 4, 4, 0);
  controls_ = new ControlBar(central);
  lay->addWidget(controls_);
  panes_ = new WorkerGrid(this);
  history_ = new SharedHistoryView(this);
  log_ = new LogPanel(this);
  heatmaps_ = new HeatmapPanel(this);
  auto* left = new QTabWidget(this);
  left->addTab(history_, tr("Shared history"));
  left->addTab(log_, tr("Log"));
  hsplit_ = new QSplitter(Qt::Horizontal, this);
  hsplit_->addWidget(left);
  hsplit_->addWidget(heatmaps_);
  hsplit_->setStretchFactor(0, 1);
  hsplit_->setStretchFactor(1, 1);
  vsplit_ = new QSplitter(Qt::Vertical, this);
  vsplit_->addWidget(panes_);
  vsplit_->addWidget(hsplit_);
  vsplit_->setStretchFactor(0, 3);
  vsplit_->setStretchFactor(1, 2);
  vsplit_->setSizes({480, 340});  // the panes are the main show
  hsplit_->setSizes({560, 820});
  lay->addWidget(vsplit_, 1);
  setCentralWidget(central);
  status_ = new StatusPanel(statusBar(), this);
  governor_ = new GuiLoadGovernor(*engine_, this);  // the engine uses every core: the GUI thread competes with it
  connect(governor_, &GuiLoadGovernor::intervalChanged, this, [this](int ms) { status_->setUpdateRate(ms, governor_->lastBusy()); });

  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const cuda::DeviceStatus cuda = cuda::probe_device();
  threads_text_ = tr("CPU (%1 threads)").arg(threads);
  // The GUI's sessions run on the CPU; the probe says whether (and why not) a CUDA device would be there.
  status_->setBackend(cuda.usable ? threads_text_ + tr(" · CUDA: %1 (not used by the GUI yet)").arg(QString::fromStdString(cuda.device_name))
                                  : threads_text_ + tr(" · CUDA not used: %1").arg(QString::fromStdString(cuda.reason.empty() ? "not available" : cuda.reason)));
  buildMenus();

  connect(controls_, &ControlBar::openModelClicked, this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, tr("Open model"), QFileInfo(model_.path).absolutePath(),
                                                   tr("Models (*.gguf *.bin);;All files (*)"));
    if (!p.isEmpty()) loadModelFile(p);
  });
  connect(controls_, &ControlBar::editPresetClicked, this, &MainWindow::editPreset);
  connect(controls_, &ControlBar::presetChosen, this, &MainWindow::choosePresetFromCombo);
  connect(controls_, &ControlBar::startClicked, this, &MainWindow::start);
  connect(controls_, &ControlBar::pauseClicked, engine_.get(), &EngineController::pause);
  connect(controls_, &ControlBar::stepClicked, this, [this] {
    if (state_ != RunState::Paused) engine_->setTask(controls_->task());
    replay_ = false;
    engine_->step();
  });
  connect(controls_, &ControlBar::stopClicked, engine_.get(), &EngineController::stop);
  connect(controls_, &ControlBar::resetClicked, this, [this] {
    engine_->reset();
    replay_ = false;
    resetViews({}, 0, 0, {});
    record_ = SessionRecord{};
  });
  connect(controls_, &ControlBar::delayChanged, this, [this](int ms) {
    engine_->setDelayMs(ms);
    AppSettings::setDelayMs(ms);
  });
  connect(panes_, &WorkerGrid::tokenClicked, this, [this](int w, int token) { drillInto(w, token); });
  connect(heatmaps_, &HeatmapPanel::drillLayerChanged, engine_.get(), &EngineController::setDrillLayer);

  connect(engine_.get(), &EngineController::modelLoading, this, [this](const QString& s) {
    status_->setLoading(s);
    log_->appendLine(s);
  });
  connect(engine_.get(), &EngineController::modelLoaded, this, &MainWindow::onModelLoaded);
  connect(engine_.get(), &EngineController::runStarted, this, &MainWindow::onRunStarted);
  connect(engine_.get(), &EngineController::eventsReady, this, &MainWindow::onBatch);
  connect(engine_.get(), &EngineController::stateChanged, this, &MainWindow::onState);
  connect(engine_.get(), &EngineController::errorOccurred, this, [this](const QString& m) {
    status_->setLoading({});
    showError(tr("Hogwild Studio"), m);
  });

  resize(1400, 900);
  fillPresetCombo({});
  if (options_.restore_settings) {
    if (const QByteArray g = AppSettings::geometry(); !g.isEmpty()) restoreGeometry(g);
    if (const QByteArray s = AppSettings::splitters(); !s.isEmpty()) vsplit_->restoreState(s);
    controls_->setDelayMs(AppSettings::delayMs());
    const QString last = AppSettings::lastPreset();
    if (!last.isEmpty() && QFileInfo::exists(last)) {
      try {
        applyPreset(load_preset(last.toStdString()), last);
      } catch (const std::exception& e) {
        log_->appendLine(tr("last preset not loaded: %1").arg(e.what()));
      }
    }
  }
  controls_->setTask(tr("Once upon a time"));
  resetViews({}, 0, 0, {});
  if (options_.auto_load_model) {
    const QString last = AppSettings::lastModel();
    if (!last.isEmpty() && QFileInfo::exists(last)) loadModelFile(last, AppSettings::lastTokenizer());
    else loadDefaultModel();  // first run: the default model (downloaded, or the bundled fixtures)
  }
}

MainWindow::~MainWindow() = default;

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
    const QString p = askPath(false, tr("Open session"), tr("Sessions (*.hogwild.json *.json)"), "json");
    if (!p.isEmpty()) openSessionFile(p);
  });
  file->addAction(tr("&Save session…"), QKeySequence::Save, this, [this] {
    const QString p = askPath(true, tr("Save session"), tr("Sessions (*.hogwild.json)"), "hogwild.json");
    if (!p.isEmpty()) saveSessionFile(p);
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
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About Hogwild Studio"), this, &MainWindow::showAbout);
}

ModelsDialog* MainWindow::showModels() {
  // Non-modal (open()): the engine keeps streaming while the user manages models.
  auto* d = new ModelsDialog(this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  connect(d, &ModelsDialog::openModelRequested, this, [this](const QString& p) { loadModelFile(p); });
  d->open();
  return d;
}

AboutDialog* MainWindow::showAbout() {
  auto* d = new AboutDialog(this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  d->open();
  return d;
}

QString MainWindow::askPath(bool save, const QString& title, const QString& filter, const QString& suffix) {
  QString p = save ? QFileDialog::getSaveFileName(this, title, {}, filter) : QFileDialog::getOpenFileName(this, title, {}, filter);
  if (save && !p.isEmpty() && QFileInfo(p).suffix().isEmpty()) p += "." + suffix;
  return p;
}

void MainWindow::refreshRecentMenu() {
  recent_->clear();
  for (const QString& m : AppSettings::recentModels()) recent_->addAction(m, this, [this, m] { loadModelFile(m); });
  recent_->setEnabled(!recent_->isEmpty());
}

void MainWindow::showError(const QString& title, const QString& message) {
  // Non-blocking (open(), not exec()): the engine keeps streaming and tests can inspect and close the box.
  last_error_ = message;
  log_->appendLine(tr("error: %1").arg(message));
  auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

// ---------------------------------------------------------------- model and preset

void MainWindow::loadModelFile(const QString& path, const QString& tokenizer) {
  status_->setLoading(tr("Loading %1 …").arg(QFileInfo(path).fileName()));
  engine_->loadModel(path, tokenizer);
}

void MainWindow::loadDefaultModel() {
  status_->setLoading(tr("Looking for the default model (stories260K) …"));
  engine_->loadDefaultModel();
}

void MainWindow::onModelLoaded(const ModelInfo& info) {
  model_ = info;
  status_->setLoading({});
  controls_->setModelName(QString("<b>%1</b> · %2 · %3 layers · context %4").arg(QFileInfo(info.path).fileName(), info.format).arg(info.layers).arg(info.context));
  controls_->setToolTip(info.path);
  AppSettings::setLastModel(info.path, info.tokenizer_path);
  refreshRecentMenu();
  log_->appendLine(tr("model loaded: %1").arg(info.path));
  if (!preset_chosen_) {
    // Default preset by model size, as the CLI does: the TinyStories demo for tiny models, the paper otherwise.
    try {
      const auto path = find_preset(info.small() ? "tiny-stories" : "hogwild-paper");
      applyPreset(load_preset(path), QString::fromStdString(path.string()));
    } catch (const std::exception& e) {
      showError(tr("Preset"), QString::fromUtf8(e.what()));
    }
  } else {
    engine_->setPreset(preset_);
  }
  heatmaps_->reset({}, info.layers, info.heads);
}

void MainWindow::fillPresetCombo(const QString& select_path) {
  QComboBox* c = controls_->presetCombo();
  const QSignalBlocker block(c);
  c->clear();
  try {
    for (const auto& p : builtin_presets()) c->addItem(QString::fromStdString(p.stem().string()), QString::fromStdString(p.string()));
  } catch (const std::exception& e) {
    log_->appendLine(tr("no built-in presets: %1").arg(e.what()));
  }
  if (preset_chosen_) {
    int i = select_path.isEmpty() ? -1 : c->findData(select_path);
    if (i < 0) {
      c->addItem(tr("%1 (custom)").arg(QString::fromStdString(preset_.name)), select_path);
      i = c->count() - 1;
    }
    c->setCurrentIndex(i);
  }
}

void MainWindow::choosePresetFromCombo(int index) {
  const QString path = controls_->presetCombo()->itemData(index).toString();
  if (!path.isEmpty()) openPresetFile(path);
}

void MainWindow::applyPreset(const Preset& p, const QString& source_path) {
  preset_ = p;
  preset_path_ = source_path;
  preset_chosen_ = true;
  fillPresetCombo(source_path);
  engine_->setPreset(p);  // stops a running run first
  if (!source_path.isEmpty()) AppSettings::setLastPreset(source_path);
  log_->appendLine(tr("preset: %1 (%2 workers, %3 layout)").arg(QString::fromStdString(p.name)).arg(p.workers).arg(QString::fromStdString(std::string(to_string(p.layout)))));
}

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
    AppSettings::setLastPreset(path);
    fillPresetCombo(path);
    return true;
  } catch (const std::exception& e) {
    showError(tr("Preset not saved"), QString::fromUtf8(e.what()));
    return false;
  }
}

void MainWindow::editPreset() {
  PresetEditorDialog dlg(preset_, this);
  if (dlg.exec() == QDialog::Accepted) applyPreset(dlg.preset(), {});
}

// ---------------------------------------------------------------- running

void MainWindow::start() {
  if (state_ != RunState::Paused) engine_->setTask(controls_->task());
  replay_ = false;
  engine_->setDrillLayer(heatmaps_->drillLayer());
  engine_->start();
}

void MainWindow::onState(RunState s) {
  state_ = s;
  governor_->setActive(s == RunState::Running);
  controls_->setState(s, replay_);
  status_->setState(s);
  for (int w = 0; w < panes_->count(); ++w) panes_->pane(w)->setFinished(s == RunState::Finished);
}

void MainWindow::resetViews(const QStringList& names, int layers, int heads, const QString& prompt) {
  // When the panes go from one row to two (5-8 workers) or back, the heatmaps get a matching share of the height:
  // eight rows of workers need about twice the room of two to stay legible. A share the user dragged to is kept
  // until the number of pane rows changes again.
  const int rows = names.size() > 4 ? 2 : 1;
  if (rows != split_rows_) {
    split_rows_ = rows;
    const int total = vsplit_->sizes().value(0) + vsplit_->sizes().value(1);
    const int bottom = total * (rows == 2 ? 48 : 41) / 100;
    vsplit_->setSizes({total - bottom, bottom});
  }
  panes_->setWorkers(names, &model_.vocab_text);
  history_->reset(names, prompt.isEmpty() ? QString() : tr("Prompt: %1").arg(prompt.trimmed().left(300)));
  heatmaps_->reset(names, layers, heads);
  drill_.reset(static_cast<int>(names.size()));
  drill_worker_ = drill_token_ = -1;
  drill_pending_ = false;
  last_drill_event_ = -1;
  heatmaps_->setDrillNote(tr("Click any token in a worker's pane to tint every pane by that token's attention."));
}

void MainWindow::onRunStarted(const RunInfo& info) {
  replay_ = false;
  record_ = SessionRecord{};
  record_.preset = info.preset;
  record_.task = info.task;
  record_.model_path = model_.path;
  record_.worker_names = info.worker_names;
  record_.prompt = info.prompt;
  resetViews(info.worker_names, info.layers, info.heads, info.prompt);
}

void MainWindow::onBatch(const EngineBatchPtr& batch) {
  if (replay_) return;  // a replay owns the views until the next live run starts
  // The record keeps per-token drill rows only for the newest statistics (they grow with the context at every
  // pass): statistics are recorded without them, and the newest drill rows of the batch are copied once.
  const StatsEvent* newest_drill = nullptr;
  int newest_index = -1;
  for (const auto& e : batch->events) {
    if (const auto* s = std::get_if<StatsEvent>(&e)) {
      record_.events.push_back(stats_without_drill(*s));
      if (!s->drill.empty()) {
        newest_drill = s;
        newest_index = static_cast<int>(record_.events.size()) - 1;
      }
    } else {
      record_.events.push_back(e);
    }
  }
  if (newest_drill) {
    if (last_drill_event_ >= 0) std::get<StatsEvent>(record_.events[static_cast<size_t>(last_drill_event_)]).drill.clear();
    std::get<StatsEvent>(record_.events[static_cast<size_t>(newest_index)]).drill = newest_drill->drill;
    last_drill_event_ = newest_index;
  }
  consume(batch->events, batch);
  status_->setProgress(batch->progress, record_.worker_names);
  updateWorkerStats(batch->progress);
  Q_EMIT batchPainted();
}

void MainWindow::consume(const std::vector<EngineEvent>& events, const std::shared_ptr<const void>& owner) {
  // One pass over the batch: tokens are grouped per worker so that each pane appends once per batch.
  std::vector<std::vector<const TokenEvent*>> tokens(static_cast<size_t>(panes_->count()));
  auto flush_tokens = [&] {
    for (int w = 0; w < panes_->count(); ++w) {
      panes_->pane(w)->appendTokens(tokens[static_cast<size_t>(w)]);
      tokens[static_cast<size_t>(w)].clear();
    }
  };
  bool stats = false;
  for (const auto& e : events) {
    drill_.onEvent(e, owner);
    if (const auto* t = std::get_if<TokenEvent>(&e)) {
      if (t->worker >= 0 && t->worker < panes_->count()) tokens[static_cast<size_t>(t->worker)].push_back(t);
    } else if (const auto* q = std::get_if<CollabQuestionEvent>(&e)) {
      if (q->worker < 0 || q->worker >= panes_->count()) continue;
      flush_tokens();  // the question marks the inserted run that follows it
      panes_->pane(q->worker)->markCollabQuestion();
    } else if (const auto* f = std::get_if<StepFinishedEvent>(&e)) {
      history_->appendStep(*f);
    } else if (const auto* s = std::get_if<StatsEvent>(&e)) {
      heatmaps_->addStats(*s, owner);
      stats = true;
    } else if (const auto* fin = std::get_if<FinishedEvent>(&e)) {
      status_->showMessage(tr("Finished (%1): %2").arg(QString::fromStdString(fin->reason), QString::fromStdString(fin->message)), 0);
      status_->setFinishReason(QString::fromStdString(fin->reason), QString::fromStdString(fin->message));
      log_->appendLine(tr("finished: %1 — %2").arg(QString::fromStdString(fin->reason), QString::fromStdString(fin->message)));
    }
  }
  flush_tokens();
  if (stats) heatmaps_->refresh();
  if (drill_pending_) drillInto(drill_worker_, drill_token_);  // the clicked token may have been fed by now
}

void MainWindow::updateWorkerStats(const RunProgress& p) {
  for (int w = 0; w < panes_->count() && w < static_cast<int>(p.worker_tokens.size()); ++w) {
    const qint64 n = p.worker_tokens[static_cast<size_t>(w)];
    panes_->pane(w)->setStats(n, p.seconds > 0 ? static_cast<double>(n) / p.seconds : 0.0);
  }
}

void MainWindow::drillInto(int worker, int token) {
  drill_worker_ = worker;
  drill_token_ = token;
  drill_pending_ = false;
  const int newest = worker >= 0 && worker < panes_->count() ? static_cast<int>(panes_->pane(worker)->tokens().size()) - 1 : -1;
  const DrillMap::TokenRow* row = nullptr;
  if (token < 0) {
    for (int t = newest; t >= 0 && !row; --t) row = drill_.rowFor(worker, t);  // the newest recorded query
  } else {
    row = drill_.rowFor(worker, token);
  }
  auto clear = [&] {
    for (int w = 0; w < panes_->count(); ++w) panes_->pane(w)->setTokenTints({}, 0.f);
  };
  const QString who = worker >= 0 && worker < record_.worker_names.size() ? record_.worker_names[worker] : QString::number(worker);
  if (!row) {
    clear();
    if (!drill_.hasDrill() && (state_ != RunState::Running && state_ != RunState::Paused)) {
      heatmaps_->setDrillNote(tr("No per-token attention recorded: it is recorded during a live run (run or step once)."));
    } else if (token >= 0 && (state_ == RunState::Running || state_ == RunState::Paused)) {
      drill_pending_ = true;  // fed in a coming pass (the newest token is a query only in the next pass)
      heatmaps_->setDrillNote(tr("%1's token %2 has not been fed to the model yet: its attention appears after the next pass.").arg(who).arg(token));
    } else {
      heatmaps_->setDrillNote(tr("No attention row was recorded for %1's token %2 (the drill-down was off or over its size limit "
                                 "when it was fed, or the run ended before it was fed).").arg(who).arg(token));
    }
    return;
  }
  const auto tints = drill_.tints(*row);
  for (int w = 0; w < panes_->count() && w < static_cast<int>(tints.size()); ++w)
    panes_->pane(w)->setTokenTints(tints[static_cast<size_t>(w)], row->max_weight, w == row->worker ? row->token : -1);
  QString piece;
  if (row->token < newest + 1) piece = panes_->pane(row->worker)->tokenText(row->token).replace("\n", "⏎");
  QString note = tr("Blue: %1's token %2 “%3” (pass %4). Orange: its attention at layer %5 (mean over heads) on the tokens in "
                    "the panes; darkest = %6%. Prompt and headers are not shown.")
                     .arg(who).arg(row->token).arg(piece).arg(row->pass).arg(row->layer)
                     .arg(static_cast<double>(row->max_weight) * 100.0, 0, 'f', 1);
  if (token >= 0 && row->token != token)
    note += tr(" (Token %1 was fed together with the inserted text up to token %2, which is the query shown.)").arg(token).arg(row->token);
  heatmaps_->setDrillNote(note);
}

// ---------------------------------------------------------------- files

bool MainWindow::openSessionFile(const QString& path) {
  try {
    replay(load_session(path));
    status_->showMessage(tr("Replaying %1").arg(QFileInfo(path).fileName()), 0);
    return true;
  } catch (const std::exception& e) {
    showError(tr("Session not loaded"), QString::fromUtf8(e.what()));
    return false;
  }
}

void MainWindow::replay(const SessionRecord& r) {
  if (state_ == RunState::Running || state_ == RunState::Paused) engine_->stop();
  replay_ = true;
  record_ = r;
  last_drill_event_ = -1;
  int layers = 0, heads = 0;
  for (const auto& e : r.events)
    if (const auto* s = std::get_if<StatsEvent>(&e)) {
      layers = s->layers;
      heads = s->heads;
      break;
    }
  resetViews(r.worker_names, layers, heads, r.task);
  consume(r.events);
  // Counters from the events alone: no engine is involved in a replay.
  RunProgress p;
  p.passes = r.passes();
  std::vector<qint64> sampled(static_cast<size_t>(r.worker_names.size()), 0);
  for (const auto& e : r.events)
    if (const auto* t = std::get_if<TokenEvent>(&e); t && !t->inserted) ++sampled[static_cast<size_t>(t->worker)];
  p.worker_tokens = sampled;
  if (const FinishedEvent* f = r.finished()) {
    p.tokens = f->tokens;
    p.seconds = f->seconds;
  }
  status_->setProgress(p, r.worker_names);
  updateWorkerStats(p);
  for (int w = 0; w < panes_->count(); ++w) panes_->pane(w)->setFinished(r.finished() != nullptr);
  controls_->setState(state_, true);
  Q_EMIT batchPainted();
}

bool MainWindow::saveSessionFile(const QString& path) {
  try {
    save_session(record_, path);
    status_->showMessage(tr("Session saved to %1").arg(path));
    return true;
  } catch (const std::exception& e) {
    showError(tr("Session not saved"), QString::fromUtf8(e.what()));
    return false;
  }
}

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

// ---------------------------------------------------------------- window

void MainWindow::closeEvent(QCloseEvent* e) {
  if (options_.restore_settings) {
    AppSettings::setGeometry(saveGeometry());
    AppSettings::setSplitters(vsplit_->saveState());
  }
  engine_->stop();  // the destructor then quits the engine thread and waits for it
  e->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  for (const QUrl& u : e->mimeData()->urls()) {
    const QString s = QFileInfo(u.toLocalFile()).suffix().toLower();
    if (u.isLocalFile() && (s == "gguf" || s == "bin" || s == "json")) {
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
    else if (p.endsWith(".hogwild.json")) openSessionFile(p);
    else if (s == "json") openPresetFile(p);
    else continue;
    e->acceptProposedAction();
    return;
  }
}

}  // namespace hogwild::ui
