#pragma once
// An append-only, read-only text view for a worker's live stream that lays out each finished line ONCE.
//
// Why not QPlainTextEdit: its document re-lays out (re-shapes) the whole paragraph an append lands in, and a
// model's output is often one long paragraph, so every batch cost O(paragraph) in text shaping — the top cost of
// the GUI thread with 8 workers. Here the text is cut into segments of whole visual lines, each with its own
// QTextLayout: finished segments are never laid out again (until the width or the font changes); an append lays
// out only the open segment (the last few lines of the last paragraph) and, once it holds more than
// kOpenLines lines, freezes all but its last line into a finished segment. Greedy line breaking makes this exact:
// where a finished line breaks does not depend on the text after it.
//
// What is drawn: the text in three styles (plain; inserted = bold in the accent colour; question = inserted on
// yellow), then overlays that do not change the text — a tint from a position to the end (the current step), a
// list of ranges with their own formats (drill-down tints, the query token), and the user's mouse selection.
// Scrolling blits (QWidget::scroll) and appends repaint only the lines that changed.
//
// Positions are indexes into text(): one per UTF-16 unit, a newline included (as in QTextDocument).
#include <cstdint>
#include <memory>
#include <vector>

#include <QAbstractScrollArea>
#include <QColor>
#include <QString>
#include <QTextCharFormat>
#include <QTextLayout>

namespace hogwild::ui {

class TokenTextView : public QAbstractScrollArea {
  Q_OBJECT
 public:
  enum class Style : uint8_t { Plain, Inserted, Question };
  struct Overlay {
    int start = 0, end = 0;  // [start, end)
    QTextCharFormat format;
  };
  static constexpr int kOpenLines = 3;

  explicit TokenTextView(QWidget* parent = nullptr);
  ~TokenTextView() override;

  void setAccent(const QColor& c);
  // Shown (grey, wrapped) while the view has no text: what will appear here.
  void setPlaceholder(const QString& text);
  const QString& placeholder() const { return placeholder_; }
  void append(const QString& text, Style style);
  void clear();
  const QString& text() const { return text_; }
  int length() const { return static_cast<int>(text_.size()); }
  QTextCharFormat formatAt(int pos) const;  // the style's format at a position (overlays not included)

  // Overlays. setTail: background from `from` to the end of the text (-1: none). setOverlays: ranges sorted by
  // start and not overlapping; setHighlight: one more range drawn over them (the drill-down query).
  void setTail(int from, const QColor& background);
  void setOverlays(std::vector<Overlay> overlays);
  void setHighlight(int start, int end, const QTextCharFormat& format);
  int overlayCount() const { return static_cast<int>(overlays_.size()); }

  // Geometry, in viewport coordinates. positionAt: the character under the point, or -1 when the point is not
  // over text; cursorAt: the nearest position between characters (for selections); rangeRect: the box of
  // [start, end) on the line where it starts.
  int positionAt(const QPoint& p) const;
  int cursorAt(const QPoint& p) const;
  QRect rangeRect(int start, int end) const;

  bool hasSelection() const { return sel_anchor_ != sel_pos_; }
  QString selectedText() const;
  void selectAll();
  void copy() const;

  bool atBottom() const;
  void scrollToBottom();
  qreal contentHeight() const;
  int segmentCount() const { return static_cast<int>(segs_.size()); }
  std::vector<int> lineStarts() const;  // the text position where each visual line starts, top to bottom
  qreal layoutWidth() const { return laid_width_; }
  // How many characters were laid out since construction (the cost measure the tests bound).
  qint64 laidOutChars() const { return laid_out_chars_; }

 protected:
  void paintEvent(QPaintEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;
  void changeEvent(QEvent* e) override;
  void scrollContentsBy(int dx, int dy) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void contextMenuEvent(QContextMenuEvent* e) override;

 private:
  struct Segment {
    int start = 0, end = 0;  // text range, inside one paragraph (no newline)
    qreal y = 0, h = 0;      // content coordinates
    std::unique_ptr<QTextLayout> layout;
  };
  struct Run {
    int start = 0, end = 0;
    Style style = Style::Plain;
  };
  QTextCharFormat styleFormat(Style s) const;
  void layoutSegment(Segment& s);
  void layoutTail();   // lays out the open segment (and any paragraphs the new text closed)
  void relayoutAll();  // after a width or font change
  void updateScrollBar();
  qreal lineWidth() const;
  int segmentAtY(qreal y) const;  // content y -> segment index (clamped), -1 when empty
  QList<QTextLayout::FormatRange> overlaysFor(const Segment& s) const;
  void repaintFrom(qreal content_y);
  int lineAt(const Segment& s, qreal y) const;

  QString text_;
  std::vector<Run> runs_;
  std::vector<Segment> segs_;  // never empty: the last one is the open segment
  QString placeholder_;
  QColor accent_{Qt::black};
  int tail_from_ = -1;
  QColor tail_color_;
  std::vector<Overlay> overlays_;
  Overlay highlight_;
  bool has_highlight_ = false;
  int sel_anchor_ = 0, sel_pos_ = 0;
  qreal laid_width_ = -1;
  qint64 laid_out_chars_ = 0;
  static constexpr int kMargin = 4;
};

}  // namespace hogwild::ui
