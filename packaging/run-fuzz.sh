#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang + ASan + UBSan) in build-fuzz/ and runs each for N seconds
# (default 60), then replays the regression inputs; prints one row per target (executions, corpus size, crashes)
# and exits non-zero when any target crashed. Crash inputs are kept in build-fuzz/crashes/<target>/.
#   bash packaging/run-fuzz.sh            # 60 s per target
#   bash packaging/run-fuzz.sh 3600       # the long run (docs/RELIABILITY.md)
#   FUZZ_TARGETS="gguf preset" FUZZ_JOBS=2 bash packaging/run-fuzz.sh 600   # some targets, two at a time
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
MODELS=${HOGWILD_MODELS_DIR:-$(pwd)/../shared/models}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
TARGETS=${FUZZ_TARGETS:-"gguf llama2c tokenizer tokenizer_file vocab preset event"}
JOBS=${FUZZ_JOBS:-1}  # targets fuzzed at the same time (each uses one core)

echo "== Fuzz build ($BUILD, clang)"
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOGWILD_FUZZ=ON \
  -DHOGWILD_BUILD_UI=OFF -DHOGWILD_ENABLE_CUDA=OFF -DHOGWILD_BUILD_TESTS=OFF -DHOGWILD_MODELS_DIR="$MODELS" >/dev/null
cmake --build "$BUILD" --target fuzz_all -j"$(nproc)"
cmake --build "$BUILD" --target fuzz_seeds

# Per-target input size limit and dictionary.
max_len() {
  case $1 in
    gguf) echo 65536 ;; llama2c) echo 8192 ;; tokenizer_file) echo 16384 ;; *) echo 4096 ;;
  esac
}
dict() {
  case $1 in
    gguf|llama2c|tokenizer_file) echo "-dict=tests/fuzz/gguf.dict" ;; preset|event) echo "-dict=tests/fuzz/json.dict" ;; *) echo "" ;;
  esac
}

export HOGWILD_MODELS_DIR="$MODELS"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:handle_sigbus=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_target() {
  local t=$1 dir=$BUILD/fuzz-runs/$t
  mkdir -p "$dir" "$BUILD/corpus/$t" "$BUILD/crashes/$t"
  # The first corpus dir collects new inputs and carries over between runs; the seeds are read only.
  # shellcheck disable=SC2046
  "$BUILD/tests/fuzz/fuzz_$t" "$BUILD/corpus/$t" "$BUILD/seeds/$t" -max_total_time="$SECONDS_PER_TARGET" \
    -max_len="$(max_len "$t")" $(dict "$t") -timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$BUILD/crashes/$t/" >"$dir/log.txt" 2>&1 && echo 0 >"$dir/rc" || echo $? >"$dir/rc"
}

echo "== Fuzzing ${SECONDS_PER_TARGET}s per target, $JOBS at a time: $TARGETS"
running=0
for t in $TARGETS; do
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true

echo "== Regression inputs (tests/fuzz/regressions/<target>/)"
regress_fail=0
for t in $TARGETS; do
  r=tests/fuzz/regressions/$t
  [ -d "$r" ] || continue
  if ! "$BUILD/tests/fuzz/fuzz_$t" -runs=0 "$r" >"$BUILD/fuzz-runs/$t/regressions.txt" 2>&1; then
    echo "fuzz_$t: a regression input fails again (see $BUILD/fuzz-runs/$t/regressions.txt)"
    regress_fail=1
  fi
done

printf '%-16s %8s %12s %10s %8s %8s\n' target seconds executions exec/s corpus crashes
failed=$regress_fail
for t in $TARGETS; do
  log=$BUILD/fuzz-runs/$t/log.txt
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  [ -n "$execs" ] || execs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1 | grep -o '[0-9][0-9]*' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  corpus=$(find "$BUILD/corpus/$t" -type f | wc -l)
  crashes=$(find "$BUILD/crashes/$t" -type f | wc -l)
  rc=$(cat "$BUILD/fuzz-runs/$t/rc")
  [ "$rc" = 0 ] || [ "$crashes" -gt 0 ] || crashes="rc=$rc"
  printf '%-16s %8s %12s %10s %8s %8s\n' "$t" "$SECONDS_PER_TARGET" "${execs:-?}" "${rate:-?}" "$corpus" "$crashes"
  if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
    failed=1
    echo "   fuzz_$t failed; log: $log; reproduce: $BUILD/tests/fuzz/fuzz_$t <crash file>" >&2
    grep -m3 -E 'ERROR: |FUZZ_CHECK|SUMMARY|deadly signal|uncaught' "$log" | sed 's/^/   /' >&2 || true
  fi
done
exit $failed
