#pragma once
// The attention views: three heatmaps in tabs, fed by the engine's StatsEvents.
//   Workers × blocks  live attention mass of each worker's newest query per cache block (mean or one layer/head)
//   Layers × heads    for one worker and one target block
//   Timeline          per worker and pass, the share of attention on OTHER workers' blocks
// The matrices are built by pure functions (attention_matrices.h) and rendered into images by render_heatmap()
// on the panel's own renderer thread, never on the GUI thread: refresh() posts a job (a snapshot of the newest
// statistics and the choices), the renderer builds the matrix and the whole picture, and the GUI thread only
// hands the image to the widget. Jobs are coalesced: a job that is no longer the newest is skipped, and a result
// that is no longer the newest is dropped, so a slow render never queues up behind the run.
#include <atomic>
#include <memory>
#include <vector>

#include <QStringList>
#include <QThread>
#include <QWidget>

#include "hogwild/events.h"
#include "hogwild/preset.h"

class QComboBox;
class QLabel;
class QScrollArea;
class QTabWidget;

namespace hogwild::ui {

class HeatmapWidget;

class HeatmapPanel : public QWidget {
  Q_OBJECT
 public:
  explicit HeatmapPanel(QWidget* parent = nullptr);
  ~HeatmapPanel() override;

  void reset(const QStringList& worker_names, int layers, int heads);
  // The one-line legend under the maps: what each worker sees in this layout.
  void setCacheLayout(PresetLayout layout);
  QString legendText() const;
  // Presentation mode: heatmap rows at least 18 px, labels never cut; a map that needs more room scrolls.
  void setPresentation(bool on);
  // The height the panel needs in presentation mode to show the first map whole with `rows` workers.
  int presentationHeight(int rows) const;
  // Cheap: stores; refresh() repaints. `owner` keeps `s` alive (its batch): then it is held without a copy.
  void addStats(const StatsEvent& s, const std::shared_ptr<const void>& owner = {});
  void refresh();                      // posts a render of the visible map to the renderer thread
  // True while a posted render has not reached its widget yet (the demo's screenshot waits for it).
  bool renderPending() const { return applied_ != posted_; }
  // The thread the last image was rendered on (tests check it is not the GUI thread).
  const QThread* lastRenderThread() const { return last_render_thread_.load(); }
  HeatmapWidget* currentHeatmap() const;
  HeatmapWidget* workerBlockHeatmap() const { return worker_block_; }
  HeatmapWidget* timelineHeatmap() const { return timeline_; }
  // Layer for the token drill-down (the layer combo's layer, or the last layer when it shows the mean).
  int drillLayer() const;
  void setDrillNote(const QString& text);

 Q_SIGNALS:
  void drillLayerChanged(int layer);
  void rendered();  // a posted render reached its widget

 protected:
  bool event(QEvent* e) override;  // results from the renderer thread: ThreadSanitizer hand-off (tsan_sync.h)

 private:
  void fillCombos();

  QStringList names_;
  int layers_ = 0, heads_ = 0;
  bool have_stats_ = false;
  std::shared_ptr<const StatsEvent> last_;  // shared with render jobs (immutable once stored)
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
  QLabel* legend_ = nullptr;
  QWidget* selectors_ = nullptr;
  std::vector<QScrollArea*> areas_;  // one per map
  void fitAreas();
  bool presentation_ = false;  // the first map groups the blocks (grouped_worker_matrix); no hint line
  // Renderer thread: a plain QObject living there runs the jobs.
  QThread render_thread_;
  QObject* renderer_ = nullptr;
  std::atomic<quint64> latest_{0};  // generation of the newest job (read on the renderer thread)
  quint64 posted_ = 0, applied_ = 0;
  std::atomic<const QThread*> last_render_thread_{nullptr};
};

}  // namespace hogwild::ui
