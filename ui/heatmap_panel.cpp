#include "heatmap_panel.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QFontMetrics>
#include <QLabel>
#include <QTabBar>
#include <QScrollArea>
#include <QTabWidget>
#include <QVBoxLayout>

#include "attention_matrices.h"
#include "heatmap_render.h"
#include "heatmap_widget.h"
#include "hold_or_copy.h"
#include "tsan_sync.h"

namespace hogwild::ui {

namespace {
// The renderer thread's object: its event() takes the ThreadSanitizer hand-off of every queued job (tsan_sync.h;
// the channel is the renderer thread, as for the engine bridge), before it even reads the event.
class HeatmapRenderer : public QObject {
 public:
  explicit HeatmapRenderer(const void* channel) : channel_(channel) {}
  bool event(QEvent* e) override {
    tsanHandoffReceived(channel_);
    return QObject::event(e);
  }

 private:
  const void* channel_;
};

// Everything a render needs, copied on the GUI thread (no widget is touched on the renderer thread).
struct RenderJob {
  quint64 generation = 0;
  int tab = 0;
  std::shared_ptr<const StatsEvent> stats;
  std::vector<std::vector<float>> shares;  // timeline: the visible passes only
  std::vector<qint64> passes;
  QStringList names;
  int layer = -1, head = -1, worker = 0, block = 0;
  bool grouped = false;
  QSize size;
  HeatmapStyle style;
};

HeatmapMatrix job_matrix(const RenderJob& j) {
  if (j.tab == 0) return j.grouped ? grouped_worker_matrix(*j.stats, j.names, j.layer, j.head) : worker_block_matrix(*j.stats, j.names, j.layer, j.head);
  if (j.tab == 1) return layer_head_matrix(*j.stats, j.names, j.worker, j.block);
  return timeline_matrix(j.shares, j.passes, j.names);
}

constexpr int kTimelinePasses = 400;  // columns of the timeline (timeline_matrix's default)
}  // namespace

HeatmapPanel::HeatmapPanel(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  selectors_ = new QWidget(this);
  auto* controls = new QHBoxLayout(selectors_);
  controls->setContentsMargins(0, 0, 0, 0);
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
  lay->addWidget(selectors_);
  tabs_ = new QTabWidget(this);
  worker_block_ = new HeatmapWidget(this);
  layer_head_ = new HeatmapWidget(this);
  timeline_ = new HeatmapWidget(this);
  // Each map in a scroll area: normally it fits (no scroll bar); in presentation mode a map that needs taller rows
  // than the room allows scrolls instead of shrinking its labels.
  auto scrolled = [this](HeatmapWidget* w) {
    auto* s = new QScrollArea(this);
    areas_.push_back(s);
    s->setWidget(w);
    s->setWidgetResizable(true);
    s->setFrameShape(QFrame::NoFrame);
    s->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    return s;
  };
  tabs_->addTab(scrolled(worker_block_), tr("Workers × blocks"));
  tabs_->addTab(scrolled(layer_head_), tr("Layers × heads"));
  tabs_->addTab(scrolled(timeline_), tr("Timeline"));
  lay->addWidget(tabs_, 1);
  fitAreas();
  legend_ = new QLabel(this);
  legend_->setWordWrap(true);
  legend_->setTextFormat(Qt::PlainText);
  lay->addWidget(legend_);
  drill_note_ = new QLabel(tr("Click any token in a worker's pane to tint every pane by that token's attention."), this);
  drill_note_->setWordWrap(true);
  drill_note_->setTextFormat(Qt::PlainText);
  // Room for two lines: a wrapped label in a tight vertical layout is otherwise cut to one.
  drill_note_->setMinimumHeight(drill_note_->fontMetrics().lineSpacing() * 2 + 4);
  drill_note_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  drill_note_->setStyleSheet("color:#555;");
  lay->addWidget(drill_note_);
  for (QComboBox* c : {head_, worker_, block_}) connect(c, &QComboBox::currentIndexChanged, this, &HeatmapPanel::refresh);
  connect(layer_, &QComboBox::currentIndexChanged, this, [this] {
    refresh();
    Q_EMIT drillLayerChanged(drillLayer());
  });
  connect(tabs_, &QTabWidget::currentChanged, this, &HeatmapPanel::refresh);
  renderer_ = new HeatmapRenderer(&render_thread_);
  renderer_->moveToThread(&render_thread_);
  connect(&render_thread_, &QThread::finished, renderer_, &QObject::deleteLater);
  render_thread_.setObjectName("heatmap-renderer");
  tsanJoinable(render_thread_, &render_thread_);
  render_thread_.start();
  reset({}, 0, 0);
}

HeatmapPanel::~HeatmapPanel() {
  // No job may post a result to a half-destroyed panel: stop the renderer first (a job in flight finishes).
  ++latest_;
  render_thread_.quit();
  render_thread_.wait();
  tsanJoined(&render_thread_);
}

bool HeatmapPanel::event(QEvent* e) {
  tsanHandoffReceived(&render_thread_);  // a result posted by the renderer thread (tsan_sync.h)
  return QWidget::event(e);
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
  last_.reset();
  shares_.clear();
  passes_.clear();
  ++latest_;  // results of renders posted before the reset are dropped
  applied_ = posted_;
  fillCombos();
  worker_block_->setMatrix({});
  layer_head_->setMatrix({});
  timeline_->setMatrix({});
}

void HeatmapPanel::addStats(const StatsEvent& s, const std::shared_ptr<const void>& owner) {
  if (!have_stats_ || !last_ || s.block_names.size() != last_->block_names.size()) {
    // First statistics of a run (or a replay): the block list fills the block combo.
    const QSignalBlocker b(block_);
    const int keep = block_->currentIndex();
    block_->clear();
    for (const auto& n : s.block_names) block_->addItem(block_label(n, names_));
    block_->setCurrentIndex(keep >= 0 && keep < block_->count() ? keep : 0);
  }
  last_ = hold_or_copy(s, owner);  // a live batch is immutable: render jobs share it
  have_stats_ = true;
  shares_.push_back(share_to_others(s));
  passes_.push_back(s.pass);
}

void HeatmapPanel::refresh() {
  if (!have_stats_ || !last_) return;
  // Only the visible map is rendered; the others follow when their tab is shown.
  RenderJob job;
  job.tab = tabs_->currentIndex();
  HeatmapWidget* target = currentHeatmap();
  job.stats = last_;
  if (job.tab == 2) {
    const size_t from = shares_.size() > static_cast<size_t>(kTimelinePasses) ? shares_.size() - kTimelinePasses : 0;
    job.shares.assign(shares_.begin() + static_cast<std::ptrdiff_t>(from), shares_.end());
    job.passes.assign(passes_.begin() + static_cast<std::ptrdiff_t>(from), passes_.end());
  }
  job.names = names_;
  job.grouped = presentation_;
  job.layer = layer_->currentData().toInt();
  job.head = head_->currentData().toInt();
  job.worker = worker_->currentIndex();
  job.block = block_->currentIndex();
  job.size = target->size();
  job.style = target->style();
  job.generation = ++posted_;
  latest_.store(job.generation);
  const TsanHandoff handoff(&render_thread_);
  QMetaObject::invokeMethod(renderer_, [this, target, job = std::move(job)] {
    if (job.generation != latest_.load()) return;  // a newer job is queued behind this one
    HeatmapMatrix m = job_matrix(job);
    HeatmapGeometry g;
    QImage image = render_heatmap(m, job.size, job.style, &g);
    last_render_thread_.store(QThread::currentThread());
    const TsanHandoff back(&render_thread_);
    QMetaObject::invokeMethod(this, [this, target, gen = job.generation, m = std::move(m), image = std::move(image), g]() mutable {
      if (gen != latest_.load()) return;  // reset, or a newer render is on its way
      target->setRendered(std::move(m), std::move(image), g);
      applied_ = gen;
      Q_EMIT rendered();
    }, Qt::QueuedConnection);
  }, Qt::QueuedConnection);
}

HeatmapWidget* HeatmapPanel::currentHeatmap() const {
  const int t = tabs_->currentIndex();
  return t == 0 ? worker_block_ : t == 1 ? layer_head_ : timeline_;
}

void HeatmapPanel::setCacheLayout(PresetLayout layout) { legend_->setText(layout_legend(layout)); }
QString HeatmapPanel::legendText() const { return legend_->text(); }

void HeatmapPanel::fitAreas() {
  // Normal mode: the layout gives each map at least its minimum (as before the scroll areas; nothing scrolls).
  // Presentation mode: a map may be taller than its room and scroll.
  for (size_t i = 0; i < areas_.size(); ++i) {
    HeatmapWidget* w = i == 0 ? worker_block_ : i == 1 ? layer_head_ : timeline_;
    areas_[i]->setMinimumHeight(presentation_ ? 60 : w->minimumSizeHint().height() + 2 * areas_[i]->frameWidth());
  }
}

void HeatmapPanel::setPresentation(bool on) {
  presentation_ = on;
  fitAreas();
  selectors_->setVisible(!on);  // a projector shows the maps; the selectors are for exploring them
  for (HeatmapWidget* w : {worker_block_, layer_head_, timeline_}) w->setMinRowPx(on ? 18 : 0);
  tabs_->setTabText(0, on ? tr("Where workers look") : tr("Workers × blocks"));
  setDrillNote(drill_note_->text());  // the hint line hides in presentation mode
  refresh();
}

int HeatmapPanel::drillLayer() const {
  const int l = layer_->currentData().toInt();
  return l >= 0 ? l : layers_ - 1;
}

int HeatmapPanel::presentationHeight(int rows) const {
  // The grouped map for `rows` workers at 18 px a row (heatmap_min_height), plus the tab bar, the legend line and
  // the layout's spacing.
  HeatmapMatrix m;
  m.title = tr("Where each worker looks");
  m.rows = rows;
  m.cols = 4;
  m.values.assign(static_cast<size_t>(rows) * 4, 0.f);
  for (int r = 0; r < rows; ++r) m.row_labels << names_.value(r, QStringLiteral("Charlie"));
  m.col_labels = {tr("shared history"), tr("own step"), tr("others' steps"), tr("markers")};
  const int map = heatmap_min_height(m, std::max(320, width() - 20), worker_block_->font(), 18);
  return tabs_->tabBar()->sizeHint().height() + map + 16 + legend_->heightForWidth(std::max(320, width())) + 12;
}

void HeatmapPanel::setDrillNote(const QString& text) {
  drill_note_->setText(text);
  // In presentation mode the room goes to the maps: the note shows only when it says something about a click.
  drill_note_->setVisible(!presentation_ || !text.startsWith(tr("Click any token")));
}

}  // namespace hogwild::ui
