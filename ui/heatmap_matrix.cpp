#include "heatmap_matrix.h"

#include <algorithm>
#include <cmath>

namespace hogwild::ui {

QRgb viridis(float t) {
  // Degree-6 polynomial fit of matplotlib's viridis (within 4/255 of the table), so no 256-entry table is needed.
  const double x = std::clamp(static_cast<double>(t), 0.0, 1.0);
  static const double c[7][3] = {{0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
                                 {0.1050930431085774, 1.404613529898575, 1.384590162594685},
                                 {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
                                 {-4.634230498983486, -5.799100973351585, -19.33244095627987},
                                 {6.228269936347081, 14.17993336680509, 56.69055260068105},
                                 {4.776384997670288, -13.74514537774601, -65.35303263337234},
                                 {-5.435455855934631, 4.645852612178535, 26.3124352495832}};
  int rgb[3];
  for (int k = 0; k < 3; ++k) {
    double v = c[6][k];
    for (int i = 5; i >= 0; --i) v = c[i][k] + x * v;
    rgb[k] = std::clamp(static_cast<int>(std::lround(v * 255.0)), 0, 255);
  }
  return qRgb(rgb[0], rgb[1], rgb[2]);
}

QRgb heat_color(const HeatmapMatrix& m, float v) {
  if (std::isnan(v)) return qRgb(200, 200, 200);
  const float span = m.vmax - m.vmin;
  return viridis(span > 0 ? (v - m.vmin) / span : 0.f);
}

QImage heatmap_image(const HeatmapMatrix& m) {
  if (m.empty()) return {};
  QImage img(m.cols, m.rows, QImage::Format_RGB32);
  for (int r = 0; r < m.rows; ++r) {
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(r));
    for (int c = 0; c < m.cols; ++c) line[c] = heat_color(m, m.at(r, c));
  }
  return img;
}

QString format_value(const HeatmapMatrix& m, float v) {
  if (std::isnan(v)) return QStringLiteral("–");
  if (m.value_format == "%") return QString::number(static_cast<double>(v) * 100.0, 'f', 1) + "%";
  return QString::number(static_cast<double>(v), 'g', 3);
}

}  // namespace hogwild::ui
