#!/usr/bin/env bash
# THE device-machine script (docs/CUDA.md, "Running on a GPU"). Prepare the bundle here first:
#   tests/gpu/prepare_gpu_bundle.sh
# then make ONE device call, carrying the bundle:
#   run(command="bash tests/gpu/run_gpu_checks.sh build-gpu-bundle", carry=["build-gpu-bundle"], timeout_s=480)
# Steps, each under its own timeout, logs under $OUT (or ./gpu-checks-out when $OUT is unset):
#   1 machine   nvidia-smi, driver/CUDA version, glibc, library resolution of the carried binaries
#   2 ctest     ctest -L gpu in the bundle: test_gpu_backend (probe), test_backend_ops (parity harness: ops, the
#               dequantizing mat-vec kernels of every quantized type, attention, merges), test_cuda_session (the whole
#               HogwildSession on CUDA vs CPU: stories260K every layout × W 1/2/4 × 200 passes, a Q8_0 variant,
#               SmolLM2 Q4_1 W=2 × 64 passes), test_session_reference on CUDA (the independent numpy session
#               reference, token for token, through the real plugin)
#   3 perf      test_backend_ops perf (copy bandwidth, mat-vec per weight type at 8B shapes)
#   4 bench     hogwild-bench --backend cuda: SmolLM2 Q4_1 (the real file, W 1/2/4/8), then random Llama-3.2-1B and
#               Llama-3.1-8B shapes in q4_k and bf16 (W 1/2/4/8, ctx 1k/4k/16k: tok/s, % of the copy-bandwidth
#               roofline, host µs per pass), attention vs plain single-block attention at 4k and 16k
# The last lines printed are a short summary table. Exit code: 0 all passed, 1 something failed, 77 no device.
# Without a GPU (tested on the development machine) every GPU step reports SKIPPED and the script exits 77.
set -u
bundle=${1:-build-gpu-bundle}
bundle=$(cd "$bundle" 2>/dev/null && pwd) || { echo "run_gpu_checks: no bundle folder '${1:-build-gpu-bundle}' (run tests/gpu/prepare_gpu_bundle.sh and carry it)"; exit 1; }
# The binaries, libraries and fixtures travel compressed (OpenBLAS alone is 35 MB): unpack once.
if [ -f "$bundle/bundle.tar.gz" ] && [ ! -x "$bundle/bin/test_backend_ops" ]; then
  tar -C "$bundle" -xzf "$bundle/bundle.tar.gz" || { echo "run_gpu_checks: cannot unpack $bundle/bundle.tar.gz"; exit 1; }
fi
out=${OUT:-$PWD/gpu-checks-out}
mkdir -p "$out"
summary=$out/summary.txt
: >"$summary"
t_start=$(date +%s)

note() { echo "$*" | tee -a "$summary"; }
# step NAME TIMEOUT_S CMD...: runs CMD with output to $out/NAME.log; records rc (124 = timed out).
step() {
  local name=$1 limit=$2
  shift 2
  local t0=$(date +%s)
  echo "== $name: $*"
  timeout --kill-after=10 "$limit" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  note "$(printf '%-8s rc=%-3s %4ss  %s' "$name" "$rc" "$(($(date +%s) - t0))" "$out/$name.log")"
  return $rc
}

# ---- 1. machine
{
  echo "date: $(date -u +%FT%TZ)"
  uname -a
  ldd --version 2>&1 | head -1
  timeout 20 nvidia-smi 2>&1 || echo "nvidia-smi: not available"
  timeout 20 nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.mem,driver_version --format=csv 2>&1 || true
  command -v nvcc >/dev/null && nvcc --version | tail -2
} >"$out/machine.log" 2>&1
grep -E "NVIDIA|Driver Version|ldd" "$out/machine.log" | head -4

# Libraries: the carried ones first, then the machine's CUDA 13 (cudart, cuBLAS) wherever its toolkit keeps them.
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export HOGWILD_CUDA_PLUGIN="$bundle/bin/libhogwild_cuda.so"
export HOGWILD_MODELS_DIR="$bundle/models"
export HOGWILD_LOG_LEVEL=warn
smol=""
[ -f "$bundle/smollm2.gguf" ] && smol="$bundle/smollm2.gguf" && export HOGWILD_SMOLLM2="$smol"
if ldd "$bundle/bin/libhogwild_cuda.so" 2>/dev/null | grep -q "not found"; then
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-13*/lib64 /usr/lib/x86_64-linux-gnu \
           $(python3 -c 'import nvidia, os; print(" ".join(os.path.join(p, s, "lib") for p in nvidia.__path__ for s in os.listdir(p)))' 2>/dev/null); do
    if [ -e "$d/libcublas.so.13" ] || [ -e "$d/libcudart.so.13" ]; then LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"; fi
  done
  export LD_LIBRARY_PATH
fi
{
  for b in "$bundle"/bin/*; do echo "## $b"; ldd "$b" 2>&1 | grep -E "not found|cuda|cublas|spdlog|openblas|GLIBC" ; done
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
} >"$out/ldd.log" 2>&1
if grep -q "not found" "$out/ldd.log"; then note "machine  WARNING: unresolved libraries (see $out/ldd.log):"; grep "not found" "$out/ldd.log" | sort -u | head -5 | tee -a "$summary"; fi

# ---- 2. probe, then ctest -L gpu (probe + parity harness), verbose so that every check line lands in the log
status=0
step probe 60 "$bundle/bin/test_gpu_backend"
rc_probe=$?
head -2 "$out/probe.log"
skipped=0
[ $rc_probe -eq 77 ] && skipped=1
if [ $rc_probe -eq 77 ] && timeout 20 nvidia-smi -L >/dev/null 2>&1; then
  note "probe    FAILED: nvidia-smi sees a GPU but the plugin is not usable (libraries? see $out/ldd.log)"
  status=1
fi
[ $rc_probe -ne 0 ] && [ $rc_probe -ne 77 ] && status=1
# The bundle's ctest file, written here with absolute paths (ctest scripts know no CMAKE_CURRENT_LIST_DIR).
cat >"$bundle/CTestTestfile.cmake" <<CT
add_test(test_gpu_backend "$bundle/bin/test_gpu_backend")
set_tests_properties(test_gpu_backend PROPERTIES LABELS "gpu" SKIP_RETURN_CODE 77 TIMEOUT 60)
add_test(test_backend_ops "$bundle/bin/test_backend_ops")
set_tests_properties(test_backend_ops PROPERTIES LABELS "gpu" SKIP_RETURN_CODE 77 TIMEOUT 200)
add_test(test_cuda_session "$bundle/bin/test_cuda_session")
set_tests_properties(test_cuda_session PROPERTIES LABELS "gpu" SKIP_RETURN_CODE 77 TIMEOUT 150)
CT
# The independent session reference through the real plugin (a GoogleTest program: no exit code 77, so only with a device).
if [ $rc_probe -eq 0 ]; then cat >>"$bundle/CTestTestfile.cmake" <<CT
add_test(test_session_reference_cuda "$bundle/bin/test_session_reference" --gtest_filter=*cuda*)
set_tests_properties(test_session_reference_cuda PROPERTIES LABELS "gpu" TIMEOUT 60
  ENVIRONMENT "HOGWILD_SESSION_REF_REAL_CUDA=1;HOGWILD_REFERENCE_DIR=$bundle/reference;HOGWILD_MODELS_DIR=$bundle/models")
CT
fi
step ctest 300 ctest --test-dir "$bundle" -L gpu -V --timeout 200
[ $? -ne 0 ] && status=1
grep -E "tests passed|Not Run|Skipped|\*\*\*Failed|checks, " "$out/ctest.log" | sed 's/^[0-9]*: //' | tail -6 | tee -a "$summary"
if grep -qE " FAIL( |$)" "$out/ctest.log"; then
  note "failing checks:"
  grep -E " FAIL( |$)" "$out/ctest.log" | sed 's/^[0-9]*: //' | head -20 | tee -a "$summary"
fi

# ---- 3. perf mode of the harness, 4. benchmark (skipped without a device)
if [ $skipped -eq 1 ]; then
  note "perf     SKIPPED (no CUDA device)"
  note "bench    SKIPPED (no CUDA device)"
  note "total $(($(date +%s) - t_start))s; GPU steps SKIPPED: no usable CUDA device"
  [ $status -ne 0 ] && exit 1
  exit 77
fi
step perf 60 "$bundle/bin/test_backend_ops" perf || status=1
bench_models=()
[ -n "$smol" ] && bench_models=(--model "$smol")
step bench 240 "$bundle/bin/hogwild-bench" --backend cuda "${bench_models[@]}" --workers 1,2,4,8 --cuda-models llama-1b,llama-8b \
  --weights q4_k,bf16 --contexts 1024,4096,16384 --passes 20 --repeats 1 --decode-tokens 64 --json "$out/bench.json" || status=1

# ---- summary (last lines of the output)
echo
echo "================ summary ================"
grep -E "copy bandwidth|matmul" "$out/perf.log" | sed 's/^ *//'
grep -E "^CUDA:|^Hogwild|^model|^llama|^smollm2|^SmolLM2" "$out/bench.log"
cat "$summary"
note "total $(($(date +%s) - t_start))s, status $status"
exit $status
