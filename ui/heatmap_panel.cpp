#include "heatmap_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTabWidget>
#include <QVBoxLayout>

#include "attention_matrices.h"
#include "heatmap_widget.h"

namespace hogwild::ui {

HeatmapPanel::HeatmapPanel(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  auto* controls = new QHBoxLayout;
  layer_ = new QComboBox(this);
  head_ = new QComboBox(this);
  worker_ = new QComboBox(this);
  block_ = new QComboBox(this);
  layer_->setToolTip(tr("Layer of the worker × block map; also the layer of the token drill-down"));
  block_->setToolTip(tr("Target block of the layer × head map"));
  controls->addWidget(new QLabel(tr("Layer"), this));
  controls->addWidget(layer_);
  controls->addWidget(new QLabel(tr("Head"), this));
  controls->addWidget(head_);
  controls->addSpacing(12);
  controls->addWidget(new QLabel(tr("Worker"), this));
  controls->addWidget(worker_);
  controls->addWidget(new QLabel(tr("Block"), this));
  controls->addWidget(block_, 1);
  lay->addLayout(controls);
  tabs_ = new QTabWidget(this);
  worker_block_ = new HeatmapWidget(this);
  layer_head_ = new HeatmapWidget(this);
  timeline_ = new HeatmapWidget(this);
  tabs_->addTab(worker_block_, tr("Workers × blocks"));
  tabs_->addTab(layer_head_, tr("Layers × heads"));
  tabs_->addTab(timeline_, tr("Timeline"));
  lay->addWidget(tabs_, 1);
  drill_note_ = new QLabel(tr("Click any token in a worker's pane to tint every pane by that token's attention."), this);
  drill_note_->setWordWrap(true);
  drill_note_->setTextFormat(Qt::PlainText);
  drill_note_->setStyleSheet("color:#555;");
  lay->addWidget(drill_note_);
  for (QComboBox* c : {head_, worker_, block_}) connect(c, &QComboBox::currentIndexChanged, this, &HeatmapPanel::refresh);
  connect(layer_, &QComboBox::currentIndexChanged, this, [this] {
    refresh();
    Q_EMIT drillLayerChanged(drillLayer());
  });
  connect(tabs_, &QTabWidget::currentChanged, this, &HeatmapPanel::refresh);
  reset({}, 0, 0);
}

void HeatmapPanel::fillCombos() {
  const QSignalBlocker b1(layer_), b2(head_), b3(worker_), b4(block_);
  layer_->clear();
  head_->clear();
  worker_->clear();
  block_->clear();
  layer_->addItem(tr("mean"), -1);
  for (int l = 0; l < layers_; ++l) layer_->addItem(QString::number(l), l);
  head_->addItem(tr("mean"), -1);
  for (int h = 0; h < heads_; ++h) head_->addItem(QString::number(h), h);
  for (int w = 0; w < names_.size(); ++w) worker_->addItem(names_[w], w);
}

void HeatmapPanel::reset(const QStringList& names, int layers, int heads) {
  names_ = names;
  layers_ = layers;
  heads_ = heads;
  have_stats_ = false;
  last_ = StatsEvent{};
  shares_.clear();
  passes_.clear();
  fillCombos();
  worker_block_->setMatrix({});
  layer_head_->setMatrix({});
  timeline_->setMatrix({});
}

void HeatmapPanel::addStats(const StatsEvent& s) {
  if (!have_stats_ || s.block_names.size() != last_.block_names.size()) {
    // First statistics of a run (or a replay): the block list fills the block combo.
    const QSignalBlocker b(block_);
    const int keep = block_->currentIndex();
    block_->clear();
    for (const auto& n : s.block_names) block_->addItem(block_label(n, names_));
    block_->setCurrentIndex(keep >= 0 && keep < block_->count() ? keep : 0);
  }
  last_ = s;
  last_.drill.clear();  // the panel never needs the (large) drill rows
  have_stats_ = true;
  shares_.push_back(share_to_others(s));
  passes_.push_back(s.pass);
}

void HeatmapPanel::refresh() {
  if (!have_stats_) return;
  // Only the visible map is rebuilt; the others follow when their tab is shown.
  const int tab = tabs_->currentIndex();
  if (tab == 0) worker_block_->setMatrix(worker_block_matrix(last_, names_, layer_->currentData().toInt(), head_->currentData().toInt()));
  else if (tab == 1) layer_head_->setMatrix(layer_head_matrix(last_, names_, worker_->currentIndex(), block_->currentIndex()));
  else timeline_->setMatrix(timeline_matrix(shares_, passes_, names_));
}

HeatmapWidget* HeatmapPanel::currentHeatmap() const { return qobject_cast<HeatmapWidget*>(tabs_->currentWidget()); }

int HeatmapPanel::drillLayer() const {
  const int l = layer_->currentData().toInt();
  return l >= 0 ? l : layers_ - 1;
}

void HeatmapPanel::setDrillNote(const QString& text) { drill_note_->setText(text); }

}  // namespace hogwild::ui
