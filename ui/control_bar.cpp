#include "control_bar.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSlider>
#include <QStyle>

namespace hogwild::ui {

namespace {
// Slider positions -> delay per pass: 0 ms (as fast as possible) up to 1 s, finer at the fast end.
constexpr int kDelays[] = {0, 5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 500, 750, 1000};
constexpr int kSteps = static_cast<int>(sizeof(kDelays) / sizeof(kDelays[0]));
}  // namespace

QPushButton* ControlBar::button(const QString& text, const QString& tip, const QList<QKeySequence>& keys) {
  auto* b = new QPushButton(text, this);
  QStringList names;
  for (const QKeySequence& k : keys) {
    // Window-wide shortcuts (not the button's own), so Space works without focusing the button.
    auto* sc = new QShortcut(k, this);  // text fields still get Space and N: they override shortcuts for typing
    sc->setContext(Qt::WindowShortcut);
    connect(sc, &QShortcut::activated, b, [b] {
      if (b->isEnabled()) b->click();
    });
    names << k.toString(QKeySequence::NativeText);
  }
  b->setToolTip(QString("%1 (%2)").arg(tip, names.join(tr(" or "))));
  b->setMinimumWidth(90);
  return b;
}

ControlBar::ControlBar(QWidget* parent) : QWidget(parent) {
  auto* grid = new QGridLayout(this);
  grid->setContentsMargins(6, 4, 6, 4);
  model_btn_ = new QPushButton(tr("Open model…"), this);
  model_btn_->setToolTip(tr("Open a GGUF or llama2.c .bin model (or drop the file on the window)"));
  model_label_ = new QLabel(tr("no model"), this);
  model_label_->setMinimumWidth(200);
  preset_ = new QComboBox(this);
  preset_->setMinimumWidth(200);
  preset_->setSizeAdjustPolicy(QComboBox::AdjustToContents);  // "TinyStories demo (custom)" is never cut
  preset_->setToolTip(tr("Built-in presets and the last preset you edited or opened"));
  edit_ = new QPushButton(tr("Edit preset…"), this);
  pin_ = new QCheckBox(tr("Keep"), this);
  pin_->setToolTip(tr("Keep this preset when another model is opened.\nUnchecked: opening a model chooses the preset recommended for it."));
  auto* top = new QHBoxLayout;
  top->addWidget(model_btn_);
  top->addWidget(model_label_, 1);
  top->addWidget(new QLabel(tr("Preset:"), this));
  top->addWidget(preset_);
  top->addWidget(pin_);
  top->addWidget(edit_);
  grid->addLayout(top, 0, 0, 1, 3);

  task_ = new QPlainTextEdit(this);
  task_->setPlaceholderText(tr("Task or story start for the workers, e.g. “Once upon a time”"));
  task_->setFixedHeight(task_->fontMetrics().lineSpacing() * 2 + 14);
  task_->setTabChangesFocus(true);
  grid->addWidget(new QLabel(tr("Task:"), this), 1, 0, Qt::AlignTop);
  grid->addWidget(task_, 1, 1);

  run_row_ = new QWidget(this);
  auto* run = new QHBoxLayout(run_row_);
  run->setContentsMargins(0, 0, 0, 0);
  start_ = button(tr("Start"), tr("Start or resume the run"), {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  pause_ = button(tr("Pause"), tr("Pause after the current pass"), {QKeySequence(Qt::Key_Space)});
  step_ = button(tr("Step"), tr("Run exactly one forward pass"), {QKeySequence(Qt::Key_F10), QKeySequence(Qt::Key_N)});
  stop_ = button(tr("Stop"), tr("End the run"), {QKeySequence(Qt::Key_Escape)});
  reset_ = button(tr("Reset"), tr("Clear the panes and start over"), {QKeySequence(Qt::CTRL | Qt::Key_R)});
  // Standard style icons: always present, unlike media glyphs in the font.
  start_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  pause_->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
  step_->setIcon(style()->standardIcon(QStyle::SP_MediaSkipForward));
  stop_->setIcon(style()->standardIcon(QStyle::SP_MediaStop));
  reset_->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));
  for (QPushButton* b : {start_, pause_, step_, stop_, reset_}) run->addWidget(b);
  run->addSpacing(20);
  run->addWidget(new QLabel(tr("Speed:"), this));
  speed_ = new QSlider(Qt::Horizontal, this);
  speed_->setRange(0, kSteps - 1);
  speed_->setInvertedAppearance(true);  // right = fast (no delay)
  speed_->setMinimumWidth(180);
  speed_->setToolTip(tr("Delay between forward passes: slow the workers down to follow them"));
  speed_label_ = new QLabel(this);
  speed_label_->setMinimumWidth(110);
  run->addWidget(speed_);
  run->addWidget(speed_label_);
  run->addStretch(1);
  grid->addWidget(run_row_, 2, 0, 1, 2);
  grid_ = grid;
  grid->setColumnStretch(1, 1);

  connect(model_btn_, &QPushButton::clicked, this, &ControlBar::openModelClicked);
  connect(pin_, &QCheckBox::toggled, this, &ControlBar::pinToggled);
  connect(task_, &QPlainTextEdit::textChanged, this, &ControlBar::taskEdited);
  connect(edit_, &QPushButton::clicked, this, &ControlBar::editPresetClicked);
  connect(preset_, &QComboBox::activated, this, &ControlBar::presetChosen);
  connect(start_, &QPushButton::clicked, this, &ControlBar::startClicked);
  connect(pause_, &QPushButton::clicked, this, &ControlBar::pauseClicked);
  connect(step_, &QPushButton::clicked, this, &ControlBar::stepClicked);
  connect(stop_, &QPushButton::clicked, this, &ControlBar::stopClicked);
  connect(reset_, &QPushButton::clicked, this, &ControlBar::resetClicked);
  connect(speed_, &QSlider::valueChanged, this, [this](int v) {
    const int ms = kDelays[v];
    speed_label_->setText(ms == 0 ? tr("full speed") : tr("%1 ms / pass").arg(ms));
    Q_EMIT delayChanged(ms);
  });
  setDelayMs(0);
  speed_label_->setText(tr("full speed"));
  setState(RunState::NoModel, false);
}

void ControlBar::setState(RunState s, bool replay) {
  const bool has_model = s != RunState::NoModel && s != RunState::Loading;
  start_->setEnabled(has_model && s != RunState::Running);
  pause_->setEnabled(s == RunState::Running);
  step_->setEnabled(has_model && s != RunState::Running);
  stop_->setEnabled(s == RunState::Running || s == RunState::Paused);
  reset_->setEnabled(has_model || replay);
  model_btn_->setEnabled(s != RunState::Loading);
  start_->setText(s == RunState::Paused ? tr("Resume") : tr("Start"));
}

void ControlBar::setModelName(const QString& text) { model_label_->setText(text); }
bool ControlBar::presetPinned() const { return pin_->isChecked(); }
void ControlBar::setPresetPinned(bool on) { pin_->setChecked(on); }

void ControlBar::fitTask() { task_->setFixedHeight(task_->fontMetrics().lineSpacing() * (compact_ ? 1 : 2) + 14); }

void ControlBar::setCompact(bool on) {
  // Presentation mode: the run buttons move up beside the one-line task (one row less above the panes).
  compact_ = on;
  grid_->removeWidget(run_row_);
  if (on) grid_->addWidget(run_row_, 1, 2);
  else grid_->addWidget(run_row_, 2, 0, 1, 3);
  fitTask();
}

void ControlBar::changeEvent(QEvent* e) {
  if (e->type() == QEvent::FontChange) fitTask();
  QWidget::changeEvent(e);
}
QString ControlBar::task() const { return task_->toPlainText(); }
void ControlBar::setTask(const QString& t) { task_->setPlainText(t); }
int ControlBar::delayMs() const { return kDelays[speed_->value()]; }

void ControlBar::setDelayMs(int ms) {
  int best = 0;
  for (int i = 0; i < kSteps; ++i)
    if (std::abs(kDelays[i] - ms) < std::abs(kDelays[best] - ms)) best = i;
  speed_->setValue(best);
}

}  // namespace hogwild::ui
