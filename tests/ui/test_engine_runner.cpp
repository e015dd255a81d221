// The thread bridge on the real stories260K model: a run streams tokens of every worker and finishes; pause then
// step is exactly one pass; stop mid-run; reset; a model switch mid-run; errors keep the runner usable; 200
// rapid start/stop cycles neither crash nor deadlock.
#include <QtTest>

#include "engine_controller.h"
#include "engine_runner.h"
#include "gui_load_governor.h"
#include "hogwild/preset_library.h"
#include "ui_test_support.h"

using namespace hogwild;
using namespace hogwild::ui;
using namespace hogwild::ui::test;

class TestEngineRunner : public QObject {
  Q_OBJECT

  Preset preset(int passes) {
    Preset p = load_preset(find_preset("tiny-stories"));
    p.budget.max_passes = passes;
    return p;
  }
  void loadStories(EngineController& c, Recorder& r) {
    c.loadModel(stories_model(), stories_tokenizer());
    QVERIFY(r.waitState(RunState::Ready));
    QCOMPARE(r.model.layers, 5);
  }

 private Q_SLOTS:
  void runStreamsEveryWorkerAndFinishes() {
    Watchdog dog(120);
    EngineController c;
    Recorder r(c);
    loadStories(c, r);
    Preset p = preset(40);
    p.workers = 3;
    c.setPreset(p);
    c.setTask("Once upon a time");
    c.start();
    QVERIFY(r.waitState(RunState::Finished));
    QCOMPARE(r.runs, 1);
    QCOMPARE(r.run.worker_names.size(), 3);
    std::vector<int> sampled(3, 0);
    for (const auto& e : r.events)
      if (const auto* t = std::get_if<TokenEvent>(&e))
        if (!t->inserted) ++sampled[static_cast<size_t>(t->worker)];
    for (int w = 0; w < 3; ++w) QVERIFY2(sampled[static_cast<size_t>(w)] >= 30, qPrintable(QString("worker %1: %2").arg(w).arg(sampled[w])));
    QVERIFY(r.finished());
    QCOMPARE(QString::fromStdString(r.finished()->reason), QString("budget"));
    QCOMPARE(r.progress.passes, 40);
    QVERIFY(r.count<StatsEvent>() == 40);
    // Batching: far fewer signals than tokens.
    QVERIFY2(r.batches < static_cast<int>(r.events.size()) / 4, qPrintable(QString("%1 batches for %2 events").arg(r.batches).arg(r.events.size())));
    QVERIFY(r.errors.isEmpty());
  }

  void pauseThenStepIsExactlyOnePass() {
    Watchdog dog(120);
    EngineController c;
    Recorder r(c);
    loadStories(c, r);
    c.setPreset(preset(4000));
    c.setDelayMs(5);
    c.start();
    QVERIFY(QTest::qWaitFor([&] { return r.progress.passes >= 5; }, 20000));
    c.pause();
    QVERIFY(r.waitState(RunState::Paused));
    QTest::qWait(100);  // nothing runs while paused
    const qint64 before = r.progress.passes;
    const int batches = r.batches;
    QTest::qWait(100);
    QCOMPARE(r.progress.passes, before);
    r.clear();
    c.step();
    QVERIFY(QTest::qWaitFor([&] { return r.batches > 0; }, 10000));
    QTest::qWait(100);
    QCOMPARE(r.progress.passes, before + 1);
    QCOMPARE(r.count<StatsEvent>(), 1);
    QCOMPARE(r.last_state, RunState::Paused);
    Q_UNUSED(batches);
    c.step();
    QVERIFY(QTest::qWaitFor([&] { return r.progress.passes == before + 2; }, 10000));
    // Resume and stop.
    c.start();
    QVERIFY(r.waitState(RunState::Running));
    c.stop();
    QVERIFY(r.waitState(RunState::Finished));
    QCOMPARE(QString::fromStdString(r.finished()->reason), QString("stopped"));
  }

  void stopMidRunAndReset() {
    Watchdog dog(120);
    EngineController c;
    Recorder r(c);
    loadStories(c, r);
    c.setPreset(preset(4000));
    c.setDelayMs(2);
    c.start();
    QVERIFY(QTest::qWaitFor([&] { return r.progress.passes >= 3; }, 20000));
    c.stop();
    QVERIFY(r.waitState(RunState::Finished));
    QVERIFY(r.finished());
    QCOMPARE(QString::fromStdString(r.finished()->reason), QString("stopped"));
    QVERIFY(r.progress.passes < 4000);
    c.reset();
    QVERIFY(r.waitState(RunState::Ready));
    r.clear();
    c.setDelayMs(0);
    c.setPreset(preset(10));
    c.start();
    QVERIFY(r.waitState(RunState::Finished));
    QCOMPARE(r.runs, 2);
    QCOMPARE(r.progress.passes, 10);  // a fresh session, counted from zero
  }

  void modelSwitchStopsTheRunFirst() {
    Watchdog dog(120);
    EngineController c;
    Recorder r(c);
    loadStories(c, r);
    c.setPreset(preset(4000));
    c.setDelayMs(2);
    c.start();
    QVERIFY(QTest::qWaitFor([&] { return r.progress.passes >= 3; }, 20000));
    c.loadModel(fixture("stories260K-gguf/stories260K.gguf"));
    QVERIFY(QTest::qWaitFor([&] { return r.models == 2; }, 30000));
    QVERIFY(r.waitState(RunState::Ready));
    QVERIFY(r.finished());
    QCOMPARE(QString::fromStdString(r.finished()->reason), QString("stopped"));
    QCOMPARE(r.model.format, QString("gguf"));
    r.clear();
    c.setPreset(preset(5));
    c.start();
    QVERIFY(r.waitState(RunState::Finished));
    QCOMPARE(r.progress.passes, 5);
  }

  void errorsKeepTheRunnerUsable() {
    Watchdog dog(120);
    EngineController c;
    Recorder r(c);
    c.start();  // no model
    QVERIFY(QTest::qWaitFor([&] { return !r.errors.isEmpty(); }, 5000));
    c.loadModel("/nonexistent/model.bin");
    QVERIFY(QTest::qWaitFor([&] { return r.errors.size() >= 2; }, 10000));
    QVERIFY2(!r.errors.last().contains('\n'), qPrintable(r.errors.last()));
    QVERIFY(r.errors.last().contains("nonexistent"));
    loadStories(c, r);
    Preset bad = preset(10);
    bad.statistics.drill_layer = 99;  // the session rejects it: ConfigError -> error signal
    c.setPreset(bad);
    c.start();
    QVERIFY(QTest::qWaitFor([&] { return r.errors.size() >= 3; }, 10000));
    QVERIFY(r.errors.last().contains("drill_layer"));
    c.setPreset(preset(5));
    c.start();
    QVERIFY(r.waitState(RunState::Finished));
  }

  void rapidStartStopCycles() {
    Watchdog dog(240);
    EngineController c;
    Recorder r(c);
    loadStories(c, r);
    c.setPreset(preset(4000));
    for (int i = 0; i < 200; ++i) {
      c.start();
      if (i % 3 == 0) QCoreApplication::processEvents();
      if (i % 7 == 0) c.pause();
      if (i % 11 == 0) c.step();
      c.stop();
      if (i % 13 == 0) c.reset();
    }
    QVERIFY(QTest::qWaitFor([&] { return r.last_state == RunState::Finished || r.last_state == RunState::Ready; }, 60000));
    QTest::qWait(200);
    r.clear();
    c.setPreset(preset(5));
    c.start();
    QVERIFY(QTest::qWaitFor([&] { return r.finished() && r.finished()->reason == "budget"; }, 30000));
    QCOMPARE(r.progress.passes, 5);
  }

  void governorRule() {
    // GuiLoadGovernor::nextInterval: busier than the budget -> longer interval, aimed at the budget (at most x2 a
    // step, at most kMaxIntervalMs); well below -> shorter (never below the 60 Hz default); unknown -> unchanged.
    const int lo = EngineRunner::kFlushIntervalMs, hi = GuiLoadGovernor::kMaxIntervalMs;
    QCOMPARE(GuiLoadGovernor::nextInterval(lo, 0.30, 0.10), 2 * lo);
    QCOMPARE(GuiLoadGovernor::nextInterval(lo, 0.15, 0.10), 24);
    QCOMPARE(GuiLoadGovernor::nextInterval(hi, 0.50, 0.10), hi);
    QCOMPARE(GuiLoadGovernor::nextInterval(50, 0.08, 0.10), 50);  // within the band: stays
    QCOMPARE(GuiLoadGovernor::nextInterval(50, 0.02, 0.10), 40);
    QCOMPARE(GuiLoadGovernor::nextInterval(lo, 0.00, 0.10), lo);
    QCOMPARE(GuiLoadGovernor::nextInterval(1000, 0.00, 0.10), hi - hi / 5);  // clamped first
    QCOMPARE(GuiLoadGovernor::nextInterval(40, std::nan(""), 0.10), 40);
  }

  void flushIntervalSetsTheBatchRate() {
    // The same paced run (2 ms between passes) with the default interval and with 100 ms: the longer interval
    // delivers the same events in far fewer batches, at most ~10 per second (+ the flushes at start and end).
    Watchdog dog(120);
    EngineController c;
    Recorder r(c);
    loadStories(c, r);
    c.setDelayMs(2);
    auto run = [&](int interval_ms, double* seconds) {
      c.setFlushIntervalMs(interval_ms);
      r.clear();
      r.last_state = RunState::Ready;  // the previous run's Finished must not end the wait
      c.setPreset(preset(120));
      c.setTask("Once upon a time");
      QElapsedTimer t;
      t.start();
      c.start();
      if (!r.waitState(RunState::Finished)) return -1;
      *seconds = static_cast<double>(t.elapsed()) / 1000.0;
      return r.batches;
    };
    double s16 = 0, s100 = 0;
    const int b16 = run(EngineRunner::kFlushIntervalMs, &s16);
    const size_t events16 = r.events.size();
    const int b100 = run(100, &s100);
    QVERIFY(b16 > 0 && b100 > 0);
    QCOMPARE(r.events.size(), events16);  // nothing is dropped
    QCOMPARE(c.flushIntervalMs(), 100);
    QVERIFY2(b100 * 2 < b16, qPrintable(QString("%1 batches at 100 ms vs %2 at 16 ms").arg(b100).arg(b16)));
    QVERIFY2(b100 <= s100 * 10 + 4, qPrintable(QString("%1 batches in %2 s").arg(b100).arg(s100)));
    c.setFlushIntervalMs(1);  // below the floor: the default
    QCOMPARE(c.flushIntervalMs(), EngineRunner::kFlushIntervalMs);
  }

  void destroyMidRun() {
    Watchdog dog(60);
    auto c = std::make_unique<EngineController>();
    Recorder r(*c);
    loadStories(*c, r);
    c->setPreset(preset(100000));
    c->start();
    QVERIFY(QTest::qWaitFor([&] { return r.progress.passes >= 3; }, 20000));
    c.reset();  // closing the window mid-run: stop, quit the thread, wait
  }
};

QTEST_MAIN(TestEngineRunner)
#include "test_engine_runner.moc"
