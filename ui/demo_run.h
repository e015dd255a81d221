#pragma once
// `hogwild-studio --demo`: loads the default model (or --model), runs N passes with a preset, waits until the last
// batch has been painted (or grabs mid-run at pass --grab-at), grabs the whole window (QWidget::grab,
// deterministic, no window manager needed) and quits with exit code 0 (1 on an error, 2 on a timeout). Works with
// QT_QPA_PLATFORM=offscreen and under xvfb-run. --workers, --presentation and --size make the classroom shots.
#include <QObject>
#include <QSize>
#include <QString>

#include "engine_batch.h"

namespace hogwild::ui {

class MainWindow;

class DemoRun : public QObject {
  Q_OBJECT
 public:
  struct Options {
    QString preset;      // name or path; empty: the default for the model
    int passes = 60;
    QString screenshot;  // PNG path; empty: keep the window open after the run
    QString task = "Once upon a time";
    int timeout_s = 300;
    int drill_worker = -1, drill_token = -1;  // clicked after the run (drill-down), -1: none
    QString model;           // model file; empty: the default model
    int workers = 0;         // 0: the preset's
    bool presentation = false;
    QSize size;              // window size (invalid: the default)
    int grab_at = 0;         // >0: grab while running, once this many passes are done
    int delay_ms = 0;        // delay per pass (a presentation-paced run)
  };
  DemoRun(MainWindow& window, Options options, QObject* parent = nullptr);
  void begin();

 private:
  void onModelLoaded();
  void onState(RunState s);
  void grab();
  void finish(int code, const QString& message);

  MainWindow& w_;
  Options o_;
  bool started_ = false, done_ = false, grabbing_ = false;
};

}  // namespace hogwild::ui
