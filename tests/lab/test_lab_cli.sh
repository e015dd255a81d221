#!/usr/bin/env bash
# hogwild-lab as a user types it: generate, import (GSM8K, CSV, a bad line and --skip-bad-lines), clear errors
# (unknown option, --backend cuda, a bad experiment field), a tiny run on stories260K, report --json, export, and
# plot to PNG and SVG (offscreen) when the program was built with Qt.
# Usage: test_lab_cli.sh <hogwild-lab> <models dir> <with plot: 1|0>
set -euo pipefail
LAB=$1
MODELS=$2
PLOT=$3
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
fail() { echo "FAIL: $*"; exit 1; }
expect_error() {  # expect_error "<text the one error line must contain>" command...
  local want=$1
  shift
  if "$@" > out.txt 2> err.txt; then fail "accepted: $*"; fi
  [ "$(wc -l < err.txt)" -eq 1 ] || fail "not one error line for $*: $(cat err.txt)"
  grep -qF -- "$want" err.txt || fail "error for $* lacks '$want': $(cat err.txt)"
}

"$LAB" --help | grep -q "hogwild-lab generate arithmetic"
"$LAB" --version | grep -q "hogwild-lab"
"$LAB" generate arithmetic --n 5 --seed 4 > a.jsonl
[ "$(wc -l < a.jsonl)" -eq 5 ] || fail "generate wrote $(wc -l < a.jsonl) lines"
"$LAB" generate arithmetic --n 5 --seed 4 | cmp -s - a.jsonl || fail "generate is not reproducible"

printf '%s\n' '{"question": "Tom has 3 apples and buys 4. How many?", "answer": "3 + 4 = <<3+4=7>>7\n#### 7"}' \
              '{"question": "Big?", "answer": "#### 1,234"}' > gsm8k.jsonl
"$LAB" import gsm8k.jsonl --out g.jsonl 2> /dev/null
grep -q '"answer":"1234"' g.jsonl || fail "GSM8K import: $(cat g.jsonl)"
printf 'question,answer\nWhat is 2+2?,4\n"Say ""hi""",\n' > p.csv
expect_error 'p.csv: line 3: field "answer": is empty' "$LAB" import p.csv
"$LAB" import p.csv --skip-bad-lines --out ok.jsonl 2> skip.txt
grep -q "skipped p.csv: line 3" skip.txt || fail "no skipped-line report: $(cat skip.txt)"
[ "$(wc -l < ok.jsonl)" -eq 1 ] || fail "skip-bad-lines kept $(wc -l < ok.jsonl) problems"
expect_error 'unknown option --nn for "generate"' "$LAB" generate arithmetic --nn 3
expect_error 'unknown command "frobnicate"' "$LAB" frobnicate

cat > exp.json <<JSON
{"schema": "hogwild-lab-experiment", "version": 1, "name": "cli",
 "model": "$MODELS/stories260K/stories260K.bin", "tokenizer": "$MODELS/stories260K/tok512.model",
 "problems": "ok.jsonl", "checkpoints": [4, 8], "seeds": [1, 2],
 "arms": [{"name": "hw", "preset": "tiny-stories", "workers": 2,
           "overrides": {"finisher": {"text": " The answer is \\\\boxed{", "max_tokens": 3}}}],
 "controls": ["single", "independent"]}
JSON
# --backend: one line when CUDA cannot run (nothing written), a bad name refused; auto runs on the CPU here.
if [ ! -e /dev/nvidia0 ]; then
  expect_error "CUDA is not available" "$LAB" run exp.json --backend cuda
  [ ! -e exp.db ] || fail "--backend cuda without a device wrote exp.db"
fi
expect_error "--backend must be auto, cpu or cuda" "$LAB" run exp.json --backend gpu
sed 's/"seeds"/"seedz"/' exp.json > typo.json
expect_error 'unknown field "seedz"' "$LAB" run typo.json
"$LAB" run exp.json --quiet
"$LAB" report exp.db --json > report.json
python3 - <<'PY'
import json
r = json.load(open("report.json"))
names = [a["name"] for a in r["arms"]]
assert names == ["hw", "single", "independent W2"], names
for a in r["arms"]:
    assert [p["n"] for p in a["curve"]] == [2, 2], a["curve"]
assert len(r["comparisons"]) == 4 and all(c["pairs"] == 2 for c in r["comparisons"]), r["comparisons"]
# The experiment asked for nothing (backend "auto"); the results name the backend that computed the runs.
assert r["experiment"]["backend"].startswith("CPU ("), r["experiment"]
PY
# The default executor is batched (8 runs per pass) and says so; bench runs the grid per executor and checks that
# every run gives the same answer and tokens; --batch 0 is one clear error.
python3 -c "import json,sys; r=json.load(open('report.json')); sys.exit(0 if r['experiment']['executor'] == 'batched ×8' else 1)" ||
  fail "executor recorded: $(python3 -c "import json; print(json.load(open('report.json'))['experiment']['executor'])")"
"$LAB" bench exp.json --batch 3 --json > bench.json 2> /dev/null
python3 - <<'PY'
import json
b = json.load(open("bench.json"))
ex = b["executors"]
assert [e["executor"] for e in ex] == ["sequential", "batched ×3"], ex
assert all(e["runs"] == 6 and e["same_runs"] for e in ex), ex
assert ex[0]["tokens"] == ex[1]["tokens"] and ex[0]["passes"] == ex[1]["passes"], ex
PY
expect_error "--batch must be an integer in [1, 256]" "$LAB" run exp.json --batch 0
"$LAB" export exp.db --csv runs.csv
[ "$(wc -l < runs.csv)" -eq $((1 + 6 * 2)) ] || fail "CSV rows: $(wc -l < runs.csv)"
if [ "$PLOT" = 1 ]; then
  QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$DIR "$LAB" plot exp.db --out fig.png --kind all 2> plot.err ||
    { cat plot.err; fail "plot fig.png failed"; }
  [ "$(head -c 8 fig.png | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "fig.png is not a PNG"
  python3 -c "import struct,sys; d=open('fig.png','rb').read(24); w,h=struct.unpack('>II', d[16:24]); sys.exit(0 if (w,h)==(1500,460) else 1)" ||
    fail "fig.png has the wrong size"
  QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$DIR "$LAB" plot exp.db --out fig.svg 2> plot.err ||
    { cat plot.err; fail "plot fig.svg failed"; }
  grep -q "<svg" fig.svg && grep -q "Accuracy vs forward-pass budget" fig.svg || fail "fig.svg has no chart"
  expect_error "must end in .png or .svg" env QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$DIR "$LAB" plot exp.db --out fig.gif
fi
echo "PASS"
