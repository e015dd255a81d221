#!/usr/bin/env bash
# Run HERE (the development machine, no GPU needed) before the device call. Builds the GPU test binaries, the
# benchmark and the CUDA plugin for sm_90 (H100/H200) and packs what the device machine needs into
# build-gpu-bundle/ (ignored by git through /build*/, so the device call must name it in `carry`):
#   bin/      test_gpu_backend, test_backend_ops, hogwild-bench, libhogwild_cuda.so (found beside the binaries)
#   lib/      non-system shared libraries the binaries load (spdlog, fmt, sentencepiece, OpenBLAS, ...)
#   models/   the stories260K fixture (../shared does not travel)
#   (run_gpu_checks.sh writes the bundle's CTestTestfile.cmake there, with the bundle's absolute path)
# Usage: tests/gpu/prepare_gpu_bundle.sh [BUILD_DIR=build-gpu] [ARCHS=90]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-gpu}
archs=${2:-90}
bundle=$root/build-gpu-bundle
models=${HOGWILD_MODELS_DIR:-$root/../shared/models}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOGWILD_BUILD_UI=OFF \
  -DCMAKE_CUDA_ARCHITECTURES="$archs" -DHOGWILD_MODELS_DIR="$models" >/dev/null
ninja -C "$build" hogwild_cuda test_gpu_backend test_backend_ops hogwild-bench

rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/models/stories260K"
cp "$build/engine/cuda/libhogwild_cuda.so" "$build/tests/test_gpu_backend" "$build/tests/test_backend_ops" \
   "$build/app/hogwild-bench" "$bundle/bin/"
strip --strip-unneeded "$bundle/bin/"* 2>/dev/null || true
cp "$models/stories260K/stories260K.bin" "$models/stories260K/tok512.bin" "$bundle/models/stories260K/"
bash "$root/../shared/tools/carry-libs.sh" "$bundle/lib" "$bundle/bin/test_backend_ops" "$bundle/bin/hogwild-bench" \
  "$bundle/bin/libhogwild_cuda.so" | tail -1
cp "$root/tests/gpu/run_gpu_checks.sh" "$bundle/"
echo "bundle: $(du -sh "$bundle" | cut -f1) in $bundle (working tree + carry must stay under 64 MiB)"
