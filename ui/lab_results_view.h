#pragma once
// The results half of the Lab window: the plots (accuracy vs budget, tokens to answer, redundancy), the accuracy
// table with Wilson intervals, the paired-comparison verdicts and the list of runs — all read from the results
// database (a reader connection of its own; the runner writes on its thread, SQLite's WAL keeps both going).
// A click on a curve point or a run row opens that run in the main window's panes (openRunRequested).
#include <memory>
#include <optional>

#include <QWidget>

#include "lab/report.h"
#include "session_record.h"

class QChartView;
class QLabel;
class QPlainTextEdit;
class QTableWidget;
class QTabWidget;

namespace hogwild::ui {

class LabResultsView : public QWidget {
  Q_OBJECT
 public:
  explicit LabResultsView(QWidget* parent = nullptr);
  ~LabResultsView() override;

  // Reads the database now (an empty path clears the view). Errors show in the view, never as exceptions.
  void setDatabase(const QString& path);
  void refresh();
  // The session record of a stored run (settings + every event), ready for MainWindow::replay.
  std::optional<SessionRecord> runRecord(qint64 run_id, QString* error = nullptr);
  // Emits openRunRequested for the run (errors go to the status line).
  void openRun(qint64 run_id);
  // The first run of arm `arm_index` correct at `budget` (else its first run): what a click on a curve point opens.
  std::optional<qint64> runForPoint(int arm_index, qint64 budget) const;

  // ---- for tests
  QTableWidget* runsTable() const { return runs_; }
  QTableWidget* accuracyTable() const { return accuracy_; }
  QChartView* accuracyView() const { return accuracy_view_; }
  QString verdictText() const;
  const std::optional<lab::LabReport>& report() const { return report_; }
  QString statusText() const;

 Q_SIGNALS:
  void openRunRequested(const hogwild::ui::SessionRecord& record);
  void refreshed();

 private:
  void fillAccuracyTable();
  void fillRuns(const std::vector<lab::StoredRun>& runs, const std::vector<lab::StoredArm>& arms,
                const std::vector<lab::StoredProblem>& problems);
  void setCharts();
  void onPointClicked(int arm_index, const QPointF& point);

  QString db_path_;
  std::unique_ptr<lab::ResultStore> store_;
  std::optional<lab::LabReport> report_;
  std::vector<lab::StoredRun> runs_data_;
  QTabWidget* tabs_ = nullptr;
  QChartView* accuracy_view_ = nullptr;
  QChartView* tokens_view_ = nullptr;
  QChartView* redundancy_view_ = nullptr;
  QTableWidget* accuracy_ = nullptr;
  QPlainTextEdit* verdicts_ = nullptr;
  QTableWidget* runs_ = nullptr;
  QLabel* status_ = nullptr;
};

}  // namespace hogwild::ui
