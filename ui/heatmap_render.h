#pragma once
// Renders a whole heatmap (title, cells, values, labels, legend) into a QImage: a pure function of the matrix,
// the size and the style, so it runs on any thread. HeatmapWidget only blits the result; the live heatmaps of
// HeatmapPanel are rendered on the panel's renderer thread (HeatmapRenderer), off the GUI thread.
#include <QColor>
#include <QFont>
#include <QImage>
#include <QRect>
#include <QSize>
#include <QString>

#include "heatmap_matrix.h"

namespace hogwild::ui {

// What the widget contributes to the picture (copied, so the render thread never touches a widget).
struct HeatmapStyle {
  QFont font;
  QColor base = Qt::white, text = Qt::black, placeholder = Qt::gray;
  qreal device_pixel_ratio = 1;
  QString empty_text;
};

// Where things go for one matrix at one size (also what hit tests use).
struct HeatmapGeometry {
  QRect grid, legend;
  int title_h = 0, col_label_h = 0, row_label_w = 0;
  int rotated_label_len = 0;  // pixels of a rotated column label that fit in the band
  double label_angle = 35;    // degrees, rotated column labels
  bool rotate_cols = false;
  // Where cell (r, c) is painted (empty when there is no data) and the cell under a point, or (-1, -1).
  QRect cellRect(const HeatmapMatrix& m, int r, int c) const;
  QPoint cellAt(const HeatmapMatrix& m, const QPoint& p) const;
};

HeatmapGeometry heatmap_geometry(const HeatmapMatrix& m, const QSize& size, const QFont& font);
// size in device-independent pixels; the image has size × device_pixel_ratio pixels and that ratio set.
QImage render_heatmap(const HeatmapMatrix& m, const QSize& size, const HeatmapStyle& style, HeatmapGeometry* geometry = nullptr);

}  // namespace hogwild::ui
