// hogwild-lab: the prompt-strategy lab on the command line (issue #17, docs/LAB.md). generate/import problem sets,
// run experiments into a SQLite database (resumable), report, export, plot. GPL-3.0-or-later (it links Qt Charts
// for `plot`; see LICENSE).
#include <iostream>
#include <string>
#include <vector>

#include "common/error.h"
#include "lab_cli.h"

#ifdef HOGWILD_LAB_HAS_PLOT
#include <QApplication>

#include "lab/report.h"
#include "lab_charts.h"
#endif

using namespace hogwild;

namespace {

int lab_plot(const app::LabArgs& a, int argc, char** argv) {
#ifdef HOGWILD_LAB_HAS_PLOT
  if (a.positional.size() != 1) throw ConfigError("plot: give one results database");
  if (!a.has("out")) throw ConfigError("plot: --out FIG.png or --out FIG.svg is required");
  const std::string kind_name = a.value("kind", "accuracy");
  const auto kind = ui::lab_plot_kind_from_string(QString::fromStdString(kind_name));
  if (!kind) throw ConfigError("--kind must be accuracy, tokens, redundancy or all (got \"" + kind_name + "\")");
  const int width = static_cast<int>(a.integer("width", *kind == ui::LabPlotKind::All ? 1500 : 720, 200, 8000));
  const int height = static_cast<int>(a.integer("height", 460, 150, 8000));
  lab::ResultStore store(a.positional[0], false);
  const lab::LabReport report = lab::build_report(store);
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");  // no window needed
  QApplication app(argc, argv);
  ui::render_lab_plot(report, *kind, QString::fromStdString(a.value("out")), QSize(width, height));
  std::cerr << "hogwild-lab: wrote " << a.value("out") << "\n";
  return 0;
#else
  (void)a;
  (void)argc;
  (void)argv;
  throw ConfigError("this hogwild-lab was built without Qt (HOGWILD_BUILD_UI=OFF): plot is not available; "
                    "use export --csv and a plotting tool of your choice");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const app::LabArgs a = app::parse_lab_args(std::vector<std::string>(argv + 1, argv + argc));
    if (a.command == "--help" || a.command == "-h" || a.command == "help") {
      std::cout << app::lab_usage();
      return 0;
    }
    if (a.command == "--version") {
      std::cout << "hogwild-lab " << HOGWILD_VERSION << "\n";
      return 0;
    }
    if (a.command == "generate") return app::lab_generate(a);
    if (a.command == "import") return app::lab_import(a);
    if (a.command == "run") return app::lab_run(a);
    if (a.command == "bench") return app::lab_bench(a);
    if (a.command == "report") return app::lab_report(a);
    if (a.command == "export") return app::lab_export(a);
    if (a.command == "plot") return lab_plot(a, argc, argv);
    throw ConfigError("unknown command \"" + a.command + "\"");
  } catch (const std::exception& e) {
    std::cerr << "hogwild-lab: " << e.what() << "\n";
    return 1;
  }
}
