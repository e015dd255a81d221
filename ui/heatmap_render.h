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
  // Presentation mode: rows at least this tall and column labels never cut (the widget then asks for the height
  // it needs, heatmap_min_height, and scrolls). 0: everything is fitted into the size.
  int min_row_px = 0;
};

// Where things go for one matrix at one size (also what hit tests use).
struct HeatmapGeometry {
  QRect grid, legend;
  int title_h = 0, col_label_h = 0, row_label_w = 0;
  int rotated_label_len = 0;  // pixels of a rotated column label that fit in the band
  double label_angle = 35;    // degrees, rotated column labels
  bool rotate_cols = false;
  int row_h = 0;              // pixels per row
  int elided_labels = 0;      // labels drawn shortened ("Cha…") or left out
  int label_px = 0;           // the smallest font pixel size a label is drawn with
  // Where cell (r, c) is painted (empty when there is no data) and the cell under a point, or (-1, -1).
  QRect cellRect(const HeatmapMatrix& m, int r, int c) const;
  QPoint cellAt(const HeatmapMatrix& m, const QPoint& p) const;
};

HeatmapGeometry heatmap_geometry(const HeatmapMatrix& m, const QSize& size, const QFont& font, int min_row_px = 0);
// The height a matrix needs at this width so that rows are min_row_px tall and no label is cut.
int heatmap_min_height(const HeatmapMatrix& m, int width, const QFont& font, int min_row_px);
// size in device-independent pixels; the image has size × device_pixel_ratio pixels and that ratio set.
QImage render_heatmap(const HeatmapMatrix& m, const QSize& size, const HeatmapStyle& style, HeatmapGeometry* geometry = nullptr);

}  // namespace hogwild::ui
