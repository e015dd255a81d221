// Issue #20: the defects a new user hits in the first ten minutes (each test fails on the build before its fix),
// the first screen before Start, the Answer area, the preset that follows the model, and the token hover with the
// sampled token's own probability and rank. Presentation mode is in test_presentation.
#include <QApplication>
#include <QFile>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest>

#include "control_bar.h"
#include "engine_controller.h"
#include "heatmap_panel.h"
#include "hogwild/layout.h"
#include "hogwild/preset_library.h"
#include "log_panel.h"
#include "main_window.h"
#include "run_banner.h"
#include "session_file.h"
#include "status_panel.h"
#include "ui_test_support.h"
#include "worker_grid.h"
#include "worker_pane.h"

using namespace hogwild;
using namespace hogwild::ui;

namespace {

QPushButton* button(MainWindow& w, const QString& text) {
  for (auto* b : w.controls()->findChildren<QPushButton*>())
    if (b->text() == text) return b;
  return nullptr;
}

int tinted(MainWindow& w) {
  int n = 0;
  for (int k = 0; k < w.panes()->count(); ++k) n += w.panes()->pane(k)->tintedTokens();
  return n;
}

// A stories260K window with the TinyStories preset of W workers and a budget.
void ready(MainWindow& w, test::Recorder& r, int workers, int passes) {
  w.show();
  w.loadModelFile(test::stories_model(), test::stories_tokenizer());
  QVERIFY(r.waitState(RunState::Ready));
  Preset p = load_preset(find_preset("tiny-stories"));
  p.workers = workers;
  p.budget.max_passes = passes;
  w.applyPreset(p, {});
  w.controls()->setTask("Once upon a time");
}

void runToEnd(MainWindow& w, test::Recorder& r) {
  r.last_state = RunState::Ready;
  Q_EMIT w.controls()->startClicked();
  QVERIFY(QTest::qWaitFor([&] { return r.last_state == RunState::Running || r.last_state == RunState::Finished; }, 20000));
  QVERIFY(r.waitState(RunState::Finished, 60000));
  QTest::qWait(50);  // the last batch is queued before the state change
}

int count(const QString& text, const QString& what) { return static_cast<int>(text.count(what)); }

}  // namespace

class TestClassroom : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const QString& name) const { return dir_.filePath(name); }

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // Defect 1: start → finish → Reset → Start → click a token said "No per-token attention recorded" (Reset cleared
  // the heatmap panel's layer count, which switched drill recording off); Reset → Step said "not fed yet".
  void drillDownWorksAfterReset() {
    test::Watchdog dog(120);
    MainWindow w(test::test_window_options());
    test::Recorder r(w.engine());
    ready(w, r, 2, 40);
    runToEnd(w, r);
    Q_EMIT w.controls()->resetClicked();
    QVERIFY(r.waitState(RunState::Ready));
    runToEnd(w, r);
    const int last_fed = static_cast<int>(w.panes()->pane(1)->tokens().size()) - 2;
    Q_EMIT w.panes()->tokenClicked(1, last_fed);
    QCOMPARE(w.panes()->pane(1)->drillQuery(), last_fed);
    QVERIFY(tinted(w) > 0);
    // Reset → Step, Step, Step: the tokens fed so far have their rows.
    Q_EMIT w.controls()->resetClicked();
    QVERIFY(r.waitState(RunState::Ready));
    for (int i = 1; i <= 3; ++i) {
      Q_EMIT w.controls()->stepClicked();
      QVERIFY(QTest::qWaitFor([&] { return r.progress.passes == i && r.last_state == RunState::Paused; }, 10000));
    }
    QTest::qWait(50);
    Q_EMIT w.panes()->tokenClicked(0, 1);  // the opener's tokens were fed in the first pass
    QVERIFY2(w.panes()->pane(0)->drillQuery() >= 0, "no drill row after Reset → Step");
    QVERIFY(tinted(w) > 0);
  }

  // Defect 2: a bad file (a text file named x.gguf) unloaded the working model: "no model", Start disabled.
  void badModelFileKeepsTheWorkingModel() {
    test::Watchdog dog(60);
    MainWindow w(test::test_window_options());
    test::Recorder r(w.engine());
    ready(w, r, 2, 20);
    QFile bad(path("x.gguf"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("this is not a model\n");
    bad.close();
    r.errors.clear();
    w.loadModelFile(path("x.gguf"));
    QVERIFY(QTest::qWaitFor([&] { return !r.errors.isEmpty(); }, 20000));
    QVERIFY(r.waitState(RunState::Ready));
    QVERIFY2(r.errors.front().contains("stays loaded"), qPrintable(r.errors.front()));
    QCOMPARE(w.model().path, test::stories_model());
    QVERIFY(button(w, "Start") && button(w, "Start")->isEnabled());
    QVERIFY(!w.statusPanel()->summary().contains("no model"));
    for (auto* b : w.findChildren<QMessageBox*>()) b->close();
    runToEnd(w, r);  // and it still runs
    QVERIFY(r.finished() && r.finished()->reason == "budget");
  }

  // Defect 3: "cache: view 549 / 512" after an interleaved 4-worker run stopped on `context`. The label shows the
  // real lengths, and none passes the context.
  void cacheLabelAtTheContextEdge() {
    test::Watchdog dog(120);
    MainWindow w(test::test_window_options());
    test::Recorder r(w.engine());
    w.show();
    w.loadModelFile(test::stories_model(), test::stories_tokenizer());
    QVERIFY(r.waitState(RunState::Ready));
    Preset p = load_preset(find_preset("tiny-stories"));
    p.workers = 4;
    p.layout = PresetLayout::Interleaved;
    p.budget.max_passes = 100000;
    p.stop.on_eos = false;
    w.applyPreset(p, {});
    runToEnd(w, r);
    QCOMPARE(QString::fromStdString(r.finished()->reason), QString("context"));
    qint64 longest = 0;
    for (qint64 v : r.progress.view_lengths) longest = std::max(longest, v);
    QVERIFY(longest > 0 && longest <= 512);
    QCOMPARE(w.statusPanel()->cacheText(), QString("cache: view %1 / 512").arg(longest));
  }

  // Defect 4: stale state. The previous "Finished" message during the next run; Reset keeping passes, tok/s and
  // cache; a replayed session showing "cache: view 0 / 0" and "finished" twice in the log; old panes after a
  // preset change.
  void noStaleState() {
    test::Watchdog dog(120);
    MainWindow w(test::test_window_options());
    test::Recorder r(w.engine());
    ready(w, r, 2, 30);
    runToEnd(w, r);
    QVERIFY(w.statusPanel()->summary().contains("finished"));
    const QString cache_after = w.statusPanel()->cacheText();
    save_session(w.record(), path("run.hogwild"));
    // A new run: nothing of the old one's ending stays in the status bar while it runs.
    Preset slow = w.preset();
    slow.budget.max_passes = 100000;
    w.applyPreset(slow, {});
    w.engine().setDelayMs(20);
    r.last_state = RunState::Ready;
    Q_EMIT w.controls()->startClicked();
    QVERIFY(r.waitState(RunState::Running));
    QVERIFY(QTest::qWaitFor([&] { return r.progress.passes > 3; }, 10000));
    QVERIFY2(!w.statusBar()->currentMessage().contains("Finished"), qPrintable(w.statusBar()->currentMessage()));
    QVERIFY2(!w.statusPanel()->summary().contains("finished"), qPrintable(w.statusPanel()->summary()));
    // Reset: no passes, no speed, no cache numbers of the old run.
    Q_EMIT w.controls()->resetClicked();
    QVERIFY(r.waitState(RunState::Ready));
    QTest::qWait(100);
    const QString s = w.statusPanel()->summary();
    QVERIFY2(s.contains("0 passes") && s.contains("– tok/s") && s.contains("cache: –"), qPrintable(s));
    QCOMPARE(w.panes()->pane(0)->text(), QString());
    // A saved session in a new window: the real cache numbers, and "finished" once in the log.
    MainWindow v(test::test_window_options());
    v.show();
    QVERIFY(v.openSessionFile(path("run.hogwild")));
    // The lengths the last pass saw (the live label may count a merge after it): a real view within the context.
    const QString c = v.statusPanel()->cacheText();
    QVERIFY2(c.startsWith("cache: view ") && c.endsWith(" / 512") && !c.contains("view 0 "), qPrintable(c + " vs " + cache_after));
    QTest::qWait(250);  // the log panel drains spdlog's queue every 100 ms
    const QString log = v.log()->toPlainText();
    QCOMPARE(count(log, "finished"), 1);
    // A preset with other workers: the old panes go at once (not at the next Start).
    Preset four = w.preset();
    four.workers = 4;
    w.applyPreset(four, {});
    QCOMPARE(w.panes()->count(), 4);
    for (int k = 0; k < 4; ++k) QCOMPARE(w.panes()->pane(k)->text(), QString());
  }

  // Defect 5: closing with an unsaved run asks Save / Discard / Cancel; Cancel keeps the window and the run.
  // (Discard, the autosave and the thread join: test_main_window closingMidRunStopsCleanly.)
  void closingAsksFirst() {
    test::Watchdog dog(60);
    MainWindow::Options o = test::test_window_options();
    o.ask_before_close = true;
    MainWindow w(o);
    test::Recorder r(w.engine());
    ready(w, r, 2, 30);
    runToEnd(w, r);
    QVERIFY(w.unsavedRun());
    QString question;
    QTimer::singleShot(0, this, [&] {
      QTest::qWaitFor([&] { return qobject_cast<QMessageBox*>(QApplication::activeModalWidget()) != nullptr; }, 5000);
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (!box) return;
      question = box->text();
      box->button(QMessageBox::Cancel)->click();
    });
    QVERIFY(!w.close());
    QVERIFY2(question.contains("not saved"), qPrintable(question));
    QVERIFY(w.isVisible());
    QVERIFY(!w.engine().threadFinished());
    runToEnd(w, r);  // still usable
    // After a save there is nothing to ask.
    QVERIFY(w.saveSessionFile(path("saved.hogwild")));
    QVERIFY(!w.unsavedRun());
  }

  // Defect 5: after a crash the autosaved last run is offered and reopens.
  void crashRecoveryOffersTheLastRun() {
    test::Watchdog dog(60);
    {
      MainWindow w(test::test_window_options());
      test::Recorder r(w.engine());
      ready(w, r, 2, 25);
      runToEnd(w, r);  // the end of a run writes the autosave
      QVERIFY(QFile::exists(MainWindow::autosavePath()));
    }
    QSettings("HogwildStudio", "hogwild-studio").setValue("session/running", true);  // as a crash leaves it
    MainWindow::Options o = test::test_window_options();
    o.recover_autosave = true;
    MainWindow w(o);
    w.show();
    QMessageBox* box = nullptr;
    QVERIFY(QTest::qWaitFor([&] { return (box = w.findChild<QMessageBox*>("recoveryQuestion")) != nullptr; }, 5000));
    box->button(QMessageBox::Yes)->click();
    QVERIFY(QTest::qWaitFor([&] { return w.replaying(); }, 5000));
    QVERIFY(w.record().finished());
    QCOMPARE(w.panes()->count(), 2);
    QVERIFY(!w.panes()->pane(0)->text().isEmpty());
    // A clean close clears the flag: the next start offers nothing.
    QVERIFY(w.close());
    QCOMPARE(QSettings("HogwildStudio", "hogwild-studio").value("session/running").toBool(), false);
  }

  // Defect 7: the answer was only in the log and a tooltip. The banner names it, who wrote it, and why the run
  // stopped; without \boxed{} it quotes the finisher.
  void answerArea() {
    MainWindow w(test::test_window_options());
    w.show();
    SessionRecord r;
    r.preset = load_preset(find_preset("hogwild-paper"));
    r.worker_names = {"Alice", "Bob"};
    TokenEvent t;
    t.worker = 1;
    t.text = "**Bob [2]:** 17·23 = 391, so \\boxed{391}\n\n";
    t.step = 2;
    r.events.push_back(t);
    StepFinishedEvent s;
    s.worker = 1;
    s.step = 2;
    s.text = t.text;
    r.events.push_back(s);
    FinishedEvent f;
    f.reason = "answer";
    f.answer = "391";
    f.passes = 40;
    r.events.push_back(f);
    w.replay(r);
    QVERIFY(w.banner()->isVisible());
    QString text = w.banner()->text();
    QVERIFY2(text.contains("Answer: 391") && text.contains("Bob's step 2") && text.contains("boxed"), qPrintable(text));
    // No \boxed{} in the text: the finisher's words, and the budget as the reason.
    r.events.erase(r.events.begin(), r.events.begin() + 2);
    FinishedEvent g;
    g.reason = "budget";
    g.answer = "7";
    g.passes = 64;
    g.message = "the budget of 64 passes is spent; finisher: \"7}\"";
    r.events = {g};
    w.replay(r);
    text = w.banner()->text();
    QVERIFY2(text.contains("Answer: 7") && text.contains("the finisher") && text.contains("budget of 64 passes"), qPrintable(text));
    QCOMPARE(describe_result(r).finisher_text, QString("7}"));
  }

  // Before Start: what will appear where, "press Start", and how many passes fit in the context (a warning when the
  // budget is larger). Start hides it; the end of the run shows why it stopped.
  void firstScreenAndContextBudget() {
    test::Watchdog dog(60);
    MainWindow w(test::test_window_options());
    test::Recorder r(w.engine());
    ready(w, r, 2, 60);
    QVERIFY(QTest::qWaitFor([&] { return w.budget().passes_fit > 0; }, 5000));
    QVERIFY(w.banner()->isVisible());
    QString text = w.banner()->text();
    QVERIFY2(text.contains("Press Start") && text.contains("Shared history") && text.contains("passes fit"), qPrintable(text));
    QVERIFY(!w.banner()->warns());
    QVERIFY(w.budget().passes_fit > 100 && w.budget().passes_fit < 256);  // (512 - prompt - openers) / 2
    QVERIFY(!w.panes()->pane(0)->view()->placeholder().isEmpty());
    Preset big = w.preset();
    big.budget.max_passes = 5000;
    w.applyPreset(big, {});
    QVERIFY(QTest::qWaitFor([&] { return w.banner()->warns(); }, 5000));
    QVERIFY2(w.banner()->text().contains("stop early"), qPrintable(w.banner()->text()));
    Preset small = w.preset();
    small.budget.max_passes = 30;
    w.applyPreset(small, {});
    w.engine().setDelayMs(10);  // long enough to see it running
    r.last_state = RunState::Ready;
    Q_EMIT w.controls()->startClicked();
    QVERIFY(r.waitState(RunState::Running));
    QVERIFY(!w.banner()->isVisible());
    QVERIFY(r.waitState(RunState::Finished));
    QVERIFY(w.banner()->isVisible());
    QVERIFY2(w.banner()->text().contains("budget of 30 passes"), qPrintable(w.banner()->text()));
  }

  // The hover shows the sampled token's own probability and rank beside the candidates.
  void hoverShowsTheSampledTokensProbabilityAndRank() {
    test::Watchdog dog(60);
    MainWindow w(test::test_window_options());
    test::Recorder r(w.engine());
    ready(w, r, 2, 30);
    runToEnd(w, r);
    const auto& toks = w.panes()->pane(0)->tokens();
    int checked = 0;
    for (size_t i = 0; i < toks.size(); ++i) {
      if (toks[i].inserted) continue;
      const QString tip = w.panes()->pane(0)->tokenTooltip(static_cast<int>(i));
      QVERIFY2(tip.contains("Sampled") && tip.contains(QString("rank %1").arg(toks[i].rank)), qPrintable(tip));
      QVERIFY(toks[i].rank >= 1 && toks[i].prob > 0.f);
      ++checked;
    }
    QVERIFY(checked > 10);
  }

  // Defect 8: the preset follows the model (stories260K → tiny-stories, SmolLM2 → smollm2-hogwild and back) unless
  // the user keeps it; a kept preset whose chat template does not fit the model gets a warning.
  void presetFollowsTheModel() {
    test::Watchdog dog(240);
    const QString smol = test::real_model_path("smollm2");
    QVERIFY(!smol.isEmpty());
    MainWindow w(test::test_window_options());
    test::Recorder r(w.engine());
    w.show();
    auto load = [&](const QString& m, const QString& tok) {
      const int before = r.models;
      w.loadModelFile(m, tok);
      QVERIFY(QTest::qWaitFor([&] { return r.models > before; }, 120000));
      QVERIFY(r.waitState(RunState::Ready));
    };
    load(test::stories_model(), test::stories_tokenizer());
    QCOMPARE(QFileInfo(w.presetPath()).baseName(), QString("tiny-stories"));
    load(smol, {});
    QCOMPARE(QFileInfo(w.presetPath()).baseName(), QString("smollm2-hogwild"));
    QVERIFY(w.presetWarning().isEmpty());
    load(test::stories_model(), test::stories_tokenizer());
    QCOMPARE(QFileInfo(w.presetPath()).baseName(), QString("tiny-stories"));
    w.controls()->setPresetPinned(true);
    load(smol, {});
    QCOMPARE(QFileInfo(w.presetPath()).baseName(), QString("tiny-stories"));
    QVERIFY2(w.presetWarning().contains("no chat template"), qPrintable(w.presetWarning()));
    QVERIFY(w.banner()->text().contains("no chat template"));
  }
};

QTEST_MAIN(TestClassroom)
#include "test_classroom.moc"
