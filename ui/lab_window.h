#pragma once
// The Lab window (Tools → Lab; docs/UI.md, docs/LAB.md): pick or import a problem set, build a grid of arms from
// the presets (workers, layout, temperature), add the control arms, choose checkpoints and seeds, then start,
// pause or cancel the experiment with progress and ETA. Curves and the comparison table update as runs finish;
// a click on a curve point or a run opens that run's transcript and heatmaps in the main window.
// The engine work runs on LabController's thread; the window only reads the results database.
#include <optional>

#include <QMainWindow>

#include "lab/experiment.h"
#include "lab/experiment_runner.h"
#include "session_record.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace hogwild::ui {

class LabController;
class LabResultsView;

class LabWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit LabWindow(QWidget* parent = nullptr);
  ~LabWindow() override;

  // ---- settings (menus, the main window and tests)
  void setModel(const QString& model, const QString& tokenizer = {});
  bool setProblemSet(const QString& path);  // loads it to show the count or the error; false on error
  void setDatabase(const QString& path);
  void setCheckpoints(const QString& text);  // "16, 32, 64"
  void setSeeds(const QString& text);        // "1, 2"
  void setOverrides(const QString& json);    // JSON merge patch applied to every arm's preset
  void setControls(bool single, bool independent);
  // Arms: the table rows. kind: hogwild | single | independent; temperature < 0: the preset's.
  void clearArms();
  void addArm(const QString& name, const QString& preset, int workers, const QString& layout = "combined",
              double temperature = -1, const QString& kind = "hogwild");
  bool generateArithmetic(const QString& path, int count, quint64 seed);  // writes and selects the set
  bool openExperiment(const QString& path);
  bool saveExperiment(const QString& path);

  // The experiment the form describes, or nullopt with the reason.
  std::optional<lab::Experiment> experimentFromForm(QString* error) const;

  // ---- actions
  bool startExperiment();
  void setPaused(bool paused);
  void cancelExperiment();
  bool running() const;

  // ---- parts, for tests
  LabResultsView* results() const { return results_; }
  LabController* controller() const { return controller_; }
  QProgressBar* progressBar() const { return progress_; }
  QString progressText() const;
  QString problemStatus() const;
  QTableWidget* armsTable() const { return arms_; }
  QString lastError() const { return last_error_; }

 Q_SIGNALS:
  void openRunRequested(const hogwild::ui::SessionRecord& record);
  void experimentFinished(bool cancelled);

 protected:
  void closeEvent(QCloseEvent* e) override;

 private:
  QWidget* buildSetup();
  void onProgress(const lab::LabProgress& p);
  void onFinished(const lab::LabProgress& p, bool cancelled);
  void showError(const QString& message);
  void updateButtons();
  std::vector<int64_t> parseIntegers(const QString& text, const QString& what, QString* error) const;

  LabController* controller_ = nullptr;
  LabResultsView* results_ = nullptr;
  QTimer* refresh_timer_ = nullptr;
  QLineEdit* problems_ = nullptr;
  QComboBox* format_ = nullptr;
  QCheckBox* skip_bad_ = nullptr;
  QSpinBox* limit_ = nullptr;
  QLabel* problem_status_ = nullptr;
  QSpinBox* gen_n_ = nullptr;
  QSpinBox* gen_seed_ = nullptr;
  QLineEdit* model_ = nullptr;
  QLineEdit* tokenizer_ = nullptr;
  QTableWidget* arms_ = nullptr;
  QCheckBox* single_ = nullptr;
  QCheckBox* independent_ = nullptr;
  QLineEdit* checkpoints_ = nullptr;
  QLineEdit* seeds_ = nullptr;
  QSpinBox* runs_per_pass_ = nullptr;
  QLineEdit* template_ = nullptr;
  QPlainTextEdit* overrides_ = nullptr;
  QLineEdit* db_ = nullptr;
  QPushButton* start_ = nullptr;
  QPushButton* pause_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* progress_text_ = nullptr;
  QString last_error_;
};

}  // namespace hogwild::ui
