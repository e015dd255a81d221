#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: installs the Debian packages, builds the project
# (Release, CUDA compiled when nvcc exists), runs every ctest test, then builds the engine with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the engine tests again under them.
# The model fixtures are read from ../shared/models beside the checkout (override: HOGWILD_MODELS_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
JOBS=$(nproc)
MODELS=${HOGWILD_MODELS_DIR:-$(pwd)/../shared/models}

echo "== Release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOGWILD_MODELS_DIR="$MODELS"
cmake --build build -j"$JOBS"
echo "== Tests (Release)"
ctest --test-dir build --output-on-failure -j"$JOBS" --timeout 1200
echo "== Debian package: build, unpack into a scratch root, run the installed programs"
bash packaging/test-deb.sh build "$MODELS"

echo "== ASan + UBSan build (engine tests)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOGWILD_SANITIZE=address,undefined \
  -DHOGWILD_ENABLE_CUDA=OFF -DHOGWILD_BUILD_UI=OFF -DHOGWILD_MODELS_DIR="$MODELS"
cmake --build build-asan -j"$JOBS"
echo "== Tests (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$JOBS" -L engine --timeout 2400

# ---- Fuzz smoke (issue #6; docs/RELIABILITY.md). Every libFuzzer target for 30 s, two at a time, plus the
# regression inputs; ~6-8 minutes on 2 cores including the clang build. The long run: bash packaging/run-fuzz.sh 3600
echo "== Fuzz smoke (clang, libFuzzer + ASan + UBSan)"
FUZZ_JOBS=2 HOGWILD_MODELS_DIR="$MODELS" bash packaging/run-fuzz.sh 30
# ---- end fuzz smoke
