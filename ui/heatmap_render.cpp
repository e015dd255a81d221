#include "heatmap_render.h"

#include <algorithm>
#include <cmath>

#include <QFontInfo>
#include <QFontMetrics>
#include <QPainter>

namespace hogwild::ui {

namespace {
constexpr int kMargin = 8;
constexpr int kLegendW = 16;
// The legend's value labels ("100.0%"): as wide as the font needs (a larger presentation font cut them).
int legend_label_w(const QFontMetrics& fm) { return std::max(56, fm.horizontalAdvance("100.0%") + 8); }
}  // namespace

QRect HeatmapGeometry::cellRect(const HeatmapMatrix& m, int r, int c) const {
  if (m.empty() || r < 0 || c < 0 || r >= m.rows || c >= m.cols) return {};
  const int cw = grid.width() / m.cols, ch = grid.height() / m.rows;
  return QRect(grid.left() + c * cw, grid.top() + r * ch, cw, ch);
}

QPoint HeatmapGeometry::cellAt(const HeatmapMatrix& m, const QPoint& pt) const {
  if (m.empty() || !grid.contains(pt)) return {-1, -1};
  const int cw = std::max(1, grid.width() / m.cols), ch = std::max(1, grid.height() / m.rows);
  const int c = (pt.x() - grid.left()) / cw, r = (pt.y() - grid.top()) / ch;
  if (r >= m.rows || c >= m.cols) return {-1, -1};
  return {c, r};
}

HeatmapGeometry heatmap_geometry(const HeatmapMatrix& m, const QSize& size, const QFont& font, int min_row_px) {
  HeatmapGeometry g;
  const int w = size.width(), h = size.height();
  const QFontMetrics fm(font);
  QFont bold = font;
  bold.setBold(true);
  g.title_h = m.title.isEmpty() ? 0 : QFontMetrics(bold).height() + 6;
  g.row_label_w = 0;
  for (const QString& s : m.row_labels) g.row_label_w = std::max(g.row_label_w, fm.horizontalAdvance(s));
  const int row_label_need = g.row_label_w + 8;
  g.row_label_w = std::min(row_label_need, w / 3);
  const int avail_w = w - 2 * kMargin - g.row_label_w - kLegendW - legend_label_w(fm) - 8;
  int col_w = m.cols > 0 ? avail_w / m.cols : 0;
  int widest = 0;
  for (const QString& s : m.col_labels) widest = std::max(widest, fm.horizontalAdvance(s));
  // Many columns (the timeline): label only some of them, never rotate. Few columns: rotate long labels.
  const bool sparse = m.cols > 40;
  g.rotate_cols = !sparse && widest + 6 > col_w;
  // A label rotated by g.label_angle needs len*sin + h*cos vertically; the band may take up to 45 % of the height
  // (it used to stop at a third, and labels such as "Alice: marker" were cut to "Alice: ma…").
  // The flattest angle at which neighbouring labels do not overlap (their perpendicular distance col_w * sin(a) is
  // at least a line), between 20 and 70 degrees: flatter labels need less height, so fewer are elided.
  const double min_sin = std::min(1.0, (fm.height() + 2.0) / std::max(1, col_w));
  g.label_angle = std::clamp(std::asin(min_sin) * 180.0 / M_PI, 20.0, 70.0);
  const double sin_a = std::sin(g.label_angle * M_PI / 180.0), cos_a = std::cos(g.label_angle * M_PI / 180.0);
  const int rotated_h = static_cast<int>(std::ceil(widest * sin_a + fm.height() * cos_a)) + 6;
  g.col_label_h = sparse || !g.rotate_cols ? fm.height() + 4 : min_row_px > 0 ? rotated_h : std::min(rotated_h, h * 45 / 100);
  // Elide only when the band is capped (integer rounding must not cut a label that fits).
  g.rotated_label_len = g.col_label_h < rotated_h ? static_cast<int>((g.col_label_h - 6 - fm.height() * cos_a) / sin_a) : widest + 16;
  const int avail_h = h - 2 * kMargin - g.title_h - g.col_label_h;
  const int cell_h = m.rows > 0 ? std::max({1, min_row_px, avail_h / m.rows}) : 0;
  g.row_h = cell_h;
  // What will be cut: rotated column labels longer than the band allows, straight ones wider than a column, row
  // labels wider than their third of the width; and the smallest label font (rows lower than a line shrink it).
  g.label_px = QFontInfo(font).pixelSize();
  if (cell_h < fm.height() && cell_h >= 7) g.label_px = std::min(g.label_px, cell_h);
  if (cell_h < 7 && m.rows > 0) g.elided_labels += m.rows;  // every k-th row is labelled
  if (row_label_need > g.row_label_w) {
    for (const QString& s : m.row_labels) g.elided_labels += fm.horizontalAdvance(s) + 8 > g.row_label_w ? 1 : 0;
  }
  if (!sparse) {
    for (const QString& s : m.col_labels) {
      const int len = fm.horizontalAdvance(s);
      if (g.rotate_cols ? len > std::max(g.rotated_label_len, fm.height()) : len > std::max(1, col_w)) ++g.elided_labels;
    }
  }
  col_w = std::max(1, col_w);
  g.grid = QRect(kMargin + g.row_label_w, kMargin + g.title_h, col_w * std::max(0, m.cols), cell_h * std::max(0, m.rows));
  g.legend = QRect(g.grid.right() + 12, g.grid.top(), kLegendW, std::max(g.grid.height(), 40));
  return g;
}

int heatmap_min_height(const HeatmapMatrix& m, int width, const QFont& font, int min_row_px) {
  if (m.empty() || min_row_px <= 0) return 0;
  // The label band does not depend on the height once it is uncapped: measure it at a tall size.
  const HeatmapGeometry g = heatmap_geometry(m, QSize(width, 100000), font, min_row_px);
  return 2 * kMargin + g.title_h + g.col_label_h + m.rows * min_row_px + 2;
}

QImage render_heatmap(const HeatmapMatrix& m, const QSize& size, const HeatmapStyle& style, HeatmapGeometry* geometry_out) {
  const HeatmapGeometry g = heatmap_geometry(m, size, style.font, style.min_row_px);
  if (geometry_out) *geometry_out = g;
  const qreal dpr = style.device_pixel_ratio > 0 ? style.device_pixel_ratio : 1;
  QImage out(QSize(std::max(1, qRound(size.width() * dpr)), std::max(1, qRound(size.height() * dpr))), QImage::Format_RGB32);
  out.setDevicePixelRatio(dpr);
  out.fill(style.base);
  QPainter p(&out);
  p.setFont(style.font);
  const QRect rect(QPoint(0, 0), size);
  auto cellRect = [&](int r, int c) { return g.cellRect(m, r, c); };
  if (m.empty()) {
    p.setPen(style.placeholder);
    p.drawText(rect, Qt::AlignCenter | Qt::TextWordWrap, style.empty_text);
    return out;
  }
  const QFontMetrics fm(style.font);
  p.setPen(style.text);
  if (g.title_h > 0) {
    QFont bold = style.font;
    bold.setBold(true);
    p.setFont(bold);
    p.drawText(QRect(kMargin, kMargin, size.width() - 2 * kMargin, g.title_h), Qt::AlignLeft | Qt::AlignTop, m.title);
    p.setFont(style.font);
  }
  // Cells: the 1-pixel-per-cell image scaled without smoothing, so each cell is one flat colour.
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  p.drawImage(g.grid, heatmap_image(m));

  const int cw = g.grid.width() / m.cols, ch = g.grid.height() / m.rows;
  const bool values_fit = cw >= fm.horizontalAdvance("100.0%") + 4 && ch >= fm.height() + 2;
  if (values_fit) {
    for (int r = 0; r < m.rows; ++r)
      for (int c = 0; c < m.cols; ++c) {
        const QColor bg = QColor::fromRgb(heat_color(m, m.at(r, c)));
        p.setPen(bg.lightness() > 140 ? Qt::black : Qt::white);
        p.drawText(cellRect(r, c), Qt::AlignCenter, format_value(m, m.at(r, c)));
      }
  }
  // Row labels (worker colours when given). Rows lower than a line get a smaller font (down to 7 px) rather than
  // labels drawn over each other; below that, every k-th row is labelled.
  QFont row_font = style.font;
  // Never larger than the font itself (a row a little lower than a line used to get a BIGGER font, and elided labels).
  if (ch < fm.height() && ch >= 7) row_font.setPixelSize(std::min(QFontInfo(style.font).pixelSize(), ch));
  const QFontMetrics rfm(row_font);
  p.setFont(row_font);
  for (int r = 0; r < m.rows && r < m.row_labels.size(); ++r) {
    const QRect lr(kMargin, g.grid.top() + r * ch, g.row_label_w - 6, ch);
    p.setPen(r < static_cast<int>(m.row_colors.size()) ? m.row_colors[static_cast<size_t>(r)] : style.text);
    if (ch >= rfm.height() * 0.8 || r % std::max(1, rfm.height() / std::max(1, ch)) == 0)
      p.drawText(lr, Qt::AlignRight | Qt::AlignVCenter, rfm.elidedText(m.row_labels[r], Qt::ElideRight, lr.width()));
  }
  p.setFont(style.font);
  // Column labels.
  p.setPen(style.text);
  const int label_every = m.cols > 40 ? std::max(1, (fm.horizontalAdvance("pass 0000") + 10) / std::max(1, cw)) : 1;
  for (int c = 0; c < m.cols && c < m.col_labels.size(); c += label_every) {
    const QRect cr = cellRect(0, c);
    if (g.rotate_cols) {
      p.save();
      p.translate(cr.center().x(), g.grid.bottom() + 4);
      p.rotate(g.label_angle);
      p.drawText(QPoint(0, fm.ascent()), fm.elidedText(m.col_labels[c], Qt::ElideRight, std::max(g.rotated_label_len, fm.height())));
      p.restore();
    } else if (m.cols > 40) {
      p.drawText(QPoint(cr.left(), g.grid.bottom() + fm.ascent() + 3), m.col_labels[c]);
    } else {
      p.drawText(QRect(cr.left(), g.grid.bottom() + 2, cw, fm.height() + 2), Qt::AlignHCenter | Qt::AlignTop, fm.elidedText(m.col_labels[c], Qt::ElideRight, cw));
    }
  }
  // Legend: the colour scale from vmin (bottom) to vmax (top) with three labelled ticks.
  for (int y = 0; y < g.legend.height(); ++y) {
    const float t = 1.f - static_cast<float>(y) / std::max(1, g.legend.height() - 1);
    p.setPen(QColor::fromRgb(viridis(t)));
    p.drawLine(g.legend.left(), g.legend.top() + y, g.legend.right(), g.legend.top() + y);
  }
  p.setPen(style.text);
  p.drawRect(g.legend.adjusted(0, 0, -1, -1));
  for (int i = 0; i <= 2; ++i) {
    const float v = m.vmin + (m.vmax - m.vmin) * static_cast<float>(i) / 2.f;
    const int y = g.legend.bottom() - g.legend.height() * i / 2;
    p.drawText(QRect(g.legend.right() + 4, y - fm.height() / 2, legend_label_w(fm), fm.height()), Qt::AlignLeft | Qt::AlignVCenter, format_value(m, v));
  }
  return out;
}

}  // namespace hogwild::ui
