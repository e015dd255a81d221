// MainWindow: the View menu — presentation mode (F11) and zoom (Ctrl+= / Ctrl+- / Ctrl+0) —, Engine → Backend, Tools
// and Help.
#include <algorithm>
#include <utility>

#include <QAction>
#include <QActionGroup>
#include <QMenuBar>

#include "app_settings.h"
#include "control_bar.h"
#include "engine_controller.h"
#include "heatmap_panel.h"
#include "main_window.h"
#include "worker_grid.h"

namespace hogwild::ui {

namespace {
constexpr double kPresentationFont = 1.15;   // the whole window, on top of the zoom
constexpr int kPresentationDelayMs = 150;    // a pace a room can read when the speed was "full"
}  // namespace

void MainWindow::buildViewMenu() {
  QMenu* view = menuBar()->addMenu(tr("&View"));
  presentation_action_ = view->addAction(tr("&Presentation mode"));
  presentation_action_->setCheckable(true);
  presentation_action_->setShortcut(QKeySequence(Qt::Key_F11));
  presentation_action_->setToolTip(tr("Larger text, slower default speed, heatmap rows that stay readable (F11)"));
  connect(presentation_action_, &QAction::toggled, this, &MainWindow::setPresentation);
  view->addSeparator();
  view->addAction(tr("Zoom &in"), QKeySequence(Qt::CTRL | Qt::Key_Equal), this, [this] { setZoom(zoom_ * 1.1); });
  // Ctrl++ too (keyboards where = needs Shift).
  auto* plus = new QAction(this);
  plus->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Plus));
  connect(plus, &QAction::triggered, this, [this] { setZoom(zoom_ * 1.1); });
  addAction(plus);
  view->addAction(tr("Zoom &out"), QKeySequence(Qt::CTRL | Qt::Key_Minus), this, [this] { setZoom(zoom_ / 1.1); });
  view->addAction(tr("&Normal size"), QKeySequence(Qt::CTRL | Qt::Key_0), this, [this] { setZoom(1.0); });
  // Engine → Backend: where the forward passes run; remembered (QSettings). A CUDA failure falls back to the CPU and
  // the status bar says why.
  QMenu* backend = menuBar()->addMenu(tr("&Engine"))->addMenu(tr("&Backend"));
  auto* group = new QActionGroup(backend);
  const QString chosen = options_.restore_settings ? AppSettings::backend() : QString("auto");
  for (const auto& [key, label] : {std::pair{QString("auto"), tr("&Automatic (CUDA when available)")}, std::pair{QString("cpu"), tr("&CPU")},
                                   std::pair{QString("cuda"), tr("C&UDA")}}) {
    QAction* a = backend->addAction(label);
    a->setCheckable(true);
    a->setChecked(key == chosen);
    a->setData(key);
    group->addAction(a);
    connect(a, &QAction::triggered, this, [this, key] {
      AppSettings::setBackend(key);
      engine_->setBackendChoice(key);
    });
  }
  QMenu* tools = menuBar()->addMenu(tr("&Tools"));
  tools->addAction(tr("&Lab…"), this, &MainWindow::showLab);
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About Hogwild Studio"), this, &MainWindow::showAbout);
}

void MainWindow::setZoom(double factor) {
  zoom_ = std::clamp(factor, 0.6, 2.5);
  if (options_.restore_settings) AppSettings::setZoom(zoom_);
  applyFonts();
}

void MainWindow::applyFonts() {
  // One font for the whole window; the panes, the banner and the heatmaps derive theirs from it (changeEvent).
  QFont f = base_font_;
  f.setPointSizeF(base_font_.pointSizeF() * zoom_ * (presentation_ ? kPresentationFont : 1.0));
  setFont(f);
}

void MainWindow::setPresentation(bool on) {
  if (presentation_action_ && presentation_action_->isChecked() != on) {
    presentation_action_->setChecked(on);  // toggled() comes back here
    return;
  }
  if (presentation_ == on) return;
  presentation_ = on;
  if (options_.restore_settings) AppSettings::setPresentation(on);
  panes_->setPresentation(on);
  heatmaps_->setPresentation(on);
  controls_->setCompact(on);
  // A slower default pace: only when the speed was "as fast as possible"; leaving restores it.
  if (on) {
    delay_before_presentation_ = controls_->delayMs();
    if (delay_before_presentation_ == 0) controls_->setDelayMs(kPresentationDelayMs);
  } else if (delay_before_presentation_ == 0 && controls_->delayMs() == kPresentationDelayMs) {
    controls_->setDelayMs(0);
  }
  applyFonts();
  applySplit();
}

}  // namespace hogwild::ui
