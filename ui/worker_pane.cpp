#include "worker_pane.h"

#include <algorithm>

#include <QEvent>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QScrollBar>
#include <QToolTip>
#include <QVBoxLayout>

#include "live_label.h"
#include "worker_palette.h"

namespace hogwild::ui {

WorkerPane::WorkerPane(int worker, const QString& name, QWidget* parent) : QFrame(parent), worker_(worker), name_(name) {
  setFrameShape(QFrame::StyledPanel);
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  lay->setSpacing(0);
  const QColor c = worker_color(worker);
  header_ = new QLabel(QString("  %1").arg(name), this);
  header_->setStyleSheet(QString("background:%1; color:white; font-weight:bold; padding:4px;").arg(c.name()));
  view_ = new TokenTextView(this);
  view_->setAccent(c);
  view_->setFrameShape(QFrame::NoFrame);
  view_->viewport()->setMouseTracking(true);
  view_->viewport()->installEventFilter(this);
  view_->setPlaceholder(tr("%1's text appears here when you press Start: sampled text plain, text the scheduler inserts "
                           "(step prefixes) in bold %1-colour, the current step tinted.").arg(name));
  footer_ = new LiveLabel(this);
  footer_->setColor(c.darker(120));
  lay->addWidget(header_);
  lay->addWidget(view_, 1);
  lay->addWidget(footer_);
  setStats(0, 0);
  applyFonts();
}

void WorkerPane::applyFonts() {
  // Explicit fonts do not follow the window's font: derive them from the pane's own (inherited) font.
  QFont f = font();
  f.setPointSizeF(f.pointSizeF() * text_scale_);
  header_->setFont(f);
  view_->setFont(f);
}

void WorkerPane::setFooterVisible(bool on) { footer_->setVisible(on); }

void WorkerPane::setTextScale(double scale) {
  text_scale_ = scale;
  applyFonts();
}

void WorkerPane::changeEvent(QEvent* e) {
  QFrame::changeEvent(e);
  if (e->type() == QEvent::FontChange) applyFonts();
}

QString WorkerPane::text() const { return view_->text(); }

QString WorkerPane::tokenText(int index) const {
  if (index < 0 || index >= static_cast<int>(tokens_.size())) return {};
  const PaneToken& t = tokens_[static_cast<size_t>(index)];
  return view_->text().mid(t.start, t.end - t.start);
}

QRect WorkerPane::tokenRect(int index) const {
  if (index < 0 || index >= static_cast<int>(tokens_.size())) return {};
  const PaneToken& t = tokens_[static_cast<size_t>(index)];
  return t.end > t.start ? view_->rangeRect(t.start, t.end) : QRect();
}

void WorkerPane::appendTokens(const std::vector<const TokenEvent*>& tokens) {
  if (tokens.empty()) return;
  const bool follow = view_->atBottom();
  // Consecutive tokens with the same style go into the view with ONE append; token ranges follow from the text
  // lengths (the view counts one position per UTF-16 unit, a newline included).
  using Style = TokenTextView::Style;
  Style run_style = Style::Plain;
  QString run;
  int pos = view_->length();
  auto flush = [&] {
    view_->append(run, run_style);
    run.clear();
  };
  for (const TokenEvent* t : tokens) {
    if (!t->inserted) collab_pending_ = false;  // the question run ends at the first sampled token
    const Style style = t->inserted ? (collab_pending_ ? Style::Question : Style::Inserted) : Style::Plain;
    if (style != run_style) {
      flush();
      run_style = style;
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
    pt.prob = t->prob;
    pt.rank = t->rank;
    if (!t->text.empty()) {
      const QString piece = QString::fromStdString(t->text);
      run += piece;
      pos += static_cast<int>(piece.size());
    }
    pt.end = pos;
    tokens_.push_back(std::move(pt));
  }
  flush();
  updateSelections();
  if (follow) view_->scrollToBottom();
}

void WorkerPane::setStats(qint64 sampled, double tps) {
  footer_->setText(QString("%1 tokens · %2 tok/s%3").arg(sampled).arg(tps, 0, 'f', 1).arg(finished_ ? tr(" · finished") : QString()));
}

void WorkerPane::setFinished(bool finished) {
  finished_ = finished;
  updateSelections();
}

void WorkerPane::setTokenTints(const std::vector<float>& weights, float max_weight, int query) {
  // Built once here (O(tokens)); the view draws them over the text without changing it.
  tinted_ = 0;
  tinted_tokens_.clear();
  query_ = query >= 0 && query < static_cast<int>(tokens_.size()) ? query : -1;
  std::vector<TokenTextView::Overlay> overlays;
  if (max_weight > 0) {
    for (size_t i = 0; i < weights.size() && i < tokens_.size(); ++i) {
      const float w = weights[i] / max_weight;
      if (w < 0.02f || tokens_[i].end <= tokens_[i].start) continue;
      TokenTextView::Overlay o{tokens_[i].start, tokens_[i].end, {}};
      o.format.setBackground(QColor(255, 120, 0, static_cast<int>(40 + 215 * std::min(1.f, w))));
      overlays.push_back(std::move(o));
      ++tinted_;
      tinted_tokens_.push_back(static_cast<int>(i));
    }
  }
  view_->setOverlays(std::move(overlays));
  if (query_ >= 0 && tokens_[static_cast<size_t>(query_)].end > tokens_[static_cast<size_t>(query_)].start) {
    // The query itself: white on blue, underlined, so that it reads as "this token looks at the orange ones".
    QTextCharFormat f;
    f.setBackground(QColor(30, 90, 200));
    f.setForeground(Qt::white);
    f.setFontUnderline(true);
    view_->setHighlight(tokens_[static_cast<size_t>(query_)].start, tokens_[static_cast<size_t>(query_)].end, f);
  } else {
    view_->setHighlight(0, 0, {});
  }
}

void WorkerPane::updateSelections() {
  // The current, unfinished step: a light tint of the worker's colour from its first token to the end.
  view_->setTail(!finished_ && step_start_ < view_->length() ? step_start_ : -1, worker_tint(worker_));
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
  if (!t.inserted && t.rank > 0)
    tip += tr("<br>Sampled %1: <b>%2%</b>, rank %3%4")
               .arg(piece(t.id)).arg(static_cast<double>(t.prob) * 100.0, 0, 'f', 1).arg(t.rank)
               .arg(t.rank == 1 ? tr(" (the most likely)") : QString());
  if (!t.top.empty()) {
    tip += tr("<br>Next-token candidates:");
    for (const auto& [id, p] : t.top) {
      const QString line = QString("%1 %2%").arg(piece(id)).arg(static_cast<double>(p) * 100.0, 0, 'f', 1);
      tip += "<br>&nbsp;&nbsp;" + (id == t.id && !t.inserted ? "<b>" + line + tr(" ← sampled") + "</b>" : line);
    }
  }
  return tip;
}

bool WorkerPane::eventFilter(QObject* obj, QEvent* ev) {
  if (obj == view_->viewport()) {
    if (ev->type() == QEvent::MouseMove) {
      auto* me = static_cast<QMouseEvent*>(ev);
      const QPoint p = me->position().toPoint();
      const int at = me->buttons() == Qt::NoButton ? view_->positionAt(p) : -1;  // no tooltips while selecting
      const int i = at >= 0 ? tokenAtPosition(at) : -1;
      if (i >= 0) QToolTip::showText(me->globalPosition().toPoint(), tokenTooltip(i), view_->viewport());
      else QToolTip::hideText();
    } else if (ev->type() == QEvent::MouseButtonRelease && static_cast<QMouseEvent*>(ev)->button() == Qt::LeftButton &&
               !view_->hasSelection()) {
      const int at = view_->positionAt(static_cast<QMouseEvent*>(ev)->position().toPoint());
      const int i = at >= 0 ? tokenAtPosition(at) : -1;
      if (i >= 0) Q_EMIT tokenClicked(worker_, i);
    }
  }
  return QFrame::eventFilter(obj, ev);
}

}  // namespace hogwild::ui
