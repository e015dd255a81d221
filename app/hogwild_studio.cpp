// hogwild-studio: the Qt desktop app.
//   hogwild-studio                          the window, with the last (or default) model and preset, ready to Start
//   hogwild-studio --demo [--preset F] [--passes N] [--screenshot out.png]
//                                           load the default model, run N passes (60), save a screenshot, exit 0
//   hogwild-studio --demo --drill W:T ...   the same, with token T of worker W clicked (drill-down tint) first
//   hogwild-studio --demo --presentation --workers 8 --size 1280x720 ...   the classroom shots (docs/UI.md)
//   hogwild-studio --presentation           the window in presentation mode (View → Presentation, F11)
#include <QApplication>
#include <QCommandLineParser>
#include <QFont>

#include "common/log.h"
#include "demo_run.h"
#include "main_window.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("hogwild-studio");
  QApplication::setOrganizationName("HogwildStudio");
  QApplication::setApplicationVersion(HOGWILD_VERSION);
  if (const char* lvl = std::getenv("HOGWILD_LOG_LEVEL")) hogwild::set_log_level(lvl);

  QCommandLineParser cli;
  cli.setApplicationDescription("Hogwild! Inference studio: several workers of one model writing over one shared cache.");
  cli.addHelpOption();
  cli.addVersionOption();
  QCommandLineOption demo("demo", "Load the default model and run a demo.");
  QCommandLineOption preset("preset", "Preset name or file for --demo.", "F");
  QCommandLineOption passes("passes", "Forward passes for --demo (default 60).", "N", "60");
  QCommandLineOption shot("screenshot", "With --demo: save the window as PNG after the run and exit.", "out.png");
  QCommandLineOption drill("drill", "With --demo: after the run, click token T of worker W (the drill-down tint).", "W:T");
  QCommandLineOption model("model", "Open this model file at start (with --demo: run it instead of the default model).", "path");
  QCommandLineOption workers("workers", "With --demo: number of workers (default: the preset's).", "N");
  QCommandLineOption present("presentation", "Start in presentation mode (large text, readable heatmaps, slower pace).");
  QCommandLineOption size("size", "Window size, e.g. 1280x720.", "WxH");
  QCommandLineOption task("task", "With --demo: the task (default \"Once upon a time\").", "text");
  QCommandLineOption grab_at("grab-at", "With --demo --screenshot: grab mid-run, once N passes are done.", "N");
  QCommandLineOption delay("delay", "With --demo: delay per pass in ms.", "ms");
  cli.addOptions({demo, preset, passes, shot, drill, model, workers, present, size, task, grab_at, delay});
  cli.process(app);

  // Legible in front of a class: a slightly larger default font.
  QFont f = QApplication::font();
  if (f.pointSizeF() > 0 && f.pointSizeF() < 11) f.setPointSizeF(11);
  QApplication::setFont(f);

  hogwild::ui::MainWindow::Options wo;
  const bool is_demo = cli.isSet(demo);
  wo.restore_settings = !is_demo;  // a demo/screenshot is reproducible: no saved geometry or preset
  wo.auto_load_model = !is_demo && !cli.isSet(model);
  wo.recover_autosave = !is_demo;
  wo.ask_before_close = !is_demo;
  hogwild::ui::MainWindow window(wo);
  QSize window_size;
  if (cli.isSet(size)) {
    const QStringList wh = cli.value(size).toLower().split('x');
    window_size = QSize(wh.value(0).toInt(), wh.value(1).toInt());
    if (wh.size() != 2 || window_size.width() < 320 || window_size.height() < 240) {
      std::fprintf(stderr, "hogwild-studio: --size wants WxH, at least 320x240 (e.g. 1280x720)\n");
      return 1;
    }
    window.resize(window_size);
  }
  window.show();
  if (cli.isSet(present) && !is_demo) window.setPresentation(true);
  if (cli.isSet(model) && !is_demo) window.loadModelFile(cli.value(model));

  std::unique_ptr<hogwild::ui::DemoRun> run;
  if (is_demo) {
    hogwild::ui::DemoRun::Options o;
    o.preset = cli.value(preset);
    o.passes = std::max(1, cli.value(passes).toInt());
    o.screenshot = cli.value(shot);
    o.model = cli.value(model);
    o.workers = cli.value(workers).toInt();
    o.presentation = cli.isSet(present);
    o.size = window_size;
    o.grab_at = cli.value(grab_at).toInt();
    o.delay_ms = std::max(0, cli.value(delay).toInt());
    if (cli.isSet(task)) o.task = cli.value(task);
    if (cli.isSet(drill)) {
      const QStringList wt = cli.value(drill).split(':');
      bool ok_w = false, ok_t = wt.size() == 2;
      o.drill_worker = wt.value(0).toInt(&ok_w);
      if (ok_t) o.drill_token = wt.value(1).toInt(&ok_t);
      if (!ok_w || !ok_t || o.drill_worker < 0 || o.drill_token < 0) {
        std::fprintf(stderr, "hogwild-studio: --drill wants W:T (worker and token numbers, e.g. 0:40)\n");
        return 1;
      }
    }
    run = std::make_unique<hogwild::ui::DemoRun>(window, o);
    run->begin();
  }
  return app.exec();
}
