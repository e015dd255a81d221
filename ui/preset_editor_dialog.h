#pragma once
// Edits every user-facing field of a Preset (docs/PRESETS.md): workers and names, layout, the system prompt
// sections, step prefix/separator and openers, the collaboration question, the finisher, headers and sampling.
// OK validates through Preset::validate; an invalid value keeps the dialog open and shows the engine's one-line
// error (which names the field). Short strings with control characters are shown escaped ("\n").
#include <QDialog>

#include "hogwild/preset.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace hogwild::ui {

class PresetEditorDialog : public QDialog {
  Q_OBJECT
 public:
  explicit PresetEditorDialog(const Preset& preset, QWidget* parent = nullptr);

  Preset preset() const;             // the edited values (not validated)
  QString errorText() const;         // the last validation error shown, empty when none
  // Validates; on success accepts the dialog, otherwise shows the error. Returns whether it was valid.
  bool tryAccept();

  static QString escape(const std::string& s);
  static std::string unescape(const QString& s);

 private:
  QWidget* generalPage();
  QWidget* promptPage();
  QWidget* stepsPage();
  QWidget* samplingPage();

  Preset base_;  // fields the dialog does not show (banned strings, stop rules) come from here
  QLineEdit *name_, *names_, *step_prefix_, *step_sep_, *question_, *hdr_others_, *hdr_own_, *marker_, *separator_, *gen_prefix_;
  QPlainTextEdit *description_, *rules_, *examples_, *how_, *solve_, *openers_, *finisher_;
  QSpinBox *workers_, *interval_, *finisher_tokens_, *top_k_, *budget_;
  QComboBox *layout_, *template_;
  QDoubleSpinBox *temperature_, *top_p_, *min_p_, *rep_penalty_;
  QLineEdit* seed_;
  QCheckBox* stats_;
  QLabel* error_;
};

}  // namespace hogwild::ui
