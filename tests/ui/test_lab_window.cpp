// The Lab window end to end under Qt Test (offscreen) on stories260K: Tools → Lab from the main window, a tiny
// experiment (2 problems × hogwild + single × 1 seed) started, curves/tables filled as runs finish, a run row and
// a curve point opened in the main window's panes; pause, cancel and resume; bad input is one clear message.
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QMenuBar>
#include <QProgressBar>
#include <QTableWidget>
#include <QtTest>

#include "lab/result_store.h"
#include "lab_controller.h"
#include "lab_results_view.h"
#include "lab_window.h"
#include "main_window.h"
#include "ui_test_support.h"
#include "worker_grid.h"

using namespace hogwild;
using namespace hogwild::ui;

class TestLabWindow : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;

  QString writeProblems(int n) {
    QString text;
    for (int i = 0; i < n; ++i)
      text += QString("{\"id\": \"s%1\", \"question\": \"Once upon a time, a cat had %1 toys\", \"answer\": \"%1\"}\n").arg(i + 1);
    const QString path = dir_.filePath(QString("stories%1.jsonl").arg(n));
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write(text.toUtf8());
    return path;
  }

  void setUpTiny(LabWindow& lab, const QString& problems, const QString& db, const QString& checkpoints) {
    lab.setModel(test::stories_model(), test::stories_tokenizer());
    QVERIFY(lab.setProblemSet(problems));
    lab.clearArms();
    lab.addArm("hw", "tiny-stories", 2, "combined", 0.0);
    lab.setControls(true, false);
    lab.setCheckpoints(checkpoints);
    lab.setSeeds("1");
    lab.setOverrides("{\"finisher\": {\"text\": \" The answer is \\\\boxed{\", \"max_tokens\": 3}}");
    lab.setDatabase(db);
  }

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void toolsMenuRunsATinyExperimentAndOpensRuns() {
    test::Watchdog dog(240);
    MainWindow w(test::test_window_options());
    w.show();
    // Tools → Lab… exists and opens the one Lab window.
    QAction* action = nullptr;
    for (QAction* m : w.menuBar()->actions())
      if (m->menu() && m->text().remove('&') == "Tools")
        for (QAction* a : m->menu()->actions())
          if (a->text().remove('&').startsWith("Lab")) action = a;
    QVERIFY2(action, "no Tools → Lab… entry");
    action->trigger();
    LabWindow* lab = w.showLab();
    QVERIFY(lab && lab->isVisible());
    QCOMPARE(w.showLab(), lab);

    const QString db = dir_.filePath("tiny.db");
    setUpTiny(*lab, writeProblems(2), db, "4, 8");
    QVERIFY(lab->problemStatus().startsWith("2 problems"));
    QSignalSpy finished(lab, &LabWindow::experimentFinished);
    QVERIFY(lab->startExperiment());
    QVERIFY(lab->running());
    QVERIFY(!lab->startExperiment());  // one experiment at a time
    QVERIFY(finished.wait(120000));
    QCOMPARE(finished.takeFirst().at(0).toBool(), false);
    QVERIFY(!lab->running());
    QCOMPARE(lab->progressBar()->value(), 1000);
    QVERIFY2(lab->progressText().contains("4/4 runs"), qPrintable(lab->progressText()));

    // The database holds the 4 runs; the window shows them.
    lab::ResultStore store(db.toStdString(), false);
    QCOMPARE(store.runs().size(), size_t(4));
    LabResultsView* res = lab->results();
    QCOMPARE(res->runsTable()->rowCount(), 4);
    QCOMPARE(res->accuracyTable()->rowCount(), 2);  // hw, single
    QVERIFY(res->accuracyTable()->item(0, 1)->text().startsWith(QString("%1/2").arg(res->report()->arms[0].curve[0].correct)));
    QVERIFY2(res->verdictText().contains("at 8 passes"), qPrintable(res->verdictText()));
    int curves = 0;
    for (QAbstractSeries* s : res->accuracyView()->chart()->series())
      if (auto* l = qobject_cast<QLineSeries*>(s); l && l->property("arm").isValid()) {
        ++curves;
        QCOMPARE(l->count(), 2);  // one point per checkpoint
      }
    QCOMPARE(curves, 2);
    if (qEnvironmentVariableIsSet("HOGWILD_LAB_SCREENSHOT")) lab->grab().save(qEnvironmentVariable("HOGWILD_LAB_SCREENSHOT"));

    // A click on a run row opens it in the main window: its workers' panes and every event.
    const qint64 run_id = res->runsTable()->item(0, 0)->data(Qt::UserRole).toLongLong();
    const auto rec = res->runRecord(run_id);
    QVERIFY(rec && !rec->events.empty());
    const QRect cell = res->runsTable()->visualItemRect(res->runsTable()->item(0, 1));
    QTest::mouseClick(res->runsTable()->viewport(), Qt::LeftButton, {}, cell.center());
    QVERIFY(QTest::qWaitFor([&] { return w.replaying(); }, 5000));
    QCOMPARE(w.record().events.size(), rec->events.size());
    QCOMPARE(w.record().worker_names.size(), 2);
    QCOMPARE(w.panes()->count(), 2);
    QCOMPARE(w.record().finished() != nullptr, true);

    // A curve point opens a run of that arm (the single arm: one worker).
    const auto single_run = res->runForPoint(1, 8);
    QVERIFY(single_run.has_value());
    res->openRun(*single_run);
    QVERIFY(QTest::qWaitFor([&] { return w.record().worker_names.size() == 1; }, 5000));

    // Starting again on the finished database resumes: nothing left to do.
    QVERIFY(lab->startExperiment());
    QVERIFY(finished.wait(60000));
    QCOMPARE(store.runs().size(), size_t(4));
  }

  void pauseCancelResume() {
    test::Watchdog dog(240);
    LabWindow lab;
    lab.show();
    const QString db = dir_.filePath("long.db");
    // 48 runs of 160 passes: with 8 runs per pass (the default) runs finish in waves, so the experiment must be
    // long enough to still be running when the first wave is stored.
    setUpTiny(lab, writeProblems(24), db, "64, 160");
    QSignalSpy finished(&lab, &LabWindow::experimentFinished);
    QVERIFY(lab.startExperiment());
    // Wait for the first stored run, then pause: no run is stored while paused.
    QVERIFY(QTest::qWaitFor([&] { return lab.results()->runsTable()->rowCount() >= 1; }, 60000));
    lab.setPaused(true);
    QTest::qWait(400);  // the run in flight stops at its next pass
    const size_t paused_runs = lab::ResultStore(db.toStdString(), false).runs().size();
    QTest::qWait(800);
    QCOMPARE(lab::ResultStore(db.toStdString(), false).runs().size(), paused_runs);
    QVERIFY(lab.progressText().contains("paused"));
    // Cancel: the experiment ends, the run in flight is not stored, everything stored stays.
    lab.cancelExperiment();
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.takeFirst().at(0).toBool(), true);
    const size_t after_cancel = lab::ResultStore(db.toStdString(), false).runs().size();
    QCOMPARE(after_cancel, paused_runs);
    QVERIFY(after_cancel < 48);
    // Start resumes: the rest is run, nothing twice.
    QVERIFY(lab.startExperiment());
    QVERIFY(finished.wait(180000));
    QCOMPARE(finished.takeFirst().at(0).toBool(), false);
    lab::ResultStore store(db.toStdString(), false);
    QCOMPARE(store.runs().size(), size_t(48));
    QCOMPARE(store.stored_run_keys().size(), size_t(48));
  }

  void badInputIsOneClearMessage() {
    LabWindow lab;
    const QString bad = dir_.filePath("bad.jsonl");
    QFile f(bad);
    f.open(QIODevice::WriteOnly);
    f.write("{\"id\": \"a\", \"question\": \"q\", \"answer\": \"1\"}\n{\"id\": \"b\", \"question\": \"q\"}\n");
    f.close();
    QVERIFY(!lab.setProblemSet(bad));
    QVERIFY2(lab.problemStatus().contains("line 2: field &quot;answer&quot;: missing"), qPrintable(lab.problemStatus()));
    lab.setModel(test::stories_model(), test::stories_tokenizer());
    lab.setCheckpoints("8, x");
    QVERIFY(!lab.startExperiment());
    QVERIFY2(lab.lastError().contains("\"x\" is not a non-negative integer"), qPrintable(lab.lastError()));
    lab.setCheckpoints("8");
    lab.clearArms();
    lab.addArm("w", "tiny-stories", 2, "combined", -1, "independent");
    lab.setOverrides("{\"sampling\": {\"top_p\": 7}}");
    QVERIFY(!lab.startExperiment());
    QVERIFY2(lab.lastError().contains("top_p"), qPrintable(lab.lastError()));
    QVERIFY(!lab.running());
  }
};

QTEST_MAIN(TestLabWindow)
#include "test_lab_window.moc"
