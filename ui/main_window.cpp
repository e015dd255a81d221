#include "main_window.h"

#include <thread>

#include <QAction>
#include <QComboBox>
#include <QFileInfo>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "app_settings.h"
#include "common/error.h"
#include "common/log.h"
#include "control_bar.h"
#include "cuda/plugin_loader.h"
#include "engine_controller.h"
#include "gui_load_governor.h"
#include "heatmap_panel.h"
#include "hogwild/layout.h"
#include "hogwild/model_fit.h"
#include "hogwild/preset_library.h"
#include "log_panel.h"
#include "models_dialog.h"
#include "preset_editor_dialog.h"
#include "run_banner.h"
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
  base_font_ = font();
  auto* central = new QWidget(this);
  auto* lay = new QVBoxLayout(central);
  lay->setContentsMargins(4, 4, 4, 0);
  controls_ = new ControlBar(central);
  lay->addWidget(controls_);
  banner_ = new RunBanner(central);
  lay->addWidget(banner_);
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
  autosave_timer_ = new QTimer(this);
  autosave_timer_->setInterval(30000);
  connect(autosave_timer_, &QTimer::timeout, this, &MainWindow::writeAutosave);
  budget_timer_ = new QTimer(this);
  budget_timer_->setSingleShot(true);
  budget_timer_->setInterval(300);  // the task is being typed: estimate once it rests
  connect(budget_timer_, &QTimer::timeout, this, &MainWindow::requestBudget);

  // Until a model is loaded nothing computes: the status bar says what is available; afterwards it names the backend
  // that computes the tokens (ModelInfo::backend, backendChanged).
  status_->setBackend(tr("No model · %1").arg(QString::fromStdString(cuda::describe_availability(cuda::probe_device()))));
  buildMenus();
  buildViewMenu();

  connect(controls_, &ControlBar::openModelClicked, this, [this] {
    const QString p = askPath(false, tr("Open model"), tr("Models (*.gguf *.bin);;All files (*)"), {});
    if (!p.isEmpty()) loadModelFile(p);
  });
  connect(controls_, &ControlBar::editPresetClicked, this, &MainWindow::editPreset);
  connect(controls_, &ControlBar::presetChosen, this, &MainWindow::choosePresetFromCombo);
  connect(controls_, &ControlBar::startClicked, this, &MainWindow::start);
  connect(controls_, &ControlBar::pauseClicked, engine_.get(), &EngineController::pause);
  connect(controls_, &ControlBar::stepClicked, this, &MainWindow::step);
  connect(controls_, &ControlBar::stopClicked, engine_.get(), &EngineController::stop);
  connect(controls_, &ControlBar::resetClicked, this, &MainWindow::reset);
  connect(controls_, &ControlBar::delayChanged, this, [this](int ms) {
    engine_->setDelayMs(ms);
    if (options_.restore_settings) AppSettings::setDelayMs(ms);
  });
  connect(controls_, &ControlBar::pinToggled, this, [this](bool on) {
    if (options_.restore_settings) AppSettings::setPresetPinned(on);
  });
  connect(controls_, &ControlBar::taskEdited, budget_timer_, qOverload<>(&QTimer::start));
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
  connect(engine_.get(), &EngineController::backendChanged, this, [this](const QString& text) {
    model_.backend = text;
    status_->setBackend(text);
    log_->appendLine(tr("backend: %1").arg(text));
  });
  connect(engine_.get(), &EngineController::budgetEstimated, this, [this](const BudgetInfo& b) {
    budget_ = b;
    showIntroIfIdle();
  });
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
    controls_->setPresetPinned(AppSettings::presetPinned());
    const QString last = AppSettings::lastPreset();
    if (!last.isEmpty() && QFileInfo::exists(last)) {
      try {
        applyPreset(load_preset(last.toStdString()), last);
      } catch (const std::exception& e) {
        log_->appendLine(tr("last preset not loaded: %1").arg(e.what()));
      }
    }
    zoom_ = AppSettings::zoom();
    if (AppSettings::presentation()) setPresentation(true);
    else applyFonts();
  }
  controls_->setTask(tr("Once upon a time"));
  resetViews({}, 0, 0, {});
  engine_->setBackendChoice(options_.restore_settings ? AppSettings::backend() : QString("auto"));
  banner_->showMessage(tr("<b>Loading a model…</b> Then press Start (Ctrl+Return)."));
  if (options_.recover_autosave) offerRecovery();
  if (options_.auto_load_model) {
    const QString last = AppSettings::lastModel();
    if (!last.isEmpty() && QFileInfo::exists(last)) loadModelFile(last, AppSettings::lastTokenizer());
    else loadDefaultModel();  // first run: the default model (downloaded, or the bundled fixtures)
  }
}

MainWindow::~MainWindow() = default;

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
  status_->setBackend(info.backend);
  controls_->setModelName(QString("<b>%1</b> · %2 · %3 layers · context %4").arg(QFileInfo(info.path).fileName(), info.format).arg(info.layers).arg(info.context));
  controls_->setToolTip(info.path);
  if (options_.restore_settings) AppSettings::setLastModel(info.path, info.tokenizer_path);
  refreshRecentMenu();
  log_->appendLine(tr("model loaded: %1").arg(info.path));
  log_->appendLine(tr("backend: %1").arg(info.backend));
  // The preset follows the model (issue #20): the one recommended for its family and chat template, unless the
  // user keeps ("pins") the current one.
  if (!preset_chosen_ || !controls_->presetPinned()) {
    try {
      const auto path = find_preset(info.recommended_preset.toStdString());
      applyPreset(load_preset(path), QString::fromStdString(path.string()));
      log_->appendLine(tr("preset '%1' chosen for %2 (%3, %4)")
                           .arg(QString::fromStdString(preset_.name), info.name, info.architecture,
                                QString::fromStdString(chat_template_label(info.chat.kind))));
    } catch (const std::exception& e) {
      showError(tr("Preset"), QString::fromUtf8(e.what()));
    }
  } else {
    engine_->setPreset(preset_);
    checkPresetFits();
    showEmptyRun();
  }
}

void MainWindow::checkPresetFits() {
  preset_warning_ = model_.path.isEmpty() ? QString() : QString::fromStdString(chat_template_mismatch(preset_, model_.chat));
  if (!preset_warning_.isEmpty()) {
    log_->appendLine(tr("warning: %1").arg(preset_warning_));
    status_->showMessage(tr("⚠ %1").arg(preset_warning_), 15000);
  }
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
  if (!source_path.isEmpty() && options_.restore_settings) AppSettings::setLastPreset(source_path);
  log_->appendLine(tr("preset: %1 (%2 workers, %3 layout)").arg(QString::fromStdString(p.name)).arg(p.workers).arg(QString::fromStdString(std::string(to_string(p.layout)))));
  checkPresetFits();
  // The panes of the old run go: the new preset's workers, empty, and what will appear where (issue #20).
  showEmptyRun();
}

void MainWindow::editPreset() {
  PresetEditorDialog dlg(preset_, this);
  if (dlg.exec() == QDialog::Accepted) {
    controls_->setPresetPinned(true);  // an edited preset is kept when another model is opened
    applyPreset(dlg.preset(), {});
  }
}

// ---------------------------------------------------------------- running

void MainWindow::showEmptyRun() {
  if (!record_.events.empty() && dirty_) writeAutosave();  // the run that is dropped stays in the autosave
  accept_batches_ = false;
  replay_ = false;
  record_ = SessionRecord{};
  dirty_ = false;
  QStringList names;
  for (const auto& n : preset_.active_names()) names << QString::fromStdString(n);
  resetViews(preset_chosen_ ? names : QStringList{}, model_.layers, model_.heads, {});
  heatmaps_->setCacheLayout(preset_.layout);
  status_->clearProgress();
  status_->setFinishReason({}, {});
  status_->setState(state_ == RunState::Finished ? RunState::Ready : state_);
  status_->clearMessage();
  requestBudget();
  showIntroIfIdle();
}

void MainWindow::showIntroIfIdle() {
  if (!record_.events.empty() || replay_ || state_ == RunState::Running) return;
  if (model_.path.isEmpty()) return;
  QStringList names;
  for (const auto& n : preset_.active_names()) names << QString::fromStdString(n);
  banner_->showIntro(names, preset_.layout, budget_, preset_warning_);
}

void MainWindow::requestBudget() {
  if (model_.path.isEmpty() || !preset_chosen_) return;
  engine_->estimateBudget(preset_, controls_->task());
}

void MainWindow::reset() {
  engine_->reset();
  showEmptyRun();
}

void MainWindow::start() {
  if (state_ != RunState::Paused) engine_->setTask(controls_->task());
  replay_ = false;
  engine_->setDrillLayer(heatmaps_->drillLayer());
  engine_->start();
}

void MainWindow::step() {
  if (state_ != RunState::Paused) engine_->setTask(controls_->task());
  replay_ = false;
  engine_->setDrillLayer(heatmaps_->drillLayer());  // a run begun by Step records drill rows too
  engine_->step();
}

void MainWindow::onState(RunState s) {
  state_ = s;
  governor_->setActive(s == RunState::Running);
  controls_->setState(s, replay_);
  status_->setState(s);
  for (int w = 0; w < panes_->count(); ++w) panes_->pane(w)->setFinished(s == RunState::Finished);
  if (s == RunState::Running) {
    autosave_timer_->start();
  } else {
    autosave_timer_->stop();
  }
  if (s == RunState::Finished && accept_batches_) {
    banner_->showResult(record_);
    writeAutosave();
  }
  if (s == RunState::Ready) showIntroIfIdle();
}

void MainWindow::resetViews(const QStringList& names, int layers, int heads, const QString& prompt) {
  // When the panes go from one row to two (5-8 workers) or back, the heatmaps get a matching share of the height:
  // eight rows of workers need about twice the room of two to stay legible. A share the user dragged to is kept
  // until the number of pane rows changes again.
  const int rows = names.size() > 4 ? 2 : 1;
  if (rows != split_rows_) {
    split_rows_ = rows;
    applySplit();
  }
  panes_->setWorkers(names, &model_.vocab_text);
  if (presentation_) applySplit();  // the map's rows follow the number of workers
  history_->reset(names, prompt.isEmpty() ? QString() : tr("Prompt: %1").arg(prompt.trimmed().left(300)));
  heatmaps_->reset(names, layers, heads);
  drill_.reset(static_cast<int>(names.size()));
  drill_worker_ = drill_token_ = -1;
  drill_pending_ = false;
  last_drill_event_ = -1;
  heatmaps_->setDrillNote(tr("Click any token in a worker's pane to tint every pane by that token's attention."));
}

void MainWindow::applySplit() {
  // Presentation mode groups the heatmap into four columns (short labels, no rotated band): the panes get more.
  const int total = vsplit_->sizes().value(0) + vsplit_->sizes().value(1);
  int bottom = total * (split_rows_ == 2 ? 48 : 41) / 100;
  if (presentation_) bottom = std::min(total / 2, heatmaps_->presentationHeight(std::max(2, panes_->count())));
  vsplit_->setSizes({total - bottom, bottom});
}

void MainWindow::onRunStarted(const RunInfo& info) {
  if (closing_) return;
  replay_ = false;
  accept_batches_ = true;
  record_ = SessionRecord{};
  record_.preset = info.preset;
  record_.task = info.task;
  record_.model_path = model_.path;
  record_.worker_names = info.worker_names;
  record_.prompt = info.prompt;
  record_.backend = info.backend;
  record_.context = info.context;
  dirty_ = true;
  banner_->hide();  // the panes need the room; the answer comes back here at the end
  status_->clearMessage();
  status_->clearProgress();
  resetViews(info.worker_names, info.layers, info.heads, info.prompt);
  heatmaps_->setCacheLayout(info.preset.layout);
}

void MainWindow::onBatch(const EngineBatchPtr& batch) {
  if (closed_) {
    ++late_batches_;
    return;
  }
  if (replay_ || !accept_batches_) return;  // a replay, a reset or a new preset owns the views now
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
  dirty_ = dirty_ || !batch->events.empty();
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
      // Why the run ended: the state label ("finished · reason", the message in its tooltip) and the banner. The
      // log gets one line: the engine's own "finished" line when its level shows it, else this one.
      status_->setFinishReason(QString::fromStdString(fin->reason), QString::fromStdString(fin->message));
      if (!replay_ && !logger("hogwild")->should_log(spdlog::level::info))
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

}  // namespace hogwild::ui
