#pragma once
// The Hogwild Studio window. Composition only: the controls (ControlBar), the worker panes (WorkerGrid), the
// shared history, the attention heatmaps, the log and the status bar, all fed from one place (consume()) with
// the engine's event batches — live from EngineController, or replayed from a session file.
#include <memory>

#include <QMainWindow>
#include <QStringList>

#include "drill_map.h"
#include "engine_batch.h"
#include "hogwild/preset.h"
#include "session_record.h"

class QMenu;
class QSplitter;

namespace hogwild::ui {

class AboutDialog;
class ControlBar;
class ModelsDialog;
class EngineController;
class GuiLoadGovernor;
class HeatmapPanel;
class LogPanel;
class SharedHistoryView;
class StatusPanel;
class WorkerGrid;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  struct Options {
    bool restore_settings = true;  // geometry, speed, last preset
    bool auto_load_model = true;   // last model, else the default model
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

  // ---- parts, for the demo driver and tests
  EngineController& engine() { return *engine_; }
  ControlBar* controls() const { return controls_; }
  WorkerGrid* panes() const { return panes_; }
  SharedHistoryView* history() const { return history_; }
  HeatmapPanel* heatmaps() const { return heatmaps_; }
  GuiLoadGovernor* governor() const { return governor_; }
  StatusPanel* statusPanel() const { return status_; }
  LogPanel* log() const { return log_; }
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
  // `owner` keeps the events alive (a live batch): the views then hold the newest statistics without copies.
  void consume(const std::vector<EngineEvent>& events, const std::shared_ptr<const void>& owner = {});
  void updateWorkerStats(const RunProgress& p);
  void start();
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

  ModelInfo model_;
  Preset preset_;
  QString preset_path_;
  bool preset_chosen_ = false;
  bool replay_ = false;
  SessionRecord record_;
  int split_rows_ = 1;  // rows of worker panes the vertical splitter's sizes were last set for
  int last_drill_event_ = -1;  // index in record_.events of the one StatsEvent that keeps its drill rows
  DrillMap drill_;
  int drill_worker_ = -1, drill_token_ = -1;
  bool drill_pending_ = false;  // the clicked token has no row yet: retry after each batch
  QString threads_text_;
  QString last_error_;
  RunState state_ = RunState::NoModel;
};

}  // namespace hogwild::ui
