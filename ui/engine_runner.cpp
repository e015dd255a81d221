#include "engine_runner.h"

#include <algorithm>
#include <thread>

#include <QElapsedTimer>
#include <QEvent>

#include "common/error.h"
#include "common/log.h"
#include "hogwild/model_fit.h"
#include "model/default_model.h"
#include "tsan_sync.h"

namespace hogwild::ui {

EngineRunner::EngineRunner(QObject* parent) : QObject(parent) {
  // Children move to the runner's thread together with it (moveToThread), so both timers fire there.
  pass_timer_ = new QTimer(this);
  pass_timer_->setSingleShot(true);
  connect(pass_timer_, &QTimer::timeout, this, &EngineRunner::pump);
  flush_timer_ = new QTimer(this);
  flush_timer_->setSingleShot(true);
  connect(flush_timer_, &QTimer::timeout, this, &EngineRunner::flushNow);
  since_flush_.start();
}

EngineRunner::~EngineRunner() = default;

bool EngineRunner::event(QEvent* e) {
  tsanHandoffReceived(thread());  // before touching e: it may be a queued call from the GUI (tsan_sync.h)
  return QObject::event(e);
}

void EngineRunner::setState(RunState s) {
  if (s == state_) return;
  state_ = s;
  const TsanHandoff handoff(thread());
  Q_EMIT stateChanged(s);
}

RunProgress EngineRunner::progress() const {
  RunProgress p;
  if (bundle_) p.context = bundle_->model.config.context_length;
  if (!session_) return p;
  p.passes = session_->passes();
  p.tokens = session_->generated_tokens();
  p.seconds = session_->elapsed_seconds();
  const BackendCache& cache = session_->cache();
  for (int w = 0; w < session_->workers(); ++w) {
    p.worker_tokens.push_back(static_cast<qint64>(session_->sampled(w).size()));
    p.view_lengths.push_back(cache.view_length(w));
  }
  for (int b = 0; b < cache.num_blocks(); ++b) {
    p.block_names << QString::fromStdString(cache.block_name(b));
    p.block_lengths.push_back(cache.block_length(b));
  }
  return p;
}

void EngineRunner::flushNow() {
  flush_timer_->stop();
  if (observer_.empty() && !session_) return;
  auto batch = std::make_shared<EngineBatch>();
  batch->events = observer_.take();
  batch->progress = progress();
  since_flush_.restart();
  const TsanHandoff handoff(thread());
  Q_EMIT eventsReady(std::move(batch));
}

void EngineRunner::flushIfDue() {
  if (observer_.empty()) return;
  const qint64 waited = since_flush_.elapsed();
  const int interval = flush_interval_ms_.load();
  if (waited >= interval) {
    flushNow();
  } else if (!flush_timer_->isActive()) {
    flush_timer_->start(static_cast<int>(interval - waited));  // the rest comes with the timer
  }
}

void EngineRunner::endRun(const QString& error) {
  pass_timer_->stop();
  flushNow();
  session_.reset();
  const TsanHandoff handoff(thread());
  Q_EMIT errorOccurred(error);
  setState(bundle_ ? RunState::Ready : RunState::NoModel);
}

void EngineRunner::stopRunFirst() {
  pass_timer_->stop();
  if (session_ && !session_->finished()) session_->stop();
  if (session_) flushNow();
  session_.reset();
}

void EngineRunner::createBackend() {
  backend_.reset();
  BackendOptions o;
  o.choice = backend_choice_;
  o.threads = threads_;
  BackendSelection sel;
  const auto progress = [this](int done, int total) {
    if (done % 8 != 0 && done != total) return;
    const TsanHandoff handoff(thread());
    Q_EMIT modelLoading(tr("Uploading the weights to the GPU: %1 of %2 tensors").arg(done).arg(total));
  };
  try {
    sel = select_backend(bundle_->model, o, progress);
  } catch (const Error& e) {  // "cuda" asked for but unusable: the app keeps running on the CPU and says why
    o.choice = BackendChoice::Cpu;
    sel = select_backend(bundle_->model, o);
    sel.fallback = QString::fromUtf8(e.what()).toStdString();
  }
  backend_text_ = QString::fromStdString(sel.describe());
  logger("ui")->info("backend: {}", sel.describe());
  backend_ = std::move(sel.backend);
  backend_threads_ = threads_;
}

void EngineRunner::setBackendChoice(const QString& choice) {
  BackendChoice c = BackendChoice::Auto;
  try {
    c = parse_backend_choice(choice.toStdString());
  } catch (const Error& e) {
    const TsanHandoff handoff(thread());
    Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
    return;
  }
  if (c == backend_choice_ && (backend_ || !bundle_)) return;
  backend_choice_ = c;
  if (!bundle_) return;
  stopRunFirst();
  try {
    createBackend();
  } catch (const std::exception& e) {
    const TsanHandoff handoff(thread());
    Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
    return;
  }
  const TsanHandoff handoff(thread());
  Q_EMIT backendChanged(unshared(backend_text_));
  setState(RunState::Ready);
}

void EngineRunner::loadModel(const QString& modelPath, const QString& tokenizerPath) {
  // The current model stays loaded (and usable) until the new one has loaded: a bad file changes nothing.
  stopRunFirst();
  setState(RunState::Loading);
  {
    const TsanHandoff handoff(thread());
    Q_EMIT modelLoading(tr("Loading %1 ...").arg(modelPath));
  }
  try {
    auto b = std::make_unique<ModelBundle>(open_model_bundle(modelPath.toStdString(), tokenizerPath.toStdString()));
    ModelInfo info;
    const ModelConfig& c = b->model.config;
    info.path = modelPath;
    info.tokenizer_path = QString::fromStdString(b->tokenizer_path);
    info.name = QString::fromStdString(c.name);
    info.format = QString::fromStdString(c.format);
    info.layers = c.n_layers;
    info.heads = c.n_heads;
    info.dim = c.dim;
    info.vocab = c.vocab_size;
    info.context = c.context_length;
    info.architecture = QString::fromStdString(c.architecture);
    info.chat = b->chat;
    info.recommended_preset = QString::fromStdString(recommended_preset(*b));
    // Decoded text of each token, so that the GUI can show top-k candidates without touching the tokenizer.
    info.vocab_text.reserve(c.vocab_size);
    for (int32_t id = 0; id < c.vocab_size; ++id) {
      try {
        info.vocab_text << QString::fromStdString(b->tokenizer->decode({id}));
      } catch (const std::exception&) {
        info.vocab_text << QString();
      }
    }
    backend_.reset();  // it refers to the old model, which goes now that the new one has loaded
    bundle_ = std::move(b);
    createBackend();
    info.backend = unshared(backend_text_);
    logger("ui")->info("model loaded: {} ({} layers, context {})", c.name, c.n_layers, c.context_length);
    const TsanHandoff handoff(thread());
    Q_EMIT modelLoaded(info);
    setState(RunState::Ready);
  } catch (const std::exception& e) {
    if (!backend_) bundle_.reset();  // failed after the old model went: nothing usable is loaded
    const TsanHandoff handoff(thread());
    Q_EMIT errorOccurred(bundle_ ? tr("%1 (the model %2 stays loaded)").arg(QString::fromUtf8(e.what()), QString::fromStdString(bundle_->model.config.name))
                                 : QString::fromUtf8(e.what()));
    setState(bundle_ ? RunState::Ready : RunState::NoModel);
  }
}

void EngineRunner::loadDefaultModel() {
  stopRunFirst();
  setState(RunState::Loading);
  try {
    const ModelFiles f = ensure_default_model([this](const std::string& s) {
      const TsanHandoff handoff(thread());
      Q_EMIT modelLoading(QString::fromStdString(s));
    });
    loadModel(QString::fromStdString(f.model), QString::fromStdString(f.tokenizer));
  } catch (const std::exception& e) {
    const TsanHandoff handoff(thread());
    Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
    setState(bundle_ ? RunState::Ready : RunState::NoModel);
  }
}

void EngineRunner::setPreset(const Preset& preset) {
  // A new preset applies to the next run: a running one is stopped first (its events still reach the GUI).
  stopRunFirst();
  preset_ = preset;
  preset_set_ = true;
  if (state_ == RunState::Running || state_ == RunState::Paused || state_ == RunState::Finished)
    setState(bundle_ ? RunState::Ready : RunState::NoModel);
}

void EngineRunner::setTask(const QString& task) { task_ = task; }
void EngineRunner::setThreads(int threads) { threads_ = std::max(0, threads); }

void EngineRunner::setDrillLayer(int layer) {
  drill_layer_ = layer;
  if (!session_) return;
  try {
    session_->set_drill_layer(layer);
  } catch (const Error& e) {
    const TsanHandoff handoff(thread());
    Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
  }
}

void EngineRunner::estimateBudget(const Preset& preset, const QString& task) {
  BudgetInfo info;
  info.workers = preset.workers;
  info.budget = preset.budget.max_passes;
  if (!bundle_) {
    info.error = tr("no model");
  } else {
    try {
      const ContextBudget b = estimate_context_budget(*bundle_, preset, task.toStdString());
      info.context = b.context;
      info.prompt_tokens = b.prompt_tokens;
      info.passes_fit = b.passes_fit;
    } catch (const std::exception& e) {
      info.error = QString::fromUtf8(e.what());
    }
  }
  const TsanHandoff handoff(thread());
  Q_EMIT budgetEstimated(info);
}

bool EngineRunner::ensureSession() {
  if (session_ && !session_->finished()) return true;
  session_.reset();
  if (!bundle_) {
    const TsanHandoff handoff(thread());
    Q_EMIT errorOccurred(tr("No model is loaded: open a model file first."));
    return false;
  }
  if (!preset_set_) {
    const TsanHandoff handoff(thread());
    Q_EMIT errorOccurred(tr("No preset is selected."));
    return false;
  }
  try {
    Preset p = preset_;
    const int layers = bundle_->model.config.n_layers;
    if (drill_layer_ >= 0 && p.statistics.enabled) p.statistics.drill_layer = std::min(drill_layer_, layers - 1);
    // The CPU backend's thread count is fixed at creation: a changed setting makes a new one (between runs).
    if (!backend_ || (backend_->info().kind == BackendKind::Cpu && backend_threads_ != threads_)) createBackend();
    SessionOptions so;
    so.threads = threads_;
    so.backend = backend_.get();
    // The bundle form resolves a preset's "auto" chat template and the model's stop tokens.
    session_ = std::make_unique<HogwildSession>(*bundle_, p, task_.toStdString(), so);
    session_->set_observer(&observer_);
    RunInfo info;
    info.preset = p;
    info.task = task_;
    for (int w = 0; w < session_->workers(); ++w) info.worker_names << QString::fromStdString(session_->worker_name(w));
    info.layers = layers;
    info.heads = bundle_->model.config.n_heads;
    info.context = bundle_->model.config.context_length;
    info.backend = unshared(backend_text_);
    session_->prefill();  // its events wait in the observer until the next flush
    info.prompt = QString::fromStdString(session_->prompt_text());
    const TsanHandoff handoff(thread());
    Q_EMIT runStarted(info);  // before the first batch: the GUI resets its views
    return true;
  } catch (const std::exception& e) {
    endRun(QString::fromUtf8(e.what()));
    return false;
  }
}

bool EngineRunner::runPass() {
  try {
    const bool more = session_->step();
    if (!more) {
      flushNow();
      setState(RunState::Finished);
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    endRun(QString::fromUtf8(e.what()));
    return false;
  }
}

void EngineRunner::schedulePass() { pass_timer_->start(delay_ms_.load()); }

void EngineRunner::start() {
  stop_requested_.store(false);
  pause_requested_.store(false);
  if (state_ == RunState::Running) return;
  if (!ensureSession()) return;
  setState(RunState::Running);
  flushNow();  // prefill's opener tokens show at once
  schedulePass();
}

void EngineRunner::pump() {
  // Passes run back to back for up to kSliceMs before the runner's event loop gets control again (queued calls
  // from the GUI: step, drill layer, delay). One event-loop round per pass cost a tiny model ~1-2 % of its speed.
  // Stop and pause are atomics and are checked before every pass. With a delay per pass: one pass per tick.
  QElapsedTimer slice;
  slice.start();
  do {
    if (state_ != RunState::Running || !session_) return;
    if (stop_requested_.load()) {
      stop();
      return;
    }
    if (pause_requested_.load()) {
      pause();
      return;
    }
    if (!runPass()) return;
    flushIfDue();
  } while (delay_ms_.load() == 0 && slice.elapsed() < kSliceMs);
  schedulePass();
}

void EngineRunner::pause() {
  pause_requested_.store(false);
  pass_timer_->stop();
  flushNow();
  if (state_ == RunState::Running) setState(RunState::Paused);
}

void EngineRunner::step() {
  pass_timer_->stop();
  pause_requested_.store(false);
  stop_requested_.store(false);
  if (!ensureSession()) return;
  if (runPass()) {
    flushNow();
    setState(RunState::Paused);
  }
}

void EngineRunner::stop() {
  stop_requested_.store(false);
  pause_requested_.store(false);
  pass_timer_->stop();
  if (session_ && !session_->finished()) {
    session_->stop();  // emits FinishedEvent("stopped")
    flushNow();
    setState(RunState::Finished);
  }
}

void EngineRunner::reset() {
  stop_requested_.store(false);
  pause_requested_.store(false);
  pass_timer_->stop();
  flush_timer_->stop();
  observer_.take();  // a reset drops what the GUI has not seen yet
  session_.reset();
  setState(bundle_ ? RunState::Ready : RunState::NoModel);
}

void EngineRunner::shutdown() {
  pass_timer_->stop();
  flush_timer_->stop();
  observer_.take();
  session_.reset();
  backend_.reset();
  bundle_.reset();
}

}  // namespace hogwild::ui
