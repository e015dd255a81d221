#include "heatmap_widget.h"

#include <algorithm>
#include <cmath>

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace hogwild::ui {

namespace {
constexpr int kMargin = 8;
constexpr int kLegendW = 16;
constexpr int kLegendLabelW = 56;
}  // namespace

HeatmapWidget::HeatmapWidget(QWidget* parent) : QWidget(parent), empty_text_(tr("No attention statistics yet: press Start.")) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void HeatmapWidget::setMatrix(HeatmapMatrix m) {
  m_ = std::move(m);
  image_ = heatmap_image(m_);
  computeGeometry();
  update();
}

void HeatmapWidget::setEmptyText(const QString& text) {
  empty_text_ = text;
  update();
}

void HeatmapWidget::resizeEvent(QResizeEvent*) { computeGeometry(); }

void HeatmapWidget::computeGeometry() {
  const QFontMetrics fm(font());
  QFont bold = font();
  bold.setBold(true);
  title_h_ = m_.title.isEmpty() ? 0 : QFontMetrics(bold).height() + 6;
  row_label_w_ = 0;
  for (const QString& s : m_.row_labels) row_label_w_ = std::max(row_label_w_, fm.horizontalAdvance(s));
  row_label_w_ = std::min(row_label_w_ + 8, width() / 3);
  const int avail_w = width() - 2 * kMargin - row_label_w_ - kLegendW - kLegendLabelW - 8;
  int col_w = m_.cols > 0 ? avail_w / m_.cols : 0;
  int widest = 0;
  for (const QString& s : m_.col_labels) widest = std::max(widest, fm.horizontalAdvance(s));
  // Many columns (the timeline): label only some of them, never rotate. Few columns: rotate long labels.
  const bool sparse = m_.cols > 40;
  rotate_cols_ = !sparse && widest + 6 > col_w;
  // A label rotated by label_angle_ needs len*sin + h*cos vertically; the band may take up to 45 % of the height
  // (it used to stop at a third, and labels such as "Alice: marker" were cut to "Alice: ma…").
  // The flattest angle at which neighbouring labels do not overlap (their perpendicular distance col_w * sin(a) is
  // at least a line), between 20 and 70 degrees: flatter labels need less height, so fewer are elided.
  const double min_sin = std::min(1.0, (fm.height() + 2.0) / std::max(1, col_w));
  label_angle_ = std::clamp(std::asin(min_sin) * 180.0 / M_PI, 20.0, 70.0);
  const double sin_a = std::sin(label_angle_ * M_PI / 180.0), cos_a = std::cos(label_angle_ * M_PI / 180.0);
  const int rotated_h = static_cast<int>(std::ceil(widest * sin_a + fm.height() * cos_a)) + 6;
  col_label_h_ = sparse || !rotate_cols_ ? fm.height() + 4 : std::min(rotated_h, height() * 45 / 100);
  // Elide only when the band is capped (integer rounding must not cut a label that fits).
  rotated_label_len_ = col_label_h_ < rotated_h ? static_cast<int>((col_label_h_ - 6 - fm.height() * cos_a) / sin_a) : widest + 16;
  const int avail_h = height() - 2 * kMargin - title_h_ - col_label_h_;
  const int cell_h = m_.rows > 0 ? std::max(1, avail_h / m_.rows) : 0;
  col_w = std::max(1, col_w);
  grid_ = QRect(kMargin + row_label_w_, kMargin + title_h_, col_w * std::max(0, m_.cols), cell_h * std::max(0, m_.rows));
  legend_ = QRect(grid_.right() + 12, grid_.top(), kLegendW, std::max(grid_.height(), 40));
}

QRect HeatmapWidget::cellRect(int r, int c) const {
  if (m_.empty() || r < 0 || c < 0 || r >= m_.rows || c >= m_.cols) return {};
  const int cw = grid_.width() / m_.cols, ch = grid_.height() / m_.rows;
  return QRect(grid_.left() + c * cw, grid_.top() + r * ch, cw, ch);
}

QPoint HeatmapWidget::cellAt(const QPoint& p) const {
  if (m_.empty() || !grid_.contains(p)) return {-1, -1};
  const int cw = std::max(1, grid_.width() / m_.cols), ch = std::max(1, grid_.height() / m_.rows);
  const int c = (p.x() - grid_.left()) / cw, r = (p.y() - grid_.top()) / ch;
  if (r >= m_.rows || c >= m_.cols) return {-1, -1};
  return {c, r};
}

void HeatmapWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  if (m_.empty()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, empty_text_);
    return;
  }
  const QFontMetrics fm(font());
  p.setPen(palette().color(QPalette::Text));
  if (title_h_ > 0) {
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.drawText(QRect(kMargin, kMargin, width() - 2 * kMargin, title_h_), Qt::AlignLeft | Qt::AlignTop, m_.title);
    p.setFont(font());
  }
  // Cells: the 1-pixel-per-cell image scaled without smoothing, so each cell is one flat colour.
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  p.drawImage(grid_, image_);

  const int cw = grid_.width() / m_.cols, ch = grid_.height() / m_.rows;
  const bool values_fit = cw >= fm.horizontalAdvance("100.0%") + 4 && ch >= fm.height() + 2;
  if (values_fit) {
    for (int r = 0; r < m_.rows; ++r)
      for (int c = 0; c < m_.cols; ++c) {
        const QColor bg = QColor::fromRgb(heat_color(m_, m_.at(r, c)));
        p.setPen(bg.lightness() > 140 ? Qt::black : Qt::white);
        p.drawText(cellRect(r, c), Qt::AlignCenter, format_value(m_, m_.at(r, c)));
      }
  }
  // Row labels (worker colours when given).
  for (int r = 0; r < m_.rows && r < m_.row_labels.size(); ++r) {
    const QRect lr(kMargin, grid_.top() + r * ch, row_label_w_ - 6, ch);
    p.setPen(r < static_cast<int>(m_.row_colors.size()) ? m_.row_colors[static_cast<size_t>(r)] : palette().color(QPalette::Text));
    if (ch >= fm.height() * 0.8 || r % std::max(1, fm.height() / std::max(1, ch)) == 0)
      p.drawText(lr, Qt::AlignRight | Qt::AlignVCenter, fm.elidedText(m_.row_labels[r], Qt::ElideRight, lr.width()));
  }
  // Column labels.
  p.setPen(palette().color(QPalette::Text));
  const int label_every = m_.cols > 40 ? std::max(1, (fm.horizontalAdvance("pass 0000") + 10) / std::max(1, cw)) : 1;
  for (int c = 0; c < m_.cols && c < m_.col_labels.size(); c += label_every) {
    const QRect cr = cellRect(0, c);
    if (rotate_cols_) {
      p.save();
      p.translate(cr.center().x(), grid_.bottom() + 4);
      p.rotate(label_angle_);
      p.drawText(QPoint(0, fm.ascent()), fm.elidedText(m_.col_labels[c], Qt::ElideRight, std::max(rotated_label_len_, fm.height())));
      p.restore();
    } else if (m_.cols > 40) {
      p.drawText(QPoint(cr.left(), grid_.bottom() + fm.ascent() + 3), m_.col_labels[c]);
    } else {
      p.drawText(QRect(cr.left(), grid_.bottom() + 2, cw, fm.height() + 2), Qt::AlignHCenter | Qt::AlignTop, fm.elidedText(m_.col_labels[c], Qt::ElideRight, cw));
    }
  }
  // Legend: the colour scale from vmin (bottom) to vmax (top) with three labelled ticks.
  for (int y = 0; y < legend_.height(); ++y) {
    const float t = 1.f - static_cast<float>(y) / std::max(1, legend_.height() - 1);
    p.setPen(QColor::fromRgb(viridis(t)));
    p.drawLine(legend_.left(), legend_.top() + y, legend_.right(), legend_.top() + y);
  }
  p.setPen(palette().color(QPalette::Text));
  p.drawRect(legend_.adjusted(0, 0, -1, -1));
  for (int i = 0; i <= 2; ++i) {
    const float v = m_.vmin + (m_.vmax - m_.vmin) * static_cast<float>(i) / 2.f;
    const int y = legend_.bottom() - legend_.height() * i / 2;
    p.drawText(QRect(legend_.right() + 4, y - fm.height() / 2, kLegendLabelW, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, format_value(m_, v));
  }
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
