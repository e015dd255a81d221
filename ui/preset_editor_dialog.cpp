#include "preset_editor_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include "common/error.h"

namespace hogwild::ui {

namespace {

QPlainTextEdit* text_edit(const std::string& s, QWidget* parent, int lines = 4) {
  auto* e = new QPlainTextEdit(QString::fromStdString(s), parent);
  e->setMinimumHeight(e->fontMetrics().lineSpacing() * lines + 12);
  e->setTabChangesFocus(true);
  return e;
}

std::string str(const QPlainTextEdit* e) { return e->toPlainText().toStdString(); }

}  // namespace

QString PresetEditorDialog::escape(const std::string& s) {
  QString out;
  for (const QChar ch : QString::fromStdString(s)) {
    if (ch == '\\') out += "\\\\";
    else if (ch == '\n') out += "\\n";
    else if (ch == '\t') out += "\\t";
    else out += ch;
  }
  return out;
}

std::string PresetEditorDialog::unescape(const QString& s) {
  QString out;
  for (int i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const QChar n = s[++i];
      out += n == 'n' ? QChar('\n') : n == 't' ? QChar('\t') : n;
    } else {
      out += s[i];
    }
  }
  return out.toStdString();
}

PresetEditorDialog::PresetEditorDialog(const Preset& p, QWidget* parent) : QDialog(parent), base_(p) {
  setWindowTitle(tr("Edit preset"));
  auto* lay = new QVBoxLayout(this);
  auto* tabs = new QTabWidget(this);
  tabs->addTab(generalPage(), tr("Workers"));
  tabs->addTab(promptPage(), tr("System prompt"));
  tabs->addTab(stepsPage(), tr("Steps && collaboration"));
  tabs->addTab(samplingPage(), tr("Sampling && budget"));
  lay->addWidget(tabs, 1);
  error_ = new QLabel(this);
  error_->setWordWrap(true);
  error_->setStyleSheet("color:#b00020; font-weight:bold;");
  error_->hide();
  lay->addWidget(error_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &PresetEditorDialog::tryAccept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  lay->addWidget(buttons);
  resize(820, 640);
}

QWidget* PresetEditorDialog::generalPage() {
  auto* w = new QWidget;
  auto* f = new QFormLayout(w);
  name_ = new QLineEdit(QString::fromStdString(base_.name), w);
  description_ = text_edit(base_.description, w, 3);
  workers_ = new QSpinBox(w);
  workers_->setRange(1, kMaxWorkers);
  workers_->setValue(base_.workers);
  QStringList names;
  for (const auto& n : base_.names) names << QString::fromStdString(n);
  names_ = new QLineEdit(names.join(", "), w);
  names_->setToolTip(tr("Comma-separated; the first W names are used"));
  // Items from the engine's own enum names, so a value added there (e.g. "auto") shows up here unchanged.
  layout_ = new QComboBox(w);
  for (int i = 0; i < 16 && to_string(static_cast<PresetLayout>(i)) != "?"; ++i)
    layout_->addItem(QString::fromStdString(std::string(to_string(static_cast<PresetLayout>(i)))), i);
  layout_->setCurrentIndex(layout_->findData(static_cast<int>(base_.layout)));
  template_ = new QComboBox(w);
  for (int i = 0; i < 16 && to_string(static_cast<ChatTemplateKind>(i)) != "?"; ++i)
    template_->addItem(QString::fromStdString(std::string(to_string(static_cast<ChatTemplateKind>(i)))), i);
  template_->setCurrentIndex(template_->findData(static_cast<int>(base_.chat_template)));
  f->addRow(tr("Name"), name_);
  f->addRow(tr("Description"), description_);
  f->addRow(tr("Workers (W)"), workers_);
  f->addRow(tr("Names"), names_);
  f->addRow(tr("Cache layout"), layout_);
  f->addRow(tr("Chat template"), template_);
  return w;
}

QWidget* PresetEditorDialog::promptPage() {
  auto* w = new QWidget;
  auto* f = new QFormLayout(w);
  rules_ = text_edit(base_.prompt.rules, w);
  examples_ = text_edit(base_.prompt.examples, w, 2);
  how_ = text_edit(base_.prompt.how_to_collaborate, w);
  solve_ = text_edit(base_.prompt.solve, w, 2);
  separator_ = new QLineEdit(escape(base_.prompt.separator), w);
  gen_prefix_ = new QLineEdit(escape(base_.prompt.generation_prefix), w);
  f->addRow(tr("Rules"), rules_);
  f->addRow(tr("Examples"), examples_);
  f->addRow(tr("How to collaborate"), how_);
  f->addRow(tr("Solve"), solve_);
  f->addRow(tr("Section separator"), separator_);
  f->addRow(tr("Generation prefix"), gen_prefix_);
  f->addRow(new QLabel(tr("Placeholders: {names} (\"Alice and Bob\"), {first}. \\n is a newline in one-line fields."), w));
  return w;
}

QWidget* PresetEditorDialog::stepsPage() {
  auto* w = new QWidget;
  auto* f = new QFormLayout(w);
  step_prefix_ = new QLineEdit(escape(base_.step.prefix), w);
  step_sep_ = new QLineEdit(escape(base_.step.separator), w);
  QStringList openers;
  for (const auto& o : base_.step.openers) openers << escape(o);
  openers_ = new QPlainTextEdit(openers.join("\n"), w);
  openers_->setToolTip(tr("One opener per line (worker i uses line i, the last line for the rest); {prefix}, {name}, {step}"));
  question_ = new QLineEdit(escape(base_.collaboration.question), w);
  interval_ = new QSpinBox(w);
  interval_->setRange(0, 1000000);
  interval_->setValue(static_cast<int>(base_.collaboration.interval));
  finisher_ = text_edit(base_.finisher.text, w, 2);
  finisher_tokens_ = new QSpinBox(w);
  finisher_tokens_->setRange(0, 4096);
  finisher_tokens_->setValue(base_.finisher.max_tokens);
  hdr_others_ = new QLineEdit(escape(base_.headers.others), w);
  hdr_own_ = new QLineEdit(escape(base_.headers.own), w);
  marker_ = new QLineEdit(escape(base_.headers.marker), w);
  f->addRow(tr("Step prefix"), step_prefix_);
  f->addRow(tr("Step separator"), step_sep_);
  f->addRow(tr("Openers"), openers_);
  f->addRow(tr("Collaboration question"), question_);
  f->addRow(tr("Question interval (tokens, 0 = off)"), interval_);
  f->addRow(tr("Finisher"), finisher_);
  f->addRow(tr("Finisher max tokens"), finisher_tokens_);
  f->addRow(tr("Header: others"), hdr_others_);
  f->addRow(tr("Header: own"), hdr_own_);
  f->addRow(tr("Marker"), marker_);
  return w;
}

QWidget* PresetEditorDialog::samplingPage() {
  auto* w = new QWidget;
  auto* f = new QFormLayout(w);
  auto dspin = [w](double v, double lo, double hi, double step) {
    auto* s = new QDoubleSpinBox(w);
    s->setDecimals(3);
    // Ranges wider than valid on purpose: Preset::validate decides and names the field.
    s->setRange(lo, hi);
    s->setSingleStep(step);
    s->setValue(v);
    return s;
  };
  temperature_ = dspin(base_.sampling.temperature, -10, 100, 0.05);
  top_k_ = new QSpinBox(w);
  top_k_->setRange(-1000, 1000000);
  top_k_->setValue(base_.sampling.top_k);
  top_p_ = dspin(base_.sampling.top_p, -10, 10, 0.01);
  min_p_ = dspin(base_.sampling.min_p, -10, 10, 0.01);
  rep_penalty_ = dspin(base_.sampling.repetition_penalty, -10, 100, 0.05);
  seed_ = new QLineEdit(QString::number(base_.sampling.seed), w);
  budget_ = new QSpinBox(w);
  budget_->setRange(-1, 100000000);
  budget_->setValue(static_cast<int>(base_.budget.max_passes));
  stats_ = new QCheckBox(tr("Collect attention statistics (heatmaps)"), w);
  stats_->setChecked(base_.statistics.enabled);
  f->addRow(tr("Temperature (0 = greedy)"), temperature_);
  f->addRow(tr("Top-k (0 = off)"), top_k_);
  f->addRow(tr("Top-p (1 = off)"), top_p_);
  f->addRow(tr("Min-p (0 = off)"), min_p_);
  f->addRow(tr("Repetition penalty (1 = off)"), rep_penalty_);
  f->addRow(tr("Seed"), seed_);
  f->addRow(tr("Budget (forward passes)"), budget_);
  f->addRow(QString(), stats_);
  return w;
}

Preset PresetEditorDialog::preset() const {
  Preset p = base_;
  p.name = name_->text().toStdString();
  p.description = str(description_);
  p.workers = workers_->value();
  p.names.clear();
  for (const QString& n : names_->text().split(',', Qt::SkipEmptyParts)) p.names.push_back(n.trimmed().toStdString());
  p.layout = static_cast<PresetLayout>(layout_->currentData().toInt());
  p.chat_template = static_cast<ChatTemplateKind>(template_->currentData().toInt());
  p.prompt.rules = str(rules_);
  p.prompt.examples = str(examples_);
  p.prompt.how_to_collaborate = str(how_);
  p.prompt.solve = str(solve_);
  p.prompt.separator = unescape(separator_->text());
  p.prompt.generation_prefix = unescape(gen_prefix_->text());
  p.step.prefix = unescape(step_prefix_->text());
  p.step.separator = unescape(step_sep_->text());
  p.step.openers.clear();
  for (const QString& o : openers_->toPlainText().split('\n', Qt::SkipEmptyParts)) p.step.openers.push_back(unescape(o));
  p.collaboration.question = unescape(question_->text());
  p.collaboration.interval = interval_->value();
  p.finisher.text = str(finisher_);
  p.finisher.max_tokens = finisher_tokens_->value();
  p.headers.others = unescape(hdr_others_->text());
  p.headers.own = unescape(hdr_own_->text());
  p.headers.marker = unescape(marker_->text());
  p.sampling.temperature = temperature_->value();
  p.sampling.top_k = top_k_->value();
  p.sampling.top_p = top_p_->value();
  p.sampling.min_p = min_p_->value();
  p.sampling.repetition_penalty = rep_penalty_->value();
  p.sampling.seed = seed_->text().trimmed().toULongLong();
  p.budget.max_passes = budget_->value();
  p.statistics.enabled = stats_->isChecked();
  return p;
}

QString PresetEditorDialog::errorText() const { return error_->isHidden() ? QString() : error_->text(); }

bool PresetEditorDialog::tryAccept() {
  try {
    bool seed_ok = false;
    seed_->text().trimmed().toULongLong(&seed_ok);
    if (!seed_ok) throw ConfigError("preset: field \"sampling.seed\" must be a non-negative integer");
    preset().validate("preset");
  } catch (const std::exception& e) {
    error_->setText(QString::fromUtf8(e.what()));
    error_->show();
    return false;
  }
  error_->hide();
  accept();
  return true;
}

}  // namespace hogwild::ui
