// Issue #20, defect 6: session files are compact. A 170-pass 2-worker SmolLM2 run took 17.5 MB as JSON (version 1);
// the version-2 file must take at most 1 MB with everything the views show (statistics of every pass, drill rows of
// the newest). A real run of ~40 s CPU: label "heavy" (Release ctest only, not the sanitizer runs).
#include <QFileInfo>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "control_bar.h"
#include "hogwild/event_json.h"
#include "hogwild/preset_library.h"
#include "main_window.h"
#include "session_file.h"
#include "ui_test_support.h"

using namespace hogwild;
using namespace hogwild::ui;

class TestSessionSize : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const QString& name) const { return dir_.filePath(name); }

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void sessionFilesAreCompact() {
    test::Watchdog dog(280);
    const QString smol = test::real_model_path("smollm2");
    QVERIFY(!smol.isEmpty());
    const MainWindow::Options o = test::test_window_options();
    MainWindow w(o);
    test::Recorder r(w.engine());
    w.loadModelFile(smol);
    QVERIFY(r.waitState(RunState::Ready, 60000));
    Preset p = load_preset(find_preset("smollm2-hogwild"));
    p.budget.max_passes = 170;
    p.stop.on_eos = false;
    p.stop.on_boxed_answer = false;
    w.applyPreset(p, {});
    w.controls()->setTask("Plan a 3-day trip to Rome.");
    Q_EMIT w.controls()->startClicked();
    QVERIFY(r.waitState(RunState::Finished, 240000));
    QTest::qWait(100);
    QVERIFY(w.record().passes() >= 150);
    save_session_v1(w.record(), path("smol.hogwild.json"));
    QVERIFY(w.saveSessionFile(path("smol.hogwild")));
    const qint64 old_size = QFileInfo(path("smol.hogwild.json")).size(), new_size = QFileInfo(path("smol.hogwild")).size();
    qInfo("170-pass SmolLM2 session: %lld bytes as JSON (version 1), %lld bytes as version 2", old_size, new_size);
    QVERIFY2(old_size > 5'000'000, qPrintable(QString::number(old_size)));
    QVERIFY2(new_size <= 1'000'000, qPrintable(QString::number(new_size)));
    const SessionRecord back = load_session(path("smol.hogwild"));
    QCOMPARE(back.events.size(), w.record().events.size());
    int drill_rows = 0;
    for (size_t i = 0; i < back.events.size(); ++i) {
      const auto& a = w.record().events[i];
      const auto& b = back.events[i];
      QCOMPARE(a.index(), b.index());
      if (const auto* s = std::get_if<StatsEvent>(&a)) {
        const auto& t = std::get<StatsEvent>(b);
        QCOMPARE(t.block_lengths, s->block_lengths);
        float worst = 0;
        for (size_t k = 0; k < s->mass.size(); ++k) worst = std::max(worst, std::abs(t.mass[k] - s->mass[k]));
        QVERIFY2(worst <= 1e-4f, qPrintable(QString::number(worst)));  // a heatmap shows 0.1 %
        QCOMPARE(t.drill.size(), s->drill.size());
        for (size_t row = 0; row < s->drill.size(); ++row) {
          ++drill_rows;
          QCOMPARE(t.drill[row].size(), s->drill[row].size());
          for (size_t k = 0; k < s->drill[row].size(); ++k)
            QVERIFY(std::abs(t.drill[row][k] - s->drill[row][k]) <= 1e-3f * std::max(1e-3f, std::abs(s->drill[row][k])) + 1e-7f);
        }
      } else {
        QCOMPARE(event_to_json(b).dump(), event_to_json(a).dump());
      }
    }
    QCOMPARE(drill_rows, 2);  // the newest statistics keep their drill rows, for both workers
  }

};

QTEST_MAIN(TestSessionSize)
#include "test_session_size.moc"
