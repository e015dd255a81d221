#pragma once
// The attention views: three heatmaps in tabs, fed by the engine's StatsEvents.
//   Workers × blocks  live attention mass of each worker's newest query per cache block (mean or one layer/head)
//   Layers × heads    for one worker and one target block
//   Timeline          per worker and pass, the share of attention on OTHER workers' blocks
// The matrices are built by pure functions (attention_matrices.h) and painted by HeatmapWidget.
#include <vector>

#include <QStringList>
#include <QWidget>

#include "hogwild/events.h"

class QComboBox;
class QLabel;
class QTabWidget;

namespace hogwild::ui {

class HeatmapWidget;

class HeatmapPanel : public QWidget {
  Q_OBJECT
 public:
  explicit HeatmapPanel(QWidget* parent = nullptr);

  void reset(const QStringList& worker_names, int layers, int heads);
  void addStats(const StatsEvent& s);  // cheap: stores; refresh() repaints
  void refresh();
  HeatmapWidget* currentHeatmap() const;
  HeatmapWidget* workerBlockHeatmap() const { return worker_block_; }
  HeatmapWidget* timelineHeatmap() const { return timeline_; }
  // Layer for the token drill-down (the layer combo's layer, or the last layer when it shows the mean).
  int drillLayer() const;
  void setDrillNote(const QString& text);

 Q_SIGNALS:
  void drillLayerChanged(int layer);

 private:
  void fillCombos();

  QStringList names_;
  int layers_ = 0, heads_ = 0;
  bool have_stats_ = false;
  StatsEvent last_;
  std::vector<std::vector<float>> shares_;  // [pass][worker]
  std::vector<qint64> passes_;
  QTabWidget* tabs_ = nullptr;
  HeatmapWidget* worker_block_ = nullptr;
  HeatmapWidget* layer_head_ = nullptr;
  HeatmapWidget* timeline_ = nullptr;
  QComboBox* layer_ = nullptr;
  QComboBox* head_ = nullptr;
  QComboBox* worker_ = nullptr;
  QComboBox* block_ = nullptr;
  QLabel* drill_note_ = nullptr;
};

}  // namespace hogwild::ui
