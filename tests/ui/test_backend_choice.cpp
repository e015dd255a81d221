// The app's backend (issue #15), without a GPU: the fake CUDA plugin of the engine tests (HOGWILD_CUDA_PLUGIN, set
// before the first probe) is a "CUDA device" computing with the CPU code. Every report names what computes: the
// model info and run info (status bar, About, session files); `cpu` switches the loaded model at once; a CUDA failure
// at load falls back to the CPU with the reason; a device failure mid-run ends the run with one message and the app
// runs the next one; Engine → Backend is remembered in the settings.
#include <QAction>
#include <QDir>
#include <QFile>
#include <QMenuBar>
#include <QStandardPaths>
#include <QtTest>

#include "app_settings.h"
#include "session_file.h"
#include "engine_controller.h"
#include "hogwild/preset_library.h"
#include "status_panel.h"
#include "ui_test_support.h"

using namespace hogwild;
using namespace hogwild::ui;
using namespace hogwild::ui::test;

class TestBackendChoice : public QObject {
  Q_OBJECT

  Preset preset(int passes) {
    Preset p = load_preset(find_preset("tiny-stories"));
    p.budget.max_passes = passes;
    return p;
  }
  void load(EngineController& c, Recorder& r) {
    c.loadModel(stories_model(), stories_tokenizer());
    QVERIFY(r.waitState(RunState::Ready));
  }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    qputenv("HOGWILD_CUDA_PLUGIN", FAKE_CUDA_PLUGIN_PATH);
  }
  void cleanup() { qunsetenv("HOGWILD_FAKE_CUDA"); }

  void autoRunsOnCudaAndEveryReportSaysSo() {
    Watchdog dog(120);
    EngineController c;
    Recorder r(c);
    c.setBackendChoice("auto");
    load(c, r);
    QCOMPARE(r.model.backend, QString("CUDA: Fake CUDA device (tests)"));
    c.setPreset(preset(20));
    c.start();
    QVERIFY(r.waitState(RunState::Finished));
    QCOMPARE(r.run.backend, QString("CUDA: Fake CUDA device (tests)"));
    QCOMPARE(QString::fromStdString(r.finished()->reason), QString("budget"));
    QVERIFY(r.errors.isEmpty());
  }

  void choosingTheCpuMovesTheLoadedModel() {
    Watchdog dog(120);
    EngineController c;
    Recorder r(c);
    QString changed;
    connect(&c, &EngineController::backendChanged, this, [&](const QString& t) { changed = t; });
    c.setBackendChoice("auto");
    load(c, r);
    c.setBackendChoice("cpu");
    QVERIFY(QTest::qWaitFor([&] { return !changed.isEmpty(); }, 10000));
    QVERIFY2(changed.startsWith("CPU (") && !changed.contains("CUDA"), qPrintable(changed));  // asked for: no CUDA note
    c.setPreset(preset(10));
    c.start();
    QVERIFY(r.waitState(RunState::Finished));
    QCOMPARE(r.run.backend, changed);
  }

  void aCudaFailureAtLoadFallsBackWithTheReason() {
    Watchdog dog(120);
    qputenv("HOGWILD_FAKE_CUDA", "oom_load");
    EngineController c;
    Recorder r(c);
    c.setBackendChoice("cuda");
    load(c, r);
    QVERIFY2(r.model.backend.startsWith("CPU (") && r.model.backend.contains("CUDA is not available: CUDA: out of memory"),
             qPrintable(r.model.backend));
    QVERIFY(!r.model.backend.contains('\n'));
    c.setPreset(preset(10));
    c.start();
    QVERIFY(r.waitState(RunState::Finished));  // the app runs on the CPU
    QCOMPARE(QString::fromStdString(r.finished()->reason), QString("budget"));
  }

  void aDeviceFailureMidRunEndsTheRunAndTheAppGoesOn() {
    Watchdog dog(120);
    EngineController c;
    Recorder r(c);
    c.setBackendChoice("auto");
    load(c, r);
    qputenv("HOGWILD_FAKE_CUDA", "fail_forward=12");
    c.setPreset(preset(40));
    c.start();
    QVERIFY(r.waitState(RunState::Finished));
    const FinishedEvent* f = r.finished();
    QVERIFY(f);
    QCOMPARE(QString::fromStdString(f->reason), QString("error"));
    QVERIFY2(QString::fromStdString(f->message).contains("illegal memory access"), f->message.c_str());
    QVERIFY(f->passes > 0 && f->passes < 40);
    qunsetenv("HOGWILD_FAKE_CUDA");
    r.clear();
    const int runs = r.runs;
    c.start();  // a new run on the same backend
    QVERIFY(QTest::qWaitFor([&] { return r.runs > runs && r.finished(); }, 30000));
    QCOMPARE(QString::fromStdString(r.finished()->reason), QString("budget"));
  }

  void sessionFilesRecordTheBackend() {
    SessionRecord rec;
    rec.preset = preset(5);
    rec.task = "t";
    rec.backend = "CUDA: Fake CUDA device (tests)";
    const QString path = QDir::temp().filePath(QString("hogwild-backend-%1.hogwild.json").arg(QCoreApplication::applicationPid()));
    save_session(rec, path);
    QCOMPARE(load_session(path).backend, rec.backend);
    QFile::remove(path);
  }

  void theWindowShowsTheBackendAndRemembersTheChoice() {
    Watchdog dog(120);
    MainWindow::Options o = test_window_options();
    o.restore_settings = true;  // the choice is read from and written to the (test-mode) settings
    AppSettings::setBackend("auto");
    MainWindow w(o);
    QAction* cpu = nullptr;
    for (QAction* menu : w.menuBar()->actions())
      if (menu->menu() && menu->text().contains("Engine"))
        for (QAction* sub : menu->menu()->actions())
          if (sub->menu())
            for (QAction* a : sub->menu()->actions())
              if (a->data().toString() == "cpu") cpu = a;
    QVERIFY2(cpu, "Engine → Backend → CPU");
    QVERIFY(w.statusPanel()->summary().contains("No model"));  // nothing computes yet: availability only
    cpu->trigger();
    QCOMPARE(AppSettings::backend(), QString("cpu"));
    w.loadModelFile(stories_model(), stories_tokenizer());
    QVERIFY(QTest::qWaitFor([&] { return w.statusPanel()->summary().contains("CPU ("); }, 20000));
    QVERIFY2(!w.statusPanel()->summary().contains("CUDA:"), qPrintable(w.statusPanel()->summary()));
  }
};

QTEST_MAIN(TestBackendChoice)
#include "test_backend_choice.moc"
