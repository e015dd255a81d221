#!/usr/bin/env bash
# hogwild-cli as a user runs it: exact greedy output of stories260K against llama2.c run.c's reference files
# (both model formats), --json, --tokenize, Hogwild mode with an event log, and bad arguments (one line, exit 1).
# usage: test_cli.sh <hogwild-cli> <models dir>
set -u
CLI=$1
M=$2
S=$M/stories260K
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {  # name, condition result
  if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}

"$CLI" --model "$S/stories260K.bin" --tokenizer "$S/tok512.model" --temp 0 -n 256 --quiet > "$tmp/a.txt" 2> "$tmp/a.err"
cmp -s "$tmp/a.txt" "$S/reference/run_t0_noprompt_256steps.txt"; check "greedy 256 from BOS equals run.c (llama2.c + tok512.model)" $?
"$CLI" --model "$M/stories260K-gguf/stories260K.gguf" --temp 0 -n 60 --prompt "Once upon a time" --quiet > "$tmp/b.txt"
cmp -s "$tmp/b.txt" "$S/reference/run_t0_once_upon_a_time_64steps.txt"; check "greedy 'Once upon a time' equals run.c (GGUF alone)" $?
"$CLI" --model "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --temp 0 -n 60 -p "Once upon a time" --quiet > "$tmp/c.txt"
cmp -s "$tmp/c.txt" "$S/reference/run_t0_once_upon_a_time_64steps.txt"; check "greedy with llama2.c tok512.bin" $?

"$CLI" --model "$S/stories260K.bin" --temp 0 -n 10 --prompt "Once upon a time" --json > "$tmp/d.json"
python3 - "$tmp/d.json" <<'PY'; check "--json has ids, text and timings" $?
import json, sys
j = json.load(open(sys.argv[1]))
assert j["prompt_ids"] == [1, 403, 407, 261, 378], j["prompt_ids"]
assert len(j["new_ids"]) == 10 and j["new_ids"][0] == 432
assert j["text"].startswith("Once upon a time,")
assert j["timings"]["decode_tokens_per_second"] > 0
PY
"$CLI" --model "$S/stories260K.bin" --tokenize "Once upon a time" > "$tmp/e.json"
python3 - "$tmp/e.json" <<'PY'; check "--tokenize prints ids and pieces" $?
import json, sys
j = json.load(open(sys.argv[1]))
assert j["ids"] == [403, 407, 261, 378], j
assert j["pieces"] == ["\u2581Once", "\u2581upon", "\u2581a", "\u2581time"], j
PY

"$CLI" --model "$S/stories260K.bin" --workers 2 --layout combined --preset tiny-stories --max-passes 40 --events "$tmp/ev.jsonl" --json > "$tmp/h.json"
python3 - "$tmp/h.json" "$tmp/ev.jsonl" <<'PY'; check "Hogwild run: JSONL events rebuild both transcripts" $?
import json, sys
run = json.load(open(sys.argv[1]))
events = [json.loads(l) for l in open(sys.argv[2])]
text = {}
for e in events:
    if e["type"] == "token":
        text[e["worker"]] = text.get(e["worker"], "") + e["text"]
assert [w["transcript"] for w in run["workers"]] == [text[0], text[1]]
assert run["finished"]["reason"] == "budget" and run["finished"]["passes"] == 40
assert sum(1 for e in events if e["type"] == "stats") == 40
PY
"$CLI" --model "$S/stories260K.bin" --workers 2 --preset tiny-stories --max-passes 20 > "$tmp/live.txt" 2>/dev/null
grep -q "^Alice" "$tmp/live.txt" && grep -q "^Bob" "$tmp/live.txt" && grep -q "Final transcripts" "$tmp/live.txt"
check "Hogwild live view labels each worker" $?

# One worker with the raw preset is plain generation (Oracle 2 as a user sees it).
"$CLI" --model "$S/stories260K.bin" --workers 1 --preset raw --temp 0 --max-passes 59 --json --no-stats > "$tmp/raw.json"
"$CLI" --model "$S/stories260K.bin" --temp 0 -n 60 --json > "$tmp/plain.json"
python3 - "$tmp/raw.json" "$tmp/plain.json" <<'PY'; check "--workers 1 --preset raw equals plain generation" $?
import json, sys
raw, plain = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert raw["workers"][0]["sampled_ids"] == plain["new_ids"], (raw["workers"][0]["sampled_ids"][:10], plain["new_ids"][:10])
assert raw["workers"][0]["transcript"] == plain["text"], (raw["workers"][0]["transcript"][:80], plain["text"][:80])
PY

bad() {  # name, args...: must print exactly one line on stderr and exit 1
  local name=$1; shift
  "$CLI" "$@" > /dev/null 2> "$tmp/err.txt"; rc=$?
  [ $rc -eq 1 ] && [ "$(wc -l < "$tmp/err.txt")" -eq 1 ]; check "bad input: $name ($(head -c 120 "$tmp/err.txt"))" $?
}
bad "unknown flag" --model "$S/stories260K.bin" --frobnicate
bad "missing value" --model
bad "negative temperature" --model "$S/stories260K.bin" --temp -1
bad "top-p above 1" --model "$S/stories260K.bin" --top-p 1.5
bad "not a number" --model "$S/stories260K.bin" -n abc
bad "missing model file" --model "$tmp/nope.gguf"
printf 'GGUF\x03\x00\x00\x00' > "$tmp/trunc.gguf"
bad "truncated GGUF" --model "$tmp/trunc.gguf"
bad "tokenizer of another model" --model "$S/stories260K.bin" --tokenizer "$M/llama2-tokenizer/tokenizer.model"
bad "too many workers" --model "$S/stories260K.bin" --workers 9
bad "unknown layout" --model "$S/stories260K.bin" --layout spiral
bad "missing preset" --model "$S/stories260K.bin" --preset "$tmp/none.json"
echo '{"schema":"hogwild-preset","version":1,"sampling":{"top_p":3}}' > "$tmp/badpreset.json"
bad "invalid preset" --model "$S/stories260K.bin" --preset "$tmp/badpreset.json"

exit $fail
