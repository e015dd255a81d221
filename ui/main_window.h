#pragma once
// The Hogwild Studio window. Composition only: the controls (ControlBar), the banner (RunBanner: what will appear
// where before a run, the Answer after it), the worker panes (WorkerGrid), the shared history, the attention
// heatmaps, the log and the status bar, all fed from one place (consume()) with the engine's event batches — live
// from EngineController, or replayed from a session file. File actions, the autosave and closing are in
// main_window_files.cpp; presentation mode and zoom in main_window_view.cpp.
#include <memory>

#include <QFont>
#include <QMainWindow>
#include <QStringList>

#include "drill_map.h"
#include "engine_batch.h"
#include "hogwild/preset.h"
#include "session_record.h"

class QAction;
class QMenu;
class QSplitter;
class QTimer;

namespace hogwild::ui {

class AboutDialog;
class ControlBar;
class ModelsDialog;
class EngineController;
class GuiLoadGovernor;
class HeatmapPanel;
class LabWindow;
class LogPanel;
class RunBanner;
class SharedHistoryView;
class StatusPanel;
class WorkerGrid;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  struct Options {
    bool restore_settings = true;  // geometry, speed, last preset, zoom, presentation mode
    bool auto_load_model = true;   // last model, else the default model
    bool recover_autosave = true;  // after a crash: offer to reopen the autosaved last run
    bool ask_before_close = true;  // closing with an unsaved run asks Save / Discard / Cancel
  };
  MainWindow();
  explicit MainWindow(const Options& options);
  ~MainWindow() override;

  // ---- actions (menus and tests); failures show a non-blocking message box and return false
  void loadModelFile(const QString& path, const QString& tokenizer = {});
  void loadDefaultModel();
  bool openPresetFile(const QString& path);
  bool savePresetFile(const QString& path);
  void applyPreset(const Preset& p, const QString& source_path = {});
  bool openSessionFile(const QString& path);
  bool saveSessionFile(const QString& path);
  bool exportMarkdown(const QString& path);
  bool exportJson(const QString& path);
  bool exportHeatmapPng(const QString& path);
  void replay(const SessionRecord& r);
  // Token drill-down (what a click on a token does): tints every pane by the attention of token `token` of worker
  // `worker` (its query at the drill layer, mean over heads); token -1 = the worker's newest recorded query. A
  // token that has not been fed yet is tinted as soon as its row arrives.
  void drillInto(int worker, int token = -1);
  // File → Models… and Help → About (non-modal, deleted on close); returned for tests.
  ModelsDialog* showModels();
  AboutDialog* showAbout();
  // Tools → Lab… (the prompt-strategy lab; one window, kept while this one lives); returned for tests.
  LabWindow* showLab();

  // ---- View: presentation mode (F11) and zoom (Ctrl+= / Ctrl+- / Ctrl+0), remembered in the settings
  void setPresentation(bool on);
  bool presentation() const { return presentation_; }
  void setZoom(double factor);  // 0.6 .. 2.5 of the normal font size
  double zoom() const { return zoom_; }

  // ---- the autosave of the last run (written atomically at the end of a run, every 30 s during one and on close)
  static QString autosavePath();
  void writeAutosave();
  // Closing: the run is stopped, its last batch taken, the autosave written, the engine thread joined. Batches
  // that reached the window after that (there must be none) are counted here for the tests.
  int batchesAfterClose() const { return late_batches_; }
  bool unsavedRun() const { return dirty_ && !record_.events.empty(); }

  // ---- parts, for the demo driver and tests
  EngineController& engine() { return *engine_; }
  ControlBar* controls() const { return controls_; }
  WorkerGrid* panes() const { return panes_; }
  SharedHistoryView* history() const { return history_; }
  HeatmapPanel* heatmaps() const { return heatmaps_; }
  GuiLoadGovernor* governor() const { return governor_; }
  StatusPanel* statusPanel() const { return status_; }
  LogPanel* log() const { return log_; }
  RunBanner* banner() const { return banner_; }
  const BudgetInfo& budget() const { return budget_; }
  const QString& presetWarning() const { return preset_warning_; }
  const SessionRecord& record() const { return record_; }
  const Preset& preset() const { return preset_; }
  bool presetChosen() const { return preset_chosen_; }
  const QString& presetPath() const { return preset_path_; }
  bool replaying() const { return replay_; }
  const ModelInfo& model() const { return model_; }
  QString lastError() const { return last_error_; }

 Q_SIGNALS:
  void batchPainted();  // after a batch (or a replay) reached every view

 protected:
  void closeEvent(QCloseEvent* e) override;
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;

 private:
  void buildMenus();
  void fillPresetCombo(const QString& select_path);
  void choosePresetFromCombo(int index);
  void editPreset();
  void onModelLoaded(const ModelInfo& info);
  void onRunStarted(const RunInfo& info);
  void onBatch(const EngineBatchPtr& batch);
  void onState(RunState s);
  void showError(const QString& title, const QString& message);
  void resetViews(const QStringList& names, int layers, int heads, const QString& prompt);
  // The views of the current preset with no run: empty panes (their placeholder says what will appear), the intro.
  void showEmptyRun();
  void showIntroIfIdle();
  void requestBudget();
  void checkPresetFits();
  void reset();
  // `owner` keeps the events alive (a live batch): the views then hold the newest statistics without copies.
  void consume(const std::vector<EngineEvent>& events, const std::shared_ptr<const void>& owner = {});
  void buildViewMenu();
  void applyFonts();
  void applySplit();
  void stopForClose();
  void offerRecovery();
  void updateWorkerStats(const RunProgress& p);
  void start();
  void step();
  void refreshRecentMenu();
  QString askPath(bool save, const QString& title, const QString& filter, const QString& suffix);

  Options options_;
  std::unique_ptr<EngineController> engine_;
  GuiLoadGovernor* governor_ = nullptr;
  ControlBar* controls_ = nullptr;
  WorkerGrid* panes_ = nullptr;
  SharedHistoryView* history_ = nullptr;
  HeatmapPanel* heatmaps_ = nullptr;
  LogPanel* log_ = nullptr;
  StatusPanel* status_ = nullptr;
  QSplitter* vsplit_ = nullptr;
  QSplitter* hsplit_ = nullptr;
  QMenu* recent_ = nullptr;
  RunBanner* banner_ = nullptr;
  QAction* presentation_action_ = nullptr;
  QTimer* autosave_timer_ = nullptr;
  QTimer* budget_timer_ = nullptr;
  LabWindow* lab_ = nullptr;

  ModelInfo model_;
  Preset preset_;
  QString preset_path_;
  bool preset_chosen_ = false;
  bool replay_ = false;
  bool accept_batches_ = false;  // batches belong to the run the views show (false after Reset, preset change, replay)
  SessionRecord record_;
  bool dirty_ = false;  // the record has events not saved to a file yet
  bool closing_ = false, closed_ = false;
  int late_batches_ = 0;
  BudgetInfo budget_;
  QString preset_warning_;
  QFont base_font_;
  double zoom_ = 1.0;
  bool presentation_ = false;
  int delay_before_presentation_ = 0;
  int split_rows_ = 1;  // rows of worker panes the vertical splitter's sizes were last set for
  int last_drill_event_ = -1;  // index in record_.events of the one StatsEvent that keeps its drill rows
  DrillMap drill_;
  int drill_worker_ = -1, drill_token_ = -1;
  bool drill_pending_ = false;  // the clicked token has no row yet: retry after each batch
  QString last_error_;
  RunState state_ = RunState::NoModel;
};

}  // namespace hogwild::ui
