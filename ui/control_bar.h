#pragma once
// The controls above the panes: model, preset (+ editor), task, and the run buttons with their shortcuts
//   Start Ctrl+Return · Pause Space · Step F10 or N · Stop Esc · Reset Ctrl+R
// and the speed slider (delay per pass). Buttons are enabled according to the runner's state.
#include <QWidget>

#include "engine_batch.h"

class QCheckBox;
class QComboBox;
class QGridLayout;
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
  // "Keep preset": checked, the preset stays when another model is opened; unchecked, the preset recommended for
  // the model is chosen (issue #20).
  QCheckBox* pinBox() const { return pin_; }
  bool presetPinned() const;
  void setPresetPinned(bool on);
  // Presentation mode: the task field one line tall (the room goes to the panes).
  void setCompact(bool on);

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
  void pinToggled(bool on);
  void taskEdited();  // the task text changed (the window re-estimates the context budget)

 protected:
  void changeEvent(QEvent* e) override;  // font changes (zoom): the task field keeps room for two lines

 private:
  QPushButton* button(const QString& text, const QString& tip, const QList<QKeySequence>& keys);

  QPushButton* model_btn_ = nullptr;
  QLabel* model_label_ = nullptr;
  QComboBox* preset_ = nullptr;
  QPushButton* edit_ = nullptr;
  QCheckBox* pin_ = nullptr;
  bool compact_ = false;
  QWidget* run_row_ = nullptr;
  QGridLayout* grid_ = nullptr;
  void fitTask();
  QPlainTextEdit* task_ = nullptr;
  QPushButton *start_ = nullptr, *pause_ = nullptr, *step_ = nullptr, *stop_ = nullptr, *reset_ = nullptr;
  QSlider* speed_ = nullptr;
  QLabel* speed_label_ = nullptr;
};

}  // namespace hogwild::ui
