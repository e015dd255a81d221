// Stress of the thread bridge (issue #6, labels "ui" and "stress"), on stories260K: 1000 start/pause/step/stop/
// reset cycles through EngineController/EngineRunner; rapid preset switching during a run; model switches during
// a run; closing the window while a model loads. Pass = no crash, no deadlock (a watchdog thread kills a hung
// test: it also fires when the GUI thread itself is blocked, which a QTimer could not), no error signal, and the
// bridge still runs an exact fresh run afterwards. Leaks: run under ASan/LSan by packaging/run-tests.sh; data
// races: under TSan (ctest -R "engine_runner|stress").
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "control_bar.h"
#include "engine_controller.h"
#include "hogwild/preset_library.h"
#include "main_window.h"
#include "ui_test_support.h"

using namespace hogwild;
using namespace hogwild::ui;
using namespace hogwild::ui::test;

class TestStressBridge : public QObject {
  Q_OBJECT

  static Preset preset(int passes, int workers = 2, PresetLayout layout = PresetLayout::Combined) {
    Preset p = load_preset(find_preset("tiny-stories"));
    p.budget.max_passes = passes;
    p.workers = workers;
    p.layout = layout;
    return p;
  }
  static void loadStories(EngineController& c, Recorder& r) {
    c.loadModel(stories_model(), stories_tokenizer());
    QVERIFY(r.waitState(RunState::Ready));
  }
  // Waits until the engine thread has handled every call queued so far: calls run in FIFO order, and a model load
  // is the one call with a unique reply (modelLoaded), so its reply means the backlog is drained.
  static void drain(EngineController& c, Recorder& r) {
    const int models = r.models;
    c.loadModel(stories_model(), stories_tokenizer());
    QVERIFY(QTest::qWaitFor([&] { return r.models > models && r.last_state == RunState::Ready; }, 60000));
  }
  // After any storm: a fresh run of exactly `passes` passes with `workers` workers, and no error on the way.
  static void exactFreshRun(EngineController& c, Recorder& r, int passes, int workers) {
    drain(c, r);
    r.clear();
    r.runs = 0;
    c.setDelayMs(0);
    c.setPreset(preset(passes, workers));
    c.start();
    QVERIFY(QTest::qWaitFor([&] { return r.finished() && r.finished()->reason == "budget"; }, 30000));
    QCOMPARE(r.runs, 1);
    QCOMPARE(r.run.worker_names.size(), workers);
    QCOMPARE(r.progress.passes, static_cast<qint64>(passes));
    QCOMPARE(r.count<StatsEvent>(), passes);
    QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join(" | ")));
  }

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void thousandStartPauseStepStopResetCycles() {
    Watchdog dog(90);
    EngineController c;
    Recorder r(c);
    loadStories(c, r);
    c.setPreset(preset(100000));
    c.setTask("Once upon a time");
    QElapsedTimer t;
    t.start();
    qint64 max_passes_seen = 0;
    for (int i = 0; i < 1000; ++i) {
      c.start();
      // Every 50th cycle really runs for a while (a few batches), so pause/step/stop land mid-pass too.
      if (i % 50 == 0) QVERIFY(QTest::qWaitFor([&] { return r.progress.passes >= 2; }, 10000));
      if (i % 2 == 0) c.pause();
      if (i % 3 == 0) c.step();
      if (i % 4 == 0) QCoreApplication::processEvents();
      if (i % 5 != 4) c.stop();
      if (i % 7 == 0) c.reset();
      if (i % 10 == 0) QCoreApplication::processEvents();
      max_passes_seen = std::max(max_passes_seen, r.progress.passes);
      if (i % 100 == 99) drain(c, r);  // the backlog is handled, not just queued
    }
    QVERIFY(max_passes_seen >= 2);
    QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join(" | ")));
    qInfo("1000 cycles handled in %lld ms", static_cast<long long>(t.elapsed()));
    exactFreshRun(c, r, 6, 2);
  }

  void rapidPresetSwitchingDuringARun() {
    Watchdog dog(90);
    EngineController c;
    Recorder r(c);
    loadStories(c, r);
    c.setPreset(preset(100000));
    c.start();
    QVERIFY(QTest::qWaitFor([&] { return r.progress.passes >= 3; }, 20000));
    const PresetLayout layouts[] = {PresetLayout::Combined, PresetLayout::Interleaved, PresetLayout::Contiguous};
    for (int i = 0; i < 300; ++i) {
      c.setPreset(preset(100000, 1 + i % 4, layouts[i % 3]));  // stops the running session first
      c.start();
      if (i % 10 == 0) QVERIFY(QTest::qWaitFor([&] { return r.last_state == RunState::Running; }, 10000));
      if (i % 25 == 0) QTest::qWait(20);  // a few passes under this preset
    }
    // The last preset wins: 4 workers (i = 299: 1 + 299 % 4 = 4), contiguous layout (299 % 3 = 2).
    // (Earlier presets with 4 workers, e.g. i = 295, may still be running when this starts waiting: wait for
    // the layout too.)
    QVERIFY(QTest::qWaitFor([&] {
      return r.run.worker_names.size() == 4 && r.run.preset.layout == PresetLayout::Contiguous &&
             r.last_state == RunState::Running;
    }, 20000));
    QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join(" | ")));
    c.stop();
    exactFreshRun(c, r, 5, 3);
  }

  void modelSwitchDuringARun() {
    Watchdog dog(90);
    EngineController c;
    Recorder r(c);
    loadStories(c, r);
    const QString gguf = fixture("stories260K-gguf/stories260K.gguf");
    for (int i = 0; i < 30; ++i) {
      c.setPreset(preset(100000, 1 + i % 3));
      c.start();
      if (i % 2 == 0) QVERIFY(QTest::qWaitFor([&] { return r.last_state == RunState::Running && r.progress.passes >= 1; }, 20000));
      const int models = r.models;
      if (i % 2 == 0) c.loadModel(gguf);
      else c.loadModel(stories_model(), stories_tokenizer());
      if (i % 5 == 4) continue;  // sometimes the next start is queued behind the load
      // A load queued in the previous iteration may finish first: wait for THIS load's model.
      const QString want = i % 2 == 0 ? "gguf" : "llama2c";
      QVERIFY(QTest::qWaitFor([&] { return r.models > models && r.model.format == want && r.last_state == RunState::Ready; }, 30000));
    }
    QVERIFY(QTest::qWaitFor([&] { return r.last_state == RunState::Ready; }, 30000));
    QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join(" | ")));
    exactFreshRun(c, r, 5, 2);
  }

  void closingTheWindowDuringModelLoading() {
    Watchdog dog(90);
    // The default model comes from a folder holding the pinned files, so nothing is downloaded.
    QTemporaryDir dir;
    QVERIFY(QFile::copy(stories_model(), dir.filePath("stories260K.bin")));
    QVERIFY(QFile::copy(fixture("stories260K/tok512.bin"), dir.filePath("tok512.bin")));
    qputenv("HOGWILD_MODEL_DIR", dir.path().toUtf8());
    const MainWindow::Options o = test::test_window_options();
    int loaded = 0;
    for (int i = 0; i < 24; ++i) {
      auto w = std::make_unique<MainWindow>(o);
      w->show();
      connect(&w->engine(), &EngineController::modelLoaded, this, [&loaded] { ++loaded; });
      switch (i % 4) {
        case 0: w->loadModelFile(stories_model(), stories_tokenizer()); break;
        case 1: w->loadDefaultModel(); break;
        case 2: w->loadModelFile(fixture("stories260K-gguf/stories260K.gguf")); break;
        case 3:  // a run, then a model switch, closed while the new model loads
          w->loadModelFile(stories_model(), stories_tokenizer());
          QVERIFY(QTest::qWaitFor([&] { return w->engine().state() == RunState::Ready; }, 20000));
          Q_EMIT w->controls()->startClicked();
          QVERIFY(QTest::qWaitFor([&] { return w->engine().state() == RunState::Running; }, 20000));
          w->loadModelFile(fixture("stories260K-gguf/stories260K.gguf"));
          break;
      }
      // Close at different moments of the load: at once, after one event-loop turn, a little later.
      if (i % 3 == 1) QCoreApplication::processEvents();
      if (i % 3 == 2) QTest::qWait(1 + i);
      w->close();
      w.reset();  // stops, frees the session/model on the engine thread, joins it
    }
    qInfo("%d of 24 windows finished loading before they were closed", loaded);
    qunsetenv("HOGWILD_MODEL_DIR");
  }
};

QTEST_MAIN(TestStressBridge)
#include "test_stress_bridge.moc"
