#include "shared_history_view.h"

#include <QScrollBar>
#include <QTextBlock>

#include "worker_palette.h"

namespace hogwild::ui {

SharedHistoryView::SharedHistoryView(QWidget* parent) : QPlainTextEdit(parent) {
  setReadOnly(true);
  setUndoRedoEnabled(false);
  setPlaceholderText(tr("Finished steps appear here as they merge into the shared cache, coloured by author."));
  QFont f = font();
  f.setPointSizeF(f.pointSizeF() * 1.1);
  setFont(f);
}

void SharedHistoryView::reset(const QStringList& names, const QString& prompt_note) {
  names_ = names;
  steps_ = 0;
  clear();
  if (!prompt_note.isEmpty()) {
    QTextCharFormat f;
    f.setForeground(QColor(110, 110, 110));
    f.setFontItalic(true);
    QTextCursor c(document());
    c.insertText(prompt_note + "\n", f);
  }
}

void SharedHistoryView::appendStep(const StepFinishedEvent& e) {
  const QScrollBar* sb = verticalScrollBar();
  const bool follow = sb->value() >= sb->maximum() - 2;
  QTextCursor c(document());
  c.movePosition(QTextCursor::End);
  QTextCharFormat tag;
  tag.setForeground(worker_color(e.worker));
  tag.setFontWeight(QFont::Bold);
  QTextCharFormat body;
  body.setBackground(worker_tint(e.worker));
  body.setForeground(worker_color(e.worker).darker(170));
  const QString who = e.worker < names_.size() ? names_[e.worker] : QString("worker %1").arg(e.worker + 1);
  c.insertText(QString("[%1 · step %2 · pass %3] ").arg(who).arg(e.step).arg(e.pass), tag);
  QString text = QString::fromStdString(e.text);
  while (text.endsWith('\n')) text.chop(1);
  c.insertText(text, body);
  c.insertText("\n", QTextCharFormat());
  ++steps_;
  if (follow) verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

}  // namespace hogwild::ui
