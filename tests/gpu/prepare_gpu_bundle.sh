#!/usr/bin/env bash
# Run HERE (the development machine, no GPU needed) before the device call. Builds the GPU test binaries, the
# benchmark and the CUDA plugin for sm_90 (H100/H200) and packs what the device machine needs into
# build-gpu-bundle/ (ignored by git through /build*/, so the device call must name it in `carry`):
#   bundle.tar.gz   bin/ (test_gpu_backend, test_backend_ops, test_cuda_session, test_session_reference, hogwild-bench,
#                   libhogwild_cuda.so), reference/ (the session reference data),
#                   lib/ (spdlog, fmt, sentencepiece, OpenBLAS, …: compressed, OpenBLAS alone is 35 MB),
#                   models/stories260K (the fixture; ../shared does not travel)
#   smollm2.gguf    SmolLM2-135M-Instruct Q4_1 — whole when it fits, else its first N layers (tests/gpu/trim_gguf.py):
#                   a call carries at most 64 MiB and the file is 94 MB (its 32 MB embedding travels whole)
#   run_gpu_checks.sh
# run_gpu_checks.sh unpacks the tarball on the device. Usage: tests/gpu/prepare_gpu_bundle.sh [BUILD_DIR=build-gpu] [ARCHS=90]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-gpu}
archs=${2:-90}
bundle=$root/build-gpu-bundle
models=${HOGWILD_MODELS_DIR:-$root/../shared/models}
budget_mib=${HOGWILD_CARRY_BUDGET_MIB:-60}   # 64 MiB carry limit, minus the working tree (~2 MiB) and a margin

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOGWILD_BUILD_UI=OFF -DHOGWILD_ENABLE_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES="$archs" -DHOGWILD_MODELS_DIR="$models" \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache >/dev/null
ninja -C "$build" hogwild_cuda test_gpu_backend test_backend_ops test_cuda_session test_session_reference hogwild-bench

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/models/stories260K" "$stage/reference"
cp "$build/engine/cuda/libhogwild_cuda.so" "$build/tests/test_gpu_backend" "$build/tests/test_backend_ops" \
   "$build/tests/test_cuda_session" "$build/tests/engine/test_session_reference" "$build/app/hogwild-bench" "$stage/bin/"
cp "$root"/tests/reference/data/session_ref_* "$stage/reference/"  # the independent session reference (Oracle 5)
strip --strip-unneeded "$stage/bin/"* 2>/dev/null || true
cp "$models/stories260K/stories260K.bin" "$models/stories260K/tok512.bin" "$models/stories260K/tok512.model" "$stage/models/stories260K/"
bash "$root/../shared/tools/carry-libs.sh" "$stage/lib" "$stage/bin/test_backend_ops" "$stage/bin/test_cuda_session" "$stage/bin/test_session_reference" \
  "$stage/bin/hogwild-bench" "$stage/bin/libhogwild_cuda.so" | tail -1

rm -rf "$bundle"
mkdir -p "$bundle"
tar -C "$stage" -czf "$bundle/bundle.tar.gz" bin lib models reference
cp "$root/tests/gpu/run_gpu_checks.sh" "$bundle/"
used=$(du -sm "$bundle" | cut -f1)

# SmolLM2 Q4_1: the real quantized file, trimmed to the room left.
smol=$(python3 "$root/tests/fetch_model.py" smollm2 2>/dev/null || true)
if [ -n "$smol" ] && [ -f "$smol" ]; then
  room=$(( (budget_mib - used) * 1024 * 1024 ))
  if [ "$(stat -c %s "$smol")" -le "$room" ]; then
    cp "$smol" "$bundle/smollm2.gguf"
    echo "smollm2: whole file"
  else
    if python3 "$root/tests/gpu/trim_gguf.py" "$smol" "$bundle/smollm2.gguf" --fit "$room"; then
      echo "smollm2: trimmed to $(du -m "$bundle/smollm2.gguf" | cut -f1) MiB"
    else
      rm -f "$bundle/smollm2.gguf"
      echo "smollm2: does not fit in the carry budget (left out)"
    fi
  fi
else
  echo "smollm2: not available here (tests/fetch_model.py smollm2 failed): left out"
fi
echo "bundle: $(du -sh "$bundle" | cut -f1) in $bundle (working tree + carry must stay under 64 MiB)"
