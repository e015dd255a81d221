#pragma once
// Keeps the window from slowing the engine (issue #4: engine tokens/s with a live window >= 0.95 of headless).
//
// Every batch costs the GUI thread a roughly fixed amount (laying out and painting the panes' new lines, the
// heatmaps, the status), so what the window takes from the engine is batches per second × cost per batch. When the engine uses every core (the default), each millisecond of GUI-thread CPU is taken from it.
// The governor measures the GUI thread's CPU time (CLOCK_THREAD_CPUTIME_ID) over each period of a run and
// lengthens the interval between batches while the GUI thread is busier than its budget, and shortens it again
// (down to EngineRunner::kFlushIntervalMs, ~60 Hz) when it is well below. The budget is 5 % of one core when
// the engine has no core to spare (the engine then loses ~2.5 % on 2 cores), 50 % when it has. Text and heatmaps then arrive in fewer, larger batches
// (never slower than kMaxIntervalMs, 10 per second); nothing is dropped.
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace hogwild::ui {

class EngineController;

class GuiLoadGovernor : public QObject {
  Q_OBJECT
 public:
  static constexpr int kMaxIntervalMs = 100;
  static constexpr int kPeriodMs = 500;

  GuiLoadGovernor(EngineController& engine, QObject* parent = nullptr);

  // Starts/stops measuring (a run started or ended). The interval stays between runs (steps, pauses and stops
  // flush at once anyway).
  void setActive(bool active);
  // The engine uses every core (the GUI thread competes with it) or leaves one free.
  static constexpr double kBudgetAllCores = 0.05, kBudgetSpareCore = 0.50;
  void setEngineUsesAllCores(bool all) { budget_ = all ? kBudgetAllCores : kBudgetSpareCore; }
  double budget() const { return budget_; }
  double lastBusy() const { return last_busy_; }
  int intervalMs() const;

  // The rule, pure: the next interval from the current one and the GUI thread's busy fraction (CPU / wall).
  static int nextInterval(int current_ms, double busy, double budget);

 Q_SIGNALS:
  void intervalChanged(int ms);

 private:
  void sample();

  EngineController& engine_;
  QTimer timer_;
  QElapsedTimer wall_;
  double cpu0_ms_ = 0;
  double budget_ = kBudgetAllCores;
  double last_busy_ = 0;
};

double thread_cpu_ms();  // CPU time of the calling thread, ms

}  // namespace hogwild::ui
