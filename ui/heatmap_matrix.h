#pragma once
// A labelled matrix for a heatmap, plus the pure function that turns it into an image (one pixel per cell).
// Kept free of widgets so that the colours can be tested without painting, and the image can be built on any
// thread.
#include <QImage>
#include <QString>
#include <QStringList>
#include <vector>

namespace hogwild::ui {

struct HeatmapMatrix {
  QString title;
  int rows = 0, cols = 0;
  std::vector<float> values;  // [rows][cols]; NaN = no data (drawn grey)
  QStringList row_labels, col_labels;
  QStringList col_ids;             // optional internal names of the columns ("step:1"), shown in tooltips
  std::vector<QColor> row_colors;  // optional label colours (worker colours)
  float vmin = 0.f, vmax = 1.f;    // colour scale
  QString value_format = "%";      // "%": values are shares, shown as percentages; "f": plain numbers
  float at(int r, int c) const { return values[static_cast<size_t>(r) * cols + c]; }
  bool empty() const { return rows <= 0 || cols <= 0; }
};

// Viridis (sequential, perceptually uniform, colour-blind safe); t in [0, 1], clamped.
QRgb viridis(float t);
// The colour of value v on the matrix's scale (grey for NaN).
QRgb heat_color(const HeatmapMatrix& m, float v);
// rows x cols image, pixel (c, r) = heat_color(m, m.at(r, c)).
QImage heatmap_image(const HeatmapMatrix& m);
// "42.0%" or "0.123" depending on value_format.
QString format_value(const HeatmapMatrix& m, float v);

}  // namespace hogwild::ui
