#include "gui_load_governor.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "engine_controller.h"
#include "engine_runner.h"

namespace hogwild::ui {

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

GuiLoadGovernor::GuiLoadGovernor(EngineController& engine, QObject* parent) : QObject(parent), engine_(engine) {
  timer_.setInterval(kPeriodMs);
  connect(&timer_, &QTimer::timeout, this, &GuiLoadGovernor::sample);
}

int GuiLoadGovernor::intervalMs() const { return engine_.flushIntervalMs(); }

int GuiLoadGovernor::nextInterval(int current, double busy, double budget) {
  const int lo = EngineRunner::kFlushIntervalMs;
  current = std::clamp(current, lo, kMaxIntervalMs);
  if (!(busy >= 0) || budget <= 0) return current;
  int next = current;
  if (busy > budget) {
    // The GUI's cost is per batch: aim straight at the budget (busy scales with 1/interval), at most ×2 a step.
    next = static_cast<int>(std::ceil(current * std::min(2.0, busy / budget)));
  } else if (busy < 0.5 * budget) {
    next = static_cast<int>(current / 1.25);  // well below: speed up gently
  }
  return std::clamp(next, lo, kMaxIntervalMs);
}

void GuiLoadGovernor::setActive(bool active) {
  if (active == timer_.isActive()) return;
  if (active) {
    wall_.start();
    cpu0_ms_ = thread_cpu_ms();
    timer_.start();
  } else {
    timer_.stop();  // the interval stays: the next run starts from what this one learned
  }
}

void GuiLoadGovernor::sample() {
  const double wall = static_cast<double>(wall_.nsecsElapsed()) / 1e6, cpu = thread_cpu_ms();
  if (wall <= 0) return;
  last_busy_ = (cpu - cpu0_ms_) / wall;
  wall_.restart();
  cpu0_ms_ = cpu;
  const int now = intervalMs(), next = nextInterval(now, last_busy_, budget_);
  if (next != now) {
    engine_.setFlushIntervalMs(next);
    Q_EMIT intervalChanged(next);
  }
}

}  // namespace hogwild::ui
