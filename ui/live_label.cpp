#include "live_label.h"

#include <QEvent>
#include <QPainter>

namespace hogwild::ui {

LiveLabel::LiveLabel(QWidget* parent) : QWidget(parent) { setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed); }

void LiveLabel::setText(const QString& text) {
  if (text == text_) return;
  text_ = text;
  const int w = fontMetrics().horizontalAdvance(text_) + 2;  // +2: the advance is rounded, the elision is not
  if (w > reserved_) {
    reserved_ = w;
    ++geometry_requests_;
    updateGeometry();
  }
  update();
}

void LiveLabel::setColor(const QColor& c) {
  color_ = c;
  update();
}

void LiveLabel::setMargins(const QMargins& m) {
  margins_ = m;
  updateGeometry();
  update();
}

QSize LiveLabel::sizeHint() const {
  return {reserved_ + margins_.left() + margins_.right(), fontMetrics().height() + margins_.top() + margins_.bottom()};
}

void LiveLabel::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setPen(color_.isValid() ? color_ : palette().color(QPalette::WindowText));
  const QRect r = rect().marginsRemoved(margins_);
  const bool fits = fontMetrics().horizontalAdvance(text_) < r.width();
  p.drawText(r, Qt::AlignLeft | Qt::AlignVCenter, fits ? text_ : fontMetrics().elidedText(text_, Qt::ElideRight, r.width()));
}

void LiveLabel::changeEvent(QEvent* e) {
  QWidget::changeEvent(e);
  if (e->type() == QEvent::FontChange) {
    reserved_ = fontMetrics().horizontalAdvance(text_) + 2;
    updateGeometry();
  }
}

}  // namespace hogwild::ui
