// Files: the preset editor round-trips every preset and shows validation errors; sessions and exports round
// trip; malformed preset and session files give a one-line message box and leave the window usable.
#include <QApplication>
#include <QFileInfo>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "common/error.h"
#include "control_bar.h"
#include "hogwild/event_json.h"
#include "hogwild/preset_library.h"
#include "main_window.h"
#include "preset_editor_dialog.h"
#include "session_file.h"
#include "worker_grid.h"
#include "ui_test_support.h"
#include "worker_pane.h"

using namespace hogwild;
using namespace hogwild::ui;

namespace {

SessionRecord sample() {
  SessionRecord r;
  r.preset = load_preset(find_preset("tiny-stories"));
  r.task = "Once upon a time";
  r.model_path = "/models/stories260K.bin";
  r.worker_names = {"Alice", "Bob"};
  auto tok = [](int w, const char* t, int step, bool ins) {
    TokenEvent e;
    e.worker = w;
    e.text = t;
    e.step = step;
    e.inserted = ins;
    e.top = {{5, 0.5f}};
    return e;
  };
  r.events = {tok(0, "Alice: ", 1, true), tok(1, "Bob: ", 1, true), tok(0, "Hi.\n", 1, false), tok(1, "Yo", 1, false)};
  StepFinishedEvent f;
  f.worker = 0;
  f.step = 1;
  f.text = "Alice: Hi.\n";
  f.pass = 1;
  r.events.push_back(f);
  StatsEvent s;
  s.workers = 2;
  s.layers = 1;
  s.heads = 1;
  s.block_names = {"common", "step:0", "step:1"};
  s.block_owner = {-1, 0, 1};
  s.block_lengths = {3, 2, 2};
  s.mass = {0.2f, 0.7f, 0.1f, 0.3f, 0.1f, 0.6f};
  r.events.push_back(s);
  FinishedEvent fin;
  fin.reason = "budget";
  fin.passes = 2;
  fin.tokens = 4;
  fin.seconds = 0.5;
  r.events.push_back(fin);
  return r;
}

void write(const QString& path, const QByteArray& data) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(data);
}

QMessageBox* openBox(QWidget* w) {
  QMessageBox* box = nullptr;
  QTest::qWaitFor([&] { return (box = w->findChild<QMessageBox*>()) != nullptr; }, 2000);
  return box;
}

}  // namespace

class TestFiles : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const char* name) { return dir_.filePath(name); }

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void editorRoundTripsEveryBuiltinPreset() {
    for (const auto& file : builtin_presets()) {
      const Preset p = load_preset(file);
      PresetEditorDialog dlg(p);
      QCOMPARE(QString::fromStdString(preset_to_json(dlg.preset()).dump()), QString::fromStdString(preset_to_json(p).dump()));
      QVERIFY(dlg.tryAccept());
    }
    QCOMPARE(PresetEditorDialog::unescape(PresetEditorDialog::escape("a\n\tb\\n")), std::string("a\n\tb\\n"));
  }

  void editorShowsTheValidationError() {
    Preset p = load_preset(find_preset("tiny-stories"));
    p.sampling.top_p = 3.0;  // invalid
    PresetEditorDialog dlg(p);
    QVERIFY(!dlg.tryAccept());
    QVERIFY2(dlg.errorText().contains("sampling.top_p"), qPrintable(dlg.errorText()));
    QVERIFY(dlg.result() != QDialog::Accepted);
  }

  void sessionRoundTrip() {
    SessionRecord r = sample();
    r.context = 512;
    // Statistics of several passes, one whose rows do not sum to one and one of another shape: all round-trip.
    StatsEvent odd = std::get<StatsEvent>(r.events[5]);
    odd.pass = 2;
    odd.mass = {0.9f, 0.9f, 0.95f, 0.f, 1.f, 0.00001f};
    r.events.insert(r.events.begin() + 6, odd);
    StatsEvent wide = odd;
    wide.pass = 3;
    wide.block_names.push_back("step:2");
    wide.block_owner.push_back(1);
    wide.block_lengths.push_back(1);
    wide.mass = {0.25f, 0.25f, 0.25f, 0.25f, 0.1f, 0.2f, 0.3f, 0.4f};
    r.events.insert(r.events.begin() + 7, wide);
    save_session(r, path("s.hogwild"));
    const SessionRecord back = load_session(path("s.hogwild"));
    QCOMPARE(back.task, r.task);
    QCOMPARE(back.model_path, r.model_path);
    QCOMPARE(back.worker_names, r.worker_names);
    QCOMPARE(back.context, qint64(512));
    QCOMPARE(back.events.size(), r.events.size());
    for (size_t i = 0; i < r.events.size(); ++i) {
      if (const auto* s = std::get_if<StatsEvent>(&r.events[i])) {
        // Masses are stored as 16-bit fixed point: within half a step of 1/65535.
        const auto& b = std::get<StatsEvent>(back.events[i]);
        QCOMPARE(b.block_lengths, s->block_lengths);
        QCOMPARE(b.mass.size(), s->mass.size());
        for (size_t k = 0; k < s->mass.size(); ++k) QVERIFY(std::abs(b.mass[k] - s->mass[k]) <= 0.5f / 65535.f + 1e-7f);
        continue;
      }
      QCOMPARE(event_to_json(back.events[i]).dump(), event_to_json(r.events[i]).dump());
    }
    QCOMPARE(preset_to_json(back.preset).dump(), preset_to_json(r.preset).dump());
    QCOMPARE(back.workerText(0), QString("Alice: Hi.\n"));
    QCOMPARE(back.history(), QString("Alice: Hi.\n"));
    // Files of older builds (version 1, plain JSON) still open, numbers exact.
    save_session_v1(r, path("old.hogwild.json"));
    const SessionRecord old = load_session(path("old.hogwild.json"));
    QCOMPARE(old.events.size(), r.events.size());
    for (size_t i = 0; i < r.events.size(); ++i) QCOMPARE(event_to_json(old.events[i]).dump(), event_to_json(r.events[i]).dump());
    QCOMPARE(old.context, qint64(0));  // version 1 did not store it
  }

  void malformedSessionsGiveOneLine() {
    const QList<QPair<QByteArray, QString>> cases = {
        {"{not json", "not valid JSON"},
        {R"({"schema":"other","version":1})", "not a Hogwild session"},
        {R"({"schema":"hogwild-session","version":99})", "unsupported session version"},
        {R"({"schema":"hogwild-session","version":1,"events":[]})", "preset"},
    };
    for (const auto& [data, expect] : cases) {
      write(path("bad.json"), data);
      try {
        load_session(path("bad.json"));
        QFAIL("no error");
      } catch (const ConfigError& e) {
        const QString m = QString::fromUtf8(e.what());
        QVERIFY2(m.startsWith("bad.json: ") && m.contains(expect) && !m.contains('\n'), qPrintable(m));
      }
    }
    // A valid file whose event names a worker that does not exist.
    SessionRecord r = sample();
    TokenEvent t;
    t.worker = 5;
    r.events.push_back(t);
    save_session(r, path("w.hogwild"));
    QVERIFY_THROWS_EXCEPTION(ConfigError, load_session(path("w.hogwild")));
    // A truncated or corrupted version-2 file: one line, no crash.
    QFile f(path("w.hogwild"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray good = f.readAll();
    f.close();
    for (const QByteArray& bad : {good.left(good.size() / 2), good.left(12), QByteArray(good).replace(40, 8, "garbage!")}) {
      write(path("cut.hogwild"), bad);
      try {
        load_session(path("cut.hogwild"));
        QFAIL("no error");
      } catch (const ConfigError& e) {
        QVERIFY2(QString(e.what()).startsWith("cut.hogwild: "), e.what());
      }
    }
  }

  void exportsContainTheTexts() {
    const SessionRecord r = sample();
    const QString md = transcript_markdown(r);
    QVERIFY(md.contains("## Alice") && md.contains("Alice: Hi.") && md.contains("## Shared history") && md.contains("budget after 2 passes"));
    const auto j = nlohmann::json::parse(transcript_json(r).toStdString());
    QCOMPARE(QString::fromStdString(j["workers"][1]["text"].get<std::string>()), QString("Bob: Yo"));
    QCOMPARE(j["timings"]["passes"].get<int>(), 2);
    QVERIFY(j.contains("preset"));
  }

  void windowSurvivesBadFilesAndReplaysSessions() {
    const MainWindow::Options o = test::test_window_options();
    MainWindow w(o);
    w.show();
    // Malformed preset: a message box, the window stays usable.
    write(path("bad-preset.json"), R"({"schema":"hogwild-preset","version":1,"sampling":{"top_p":7}})");
    QVERIFY(!w.openPresetFile(path("bad-preset.json")));
    QMessageBox* box = openBox(&w);
    QVERIFY(box);
    QVERIFY2(box->text().contains("top_p") && !box->text().contains('\n'), qPrintable(box->text()));
    box->close();
    // Malformed session.
    write(path("bad-session.json"), "[1,2,3]");
    QVERIFY(!w.openSessionFile(path("bad-session.json")));
    QVERIFY(w.lastError().contains("bad-session.json"));
    for (auto* b : w.findChildren<QMessageBox*>()) b->close();
    // A good session replays into the panes without a model.
    save_session(sample(), path("good.hogwild"));
    QVERIFY(w.openSessionFile(path("good.hogwild")));
    QVERIFY(w.replaying());
    QCOMPARE(w.panes()->count(), 2);
    QCOMPARE(w.panes()->pane(0)->text(), QString("Alice: Hi.\n"));
    QCOMPARE(w.panes()->pane(1)->text(), QString("Bob: Yo"));
    // Exports of the replayed session.
    QVERIFY(w.saveSessionFile(path("again.hogwild")));
    QCOMPARE(load_session(path("again.hogwild")).events.size(), sample().events.size());
    QVERIFY(w.exportMarkdown(path("t.md")));
    QVERIFY(w.exportJson(path("t.json")));
    // Presets save and load back through the window.
    w.applyPreset(load_preset(find_preset("hogwild-paper")), {});
    QVERIFY(w.savePresetFile(path("saved.json")));
    QVERIFY(w.openPresetFile(path("saved.json")));
    QCOMPARE(QString::fromStdString(w.preset().name), QString::fromStdString(load_preset(find_preset("hogwild-paper")).name));
    QVERIFY(w.exportHeatmapPng(path("h.png")));
    QImage png(path("h.png"));
    QVERIFY(!png.isNull() && png.width() > 100);
    // Unwritable targets: a message, no crash.
    QVERIFY(!w.exportMarkdown("/nonexistent-dir/t.md"));
  }
};

QTEST_MAIN(TestFiles)
#include "test_files.moc"
