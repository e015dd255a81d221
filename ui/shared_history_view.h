#pragma once
// The shared history: finished steps in the order they merged into the common cache block, each on a light
// tint of its author's colour with the author's name in the margin colour. This is the text every worker
// sees as "past steps".
#include <QPlainTextEdit>
#include <QStringList>

#include "hogwild/events.h"

namespace hogwild::ui {

class SharedHistoryView : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit SharedHistoryView(QWidget* parent = nullptr);
  void reset(const QStringList& worker_names, const QString& prompt_note);
  void appendStep(const StepFinishedEvent& e);
  int steps() const { return steps_; }

 private:
  QStringList names_;
  int steps_ = 0;
};

}  // namespace hogwild::ui
