#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: installs the Debian packages, builds the project
# (Release, CUDA compiled when nvcc exists), runs every ctest test, then builds the engine with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the engine tests again under them, and the threaded tests
# (engine thread pool, session, the GUI/engine-thread bridge) under ThreadSanitizer.
# The model fixtures are read from ../shared/models beside the checkout (override: HOGWILD_MODELS_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
JOBS=$(nproc)
MODELS=${HOGWILD_MODELS_DIR:-$(pwd)/../shared/models}
# Disk: the sanitizer builds carry line tables only (-g1: what their stack traces print, file and line) — with full
# -g the ASan tree alone took 7.3 GB and filled a CI machine's disk; with -g1 ~3.5 GB. Each sanitizer tree is removed
# once its tests have run (HOGWILD_KEEP_BUILD_DIRS=1 keeps them), so the peak is the Release tree plus one of them.
SAN_FLAGS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
           "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")
disk() { echo "-- disk: $(df -h --output=avail . | tail -1 | tr -d ' ') free in $(pwd)"; }
done_with() { [ "${HOGWILD_KEEP_BUILD_DIRS:-0}" = 1 ] || rm -rf "$1"; }
disk

echo "== Release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOGWILD_MODELS_DIR="$MODELS"
cmake --build build -j"$JOBS"
echo "== Tests (Release)"
ctest --test-dir build --output-on-failure -j"$JOBS" --timeout 1200
echo "== Debian package: build, unpack into a scratch root, run the installed programs"
bash packaging/test-deb.sh build "$MODELS"

echo "== ASan + UBSan build (engine and ui tests)"
# HOGWILD_BUILD_UI=ON: the same ASan build also serves the ui tests (the UI sanitizer block below).
disk
cmake -S . -B build-asan -G Ninja "${SAN_FLAGS[@]}" -DHOGWILD_SANITIZE=address,undefined \
  -DHOGWILD_ENABLE_CUDA=OFF -DHOGWILD_BUILD_UI=ON -DHOGWILD_MODELS_DIR="$MODELS"
cmake --build build-asan -j"$JOBS"
echo "== Tests (ASan + UBSan)"
# -LE crossimpl: Oracle 4 (cross-implementation) prefills a 5,938-token prompt twice (minutes in Release, far more under ASan); it runs in
# the Release ctest above.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$JOBS" -L engine -LE crossimpl --timeout 2400

# ---- UI sanitizers (issues #6, #7; docs/UI.md "Sanitizers"). (a) every ui test (bridge stress included) under
# ASan + LSan + UBSan, from the build-asan dir above; (b) ThreadSanitizer, in its own build dir, below.
# Suppressions: packaging/sanitizers/*.supp (each line has its reason). Measured on 2 cores: see docs/UI.md.
echo "== Tests (ASan + UBSan, ui)"
QT_QPA_PLATFORM=offscreen ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$(pwd)/packaging/sanitizers/lsan.supp:print_suppressions=0 \
  ctest --test-dir build-asan --output-on-failure -j"$JOBS" -L ui -LE heavy --timeout 2400
done_with build-asan

# ---- Fuzz smoke (issue #6; docs/RELIABILITY.md). Every libFuzzer target for 30 s, two at a time, plus the
# regression inputs; ~6-8 minutes on 2 cores including the clang build. The long run: bash packaging/run-fuzz.sh 3600
echo "== Fuzz smoke (clang, libFuzzer + ASan + UBSan)"
FUZZ_JOBS=2 HOGWILD_MODELS_DIR="$MODELS" bash packaging/run-fuzz.sh 30
# ---- end fuzz smoke

# ---- ThreadSanitizer (issues #4, #6; docs/RELIABILITY.md "ThreadSanitizer"): the tests that run threads — ThreadPool
# (test_tensor, test_quants, test_quant_dot), the Transformer's pool and OpenBLAS prefill (test_generation), threaded Hogwild
# attention (test_hogwild_attention) and the attention tasks of the plain cache (test_attention_kernels), the caches of a
# fused pass attending side by side on the pool (test_backend_select, CpuBackend::forward_many), HogwildSession
# (test_session) — the engine-thread bridge (test_engine_runner,
# test_stress_bridge), the heatmap renderer thread (test_heatmap, test_main_window) and the Models dialog's copy and
# download threads (test_models_dialog), built alone in build-tsan. Must report nothing: halt_on_error fails the test
# at the first report. Queued calls between our threads and thread joins are modelled by ui/tsan_sync.h; tsan.supp
# only makes Qt's uninstrumented internals uniformly invisible (reasons there). QT_NO_GLIB=1: Qt's own UNIX event
# dispatcher, not glib's. One test at a time (-j1): the tests run their own threads. 6-8 min on 2 shared cores.
echo "== ThreadSanitizer build (threaded engine tests + bridge tests)"
TSAN_TESTS=(test_tensor test_quants test_quant_dot test_generation test_session test_hogwild_attention test_attention_kernels test_backend_select test_download
            test_engine_runner test_stress_bridge test_heatmap test_main_window test_models_dialog)
disk
cmake -S . -B build-tsan -G Ninja "${SAN_FLAGS[@]}" -DHOGWILD_SANITIZE=thread \
  -DHOGWILD_ENABLE_CUDA=OFF -DHOGWILD_BUILD_UI=ON -DHOGWILD_MODELS_DIR="$MODELS"
cmake --build build-tsan -j"$JOBS" --target "${TSAN_TESTS[@]}"
echo "== Tests (ThreadSanitizer)"
QT_NO_GLIB=1 TSAN_OPTIONS="suppressions=$(pwd)/packaging/sanitizers/tsan.supp halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan --output-on-failure -j1 --timeout 1800 -R "^($(IFS='|'; echo "${TSAN_TESTS[*]}"))\$"
done_with build-tsan
disk
# ---- end UI sanitizers
