#include "backend/backend_select.h"

#include "backend/cpu_backend.h"
#include "common/error.h"
#include "common/log.h"

namespace hogwild {

const char* backend_choice_name(BackendChoice c) {
  switch (c) {
    case BackendChoice::Auto: return "auto";
    case BackendChoice::Cpu: return "cpu";
    case BackendChoice::Cuda: return "cuda";
  }
  return "auto";
}

BackendChoice parse_backend_choice(const std::string& s) {
  if (s == "auto") return BackendChoice::Auto;
  if (s == "cpu") return BackendChoice::Cpu;
  if (s == "cuda") return BackendChoice::Cuda;
  throw ConfigError("--backend must be auto, cpu or cuda (got '" + s + "')");
}

std::string BackendSelection::describe() const {
  std::string s = backend ? backend->info().describe() : std::string("no backend");
  if (!fallback.empty()) s += " · " + fallback;
  return s;
}

BackendSelection select_backend(const Model& model, const BackendOptions& o, const CudaBackend::Progress& progress) {
  BackendSelection sel;
  if (o.choice != BackendChoice::Cpu) {
    std::string why;
    sel.backend = CudaBackend::create(model, o.cuda, &why, progress);
    if (sel.backend) {
      logger("cuda")->info("backend: {}", sel.backend->info().describe());
      return sel;
    }
    if (o.choice == BackendChoice::Cuda) throw Error("CUDA is not available: " + why);
    sel.fallback = "CUDA not used: " + why;
    logger("cuda")->info("backend auto: {}; running on the CPU", sel.fallback);
  }
  sel.backend = std::make_unique<CpuBackend>(model, o.threads);
  logger("cuda")->info("backend: {}", sel.describe());
  return sel;
}

}  // namespace hogwild
