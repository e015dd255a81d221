#include "heatmap_widget.h"

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
  return s;
}

void HeatmapWidget::render() {
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
  image_ = std::move(image);
  geometry_ = geometry;
  update();
}

void HeatmapWidget::setEmptyText(const QString& text) {
  empty_text_ = text;
  render();
}

void HeatmapWidget::resizeEvent(QResizeEvent*) { render(); }

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
  QToolTip::showText(e->globalPosition().toPoint(), QString("%1 → %2: %3").arg(row, col, format_value(m_, m_.at(r, c))), this);
}

}  // namespace hogwild::ui
