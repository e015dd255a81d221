#include "heatmap_widget.h"

#include <QEvent>

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace hogwild::ui {

HeatmapWidget::HeatmapWidget(QWidget* parent) : QWidget(parent), empty_text_(tr("No attention statistics yet: press Start.")) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

HeatmapStyle HeatmapWidget::style() const {
  HeatmapStyle s;
  s.font = font();
  s.base = palette().color(QPalette::Base);
  s.text = palette().color(QPalette::Text);
  s.placeholder = palette().color(QPalette::PlaceholderText);
  s.device_pixel_ratio = devicePixelRatioF();
  s.empty_text = empty_text_;
  s.min_row_px = min_row_px_;
  return s;
}

QSize HeatmapWidget::minimumSizeHint() const { return {320, std::max(180, min_height_)}; }

void HeatmapWidget::setMinRowPx(int px) {
  min_row_px_ = px;
  render();
}

void HeatmapWidget::render() {
  const int need = heatmap_min_height(m_, width(), font(), min_row_px_);
  if (need != min_height_) {
    min_height_ = need;
    updateGeometry();  // a scroll area around the widget makes room (or scrolls)
  }
  image_ = render_heatmap(m_, size(), style(), &geometry_);
  update();
}

void HeatmapWidget::setMatrix(HeatmapMatrix m) {
  m_ = std::move(m);
  render();
}

void HeatmapWidget::setRendered(HeatmapMatrix m, QImage image, const HeatmapGeometry& geometry) {
  m_ = std::move(m);
  const QSize want(qRound(width() * devicePixelRatioF()), qRound(height() * devicePixelRatioF()));
  if (image.size() != want || image.devicePixelRatio() != devicePixelRatioF()) {
    render();
    return;
  }
  if (const int need = heatmap_min_height(m_, width(), font(), min_row_px_); need != min_height_) {
    min_height_ = need;
    updateGeometry();
  }
  image_ = std::move(image);
  geometry_ = geometry;
  update();
}

void HeatmapWidget::setEmptyText(const QString& text) {
  empty_text_ = text;
  render();
}

void HeatmapWidget::resizeEvent(QResizeEvent*) { render(); }

void HeatmapWidget::changeEvent(QEvent* e) {
  QWidget::changeEvent(e);
  if (e->type() == QEvent::FontChange) render();
}

void HeatmapWidget::paintEvent(QPaintEvent* e) {
  QPainter p(this);
  if (image_.isNull()) {
    p.fillRect(rect(), palette().color(QPalette::Base));
    return;
  }
  p.drawImage(e->rect(), image_, QRectF(QPointF(e->rect().topLeft()) * image_.devicePixelRatio(), QSizeF(e->rect().size()) * image_.devicePixelRatio()));
}

void HeatmapWidget::mouseMoveEvent(QMouseEvent* e) {
  const QPoint cell = cellAt(e->position().toPoint());
  if (cell.x() < 0) {
    QToolTip::hideText();
    return;
  }
  const int r = cell.y(), c = cell.x();
  const QString row = r < m_.row_labels.size() ? m_.row_labels[r] : QString::number(r);
  const QString col = c < m_.col_labels.size() ? m_.col_labels[c] : QString::number(c);
  const QString id = c < m_.col_ids.size() && m_.col_ids[c] != col ? QString(" (%1)").arg(m_.col_ids[c]) : QString();
  QToolTip::showText(e->globalPosition().toPoint(), QString("%1 → %2%3: %4").arg(row, col, id, format_value(m_, m_.at(r, c))), this);
}

}  // namespace hogwild::ui
