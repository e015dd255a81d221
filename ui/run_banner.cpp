#include "run_banner.h"

#include <QEvent>
#include <QLabel>
#include <QRegularExpression>
#include <QTextDocument>
#include <QVBoxLayout>

namespace hogwild::ui {

namespace {
QString names_text(const QStringList& names) {
  if (names.size() <= 1) return names.value(0);
  return QStringList(names.mid(0, names.size() - 1)).join(", ") + QObject::tr(" and ") + names.last();
}
}  // namespace

QString reason_in_words(const FinishedEvent& f) {
  const QString r = QString::fromStdString(f.reason);
  if (r == "budget") return QObject::tr("the budget of %1 passes was spent").arg(f.passes);
  if (r == "eos") return QObject::tr("a worker ended its text (end of sequence)");
  if (r == "answer") return QObject::tr("a worker wrote its final answer in \\boxed{}");
  if (r == "context") return QObject::tr("the model's context is full (after %1 passes)").arg(f.passes);
  if (r == "stopped") return QObject::tr("you stopped it after %1 passes").arg(f.passes);
  if (r == "error") return QObject::tr("an error: %1").arg(QString::fromStdString(f.message));
  return r;
}

RunResult describe_result(const SessionRecord& r) {
  RunResult out;
  const FinishedEvent* f = r.finished();
  if (!f) return out;
  out.reason = reason_in_words(*f);
  out.answer = QString::fromStdString(f->answer);
  // The finisher's text is quoted in the message: ...; finisher: "<text>"
  const QString msg = QString::fromStdString(f->message);
  static const QRegularExpression fin("finisher: \"(.*)\"$", QRegularExpression::DotMatchesEverythingOption);
  if (const auto m = fin.match(msg); m.hasMatch()) out.finisher_text = m.captured(1);
  if (out.answer.isEmpty()) return out;
  // Which worker wrote it: the last finished step (or current text) holding \boxed{<answer>}.
  const QString boxed = "\\boxed{" + out.answer;
  for (auto it = r.events.rbegin(); it != r.events.rend(); ++it)
    if (const auto* s = std::get_if<StepFinishedEvent>(&*it); s && QString::fromStdString(s->text).contains(boxed)) {
      out.source = QObject::tr("%1's step %2").arg(r.worker_names.value(s->worker, QString::number(s->worker + 1))).arg(s->step);
      return out;
    }
  for (int w = r.worker_names.size() - 1; w >= 0; --w)
    if (r.workerText(w).contains(boxed)) {
      out.source = QObject::tr("%1's text").arg(r.worker_names[w]);
      return out;
    }
  if (!out.finisher_text.isEmpty()) out.source = QObject::tr("the finisher");
  return out;
}

RunBanner::RunBanner(QWidget* parent) : QFrame(parent) {
  setObjectName("runBanner");
  setFrameShape(QFrame::StyledPanel);
  setStyleSheet("#runBanner { background: #f4f7fb; border: 1px solid #c9d6e8; border-radius: 4px; }");
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(10, 6, 10, 6);
  label_ = new QLabel(this);
  label_->setWordWrap(true);
  label_->setTextFormat(Qt::RichText);
  label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  lay->addWidget(label_);
  changeEvent(nullptr);
}

void RunBanner::changeEvent(QEvent* e) {
  if (e) QFrame::changeEvent(e);
  if (!e || e->type() == QEvent::FontChange) {
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 1.1);
    label_->setFont(f);
  }
}

void RunBanner::showMessage(const QString& html) {
  label_->setText(html);
  show();
}

QString RunBanner::text() const {
  QTextDocument d;
  d.setHtml(label_->text());
  return d.toPlainText();
}

void RunBanner::showIntro(const QStringList& names, PresetLayout layout, const BudgetInfo& b, const QString& warning) {
  warns_ = false;
  QString where = names.isEmpty() ? QString()
                                  : tr("<b>%1</b> %2 write side by side in the panes below. ")
                                        .arg(names_text(names).toHtmlEscaped(), names.size() == 1 ? tr("will") : tr("will each"));
  if (layout != PresetLayout::Contiguous) where += tr("Each finished step joins the <b>Shared history</b> (bottom left). ");
  where += tr("The <b>heatmap</b> (bottom right) shows where each worker looks.");
  QString html = tr("<b>Press Start</b> (Ctrl+Return). %1").arg(where);
  if (b.error.isEmpty() && b.passes_fit > 0) {
    html += tr("<br>About <b>%1 passes</b> fit in the context (%2 tokens, prompt %3) with %4 worker%5.")
                .arg(b.passes_fit).arg(b.context).arg(b.prompt_tokens).arg(b.workers).arg(b.workers == 1 ? "" : "s");
    if (b.budget > b.passes_fit) {
      warns_ = true;
      html += tr(" <span style='color:#b35900'>⚠ The preset's budget is %1 passes: the run will stop early, when the context is "
                 "full.</span>").arg(b.budget);
    }
  } else if (!b.error.isEmpty() && b.error != tr("no model")) {
    html += tr("<br><span style='color:#b35900'>⚠ %1</span>").arg(b.error.toHtmlEscaped());
  }
  if (!warning.isEmpty()) html += tr("<br><span style='color:#b35900'>⚠ %1</span>").arg(warning.toHtmlEscaped());
  showMessage(html);
}

void RunBanner::showResult(const SessionRecord& r) {
  warns_ = false;
  const RunResult res = describe_result(r);
  if (!r.finished()) {
    hide();
    return;
  }
  QString html;
  if (!res.answer.isEmpty()) {
    html = tr("<span style='font-size:large'><b>Answer: %1</b></span>").arg(res.answer.toHtmlEscaped());
    if (!res.source.isEmpty()) html += tr(" — from %1").arg(res.source.toHtmlEscaped());
  } else if (!res.finisher_text.isEmpty()) {
    html = tr("<b>No \\boxed{} answer.</b> The finisher wrote: “%1”").arg(res.finisher_text.toHtmlEscaped());
  } else {
    html = tr("<b>Finished</b> (no \\boxed{} answer).");
  }
  html += tr("<br>The run stopped because %1.").arg(res.reason.toHtmlEscaped());
  showMessage(html);
}

}  // namespace hogwild::ui
