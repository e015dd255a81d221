#pragma once
// Which backend computes a run: --backend auto|cpu|cuda (hogwild-cli, hogwild-bench), the app's Engine → Backend
// menu. `auto` = CUDA when the plugin loads, a device exists and the model fits, else the CPU with the reason.
#include <memory>
#include <string>

#include "backend/backend.h"
#include "cuda/cuda_backend.h"

namespace hogwild {

enum class BackendChoice : uint8_t { Auto, Cpu, Cuda };
const char* backend_choice_name(BackendChoice c);  // "auto", "cpu", "cuda"
// Throws ConfigError("--backend must be auto, cpu or cuda (got 'x')").
BackendChoice parse_backend_choice(const std::string& s);

struct BackendOptions {
  BackendChoice choice = BackendChoice::Auto;
  int threads = 0;   // CPU backend threads (0: all)
  CudaOptions cuda;  // CUDA backend options
};

struct BackendSelection {
  std::unique_ptr<Backend> backend;
  // Why CUDA is not the backend although it could have been wanted (auto), e.g. "CUDA not used: no CUDA device
  // found"; empty when CUDA runs or the CPU was asked for.
  std::string fallback;
  // The line every report shows: "CUDA: NVIDIA H100 80GB HBM3", "CPU (16 threads)", or
  // "CPU (16 threads) · CUDA not used: <reason>".
  std::string describe() const;
};

// Creates the backend for `model` (which must outlive it). choice Cuda without a usable device, or when the model
// cannot be loaded there, throws Error("CUDA is not available: <reason>") — one line, nothing else is tried. choice
// Auto never throws for CUDA's sake: it falls back to the CPU and logs the reason (logger "engine").
BackendSelection select_backend(const Model& model, const BackendOptions& options,
                                const CudaBackend::Progress& progress = {});

}  // namespace hogwild
