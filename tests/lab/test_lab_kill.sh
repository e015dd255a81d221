#!/usr/bin/env bash
# Resume after a real kill: `hogwild-lab run` is killed with SIGKILL in the middle of an experiment, then resumed.
# Proves: every run reported as stored before the kill is still there (no run lost), the database is intact, and
# after --resume every (arm, problem, seed) is stored exactly once (nothing duplicated). Also Ctrl+C (SIGINT): the
# program stops after writing what is done and says how to resume.
# Usage: test_lab_kill.sh <hogwild-lab> <models dir>
set -euo pipefail
LAB=$1
MODELS=$2
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"

"$LAB" generate arithmetic --n 6 --seed 11 --out arith.jsonl
cat > exp.json <<JSON
{
  "schema": "hogwild-lab-experiment", "version": 1, "name": "kill-test",
  "model": "$MODELS/stories260K/stories260K.bin", "tokenizer": "$MODELS/stories260K/tok512.model",
  "problems": "arith.jsonl", "checkpoints": [32, 160], "seeds": [1, 2],
  "arms": [{"name": "hw", "preset": "tiny-stories", "workers": 2,
            "overrides": {"stop": {"on_eos": false}, "finisher": {"text": " The answer is \\\\boxed{", "max_tokens": 3}}}],
  "controls": ["single"]
}
JSON
TOTAL=24  # 2 arms x 6 problems x 2 seeds

count_stored() {  # prints: <runs> <distinct keys> <integrity>
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
runs = db.execute("select count(*) from runs").fetchone()[0]
keys = db.execute("select count(*) from (select distinct arm_id, problem_id, seed from runs)").fetchone()[0]
logs = db.execute("select count(*) from event_logs").fetchone()[0]
cps = db.execute("select count(*) from checkpoints").fetchone()[0]
ok = db.execute("pragma integrity_check").fetchone()[0]
assert logs == runs, f"{logs} event logs for {runs} runs"
assert cps == 2 * runs, f"{cps} checkpoints for {runs} runs"
print(runs, keys, ok)
PY
}

# 1. Start, wait for 3 stored runs, kill -9 in the middle of the next one.
"$LAB" run exp.json --json > out1.jsonl 2> err1.txt &
PID=$!
for _ in $(seq 1 2400); do
  n=$(grep -c '"event":"run"' out1.jsonl || true)
  [ "$n" -ge 3 ] && break
  sleep 0.05
done
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
reported=$(grep '"event":"run"' out1.jsonl | python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["run_id"]) for l in sys.stdin))')
nreported=$(echo "$reported" | wc -w)
echo "killed after $nreported reported runs: $reported"
[ "$nreported" -ge 3 ] || { echo "FAIL: fewer than 3 runs were reported before the kill"; cat err1.txt; exit 1; }
read -r runs keys ok < <(count_stored exp.db)
echo "after the kill: $runs runs stored, integrity $ok"
[ "$ok" = "ok" ] || { echo "FAIL: database damaged: $ok"; exit 1; }
[ "$runs" -ge "$nreported" ] || { echo "FAIL: $nreported runs were reported stored but only $runs are in the database"; exit 1; }
[ "$runs" -lt "$TOTAL" ] || { echo "FAIL: the kill came too late to test anything"; exit 1; }

# 2. Without --resume the database is not touched.
if "$LAB" run exp.json --quiet 2> err2.txt; then echo "FAIL: a second run without --resume was accepted"; exit 1; fi
grep -q "add --resume" err2.txt || { echo "FAIL: no hint to --resume: $(cat err2.txt)"; exit 1; }

# 3. Ctrl+C (SIGINT) stops after writing what is done: exit 130, a resume hint, an intact database.
"$LAB" run exp.db --resume > out3.txt 2> err3.txt &
PID=$!
before=$runs
for _ in $(seq 1 2400); do
  read -r now _ _ < <(count_stored exp.db)
  [ "$now" -ge $((before + 2)) ] && break
  sleep 0.05
done
kill -INT "$PID"
rc=0
wait "$PID" || rc=$?
[ "$rc" -eq 130 ] || { echo "FAIL: Ctrl+C exit code $rc (want 130)"; cat err3.txt; exit 1; }
grep -q "continue with: hogwild-lab run --resume" err3.txt || { echo "FAIL: no resume hint after Ctrl+C: $(cat err3.txt)"; exit 1; }
read -r runs keys ok < <(count_stored exp.db)
[ "$ok" = "ok" ] && [ "$runs" -eq "$keys" ] || { echo "FAIL: after Ctrl+C: $runs runs, $keys keys, integrity $ok"; exit 1; }
echo "after Ctrl+C: $runs runs stored"

# 4. Resume to the end: every run exactly once, the runs reported before the kill kept.
"$LAB" --resume exp.db --json > out4.jsonl 2> err4.txt
grep -q '"event":"done"' out4.jsonl
read -r runs keys ok < <(count_stored exp.db)
echo "after resume: $runs runs, $keys distinct (arm, problem, seed), integrity $ok"
[ "$runs" -eq "$TOTAL" ] && [ "$keys" -eq "$TOTAL" ] && [ "$ok" = "ok" ] || { echo "FAIL: want $TOTAL runs stored once each"; exit 1; }
for id in $reported; do
  "$LAB" export exp.db --json - | python3 -c "import json,sys; ids={r['id'] for r in json.load(sys.stdin)['runs']}; sys.exit(0 if $id in ids else 1)" ||
    { echo "FAIL: run $id reported before the kill is gone"; exit 1; }
done
"$LAB" report exp.db > report.txt
grep -q "hw solves\|hw and single solve\|single solves" report.txt || { echo "FAIL: no verdict in the report"; cat report.txt; exit 1; }
echo "PASS"
