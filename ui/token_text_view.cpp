#include "token_text_view.h"

#include <algorithm>
#include <cmath>

#include <QClipboard>
#include <QContextMenuEvent>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QTextOption>

namespace hogwild::ui {

TokenTextView::TokenTextView(QWidget* parent) : QAbstractScrollArea(parent) {
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setFocusPolicy(Qt::ClickFocus);
  viewport()->setCursor(Qt::IBeamCursor);
  viewport()->setAutoFillBackground(false);
  viewport()->setAttribute(Qt::WA_OpaquePaintEvent);  // paintEvent fills what it paints: scrolling can blit
  segs_.emplace_back();
}

TokenTextView::~TokenTextView() = default;

void TokenTextView::setPlaceholder(const QString& text) {
  placeholder_ = text;
  viewport()->update();
}

void TokenTextView::setAccent(const QColor& c) {
  accent_ = c;
  relayoutAll();
}

QTextCharFormat TokenTextView::styleFormat(Style s) const {
  QTextCharFormat f;
  if (s == Style::Plain) return f;
  f.setFontWeight(QFont::Bold);
  f.setForeground(accent_);
  if (s == Style::Question) f.setBackground(QColor(255, 236, 140));
  return f;
}

QTextCharFormat TokenTextView::formatAt(int pos) const {
  auto it = std::partition_point(runs_.begin(), runs_.end(), [&](const Run& r) { return r.end <= pos; });
  return it != runs_.end() && it->start <= pos ? styleFormat(it->style) : QTextCharFormat();
}

qreal TokenTextView::lineWidth() const { return std::max(20, viewport()->width() - 2 * kMargin); }

void TokenTextView::layoutSegment(Segment& s) {
  auto lay = std::make_unique<QTextLayout>(text_.mid(s.start, s.end - s.start), font(), viewport());
  QTextOption opt;
  opt.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
  lay->setTextOption(opt);
  lay->setCacheEnabled(true);  // keeps the shaped glyphs for every repaint
  QList<QTextLayout::FormatRange> formats;
  for (auto it = std::partition_point(runs_.begin(), runs_.end(), [&](const Run& r) { return r.end <= s.start; });
       it != runs_.end() && it->start < s.end; ++it) {
    if (it->style == Style::Plain) continue;
    const int a = std::max(it->start, s.start), b = std::min(it->end, s.end);
    formats.append({a - s.start, b - a, styleFormat(it->style)});
  }
  lay->setFormats(formats);
  const qreal w = lineWidth();
  qreal h = 0;
  lay->beginLayout();
  for (;;) {
    QTextLine line = lay->createLine();
    if (!line.isValid()) break;
    line.setLineWidth(w);
    line.setPosition(QPointF(0, h));
    h += line.height();
  }
  lay->endLayout();
  s.h = h;
  s.layout = std::move(lay);
  laid_out_chars_ += s.end - s.start;
}

void TokenTextView::layoutTail() {
  for (;;) {
    Segment& open = segs_.back();
    const int nl = static_cast<int>(text_.indexOf(QLatin1Char('\n'), open.start));
    open.end = nl < 0 ? length() : nl;
    layoutSegment(open);
    if (nl >= 0) {  // the paragraph is closed: the next one opens after the newline
      Segment next;
      next.start = nl + 1;
      next.y = open.y + open.h;
      segs_.push_back(std::move(next));
      continue;
    }
    const int n = open.layout->lineCount();
    if (n > kOpenLines) {
      // Freeze every line but the last into its own segment, laid out once more and never again.
      Segment frozen;
      frozen.start = open.start;
      frozen.end = open.start + open.layout->lineAt(n - 1).textStart();
      frozen.y = open.y;
      layoutSegment(frozen);
      if (frozen.layout->lineCount() == n - 1) {  // always so for greedy wrapping; else the text stays open
        Segment rest;
        rest.start = frozen.end;
        rest.end = open.end;
        rest.y = frozen.y + frozen.h;
        layoutSegment(rest);
        segs_.back() = std::move(frozen);
        segs_.push_back(std::move(rest));
      }
    }
    break;
  }
}

void TokenTextView::relayoutAll() {
  segs_.clear();
  segs_.emplace_back();
  laid_width_ = lineWidth();
  layoutTail();
  updateScrollBar();
  viewport()->update();
}

std::vector<int> TokenTextView::lineStarts() const {
  std::vector<int> out;
  for (const Segment& s : segs_)
    for (int i = 0; i < s.layout->lineCount(); ++i) out.push_back(s.start + s.layout->lineAt(i).textStart());
  return out;
}

qreal TokenTextView::contentHeight() const { return segs_.back().y + segs_.back().h; }

void TokenTextView::updateScrollBar() {
  QScrollBar* sb = verticalScrollBar();
  const int total = static_cast<int>(std::ceil(contentHeight())) + 2 * kMargin;
  sb->setPageStep(viewport()->height());
  sb->setSingleStep(fontMetrics().lineSpacing());
  sb->setRange(0, std::max(0, total - viewport()->height()));
}

void TokenTextView::append(const QString& text, Style style) {
  if (text.isEmpty()) return;
  const int old_len = length();
  if (old_len == 0 && !placeholder_.isEmpty()) viewport()->update();  // the placeholder goes
  text_ += text;
  if (!runs_.empty() && runs_.back().style == style && runs_.back().end == old_len) runs_.back().end = length();
  else runs_.push_back({old_len, length(), style});
  if (laid_width_ != lineWidth()) {
    relayoutAll();
    return;
  }
  const qreal changed = segs_.back().y;  // everything above the open segment stays as it is
  layoutTail();
  updateScrollBar();
  repaintFrom(changed);
}

void TokenTextView::clear() {
  text_.clear();
  runs_.clear();
  overlays_.clear();
  has_highlight_ = false;
  tail_from_ = -1;
  sel_anchor_ = sel_pos_ = 0;
  relayoutAll();
}

void TokenTextView::repaintFrom(qreal content_y) {
  // From there to the end of the text: below it nothing changed (the text only grows).
  const int off = kMargin - verticalScrollBar()->value();
  const int y = std::max(0, static_cast<int>(std::floor(content_y)) + off);
  const int bottom = std::min(viewport()->height(), static_cast<int>(std::ceil(contentHeight())) + off + 1);
  if (y < bottom) viewport()->update(QRect(0, y, viewport()->width(), bottom - y));
}

void TokenTextView::setTail(int from, const QColor& background) {
  if (from == tail_from_ && background == tail_color_) return;
  tail_from_ = from;
  tail_color_ = background;
  viewport()->update();
}

void TokenTextView::setOverlays(std::vector<Overlay> overlays) {
  overlays_ = std::move(overlays);
  viewport()->update();
}

void TokenTextView::setHighlight(int start, int end, const QTextCharFormat& format) {
  has_highlight_ = end > start;
  highlight_ = {start, end, format};
  viewport()->update();
}

QList<QTextLayout::FormatRange> TokenTextView::overlaysFor(const Segment& s) const {
  QList<QTextLayout::FormatRange> out;
  auto add = [&](int a, int b, const QTextCharFormat& f) {
    a = std::max(a, s.start);
    b = std::min(b, s.end);
    if (a < b) out.append({a - s.start, b - a, f});
  };
  if (tail_from_ >= 0) {
    QTextCharFormat f;
    f.setBackground(tail_color_);
    add(tail_from_, length(), f);
  }
  // Overlays are sorted and disjoint, so their ends are sorted too.
  for (auto it = std::partition_point(overlays_.begin(), overlays_.end(), [&](const Overlay& o) { return o.end <= s.start; });
       it != overlays_.end() && it->start < s.end; ++it)
    add(it->start, it->end, it->format);
  if (has_highlight_) add(highlight_.start, highlight_.end, highlight_.format);
  if (hasSelection()) {
    QTextCharFormat f;
    f.setBackground(palette().highlight());
    f.setForeground(palette().highlightedText());
    add(std::min(sel_anchor_, sel_pos_), std::max(sel_anchor_, sel_pos_), f);
  }
  return out;
}

int TokenTextView::segmentAtY(qreal y) const {
  auto it = std::partition_point(segs_.begin(), segs_.end(), [&](const Segment& s) { return s.y + s.h <= y; });
  if (it == segs_.end()) --it;
  return static_cast<int>(it - segs_.begin());
}

void TokenTextView::paintEvent(QPaintEvent* e) {
  QPainter p(viewport());
  const QRect r = e->rect();
  p.fillRect(r, palette().base());
  if (text_.isEmpty() && !placeholder_.isEmpty()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(viewport()->rect().adjusted(kMargin, kMargin, -kMargin, -kMargin), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, placeholder_);
    return;
  }
  p.setPen(palette().text().color());
  const qreal off = kMargin - verticalScrollBar()->value();
  QList<QTextLayout::FormatRange> selections;
  for (int i = segmentAtY(r.top() - off); i < static_cast<int>(segs_.size()); ++i) {
    const Segment& s = segs_[static_cast<size_t>(i)];
    if (s.y + off > r.bottom()) break;
    const QPointF at(kMargin, s.y + off);
    // Overlays that only colour the background are filled here, under the text, line by line; the layout draws
    // the rest as selections (a selection is drawn by clipping to it and drawing its text a second time).
    selections.clear();
    for (const QTextLayout::FormatRange& f : overlaysFor(s)) {
      if (f.format.hasProperty(QTextFormat::ForegroundBrush) || f.format.fontUnderline()) {
        selections.append(f);
        continue;
      }
      const QBrush bg = f.format.background();
      for (int li = s.layout->lineForTextPosition(f.start).lineNumber(); li >= 0 && li < s.layout->lineCount(); ++li) {
        const QTextLine l = s.layout->lineAt(li);
        const int a = std::max(f.start, l.textStart()), b = std::min(f.start + f.length, l.textStart() + l.textLength());
        if (a >= f.start + f.length) break;
        if (a < b) {
          const qreal x1 = l.cursorToX(a), x2 = l.cursorToX(b);
          p.fillRect(QRectF(at.x() + x1, at.y() + l.y(), x2 - x1, l.height()), bg);
        }
      }
    }
    s.layout->draw(&p, at, selections, r);
  }
}

void TokenTextView::resizeEvent(QResizeEvent* e) {
  const bool follow = atBottom();
  const int keep = cursorAt(QPoint(kMargin, 0));  // the text at the top stays at the top
  QAbstractScrollArea::resizeEvent(e);
  if (lineWidth() != laid_width_) relayoutAll();
  updateScrollBar();
  if (follow) scrollToBottom();
  else verticalScrollBar()->setValue(rangeRect(keep, keep + 1).top() + verticalScrollBar()->value() - kMargin);
}

void TokenTextView::changeEvent(QEvent* e) {
  QAbstractScrollArea::changeEvent(e);
  if (e->type() == QEvent::FontChange) relayoutAll();
}

void TokenTextView::scrollContentsBy(int dx, int dy) { viewport()->scroll(dx, dy); }

bool TokenTextView::atBottom() const {
  const QScrollBar* sb = verticalScrollBar();
  return sb->value() >= sb->maximum() - 2;
}

void TokenTextView::scrollToBottom() { verticalScrollBar()->setValue(verticalScrollBar()->maximum()); }

int TokenTextView::lineAt(const Segment& s, qreal y) const {
  int lo = 0, hi = s.layout->lineCount() - 1;
  while (lo < hi) {  // the first line whose bottom is below y
    const int mid = (lo + hi) / 2;
    const QTextLine l = s.layout->lineAt(mid);
    if (l.y() + l.height() <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

int TokenTextView::cursorAt(const QPoint& p) const {
  const qreal y = p.y() - kMargin + verticalScrollBar()->value();
  if (y < 0) return 0;
  if (y >= contentHeight()) return length();
  const Segment& s = segs_[static_cast<size_t>(segmentAtY(y))];
  const QTextLine l = s.layout->lineAt(lineAt(s, y - s.y));
  return s.start + l.xToCursor(p.x() - kMargin);
}

int TokenTextView::positionAt(const QPoint& p) const {
  const qreal y = p.y() - kMargin + verticalScrollBar()->value();
  if (y < 0 || y >= contentHeight()) return -1;
  const Segment& s = segs_[static_cast<size_t>(segmentAtY(y))];
  const QTextLine l = s.layout->lineAt(lineAt(s, y - s.y));
  const qreal x = p.x() - kMargin;
  if (x < 0 || x >= l.naturalTextWidth()) return -1;
  const int i = l.xToCursor(x, QTextLine::CursorOnCharacter);
  return i >= l.textStart() && i < l.textStart() + l.textLength() ? s.start + i : -1;
}

QRect TokenTextView::rangeRect(int start, int end) const {
  // The segment holding `start`, or ending right at it (a newline, the end of the text).
  auto it = std::partition_point(segs_.begin(), segs_.end(), [&](const Segment& s) { return s.end <= start; });
  if ((it == segs_.end() || it->start > start) && it != segs_.begin()) --it;
  if (it == segs_.end() || start < it->start || start > it->end) return {};
  const QTextLine l = it->layout->lineForTextPosition(start - it->start);
  if (!l.isValid()) return {};
  const int line_end = it->start + l.textStart() + l.textLength();
  const qreal x1 = l.cursorToX(start - it->start), x2 = l.cursorToX(std::min(end, line_end) - it->start);
  const qreal top = it->y + l.y() + kMargin - verticalScrollBar()->value();
  return QRectF(kMargin + x1, top, std::max<qreal>(1, x2 - x1), l.height()).toAlignedRect();
}

QString TokenTextView::selectedText() const {
  const int a = std::min(sel_anchor_, sel_pos_), b = std::max(sel_anchor_, sel_pos_);
  return text_.mid(a, b - a);
}

void TokenTextView::selectAll() {
  sel_anchor_ = 0;
  sel_pos_ = length();
  viewport()->update();
}

void TokenTextView::copy() const {
  if (hasSelection()) QGuiApplication::clipboard()->setText(selectedText());
}

void TokenTextView::mousePressEvent(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton) return QAbstractScrollArea::mousePressEvent(e);
  const bool had = hasSelection();
  sel_anchor_ = sel_pos_ = cursorAt(e->position().toPoint());
  if (had) viewport()->update();
}

void TokenTextView::mouseMoveEvent(QMouseEvent* e) {
  if (!(e->buttons() & Qt::LeftButton)) return QAbstractScrollArea::mouseMoveEvent(e);
  const QPoint p = e->position().toPoint();
  QScrollBar* sb = verticalScrollBar();
  if (p.y() < 0) sb->setValue(sb->value() - sb->singleStep());  // dragging past an edge scrolls
  else if (p.y() > viewport()->height()) sb->setValue(sb->value() + sb->singleStep());
  const int pos = cursorAt(p);
  if (pos == sel_pos_) return;
  sel_pos_ = pos;
  viewport()->update();
}

void TokenTextView::mouseDoubleClickEvent(QMouseEvent* e) {
  const int at = positionAt(e->position().toPoint());
  if (at < 0 || !text_[at].isLetterOrNumber()) return;
  int a = at, b = at;
  while (a > 0 && text_[a - 1].isLetterOrNumber()) --a;
  while (b < length() && text_[b].isLetterOrNumber()) ++b;
  sel_anchor_ = a;
  sel_pos_ = b;
  viewport()->update();
}

void TokenTextView::keyPressEvent(QKeyEvent* e) {
  if (e == QKeySequence::Copy) copy();
  else if (e == QKeySequence::SelectAll) selectAll();
  else QAbstractScrollArea::keyPressEvent(e);
}

void TokenTextView::contextMenuEvent(QContextMenuEvent* e) {
  QMenu menu(this);
  menu.addAction(tr("&Copy"), this, [this] { copy(); })->setEnabled(hasSelection());
  menu.addAction(tr("Select &All"), this, [this] { selectAll(); });
  menu.exec(e->globalPos());
}

}  // namespace hogwild::ui
