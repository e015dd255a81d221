#pragma once
// Value types that cross the thread bridge (EngineRunner -> GUI). Everything is immutable once emitted: a batch
// is built on the engine thread, wrapped in shared_ptr<const>, and only read on the GUI thread.
#include <memory>
#include <vector>

#include <QMetaType>
#include <QString>
#include <QStringList>

#include "hogwild/events.h"
#include "hogwild/preset.h"

namespace hogwild::ui {

// Counters of the run at the moment the batch was cut (the numbers the status bar and panes show).
struct RunProgress {
  qint64 passes = 0;
  qint64 tokens = 0;                   // sampled by all workers
  double seconds = 0;                  // engine compute time (delays between passes excluded)
  std::vector<qint64> worker_tokens;   // sampled per worker
  QStringList block_names;             // cache blocks ("common", "step:Alice", ...)
  std::vector<qint64> block_lengths;
  std::vector<qint64> view_lengths;    // tokens in each worker's view
  qint64 context = 0;                  // the model's context length
};

struct EngineBatch {
  std::vector<EngineEvent> events;
  RunProgress progress;
};
using EngineBatchPtr = std::shared_ptr<const EngineBatch>;

// Emitted once a model is loaded.
struct ModelInfo {
  QString path, tokenizer_path, name, format;
  int layers = 0, heads = 0, dim = 0, vocab = 0;
  qint64 context = 0;
  QStringList vocab_text;  // decoded text of every token id, for the top-k tooltips
  bool small() const { return context <= 2048 && dim <= 1024; }  // same rule as the CLI's default preset
};

// Emitted when a new run (session) starts, before its first batch.
struct RunInfo {
  Preset preset;
  QString task;
  QStringList worker_names;
  int layers = 0, heads = 0;
  qint64 context = 0;
  QString prompt;  // the prompt text the workers continue
};

enum class RunState { NoModel, Loading, Ready, Running, Paused, Finished };

}  // namespace hogwild::ui

Q_DECLARE_METATYPE(hogwild::ui::EngineBatchPtr)
Q_DECLARE_METATYPE(hogwild::ui::ModelInfo)
Q_DECLARE_METATYPE(hogwild::ui::RunInfo)
Q_DECLARE_METATYPE(hogwild::ui::RunState)
