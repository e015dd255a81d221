#include "lab_results_view.h"

#include <cmath>
#include <map>

#include <QChart>
#include <QChartView>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "common/error.h"
#include "hogwild/preset.h"
#include "lab/event_log.h"
#include "lab_charts.h"

namespace hogwild::ui {

namespace {

QTableWidget* new_table(QWidget* parent, const QStringList& headers) {
  auto* t = new QTableWidget(0, static_cast<int>(headers.size()), parent);
  t->setHorizontalHeaderLabels(headers);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->setSelectionMode(QAbstractItemView::SingleSelection);
  t->verticalHeader()->setVisible(false);
  t->horizontalHeader()->setStretchLastSection(true);
  return t;
}

QTableWidgetItem* item(const QString& text) { return new QTableWidgetItem(text); }

}  // namespace

LabResultsView::LabResultsView(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  tabs_ = new QTabWidget(this);
  accuracy_view_ = new QChartView(this);
  tokens_view_ = new QChartView(this);
  redundancy_view_ = new QChartView(this);
  for (QChartView* v : {accuracy_view_, tokens_view_, redundancy_view_}) v->setRenderHint(QPainter::Antialiasing);
  tabs_->addTab(accuracy_view_, tr("Accuracy vs budget"));
  tabs_->addTab(tokens_view_, tr("Tokens to answer"));
  tabs_->addTab(redundancy_view_, tr("Redundancy"));
  accuracy_ = new_table(this, {tr("Arm")});
  verdicts_ = new QPlainTextEdit(this);
  verdicts_->setReadOnly(true);
  verdicts_->setPlaceholderText(tr("Paired comparisons appear here as runs finish."));
  runs_ = new_table(this, {tr("Run"), tr("Arm"), tr("Problem"), tr("Seed"), tr("Answer"), tr("Expected"), tr("Correct"),
                           tr("Passes"), tr("Tokens"), tr("Wall s"), tr("End")});
  runs_->setToolTip(tr("Click a run to open its transcript and heatmaps in the main window."));
  connect(runs_, &QTableWidget::cellClicked, this, [this](int row, int) {
    if (QTableWidgetItem* it = runs_->item(row, 0)) openRun(it->data(Qt::UserRole).toLongLong());
  });
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  auto* tables = new QTabWidget(this);
  auto* summary = new QWidget(this);
  auto* sl = new QVBoxLayout(summary);
  sl->setContentsMargins(0, 0, 0, 0);
  sl->addWidget(accuracy_, 2);
  sl->addWidget(verdicts_, 1);
  tables->addTab(summary, tr("Comparison"));
  tables->addTab(runs_, tr("Runs"));
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(tabs_);
  split->addWidget(tables);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  lay->addWidget(split, 1);
  lay->addWidget(status_);
  setCharts();
}

LabResultsView::~LabResultsView() = default;

QString LabResultsView::verdictText() const { return verdicts_->toPlainText(); }
QString LabResultsView::statusText() const { return status_->text(); }

void LabResultsView::setDatabase(const QString& path) {
  db_path_ = path;
  store_.reset();
  report_.reset();
  runs_data_.clear();
  refresh();
}

void LabResultsView::refresh() {
  if (db_path_.isEmpty()) {
    report_.reset();
    runs_->setRowCount(0);
    accuracy_->setRowCount(0);
    verdicts_->clear();
    setCharts();
    status_->clear();
    return;
  }
  try {
    if (!store_) store_ = std::make_unique<lab::ResultStore>(db_path_.toStdString(), false);
    if (!store_->has_experiment()) return;
    report_ = lab::build_report(*store_);
    runs_data_ = store_->runs();
    fillAccuracyTable();
    fillRuns(runs_data_, store_->arms(), store_->problems());
    QString v;
    for (const auto& c : report_->comparisons) v += QString::fromStdString(lab::verdict(c)) + "\n";
    for (const auto& f : report_->failures) v += tr("failed: %1").arg(QString::fromStdString(f)) + "\n";
    verdicts_->setPlainText(v);
    setCharts();
    status_->setText(tr("%1 runs in %2").arg(runs_data_.size()).arg(db_path_));
  } catch (const std::exception& e) {
    status_->setText(tr("Results not readable: %1").arg(QString::fromUtf8(e.what())));
  }
  Q_EMIT refreshed();
}

void LabResultsView::fillAccuracyTable() {
  const auto& r = *report_;
  QStringList headers{tr("Arm")};
  for (qint64 b : r.checkpoints) headers << tr("%1 passes").arg(b);
  headers << tr("runs") << tr("redundancy") << tr("collab yes") << tr("attn others");
  accuracy_->setColumnCount(static_cast<int>(headers.size()));
  accuracy_->setHorizontalHeaderLabels(headers);
  accuracy_->setRowCount(static_cast<int>(r.arms.size()));
  for (int i = 0; i < static_cast<int>(r.arms.size()); ++i) {
    const lab::ArmReport& a = r.arms[static_cast<size_t>(i)];
    auto* name = item(QString::fromStdString(a.arm.name));
    name->setForeground(lab_arm_color(i));
    accuracy_->setItem(i, 0, name);
    int col = 1;
    for (const lab::AccuracyPoint& p : a.curve) {
      const QString text = p.n ? QString("%1/%2  %3  [%4, %5]").arg(p.correct).arg(p.n).arg(p.accuracy, 0, 'f', 2).arg(p.ci.low, 0, 'f', 2).arg(p.ci.high, 0, 'f', 2)
                               : QString("–");
      accuracy_->setItem(i, col++, item(text));
    }
    auto num = [](double v, int prec) { return std::isnan(v) ? QString("–") : QString::number(v, 'f', prec); };
    accuracy_->setItem(i, col++, item(QString::number(a.runs_done) + (a.runs_failed ? tr(" (+%1 failed)").arg(a.runs_failed) : QString())));
    accuracy_->setItem(i, col++, item(num(a.redundancy, 2)));
    accuracy_->setItem(i, col++, item(a.collab_yes + a.collab_no + a.collab_other ? QString("%1/%2").arg(a.collab_yes).arg(a.collab_yes + a.collab_no + a.collab_other) : QString("–")));
    accuracy_->setItem(i, col++, item(num(a.attention_on_others, 3)));
  }
  accuracy_->resizeColumnsToContents();
}

void LabResultsView::fillRuns(const std::vector<lab::StoredRun>& runs, const std::vector<lab::StoredArm>& arms,
                              const std::vector<lab::StoredProblem>& problems) {
  std::map<int64_t, const lab::StoredArm*> arm_by_id;
  for (const auto& a : arms) arm_by_id[a.id] = &a;
  std::map<int64_t, const lab::StoredProblem*> prob_by_id;
  for (const auto& p : problems) prob_by_id[p.id] = &p;
  const int selected = runs_->currentRow();
  runs_->setRowCount(static_cast<int>(runs.size()));
  for (int i = 0; i < static_cast<int>(runs.size()); ++i) {
    const lab::StoredRun& r = runs[static_cast<size_t>(i)];
    const lab::StoredArm* a = arm_by_id.count(r.arm_id) ? arm_by_id[r.arm_id] : nullptr;
    const lab::StoredProblem* p = prob_by_id.count(r.problem_id) ? prob_by_id[r.problem_id] : nullptr;
    auto* id = item(QString::number(r.id));
    id->setData(Qt::UserRole, static_cast<qlonglong>(r.id));
    runs_->setItem(i, 0, id);
    runs_->setItem(i, 1, item(a ? QString::fromStdString(a->name) : QString("?")));
    runs_->setItem(i, 2, item(p ? QString::fromStdString(p->set + ":" + p->key) : QString("?")));
    runs_->setItem(i, 3, item(QString::number(r.seed)));
    runs_->setItem(i, 4, item(r.status == "done" ? QString::fromStdString(r.final_answer) : tr("error: %1").arg(QString::fromStdString(r.error))));
    runs_->setItem(i, 5, item(p ? QString::fromStdString(p->answer) : QString()));
    runs_->setItem(i, 6, item(r.status == "done" ? (r.correct ? tr("yes") : tr("no")) : QString("–")));
    runs_->setItem(i, 7, item(QString::number(r.passes)));
    runs_->setItem(i, 8, item(QString::number(r.tokens)));
    runs_->setItem(i, 9, item(QString::number(r.wall_seconds, 'f', 1)));
    runs_->setItem(i, 10, item(QString::fromStdString(r.finish_reason)));
  }
  if (selected >= 0 && selected < runs_->rowCount()) runs_->selectRow(selected);
}

void LabResultsView::setCharts() {
  static const lab::LabReport empty;
  const lab::LabReport& r = report_ ? *report_ : empty;
  auto replace = [](QChartView* view, QChart* chart) {
    QChart* old = view->chart();
    view->setChart(chart);
    delete old;
  };
  QChart* acc = make_accuracy_chart(r);
  for (QAbstractSeries* s : acc->series())
    if (auto* line = qobject_cast<QLineSeries*>(s); line && line->property("arm").isValid()) {
      const int arm = line->property("arm").toInt();
      connect(line, &QLineSeries::clicked, this, [this, arm](const QPointF& p) { onPointClicked(arm, p); });
    }
  replace(accuracy_view_, acc);
  replace(tokens_view_, make_tokens_chart(r));
  replace(redundancy_view_, make_redundancy_chart(r));
}

std::optional<qint64> LabResultsView::runForPoint(int arm_index, qint64 budget) const {
  if (!report_ || arm_index < 0 || arm_index >= static_cast<int>(report_->arms.size())) return std::nullopt;
  const int64_t arm_id = report_->arms[static_cast<size_t>(arm_index)].arm.id;
  std::optional<qint64> first;
  for (const auto& r : runs_data_) {
    if (r.arm_id != arm_id || r.status != "done") continue;
    if (!first) first = r.id;
    for (const auto& c : r.checkpoints)
      if (c.budget == budget && c.correct) return r.id;
  }
  return first;
}

void LabResultsView::onPointClicked(int arm_index, const QPointF& point) {
  // The nearest checkpoint to the click (the x axis is logarithmic).
  if (!report_ || report_->checkpoints.empty()) return;
  qint64 best = report_->checkpoints.front();
  for (qint64 b : report_->checkpoints)
    if (std::fabs(std::log2(static_cast<double>(b)) - std::log2(std::max(1.0, point.x()))) <
        std::fabs(std::log2(static_cast<double>(best)) - std::log2(std::max(1.0, point.x()))))
      best = b;
  if (const auto id = runForPoint(arm_index, best)) openRun(*id);
}

std::optional<SessionRecord> LabResultsView::runRecord(qint64 run_id, QString* error) {
  try {
    if (!store_) store_ = std::make_unique<lab::ResultStore>(db_path_.toStdString(), false);
    const auto run = store_->run(run_id);
    if (!run) throw ConfigError("no run " + std::to_string(run_id) + " in the database");
    if (run->status != "done") throw ConfigError("run " + std::to_string(run_id) + " failed: " + run->error);
    SessionRecord rec;
    for (const auto& a : store_->arms())
      if (a.id == run->arm_id) rec.preset = preset_from_json(nlohmann::json::parse(a.preset_json), "stored arm " + a.name);
    rec.task = QString::fromStdString(run->task);
    rec.model_path = QString::fromStdString(store_->experiment().model);
    for (const auto& n : run->worker_names) rec.worker_names << QString::fromStdString(n);
    rec.preset.workers = std::max(1, static_cast<int>(run->worker_names.size()));
    rec.prompt = QString::fromStdString(run->prompt);
    rec.events = lab::parse_event_log(store_->event_log(run_id));
    return rec;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return std::nullopt;
  }
}

void LabResultsView::openRun(qint64 run_id) {
  QString error;
  if (auto rec = runRecord(run_id, &error)) {
    status_->setText(tr("Run %1 opened in the main window.").arg(run_id));
    Q_EMIT openRunRequested(*rec);
  } else {
    status_->setText(tr("Run %1 not opened: %2").arg(run_id).arg(error));
  }
}

}  // namespace hogwild::ui
