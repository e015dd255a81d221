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
#include "model/hf_chat_template.h"

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
  QString architecture;          // "llama", "qwen2", ...
  ChatTemplateInfo chat;         // the model's chat format (None without a template)
  QString recommended_preset;    // recommended_preset(): the shipped preset that suits it
  int layers = 0, heads = 0, dim = 0, vocab = 0;
  qint64 context = 0;
  QStringList vocab_text;  // decoded text of every token id, for the top-k tooltips
  QString backend;         // what computes: "CUDA: <device>" or "CPU (N threads)[ · CUDA not used: <reason>]"
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
  QString backend; // what computes this run (BackendSelection::describe())
};

// What the runner estimates before a run (estimate_context_budget): about how many passes fit in the context.
struct BudgetInfo {
  qint64 context = 0, prompt_tokens = 0, passes_fit = 0;
  int workers = 0;
  qint64 budget = 0;  // the preset's max_passes
  QString error;      // why no estimate could be made (then the rest is 0)
};

enum class RunState { NoModel, Loading, Ready, Running, Paused, Finished };

}  // namespace hogwild::ui

Q_DECLARE_METATYPE(hogwild::ui::EngineBatchPtr)
Q_DECLARE_METATYPE(hogwild::ui::ModelInfo)
Q_DECLARE_METATYPE(hogwild::ui::RunInfo)
Q_DECLARE_METATYPE(hogwild::ui::RunState)
Q_DECLARE_METATYPE(hogwild::ui::BudgetInfo)
