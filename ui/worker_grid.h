#pragma once
// The worker panes side by side: 1-4 workers in one row, 5-8 wrap into two rows.
#include <vector>

#include <QStringList>
#include <QWidget>

class QGridLayout;

namespace hogwild::ui {

class WorkerPane;

class WorkerGrid : public QWidget {
  Q_OBJECT
 public:
  explicit WorkerGrid(QWidget* parent = nullptr);
  void setWorkers(const QStringList& names, const QStringList* vocab);
  int count() const { return static_cast<int>(panes_.size()); }
  WorkerPane* pane(int w) const { return panes_.at(static_cast<size_t>(w)); }
  static int columnsFor(int workers) { return workers <= 4 ? workers : (workers + 1) / 2; }
  // Pane text size relative to the window font, for every pane now and later: 1.15, or in presentation mode 1.45
  // (1.3 with more than four workers, two rows of four share the height).
  void setPresentation(bool on);
  double textScale() const;

 Q_SIGNALS:
  void tokenClicked(int worker, int token);

 private:
  QGridLayout* grid_;
  std::vector<WorkerPane*> panes_;
  bool presentation_ = false;
};

}  // namespace hogwild::ui
