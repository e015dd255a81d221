#pragma once
// Everything needed to show a run again without a model: the settings and every event, in order.
// The window records the live run into one; session files store one (session_file.h); the exports read one.
#include <vector>

#include <QString>
#include <QStringList>

#include "hogwild/events.h"
#include "hogwild/preset.h"

namespace hogwild::ui {

struct SessionRecord {
  Preset preset;
  QString task;
  QString model_path;
  QStringList worker_names;
  QString prompt;  // the prompt text (may be empty in files from older builds)
  QString backend; // what computed the run: "CUDA: <device>" / "CPU (N threads)…" (empty in files from older builds)
  qint64 context = 0;  // the model's context length (0 in files from older builds)
  std::vector<EngineEvent> events;

  // Derived views of the events.
  QString workerText(int w) const;      // every token of worker w, in order
  QString history() const;              // finished steps in merge order
  const FinishedEvent* finished() const;
  qint64 passes() const;
};

}  // namespace hogwild::ui
