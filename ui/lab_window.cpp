#include "lab_window.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QRegularExpression>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "hogwild/preset_library.h"
#include "lab/arithmetic_generator.h"
#include "lab_controller.h"
#include "lab_results_view.h"

namespace hogwild::ui {

namespace {

enum ArmColumn { kName, kKind, kPreset, kWorkers, kLayout, kTemperature, kArmColumns };

QString duration_text(double s) {
  if (s < 0) return QStringLiteral("–");
  const qint64 t = static_cast<qint64>(s + 0.5);
  if (t >= 3600) return QString("%1h%2m").arg(t / 3600).arg((t / 60) % 60, 2, 10, QChar('0'));
  if (t >= 60) return QString("%1m%2s").arg(t / 60).arg(t % 60, 2, 10, QChar('0'));
  return QString("%1s").arg(t);
}

QComboBox* combo(QWidget* parent, const QStringList& items) {
  auto* c = new QComboBox(parent);
  c->addItems(items);
  return c;
}

}  // namespace

LabWindow::LabWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowFlag(Qt::Window);
  setWindowTitle(tr("Hogwild Studio — Lab"));
  setAttribute(Qt::WA_DeleteOnClose, false);
  controller_ = new LabController(this);
  results_ = new LabResultsView(this);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setWidget(buildSetup());
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(scroll);
  split->addWidget(results_);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);
  setCentralWidget(split);
  resize(1400, 860);

  refresh_timer_ = new QTimer(this);
  refresh_timer_->setSingleShot(true);
  refresh_timer_->setInterval(250);  // at most four refreshes a second while runs finish quickly
  connect(refresh_timer_, &QTimer::timeout, results_, &LabResultsView::refresh);
  connect(results_, &LabResultsView::openRunRequested, this, &LabWindow::openRunRequested);
  connect(controller_, &LabController::started, this, [this](int pending, int total) {
    results_->setDatabase(db_->text());
    progress_text_->setText(tr("%1 of %2 runs to do; loading the model …").arg(pending).arg(total));
  });
  connect(controller_, &LabController::progress, this, &LabWindow::onProgress);
  connect(controller_, &LabController::runStored, this, [this] {
    if (!refresh_timer_->isActive()) refresh_timer_->start();
  });
  connect(controller_, &LabController::runFailed, this, [this](const QString& what) { progress_text_->setToolTip(tr("failed: %1").arg(what)); });
  connect(controller_, &LabController::finished, this, &LabWindow::onFinished);
  connect(controller_, &LabController::errorOccurred, this, [this](const QString& m) {
    showError(m);
    updateButtons();
    Q_EMIT experimentFinished(true);
  });
  const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  db_->setText(QDir(dir).filePath("lab/experiment.db"));
  addArm("hogwild", "hogwild-paper", 2);
  updateButtons();
}

LabWindow::~LabWindow() = default;

QWidget* LabWindow::buildSetup() {
  auto* w = new QWidget(this);
  auto* form = new QFormLayout(w);

  // Problem set: a native JSONL file or an import (GSM8K, MATH/LIMO/AIME, CSV), or the arithmetic generator.
  problems_ = new QLineEdit(w);
  problems_->setPlaceholderText(tr("problem set: .jsonl (native, GSM8K, MATH/LIMO/AIME), .json, .csv, or a folder"));
  auto* browse = new QPushButton(tr("Browse…"), w);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, tr("Problem set"), {}, tr("Problem sets (*.jsonl *.json *.csv *.tsv);;All files (*)"));
    if (!p.isEmpty()) setProblemSet(p);
  });
  connect(problems_, &QLineEdit::editingFinished, this, [this] { setProblemSet(problems_->text()); });
  auto* prow = new QHBoxLayout;
  prow->addWidget(problems_, 1);
  prow->addWidget(browse);
  form->addRow(tr("Problems"), prow);
  format_ = combo(w, {"auto", "jsonl", "gsm8k", "math", "csv"});
  skip_bad_ = new QCheckBox(tr("skip bad lines"), w);
  limit_ = new QSpinBox(w);
  limit_->setRange(0, 1000000);
  limit_->setSpecialValueText(tr("all"));
  auto* frow = new QHBoxLayout;
  frow->addWidget(format_);
  frow->addWidget(skip_bad_);
  frow->addWidget(new QLabel(tr("first"), w));
  frow->addWidget(limit_);
  frow->addStretch(1);
  form->addRow(tr("Format"), frow);
  for (QObject* o : {static_cast<QObject*>(format_), static_cast<QObject*>(skip_bad_), static_cast<QObject*>(limit_)}) {
    if (auto* c = qobject_cast<QComboBox*>(o)) connect(c, &QComboBox::currentIndexChanged, this, [this] { setProblemSet(problems_->text()); });
    if (auto* c = qobject_cast<QCheckBox*>(o)) connect(c, &QCheckBox::toggled, this, [this] { setProblemSet(problems_->text()); });
    if (auto* c = qobject_cast<QSpinBox*>(o)) connect(c, &QSpinBox::valueChanged, this, [this] { setProblemSet(problems_->text()); });
  }
  problem_status_ = new QLabel(tr("no problem set yet"), w);
  problem_status_->setWordWrap(true);
  form->addRow(QString(), problem_status_);
  gen_n_ = new QSpinBox(w);
  gen_n_->setRange(1, 100000);
  gen_n_->setValue(20);
  gen_seed_ = new QSpinBox(w);
  gen_seed_->setRange(0, 1000000000);
  gen_seed_->setValue(1);
  auto* gen = new QPushButton(tr("Generate arithmetic…"), w);
  connect(gen, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, tr("Save the generated problems"), QStringLiteral("arithmetic.jsonl"), tr("Problem sets (*.jsonl)"));
    if (!p.isEmpty()) generateArithmetic(p, gen_n_->value(), static_cast<quint64>(gen_seed_->value()));
  });
  auto* grow = new QHBoxLayout;
  grow->addWidget(new QLabel(tr("n"), w));
  grow->addWidget(gen_n_);
  grow->addWidget(new QLabel(tr("seed"), w));
  grow->addWidget(gen_seed_);
  grow->addWidget(gen);
  grow->addStretch(1);
  form->addRow(tr("Generator"), grow);

  model_ = new QLineEdit(w);
  model_->setPlaceholderText(tr("model file (the main window's model by default)"));
  tokenizer_ = new QLineEdit(w);
  tokenizer_->setPlaceholderText(tr("tokenizer (only when the model does not embed one)"));
  form->addRow(tr("Model"), model_);
  form->addRow(tr("Tokenizer"), tokenizer_);

  // Arms: one row per arm of the grid.
  arms_ = new QTableWidget(0, kArmColumns, w);
  arms_->setHorizontalHeaderLabels({tr("Name"), tr("Kind"), tr("Preset"), tr("W"), tr("Layout"), tr("Temp.")});
  arms_->verticalHeader()->setVisible(false);
  arms_->horizontalHeader()->setSectionResizeMode(kName, QHeaderView::Stretch);
  arms_->setMinimumHeight(150);
  auto* add = new QPushButton(tr("Add arm"), w);
  auto* remove = new QPushButton(tr("Remove arm"), w);
  connect(add, &QPushButton::clicked, this, [this] { addArm(tr("arm %1").arg(arms_->rowCount() + 1), "hogwild-paper", 2); });
  connect(remove, &QPushButton::clicked, this, [this] {
    if (arms_->rowCount() > 0) arms_->removeRow(arms_->currentRow() >= 0 ? arms_->currentRow() : arms_->rowCount() - 1);
  });
  single_ = new QCheckBox(tr("single (1 worker)"), w);
  independent_ = new QCheckBox(tr("independent (W workers, no sharing)"), w);
  single_->setChecked(true);
  independent_->setChecked(true);
  auto* arow = new QHBoxLayout;
  arow->addWidget(add);
  arow->addWidget(remove);
  arow->addStretch(1);
  form->addRow(tr("Arms"), arms_);
  form->addRow(QString(), arow);
  auto* crow = new QHBoxLayout;
  crow->addWidget(single_);
  crow->addWidget(independent_);
  crow->addStretch(1);
  form->addRow(tr("Controls"), crow);
  checkpoints_ = new QLineEdit(QStringLiteral("128, 256, 512, 1024"), w);
  checkpoints_->setToolTip(tr("forward-pass budgets; the last one is every run's budget"));
  seeds_ = new QLineEdit(QStringLiteral("1"), w);
  template_ = new QLineEdit(QStringLiteral("{question}"), w);
  form->addRow(tr("Checkpoints"), checkpoints_);
  form->addRow(tr("Seeds"), seeds_);
  runs_per_pass_ = new QSpinBox(w);
  runs_per_pass_->setRange(1, 64);
  runs_per_pass_->setValue(lab::Experiment::kDefaultRunsPerPass);
  runs_per_pass_->setToolTip(tr("runs that share every forward pass (the weights are read once for all of them); "
                                "1 runs one after the other. Same results either way (docs/LAB.md, Executors)"));
  form->addRow(tr("Runs per pass"), runs_per_pass_);
  form->addRow(tr("Task text"), template_);
  overrides_ = new QPlainTextEdit(w);
  overrides_->setPlaceholderText(tr("{ } — a JSON merge patch applied to every arm's preset, e.g. {\"finisher\": {\"max_tokens\": 32}}"));
  overrides_->setMaximumHeight(70);
  form->addRow(tr("Overrides"), overrides_);
  db_ = new QLineEdit(w);
  auto* dbb = new QPushButton(tr("Browse…"), w);
  connect(dbb, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, tr("Results database"), db_->text(), tr("Lab results (*.db)"), nullptr,
                                                   QFileDialog::DontConfirmOverwrite);
    if (!p.isEmpty()) setDatabase(p);
  });
  auto* drow = new QHBoxLayout;
  drow->addWidget(db_, 1);
  drow->addWidget(dbb);
  form->addRow(tr("Results"), drow);
  auto* open = new QPushButton(tr("Open experiment…"), w);
  auto* save = new QPushButton(tr("Save experiment…"), w);
  connect(open, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, tr("Open experiment"), {}, tr("Experiments (*.json)"));
    if (!p.isEmpty()) openExperiment(p);
  });
  connect(save, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, tr("Save experiment"), QStringLiteral("experiment.json"), tr("Experiments (*.json)"));
    if (!p.isEmpty()) saveExperiment(p);
  });
  auto* erow = new QHBoxLayout;
  erow->addWidget(open);
  erow->addWidget(save);
  erow->addStretch(1);
  form->addRow(QString(), erow);

  start_ = new QPushButton(tr("Start"), w);
  pause_ = new QPushButton(tr("Pause"), w);
  pause_->setCheckable(true);
  cancel_ = new QPushButton(tr("Cancel"), w);
  connect(start_, &QPushButton::clicked, this, &LabWindow::startExperiment);
  connect(pause_, &QPushButton::toggled, this, &LabWindow::setPaused);
  connect(cancel_, &QPushButton::clicked, this, &LabWindow::cancelExperiment);
  auto* brow = new QHBoxLayout;
  brow->addWidget(start_);
  brow->addWidget(pause_);
  brow->addWidget(cancel_);
  brow->addStretch(1);
  form->addRow(QString(), brow);
  progress_ = new QProgressBar(w);
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  progress_text_ = new QLabel(w);
  progress_text_->setWordWrap(true);
  form->addRow(tr("Progress"), progress_);
  form->addRow(QString(), progress_text_);
  return w;
}

void LabWindow::setModel(const QString& model, const QString& tokenizer) {
  model_->setText(model);
  tokenizer_->setText(tokenizer);
}

bool LabWindow::setProblemSet(const QString& path) {
  if (problems_->text() != path) problems_->setText(path);
  if (path.isEmpty()) {
    problem_status_->setText(tr("no problem set yet"));
    return false;
  }
  try {
    lab::LoadOptions o;
    o.format = lab::problem_format_from_string(format_->currentText().toStdString()).value_or(lab::ProblemFormat::Auto);
    o.skip_bad_lines = skip_bad_->isChecked();
    o.limit = static_cast<size_t>(limit_->value());
    const lab::ProblemSet set = lab::load_problem_set(path.toStdString(), o);
    QString text = tr("%1 problems in \"%2\"").arg(set.problems.size()).arg(QString::fromStdString(set.name));
    if (!set.skipped.empty()) text += tr("; %1 bad lines skipped (first: %2)").arg(set.skipped.size()).arg(QString::fromStdString(set.skipped.front()));
    problem_status_->setText(text);
    return true;
  } catch (const std::exception& e) {
    problem_status_->setText(tr("<span style='color:#b00'>%1</span>").arg(QString::fromUtf8(e.what()).toHtmlEscaped()));
    return false;
  }
}

void LabWindow::setDatabase(const QString& path) {
  db_->setText(path);
  if (QFileInfo::exists(path)) results_->setDatabase(path);  // show what is there already
}

void LabWindow::setCheckpoints(const QString& text) { checkpoints_->setText(text); }
void LabWindow::setSeeds(const QString& text) { seeds_->setText(text); }
void LabWindow::setOverrides(const QString& json) { overrides_->setPlainText(json); }
void LabWindow::setControls(bool single, bool independent) {
  single_->setChecked(single);
  independent_->setChecked(independent);
}
void LabWindow::clearArms() { arms_->setRowCount(0); }

void LabWindow::addArm(const QString& name, const QString& preset, int workers, const QString& layout, double temperature,
                       const QString& kind) {
  const int row = arms_->rowCount();
  arms_->insertRow(row);
  arms_->setItem(row, kName, new QTableWidgetItem(name));
  auto* k = combo(arms_, {"hogwild", "single", "independent"});
  k->setCurrentText(kind);
  arms_->setCellWidget(row, kKind, k);
  auto* p = new QComboBox(arms_);
  for (const auto& path : builtin_presets()) p->addItem(QString::fromStdString(path.stem().string()), QString::fromStdString(path.string()));
  if (p->findText(preset) < 0) p->addItem(QFileInfo(preset).completeBaseName(), preset);  // a preset file of the user's
  p->setCurrentIndex(std::max(0, p->findText(preset) >= 0 ? p->findText(preset) : p->findData(preset)));
  arms_->setCellWidget(row, kPreset, p);
  auto* wk = new QSpinBox(arms_);
  wk->setRange(1, kMaxWorkers);
  wk->setValue(workers);
  arms_->setCellWidget(row, kWorkers, wk);
  auto* l = combo(arms_, {"combined", "interleaved", "contiguous"});
  l->setCurrentText(layout);
  arms_->setCellWidget(row, kLayout, l);
  auto* t = new QDoubleSpinBox(arms_);
  t->setRange(-0.05, 2.0);
  t->setSingleStep(0.1);
  t->setDecimals(2);
  t->setSpecialValueText(tr("preset"));
  t->setValue(temperature < 0 ? -0.05 : temperature);
  arms_->setCellWidget(row, kTemperature, t);
}

std::vector<int64_t> LabWindow::parseIntegers(const QString& text, const QString& what, QString* error) const {
  std::vector<int64_t> out;
  for (const QString& part : text.split(QRegularExpression("[,\\s]+"), Qt::SkipEmptyParts)) {
    bool ok = false;
    const qlonglong v = part.toLongLong(&ok);
    if (!ok || v < 0) {
      if (error) *error = tr("%1: \"%2\" is not a non-negative integer").arg(what, part);
      return {};
    }
    out.push_back(v);
  }
  if (out.empty() && error) *error = tr("%1: give at least one number").arg(what);
  return out;
}

std::optional<lab::Experiment> LabWindow::experimentFromForm(QString* error) const {
  // Built as JSON and read by the same strict reader as experiment files: one set of rules, one set of messages.
  nlohmann::json j = {{"schema", std::string(lab::kExperimentSchema)}, {"version", lab::kExperimentVersion}, {"name", "lab window"}};
  if (problems_->text().isEmpty()) {
    if (error) *error = tr("choose a problem set first");
    return std::nullopt;
  }
  nlohmann::json src = {{"path", QFileInfo(problems_->text()).absoluteFilePath().toStdString()}, {"format", format_->currentText().toStdString()}};
  if (skip_bad_->isChecked()) src["skip_bad_lines"] = true;
  if (limit_->value() > 0) src["limit"] = limit_->value();
  j["problems"] = nlohmann::json::array({src});
  QString err;
  const auto cps = parseIntegers(checkpoints_->text(), tr("checkpoints"), &err);
  const auto seeds = parseIntegers(seeds_->text(), tr("seeds"), &err);
  if (!err.isEmpty()) {
    if (error) *error = err;
    return std::nullopt;
  }
  j["checkpoints"] = cps;
  j["seeds"] = seeds;
  j["task_template"] = template_->text().toStdString();
  j["runs_per_pass"] = runs_per_pass_->value();
  nlohmann::json overrides = nlohmann::json::object();
  if (!overrides_->toPlainText().trimmed().isEmpty()) {
    try {
      overrides = nlohmann::json::parse(overrides_->toPlainText().toStdString());
    } catch (const std::exception& e) {
      if (error) *error = tr("overrides: not valid JSON: %1").arg(QString::fromUtf8(e.what()));
      return std::nullopt;
    }
  }
  nlohmann::json arms = nlohmann::json::array();
  for (int r = 0; r < arms_->rowCount(); ++r) {
    const auto* kind = qobject_cast<QComboBox*>(arms_->cellWidget(r, kKind));
    const auto* preset = qobject_cast<QComboBox*>(arms_->cellWidget(r, kPreset));
    const auto* workers = qobject_cast<QSpinBox*>(arms_->cellWidget(r, kWorkers));
    const auto* layout = qobject_cast<QComboBox*>(arms_->cellWidget(r, kLayout));
    const auto* temp = qobject_cast<QDoubleSpinBox*>(arms_->cellWidget(r, kTemperature));
    nlohmann::json a = {{"kind", kind->currentText().toStdString()}, {"preset", preset->currentData().toString().toStdString()},
                        {"workers", workers->value()}, {"overrides", overrides}};
    if (const QTableWidgetItem* it = arms_->item(r, kName); it && !it->text().trimmed().isEmpty()) a["name"] = it->text().trimmed().toStdString();
    if (kind->currentText() == "hogwild") a["layout"] = layout->currentText().toStdString();
    if (temp->value() >= 0) a["sampling"] = {{"temperature", temp->value()}};
    arms.push_back(a);
  }
  if (arms.empty()) {
    if (error) *error = tr("add at least one arm");
    return std::nullopt;
  }
  j["arms"] = arms;
  nlohmann::json controls = nlohmann::json::array();
  if (single_->isChecked()) controls.push_back("single");
  if (independent_->isChecked()) controls.push_back("independent");
  j["controls"] = controls;
  if (!model_->text().isEmpty()) j["model"] = model_->text().toStdString();
  if (!tokenizer_->text().isEmpty()) j["tokenizer"] = tokenizer_->text().toStdString();
  try {
    lab::Experiment e = lab::experiment_from_json(j, "the lab window", QFileInfo(db_->text()).absolutePath().toStdString());
    lab::expand_arms(e);     // presets and overrides: errors now, not on the worker thread
    lab::load_problems(e);   // and the problem set
    return e;
  } catch (const std::exception& ex) {
    if (error) *error = QString::fromUtf8(ex.what());
    return std::nullopt;
  }
}

bool LabWindow::generateArithmetic(const QString& path, int count, quint64 seed) {
  try {
    lab::ArithmeticOptions o;
    o.count = count;
    o.seed = seed;
    lab::save_problem_set(lab::generate_arithmetic(o), path.toStdString());
  } catch (const std::exception& e) {
    showError(QString::fromUtf8(e.what()));
    return false;
  }
  format_->setCurrentText("jsonl");
  return setProblemSet(path);
}

bool LabWindow::openExperiment(const QString& path) {
  try {
    const lab::Experiment e = lab::load_experiment(path.toStdString());
    const auto& src = e.problems.front();
    format_->setCurrentText(QString::fromStdString(std::string(lab::to_string(src.options.format))));
    skip_bad_->setChecked(src.options.skip_bad_lines);
    limit_->setValue(static_cast<int>(src.options.limit));
    setProblemSet(QString::fromStdString(lab::resolve_path(e, src.path).string()));
    if (!e.model.empty()) setModel(QString::fromStdString(lab::resolve_path(e, e.model).string()),
                                   e.tokenizer.empty() ? QString() : QString::fromStdString(lab::resolve_path(e, e.tokenizer).string()));
    QStringList cps, seeds;
    for (auto c : e.checkpoints) cps << QString::number(c);
    for (auto s : e.seeds) seeds << QString::number(s);
    setCheckpoints(cps.join(", "));
    setSeeds(seeds.join(", "));
    template_->setText(QString::fromStdString(e.task_template));
    runs_per_pass_->setValue(e.effective_runs_per_pass());
    setControls(std::count(e.controls.begin(), e.controls.end(), lab::ArmKind::Single) > 0,
                std::count(e.controls.begin(), e.controls.end(), lab::ArmKind::Independent) > 0);
    setOverrides(e.arms.front().overrides.empty() ? QString() : QString::fromStdString(e.arms.front().overrides.dump(1)));
    clearArms();
    for (const lab::ArmSpec& s : e.arms) {
      const std::vector<int> ws = s.workers.empty() ? std::vector<int>{load_preset(find_preset(s.preset)).workers} : s.workers;
      std::vector<std::string> layouts;
      for (auto l : s.layouts) layouts.emplace_back(to_string(l));
      if (layouts.empty()) layouts = {std::string(to_string(load_preset(find_preset(s.preset)).layout))};
      std::vector<double> temps;
      for (const auto& smp : s.sampling) temps.push_back(smp.value("temperature", -1.0));
      if (temps.empty()) temps = {-1.0};
      for (int w : ws)
        for (const auto& l : layouts)
          for (double t : temps)
            addArm(QString::fromStdString(s.name), QString::fromStdString(find_preset(s.preset).string()), w, QString::fromStdString(l), t,
                   QString::fromStdString(std::string(lab::to_string(s.kind))));
    }
    return true;
  } catch (const std::exception& ex) {
    showError(QString::fromUtf8(ex.what()));
    return false;
  }
}

bool LabWindow::saveExperiment(const QString& path) {
  QString error;
  const auto e = experimentFromForm(&error);
  if (!e) {
    showError(error);
    return false;
  }
  try {
    lab::save_experiment(*e, path.toStdString());
    return true;
  } catch (const std::exception& ex) {
    showError(QString::fromUtf8(ex.what()));
    return false;
  }
}

bool LabWindow::startExperiment() {
  if (controller_->running()) return false;
  QString error;
  const auto e = experimentFromForm(&error);
  if (!e) {
    showError(error);
    return false;
  }
  if (model_->text().isEmpty()) {
    showError(tr("choose a model (the main window's model is used when the Lab is opened from it)"));
    return false;
  }
  QDir().mkpath(QFileInfo(db_->text()).absolutePath());
  last_error_.clear();
  progress_->setValue(0);
  progress_text_->setText(tr("starting …"));
  if (!controller_->start(*e, db_->text(), model_->text(), tokenizer_->text())) return false;
  pause_->setChecked(false);
  updateButtons();
  return true;
}

void LabWindow::setPaused(bool paused) {
  controller_->setPaused(paused);
  if (pause_->isChecked() != paused) pause_->setChecked(paused);
  if (controller_->running()) progress_text_->setText(paused ? tr("paused after the current pass") : tr("running …"));
}

void LabWindow::cancelExperiment() {
  controller_->setPaused(false);
  controller_->cancel();
}

bool LabWindow::running() const { return controller_->running(); }

QString LabWindow::progressText() const { return progress_text_->text(); }
QString LabWindow::problemStatus() const { return problem_status_->text(); }

void LabWindow::onProgress(const lab::LabProgress& p) {
  const double frac = p.passes_total > 0 ? static_cast<double>(p.passes_done) / static_cast<double>(p.passes_total) : 1.0;
  progress_->setValue(static_cast<int>(frac * 1000));
  const size_t done = p.runs_stored + p.runs_done + p.runs_failed;
  QString text = tr("%1/%2 runs").arg(done).arg(p.runs_total);
  if (p.runs_failed) text += tr(" · %1 failed").arg(p.runs_failed);
  text += tr(" · ETA %1").arg(duration_text(p.eta_seconds));
  if (!p.current.empty()) text += " · " + QString::fromStdString(p.current);
  if (controller_->paused()) text += tr(" · paused");
  progress_text_->setText(text);
}

void LabWindow::onFinished(const lab::LabProgress& p, bool cancelled) {
  onProgress(p);
  QString text = tr("%1/%2 runs").arg(p.runs_stored + p.runs_done + p.runs_failed).arg(p.runs_total);
  if (p.runs_failed) text += tr(" · %1 failed").arg(p.runs_failed);
  progress_text_->setText(text + (cancelled ? tr(" — cancelled; Start resumes it") : tr(" — done")));
  if (!cancelled && p.finished) progress_->setValue(1000);
  refresh_timer_->stop();
  results_->refresh();
  updateButtons();
  Q_EMIT experimentFinished(cancelled);
}

void LabWindow::showError(const QString& message) {
  last_error_ = message;
  progress_text_->setText(tr("<span style='color:#b00'>%1</span>").arg(message.toHtmlEscaped()));
  auto* box = new QMessageBox(QMessageBox::Warning, tr("Lab"), message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();  // non-blocking
}

void LabWindow::updateButtons() {
  const bool run = controller_->running();
  start_->setEnabled(!run);
  pause_->setEnabled(run);
  cancel_->setEnabled(run);
}

void LabWindow::closeEvent(QCloseEvent* e) {
  // Closing hides the window; a running experiment keeps running (the main window owns the Lab window).
  e->accept();
}

}  // namespace hogwild::ui
