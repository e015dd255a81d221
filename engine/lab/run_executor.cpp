#include "lab/run_executor.h"

#include <chrono>
#include <optional>
#include <thread>

#include "backend/cpu_backend.h"
#include "common/error.h"

namespace hogwild::lab {

SequentialExecutor::SequentialExecutor(const ModelBundle& bundle, Backend& backend)
    : bundle_(bundle), backend_(&backend), forcer_(*bundle.tokenizer, bundle.stop_ids, backend) {}

SequentialExecutor::SequentialExecutor(const ModelBundle& bundle, int threads)
    : bundle_(bundle),
      own_backend_(std::make_unique<CpuBackend>(bundle.model, threads)),
      backend_(own_backend_.get()),
      forcer_(*bundle.tokenizer, bundle.stop_ids, *own_backend_) {}

void SequentialExecutor::execute(const std::vector<RunTask>& tasks, RunSink& sink, const RunControl& control) {
  for (const RunTask& task : tasks) {
    if (control.stop) return;
    sink.run_started(task);
    std::optional<RunResult> result;
    std::string error;
    try {
      LabRun run(bundle_, forcer_, task, *backend_);
      while (true) {
        while (control.pause && !control.stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (control.stop) return;  // the run in flight is abandoned, not reported
        const bool more = run.advance();
        sink.progress(run.passes());
        if (!more) break;
      }
      result = run.take_result();
    } catch (const Error& e) {
      error = e.what();
    }
    // Outside the try: an error of the sink (e.g. the database) is not a failed run; it ends the experiment.
    if (result) sink.run_finished(task, std::move(*result));
    else sink.run_failed(task, error);
  }
}

}  // namespace hogwild::lab
