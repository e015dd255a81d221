#pragma once
// A labelled heatmap: rows and columns carry labels, a viridis legend shows the scale, cells show their value when
// there is room, and hovering a cell shows its exact value in a tooltip. The whole picture is rendered into an
// image by render_heatmap() (heatmap_render.h), on any thread: paintEvent only blits it.
//   setMatrix()   renders on the calling thread (tests, replays, exports, resizes);
//   setRendered() takes an image rendered elsewhere (HeatmapPanel's renderer thread) for the widget's size.
#include <QImage>
#include <QWidget>

#include "heatmap_matrix.h"
#include "heatmap_render.h"

namespace hogwild::ui {

class HeatmapWidget : public QWidget {
  Q_OBJECT
 public:
  explicit HeatmapWidget(QWidget* parent = nullptr);

  void setMatrix(HeatmapMatrix m);
  // An image rendered by render_heatmap(m, size, style()) elsewhere. Taken when it was rendered for the current
  // size and pixel ratio; otherwise (the widget was resized meanwhile) the matrix is rendered again here.
  void setRendered(HeatmapMatrix m, QImage image, const HeatmapGeometry& geometry);
  const HeatmapMatrix& matrix() const { return m_; }
  void setEmptyText(const QString& text);
  // The style the widget renders with (font, palette colours, pixel ratio, empty text), for renders elsewhere.
  HeatmapStyle style() const;
  // Where cell (r, c) is painted, in widget coordinates (empty when there is no data). Used by hit tests.
  QRect cellRect(int r, int c) const { return geometry_.cellRect(m_, r, c); }
  // The cell under a point, or (-1, -1).
  QPoint cellAt(const QPoint& pos) const { return geometry_.cellAt(m_, pos); }
  // The rendered picture (what paintEvent draws).
  const QImage& image() const { return image_; }

  // Presentation mode: rows at least `px` tall and uncut labels; the widget then asks for the height that needs
  // (put it in a scroll area). 0: fit everything into the widget's size.
  void setMinRowPx(int px);
  int minRowPx() const { return min_row_px_; }
  const HeatmapGeometry& geometry() const { return geometry_; }

  QSize minimumSizeHint() const override;
  QSize sizeHint() const override { return {560, 300}; }

 protected:
  void paintEvent(QPaintEvent*) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void resizeEvent(QResizeEvent*) override;
  void changeEvent(QEvent* e) override;  // font (zoom): render again

 private:
  void render();

  HeatmapMatrix m_;
  QImage image_;
  HeatmapGeometry geometry_;
  QString empty_text_;
  int min_row_px_ = 0;
  int min_height_ = 0;  // heatmap_min_height for the current matrix and width
};

}  // namespace hogwild::ui
