#pragma once
// The line above the panes that tells the room what is going on (issue #20):
//   before a run   what will appear where, "press Start", and the context budget ("about N passes fit in the
//                  context with W workers"), with a warning when the preset's budget would stop on `context`;
//   after a run    the Answer: which worker's \boxed{} (or the finisher's text), and why the run stopped.
// Hidden while a run is going (the panes need the room).
#include <QFrame>
#include <QString>
#include <QStringList>

#include "engine_batch.h"
#include "session_record.h"

class QLabel;

namespace hogwild::ui {

// The run's result in words, from the record's events (pure: tests use it directly).
struct RunResult {
  QString answer;   // the \boxed{} content or the finisher's answer; empty when none
  QString source;   // "Bob's step 4", "the finisher", or empty
  QString reason;   // why the run stopped, in words
  QString finisher_text;  // what the finisher wrote, when it ran
};
RunResult describe_result(const SessionRecord& r);

// "the budget of 200 passes was spent", "a worker wrote \boxed{}", ... for a FinishedEvent reason.
QString reason_in_words(const FinishedEvent& f);

class RunBanner : public QFrame {
  Q_OBJECT
 public:
  explicit RunBanner(QWidget* parent = nullptr);

  // Before Start. `budget` may carry an error (no estimate) or be empty (passes_fit 0: not known yet).
  void showIntro(const QStringList& worker_names, PresetLayout layout, const BudgetInfo& budget, const QString& warning);
  void showResult(const SessionRecord& r);
  void showMessage(const QString& html);
  QString text() const;  // the label's plain text (tests)
  QLabel* label() const { return label_; }
  bool warns() const { return warns_; }  // the intro carries the context warning

 protected:
  void changeEvent(QEvent* e) override;  // the window's font (zoom): the label follows

 private:
  QLabel* label_ = nullptr;
  bool warns_ = false;
};

}  // namespace hogwild::ui
