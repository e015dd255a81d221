#pragma once
// A one-line text that changes many times a second (a pane's token count and speed, the status bar's tok/s,
// passes and cache): unlike QLabel::setText, which asks the parent layout to recompute every time (a layout pass
// of the pane or the status bar per batch: ~8 % of the GUI thread in a 2-worker run), setText here only repaints
// the label. The layout is asked for more room only when a text is wider than any shown before (rare: one more
// digit), so the width never shrinks and jitters while a run goes on.
#include <QColor>
#include <QMargins>
#include <QString>
#include <QWidget>

namespace hogwild::ui {

class LiveLabel : public QWidget {
  Q_OBJECT
 public:
  explicit LiveLabel(QWidget* parent = nullptr);
  void setText(const QString& text);
  QString text() const { return text_; }
  void setColor(const QColor& c);  // invalid: the palette's window text
  void setMargins(const QMargins& m);
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override { return sizeHint(); }
  int geometryRequests() const { return geometry_requests_; }  // how often it asked the layout for room

 protected:
  void paintEvent(QPaintEvent* e) override;
  void changeEvent(QEvent* e) override;

 private:
  QString text_;
  QColor color_;
  QMargins margins_{6, 2, 6, 2};
  int reserved_ = 0;  // widest text shown so far, px
  int geometry_requests_ = 0;
};

}  // namespace hogwild::ui
