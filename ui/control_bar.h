#pragma once
// The controls above the panes: model, preset (+ editor), task, and the run buttons with their shortcuts
//   Start Ctrl+Return · Pause Space · Step F10 or N · Stop Esc · Reset Ctrl+R
// and the speed slider (delay per pass). Buttons are enabled according to the runner's state.
#include <QWidget>

#include "engine_batch.h"

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSlider;

namespace hogwild::ui {

class ControlBar : public QWidget {
  Q_OBJECT
 public:
  explicit ControlBar(QWidget* parent = nullptr);

  void setState(RunState s, bool replay);
  void setModelName(const QString& text);
  QString task() const;
  void setTask(const QString& t);
  int delayMs() const;
  void setDelayMs(int ms);
  QComboBox* presetCombo() const { return preset_; }

 Q_SIGNALS:
  void openModelClicked();
  void editPresetClicked();
  void presetChosen(int index);
  void startClicked();
  void pauseClicked();
  void stepClicked();
  void stopClicked();
  void resetClicked();
  void delayChanged(int ms);

 private:
  QPushButton* button(const QString& text, const QString& tip, const QList<QKeySequence>& keys);

  QPushButton* model_btn_ = nullptr;
  QLabel* model_label_ = nullptr;
  QComboBox* preset_ = nullptr;
  QPushButton* edit_ = nullptr;
  QPlainTextEdit* task_ = nullptr;
  QPushButton *start_ = nullptr, *pause_ = nullptr, *step_ = nullptr, *stop_ = nullptr, *reset_ = nullptr;
  QSlider* speed_ = nullptr;
  QLabel* speed_label_ = nullptr;
};

}  // namespace hogwild::ui
