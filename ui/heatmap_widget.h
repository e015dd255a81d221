#pragma once
// A labelled heatmap drawn with QPainter (no Qt Charts: GPL and heavier than needed). Rows and columns carry
// labels, a viridis legend shows the scale, cells show their value when there is room, and hovering a cell
// shows its exact value in a tooltip. The cell colours come from heatmap_image() (a pure function).
#include <QImage>
#include <QWidget>

#include "heatmap_matrix.h"

namespace hogwild::ui {

class HeatmapWidget : public QWidget {
  Q_OBJECT
 public:
  explicit HeatmapWidget(QWidget* parent = nullptr);

  void setMatrix(HeatmapMatrix m);
  const HeatmapMatrix& matrix() const { return m_; }
  void setEmptyText(const QString& text);
  // Where cell (r, c) is painted, in widget coordinates (empty when there is no data). Used by hit tests.
  QRect cellRect(int r, int c) const;
  // The cell under a point, or (-1, -1).
  QPoint cellAt(const QPoint& pos) const;

  QSize minimumSizeHint() const override { return {320, 180}; }
  QSize sizeHint() const override { return {560, 300}; }

 protected:
  void paintEvent(QPaintEvent*) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void resizeEvent(QResizeEvent*) override;

 private:
  void computeGeometry();

  HeatmapMatrix m_;
  QImage image_;
  QString empty_text_;
  // Geometry of the last layout.
  QRect grid_, legend_;
  int title_h_ = 0, col_label_h_ = 0, row_label_w_ = 0;
  int rotated_label_len_ = 0;            // pixels of a rotated column label that fit in the band
  double label_angle_ = 35;              // degrees, rotated column labels (computeGeometry)
  bool rotate_cols_ = false;
};

}  // namespace hogwild::ui
