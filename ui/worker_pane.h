#pragma once
// One worker's live text: a coloured name header, a read-only text view that grows by appending (never by
// resetting the whole text; TokenTextView lays out each finished line once), and a footer with the worker's
// token count and speed.
//
// Rendering: sampled text is plain; text the scheduler inserted (step prefixes such as "**Alice [2]:** ",
// openers) is bold in the worker's colour; the collaboration question is bold on a yellow background; the
// worker's current, unfinished step has a light tint of its colour. Autoscroll follows the text only while the
// view is at the bottom, so a user who scrolls up to read is not yanked back down.
//
// Every token keeps its metadata (document range, step, pass, id, top-k candidates): hovering a token shows
// the candidates the sampler chose from, clicking one emits tokenClicked (the drill-down).
#include <cstdint>
#include <utility>
#include <vector>

#include <QFrame>
#include <QStringList>

#include "hogwild/events.h"
#include "token_text_view.h"

class QLabel;

namespace hogwild::ui {

class LiveLabel;

struct PaneToken {
  int start = 0, end = 0;  // document positions [start, end)
  int step = 0;
  bool inserted = false;
  qint64 pass = 0;
  int32_t id = 0;
  std::vector<std::pair<int32_t, float>> top;
  float prob = -1.f;  // the sampled token's own probability and rank (TokenEvent), -1 / 0 when unknown
  int rank = 0;
};

class WorkerPane : public QFrame {
  Q_OBJECT
 public:
  WorkerPane(int worker, const QString& name, QWidget* parent = nullptr);

  int worker() const { return worker_; }
  QString name() const { return name_; }
  // Appends the worker's tokens of one batch (in order) with one scroll/selection update at the end.
  void appendTokens(const std::vector<const TokenEvent*>& tokens);
  // The next run of inserted tokens is the collaboration question's step start: highlight it.
  void markCollabQuestion() { collab_pending_ = true; }
  void setStats(qint64 sampled, double tokens_per_second);
  void setFinished(bool finished);
  // Text size relative to the window font (presentation mode: larger); the header follows.
  void setTextScale(double scale);
  // Presentation mode hides the footer (tokens, tok/s: the status bar has the totals); the text gets the room.
  void setFooterVisible(bool on);
  double textScale() const { return text_scale_; }
  // Decoded text per token id, for the top-k tooltip (null: ids are shown).
  void setVocab(const QStringList* vocab) { vocab_ = vocab; }
  // Drill-down tint: weights[i] for token i (0 = none), scaled by max_weight. Empty clears. `query` is the token
  // whose attention the tint shows when it is in this pane (outlined in blue), else -1.
  void setTokenTints(const std::vector<float>& weights, float max_weight, int query = -1);

  const std::vector<PaneToken>& tokens() const { return tokens_; }
  QString text() const;
  QString tokenText(int index) const;
  int tokenAtPosition(int doc_pos) const;
  QString tokenTooltip(int index) const;
  // Where token `index` is drawn (viewport coordinates of view(); the line it starts on), empty if it has no text.
  QRect tokenRect(int index) const;
  TokenTextView* view() const { return view_; }
  LiveLabel* footer() const { return footer_; }
  // Tokens currently drawn with a drill tint (for tests and the legend), and the outlined query token (-1: none).
  int tintedTokens() const { return tinted_; }
  int drillQuery() const { return query_; }
  const std::vector<int>& tintedTokenIndexes() const { return tinted_tokens_; }

 Q_SIGNALS:
  void tokenClicked(int worker, int token);

 protected:
  bool eventFilter(QObject* obj, QEvent* ev) override;
  void changeEvent(QEvent* e) override;  // the window's font (zoom) changed: the header and text follow

 private:
  void updateSelections();
  void applyFonts();

  int worker_;
  QString name_;
  QLabel* header_ = nullptr;
  LiveLabel* footer_ = nullptr;
  TokenTextView* view_ = nullptr;
  std::vector<PaneToken> tokens_;
  int current_step_ = 0;
  int step_start_ = 0;  // document position where the current step begins
  bool collab_pending_ = false;
  bool finished_ = false;
  const QStringList* vocab_ = nullptr;
  int tinted_ = 0;
  std::vector<int> tinted_tokens_;
  int query_ = -1;
  double text_scale_ = 1.15;  // readable from the back of a classroom
};

}  // namespace hogwild::ui
