// measure_gui_overhead: issue #4's GUI overhead, measured (a program, not a timed ctest test: timings on a shared
// machine are not pass/fail material). Prints two small tables:
//
//  1. Throughput: the same preset, model and passes run R times (alternating) headless — a plain HogwildSession
//     loop, as hogwild-cli runs it — and through the bridge (EngineController/EngineRunner) with a live MainWindow
//     attached (shown; offscreen under QT_QPA_PLATFORM=offscreen). Wall time from start to finished, prefill
//     included in both; tokens/s = sampled tokens / wall. Target: bridge/headless >= 0.95 (median of the runs).
//  2. Frame time: 8 workers, a few thousand tokens, live: per batch, the GUI thread's time to handle the batch
//     (MainWindow::onBatch: panes, history, heatmap matrices) and to repaint the window afterwards (the
//     UpdateRequest/Paint events that follow it). Target < 16 ms per batch (p95 and max shown too). Wall time and
//     the GUI thread's CPU time are both shown: on a loaded machine the wall time also counts the time the GUI
//     thread waited for a core, the CPU time only the work it did.
//  The throughput table also shows how busy the GUI thread was during the bridge runs (its CPU time / wall time):
//  with a core of its own for that share, the window costs the engine nothing.
//
//   QT_QPA_PLATFORM=offscreen build/tests/ui/measure_gui_overhead [--repeat 5 (0: frames only)] [--passes 200] [--workers 2]
//       [--model FILE] [--frame-passes 500]
// Without --model, two models: stories260K (fixtures) and a random-weight llama GGUF of a larger shape (written
// to a temp dir), because stories260K's passes are so short that per-pass overheads dominate.
#include <algorithm>
#include <cstdio>
#include <numeric>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>
#include <QTemporaryDir>
#include <QtTest>

#include "common/log.h"
#include "control_bar.h"
#include "engine_controller.h"
#include "gui_load_governor.h"  // thread_cpu_ms
#include "generation/model_bundle.h"
#include "hogwild/preset_library.h"
#include "hogwild/session.h"
#include "main_window.h"
#include "model/gguf_writer.h"
#include "ui_test_support.h"

using namespace hogwild;
using namespace hogwild::ui;

namespace {

// Times every event the GUI thread handles, so that a batch's handling and the repaint after it can be attributed.
class TimedApp : public QApplication {
 public:
  using QApplication::QApplication;
  QObject* batch_receiver = nullptr;          // the EngineController: a queued eventsReady arrives as a MetaCall
  std::vector<double> batch_ms, paint_ms;     // per batch: onBatch, then the repaint(s) until the next batch
  std::vector<double> batch_cpu, paint_cpu;   // the same, GUI-thread CPU time
  bool recording = false;
  bool notify(QObject* o, QEvent* e) override {
    if (!recording) return QApplication::notify(o, e);
    const QEvent::Type t = e->type();
    const bool batch = o == batch_receiver && t == QEvent::MetaCall;
    const bool paint = t == QEvent::UpdateRequest || (t == QEvent::Paint && o->isWidgetType() && static_cast<QWidget*>(o)->isWindow());
    if (!batch && !paint) return QApplication::notify(o, e);
    QElapsedTimer timer;
    timer.start();
    const double cpu0 = thread_cpu_ms();
    const bool r = QApplication::notify(o, e);
    const double ms = static_cast<double>(timer.nsecsElapsed()) / 1e6, cpu = thread_cpu_ms() - cpu0;
    if (batch) {
      batch_ms.push_back(ms);
      paint_ms.push_back(0);
      batch_cpu.push_back(cpu);
      paint_cpu.push_back(0);
    } else if (!paint_ms.empty()) {
      paint_ms.back() += ms;
      paint_cpu.back() += cpu;
    }
    return r;
  }
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

Preset make_preset(int workers, int passes) {
  Preset p = load_preset(find_preset("tiny-stories"));
  p.workers = workers;
  p.budget.max_passes = passes;
  p.stop.on_eos = false;  // same passes in every run
  return p;
}

struct RunResult {
  double seconds = 0;
  qint64 tokens = 0;
  double gui_cpu_ms = 0;  // the GUI thread's CPU time during the run (bridge runs)
};

RunResult run_headless(const ModelBundle& b, const Preset& p, const std::string& task) {
  QElapsedTimer t;
  t.start();
  HogwildSession s(b, p, task);
  s.prefill();
  while (s.step()) {
  }
  return {static_cast<double>(t.nsecsElapsed()) / 1e9, s.generated_tokens()};
}

RunResult run_bridge(MainWindow& w, const Preset& p, const QString& task) {
  w.applyPreset(p, {});
  w.controls()->setTask(task);
  RunProgress last;
  auto c1 = QObject::connect(&w.engine(), &EngineController::eventsReady, [&](const EngineBatchPtr& b) { last = b->progress; });
  // The end is taken the moment the Finished state arrives (an event loop quit by the signal: QTest::qWaitFor
  // polls with 10 ms sleeps, which added up to 1 % to a 1-second run).
  QEventLoop loop;
  QElapsedTimer t;
  double s = 0;
  auto c2 = QObject::connect(&w.engine(), &EngineController::stateChanged, [&](RunState st) {
    if (st != RunState::Finished || s > 0) return;
    s = static_cast<double>(t.nsecsElapsed()) / 1e9;
    loop.quit();
  });
  QTimer::singleShot(600000, &loop, [] { qFatal("bridge run did not finish"); });
  t.start();
  const double cpu0 = thread_cpu_ms();
  Q_EMIT w.controls()->startClicked();
  loop.exec();
  QCoreApplication::processEvents();  // the last batch and its repaint
  const double cpu = thread_cpu_ms() - cpu0;
  QObject::disconnect(c1);
  QObject::disconnect(c2);
  return {s, last.tokens, cpu};
}

void load(MainWindow& w, const QString& model) {
  bool ready = false;
  QString err;
  auto c1 = QObject::connect(&w.engine(), &EngineController::stateChanged, [&](RunState s) { ready = ready || s == RunState::Ready; });
  auto c2 = QObject::connect(&w.engine(), &EngineController::errorOccurred, [&](const QString& m) { err = m; });
  w.loadModelFile(model);
  if (!QTest::qWaitFor([&] { return ready || !err.isEmpty(); }, 120000) || !err.isEmpty()) qFatal("model not loaded: %s", qPrintable(err));
  QObject::disconnect(c1);
  QObject::disconnect(c2);
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  if (qEnvironmentVariableIsEmpty("HOGWILD_LOG_LEVEL")) qputenv("HOGWILD_LOG_LEVEL", "warn");
  TimedApp app(argc, argv);
  QCommandLineParser cli;
  cli.addHelpOption();
  QCommandLineOption repeat("repeat", "Runs per mode (median reported; 0: frame-time run only).", "R", "5");
  QCommandLineOption passes("passes", "Passes per throughput run.", "N", "200");
  QCommandLineOption workers("workers", "Workers for the throughput runs.", "W", "2");
  QCommandLineOption model("model", "Model file (default: stories260K and a random 5M-parameter GGUF).", "FILE");
  QCommandLineOption frame_passes("frame-passes", "Passes of the 8-worker frame-time run.", "N", "500");
  QCommandLineOption only("only", "Throughput runs of one mode only (for profiling): headless or bridge.", "MODE");
  cli.addOptions({repeat, passes, workers, model, frame_passes, only});
  cli.process(app);
  if (const char* lvl = std::getenv("HOGWILD_LOG_LEVEL")) hogwild::set_log_level(lvl);
  const int R = std::max(0, cli.value(repeat).toInt()), N = std::max(1, cli.value(passes).toInt()), W = std::max(1, cli.value(workers).toInt());

  QTemporaryDir tmp;
  QStringList models;
  if (cli.isSet(model)) {
    models << cli.value(model);
  } else {
    models << QString(HOGWILD_MODELS_DIR) + "/stories260K-gguf/stories260K.gguf";
    ModelConfig c;
    c.dim = 256;
    c.hidden_dim = 768;
    c.n_layers = 4;
    c.n_heads = 8;
    c.n_kv_heads = 8;
    c.head_dim = 32;
    c.vocab_size = 4096;
    c.context_length = 8192;
    c.rope_dim = 32;
    const QString p = tmp.filePath("random-5M-f32.gguf");
    write_random_llama_gguf(p.toStdString(), c, DType::F32, 1);
    models << p;
  }

  const MainWindow::Options o = test::test_window_options();
  MainWindow w(o);
  w.resize(1600, 1000);
  w.show();
  w.engine().setDelayMs(0);
  const QString task = "Once upon a time";

  std::printf("\n== Throughput: %d workers, %d passes, %d runs per mode (median), wall time incl. prefill\n", W, N, R);
  std::printf("| model | headless tok/s | bridge + window tok/s | ratio | tokens/run | GUI thread busy |\n|---|---:|---:|---:|---:|---:|\n");
  for (const QString& m : models) {
    if (R == 0) break;
    const ModelBundle b = open_model_bundle(m.toStdString());
    load(w, m);
    const Preset p = make_preset(W, N);
    std::vector<double> head, bridge, busy;
    qint64 tokens = 0;
    const bool skip_h = cli.value(only) == "bridge", skip_g = cli.value(only) == "headless";
    for (int r = 0; r < R; ++r) {
      const RunResult h = skip_h ? RunResult{1, 1, 0} : run_headless(b, p, task.toStdString());
      const RunResult g = skip_g ? RunResult{1, 1, 0} : run_bridge(w, p, task);
      head.push_back(static_cast<double>(h.tokens) / h.seconds);
      bridge.push_back(static_cast<double>(g.tokens) / g.seconds);
      busy.push_back(g.gui_cpu_ms / (g.seconds * 1e3));
      if (skip_h || skip_g) {  // one mode (profiling): every run on its own line
        std::printf("  run %d: headless %.0f tok/s, bridge %.0f tok/s, GUI busy %.1f %% (%.1f ms of %.0f ms), batch interval %d ms\n", r,
                    head.back(), bridge.back(), busy.back() * 100, g.gui_cpu_ms, g.seconds * 1e3, w.engine().flushIntervalMs());
        continue;
      }
      if (h.tokens != g.tokens) std::fprintf(stderr, "note: token counts differ (%lld vs %lld)\n", static_cast<long long>(h.tokens), static_cast<long long>(g.tokens));
      tokens = h.tokens;
    }
    std::printf("| %s | %.0f | %.0f | %.3f | %lld | %.0f %% |\n", qPrintable(QFileInfo(m).fileName()), median(head), median(bridge),
                median(bridge) / median(head), static_cast<long long>(tokens), median(busy) * 100.0);
    std::fflush(stdout);
  }

  // Frame time: 8 workers, live, a few thousand tokens.
  const QString fm = models.last();
  load(w, fm);
  const int FP = std::max(1, cli.value(frame_passes).toInt());
  app.batch_receiver = &w.engine();
  app.recording = true;
  const RunResult fr = run_bridge(w, make_preset(8, FP), task);
  QTest::qWait(50);
  app.recording = false;
  std::vector<double> frame;
  for (size_t i = 0; i < app.batch_ms.size(); ++i) frame.push_back(app.batch_ms[i] + app.paint_ms[i]);
  std::printf("\n== Frame time: 8 workers, %d passes, %lld tokens, %zu batches (%s, window %dx%d)\n", FP, static_cast<long long>(fr.tokens),
              frame.size(), qPrintable(QFileInfo(fm).fileName()), w.width(), w.height());
  std::printf("| per batch (ms) | median | p95 | max |\n|---|---:|---:|---:|\n");
  std::printf("| handle batch (panes, history, heatmap matrices) | %.2f | %.2f | %.2f |\n", median(app.batch_ms), pct(app.batch_ms, 0.95), pct(app.batch_ms, 1.0));
  std::printf("| repaint after it | %.2f | %.2f | %.2f |\n", median(app.paint_ms), pct(app.paint_ms, 0.95), pct(app.paint_ms, 1.0));
  std::printf("| frame (both) | %.2f | %.2f | %.2f |\n", median(frame), pct(frame, 0.95), pct(frame, 1.0));
  std::vector<double> frame_cpu;
  for (size_t i = 0; i < app.batch_cpu.size(); ++i) frame_cpu.push_back(app.batch_cpu[i] + app.paint_cpu[i]);
  std::printf("| handle batch, GUI-thread CPU | %.2f | %.2f | %.2f |\n", median(app.batch_cpu), pct(app.batch_cpu, 0.95), pct(app.batch_cpu, 1.0));
  std::printf("| repaint, GUI-thread CPU | %.2f | %.2f | %.2f |\n", median(app.paint_cpu), pct(app.paint_cpu, 0.95), pct(app.paint_cpu, 1.0));
  std::printf("| frame (both), GUI-thread CPU | %.2f | %.2f | %.2f |\n", median(frame_cpu), pct(frame_cpu, 0.95), pct(frame_cpu, 1.0));
  std::printf("GUI thread busy during the 8-worker run: %.0f %% of %.1f s\n", fr.gui_cpu_ms / (fr.seconds * 1e3) * 100.0, fr.seconds);
  return 0;
}
