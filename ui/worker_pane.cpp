#include "worker_pane.h"

#include <algorithm>

#include <QEvent>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextBlock>
#include <QToolTip>
#include <QVBoxLayout>

#include "worker_palette.h"

namespace hogwild::ui {

namespace {
// Cursors positioned inside an edit block skip QTextCursorPrivate::setX, which otherwise shapes the whole line to
// find the cursor's x: selections are built inside one (an edit block without edits changes nothing).
class NoCursorLayout {
 public:
  explicit NoCursorLayout(QTextDocument* doc) : cursor_(doc) { cursor_.beginEditBlock(); }
  ~NoCursorLayout() { cursor_.endEditBlock(); }
  NoCursorLayout(const NoCursorLayout&) = delete;
  NoCursorLayout& operator=(const NoCursorLayout&) = delete;

 private:
  QTextCursor cursor_;
};
}  // namespace

WorkerPane::WorkerPane(int worker, const QString& name, QWidget* parent) : QFrame(parent), worker_(worker), name_(name) {
  setFrameShape(QFrame::StyledPanel);
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  lay->setSpacing(0);
  const QColor c = worker_color(worker);
  header_ = new QLabel(QString("  %1").arg(name), this);
  header_->setStyleSheet(QString("background:%1; color:white; font-weight:bold; padding:4px;").arg(c.name()));
  QFont hf = header_->font();
  hf.setPointSizeF(hf.pointSizeF() * 1.15);
  header_->setFont(hf);
  view_ = new QPlainTextEdit(this);
  view_->setReadOnly(true);
  view_->setFrameShape(QFrame::NoFrame);
  view_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  view_->viewport()->setMouseTracking(true);
  view_->viewport()->installEventFilter(this);
  view_->setUndoRedoEnabled(false);
  QFont tf = view_->font();
  tf.setPointSizeF(tf.pointSizeF() * 1.15);  // readable from the back of a classroom
  view_->setFont(tf);
  footer_ = new QLabel(this);
  footer_->setStyleSheet(QString("color:%1; padding:2px 6px;").arg(c.darker(120).name()));
  lay->addWidget(header_);
  lay->addWidget(view_, 1);
  lay->addWidget(footer_);
  setStats(0, 0);
}

QString WorkerPane::text() const { return view_->toPlainText(); }

bool WorkerPane::atBottom() const {
  const QScrollBar* sb = view_->verticalScrollBar();
  return sb->value() >= sb->maximum() - 2;
}

void WorkerPane::appendTokens(const std::vector<const TokenEvent*>& tokens) {
  if (tokens.empty()) return;
  const bool follow = atBottom();
  QTextCursor cur(view_->document());
  cur.movePosition(QTextCursor::End);
  QTextCharFormat plain, inserted, question;
  inserted.setFontWeight(QFont::Bold);
  inserted.setForeground(worker_color(worker_));
  question = inserted;
  question.setBackground(QColor(255, 236, 140));
  // Consecutive tokens with the same format go into the document with ONE insertText (each insert re-lays out
  // the paragraph, which dominated the GUI thread's time with many workers). Token ranges follow from the text
  // lengths; should the document count a run differently (it never should: one position per UTF-16 unit, a
  // newline included), the run is re-inserted token by token.
  const QTextCharFormat* run_format = nullptr;
  QString run;
  size_t run_first = tokens_.size();
  int pos = cur.position();
  // One edit block for the batch: the document is laid out once at its end, and the cursor does not lay out the
  // (long) paragraph after every insert to find its x position (QTextCursorPrivate::setX is skipped in edit blocks).
  cur.beginEditBlock();
  auto flush = [&] {
    if (run.isEmpty()) return;
    const int start = cur.position();
    cur.insertText(run, *run_format);
    if (cur.position() - start != static_cast<int>(run.size())) {  // fall back: exact positions per token
      cur.setPosition(start);
      cur.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
      cur.removeSelectedText();
      for (size_t i = run_first; i < tokens_.size(); ++i) {
        PaneToken& pt = tokens_[i];
        const QString piece = run.mid(pt.start - start, pt.end - pt.start);
        pt.start = cur.position();
        cur.insertText(piece, *run_format);
        pt.end = cur.position();
        if (pt.step == current_step_ && step_start_ >= start && step_start_ > pt.start) step_start_ = pt.start;
      }
    }
    run.clear();
    pos = cur.position();
  };
  for (const TokenEvent* t : tokens) {
    if (!t->inserted) collab_pending_ = false;  // the question run ends at the first sampled token
    const QTextCharFormat* f = t->inserted ? (collab_pending_ ? &question : &inserted) : &plain;
    if (f != run_format) {
      flush();
      run_format = f;
      run_first = tokens_.size();
    }
    if (t->step != current_step_) {
      current_step_ = t->step;
      step_start_ = pos;
    }
    PaneToken pt;
    pt.start = pos;
    pt.step = t->step;
    pt.inserted = t->inserted;
    pt.pass = t->pass;
    pt.id = t->token;
    pt.top = t->top;
    if (!t->text.empty()) {
      const QString piece = QString::fromStdString(t->text);
      run += piece;
      pos += static_cast<int>(piece.size());
    }
    pt.end = pos;
    tokens_.push_back(std::move(pt));
  }
  flush();
  cur.endEditBlock();
  updateSelections();
  if (follow) view_->verticalScrollBar()->setValue(view_->verticalScrollBar()->maximum());
}

void WorkerPane::setStats(qint64 sampled, double tps) {
  footer_->setText(QString("%1 tokens · %2 tok/s%3").arg(sampled).arg(tps, 0, 'f', 1).arg(finished_ ? tr(" · finished") : QString()));
}

void WorkerPane::setFinished(bool finished) {
  finished_ = finished;
  updateSelections();
}

void WorkerPane::setTokenTints(const std::vector<float>& weights, float max_weight, int query) {
  // Built once here (O(tokens)); appends only rebuild the current step's tint (updateSelections).
  tint_sel_.clear();
  tinted_ = 0;
  tinted_tokens_.clear();
  query_ = query >= 0 && query < static_cast<int>(tokens_.size()) ? query : -1;
  QTextDocument* doc = view_->document();
  const NoCursorLayout no_layout(doc);
  auto span = [&](const PaneToken& t) {
    QTextEdit::ExtraSelection s;
    s.cursor = QTextCursor(doc);
    s.cursor.setPosition(t.start);
    s.cursor.setPosition(t.end, QTextCursor::KeepAnchor);
    return s;
  };
  if (max_weight > 0) {
    for (size_t i = 0; i < weights.size() && i < tokens_.size(); ++i) {
      const float w = weights[i] / max_weight;
      if (w < 0.02f || tokens_[i].end <= tokens_[i].start) continue;
      QTextEdit::ExtraSelection s = span(tokens_[i]);
      s.format.setBackground(QColor(255, 120, 0, static_cast<int>(40 + 215 * std::min(1.f, w))));
      tint_sel_ << s;
      ++tinted_;
      tinted_tokens_.push_back(static_cast<int>(i));
    }
  }
  if (query_ >= 0 && tokens_[static_cast<size_t>(query_)].end > tokens_[static_cast<size_t>(query_)].start) {
    // The query itself: white on blue, underlined, so that it reads as "this token looks at the orange ones".
    QTextEdit::ExtraSelection s = span(tokens_[static_cast<size_t>(query_)]);
    s.format.setBackground(QColor(30, 90, 200));
    s.format.setForeground(Qt::white);
    s.format.setFontUnderline(true);
    tint_sel_ << s;
  }
  updateSelections();
}

void WorkerPane::updateSelections() {
  // Extra selections draw over the document without changing it: the current step's tint, then drill tints.
  QList<QTextEdit::ExtraSelection> sel;
  QTextDocument* doc = view_->document();
  const NoCursorLayout no_layout(doc);
  const int end = doc->characterCount() - 1;
  if (!finished_ && step_start_ < end) {
    QTextEdit::ExtraSelection s;
    s.cursor = QTextCursor(doc);
    s.cursor.setPosition(step_start_);
    s.cursor.setPosition(end, QTextCursor::KeepAnchor);
    s.format.setBackground(worker_tint(worker_));
    sel << s;
  }
  sel << tint_sel_;
  view_->setExtraSelections(sel);
}

int WorkerPane::tokenAtPosition(int pos) const {
  // Tokens are sorted by start; find the last one starting at or before pos that covers it.
  auto it = std::upper_bound(tokens_.begin(), tokens_.end(), pos, [](int p, const PaneToken& t) { return p < t.start; });
  while (it != tokens_.begin()) {
    --it;
    if (it->end > it->start) return pos < it->end ? static_cast<int>(it - tokens_.begin()) : -1;
  }
  return -1;
}

QString WorkerPane::tokenTooltip(int index) const {
  if (index < 0 || index >= static_cast<int>(tokens_.size())) return {};
  const PaneToken& t = tokens_[static_cast<size_t>(index)];
  auto piece = [&](int32_t id) {
    const QString s = vocab_ && id >= 0 && id < vocab_->size() ? (*vocab_)[id] : QString("#%1").arg(id);
    return QString("“%1”").arg(s.toHtmlEscaped().replace("\n", "⏎"));
  };
  QString tip = QString("<b>%1</b> token %2 (id %3) · step %4 · pass %5")
                    .arg(name_.toHtmlEscaped()).arg(index).arg(t.id).arg(t.step).arg(t.pass);
  if (t.inserted) tip += tr("<br><i>inserted by the scheduler</i>");
  if (!t.top.empty()) {
    tip += tr("<br>Next-token candidates:");
    for (const auto& [id, p] : t.top) tip += QString("<br>&nbsp;&nbsp;%1 %2%").arg(piece(id)).arg(static_cast<double>(p) * 100.0, 0, 'f', 1);
  }
  return tip;
}

bool WorkerPane::eventFilter(QObject* obj, QEvent* ev) {
  if (obj == view_->viewport()) {
    if (ev->type() == QEvent::MouseMove) {
      auto* me = static_cast<QMouseEvent*>(ev);
      const QPoint p = me->position().toPoint();
      const int i = tokenAtPosition(view_->cursorForPosition(p).position());
      // cursorForPosition snaps to the nearest character: only show it when the pointer is over text.
      if (i >= 0) QToolTip::showText(me->globalPosition().toPoint(), tokenTooltip(i), view_->viewport());
      else QToolTip::hideText();
    } else if (ev->type() == QEvent::MouseButtonRelease && !view_->textCursor().hasSelection()) {
      auto* me = static_cast<QMouseEvent*>(ev);
      const int i = tokenAtPosition(view_->cursorForPosition(me->position().toPoint()).position());
      if (i >= 0) Q_EMIT tokenClicked(worker_, i);
    }
  }
  return QFrame::eventFilter(obj, ev);
}

}  // namespace hogwild::ui
