#!/usr/bin/env python3
"""Independent reference of a whole Hogwild! session on stories260K (float64 numpy, greedy).

Written from ../shared/docs/hogwild-method.md (§4 layouts, §7.3 instant sync, §8 the loop, §12a combined layout for
any W, §12b every history step ends with its separator, merged one pass later) and docs/PRESETS.md, NOT from the
engine's C++. No blocks-with-locations here: every token's unrotated K and V per layer are computed ONCE, when the
token is fed, by the worker that wrote it (its own view at that moment; all workers' new tokens of a pass are
appended before any attention at each layer). Every worker's attention is dense causal attention over its explicitly
concatenated view with every key rotated directly at its true view position. A merge just moves the finished step's
tokens (prefix .. boundary token) from the worker's step block to the end of `common`.

Writes tests/reference/data/session_ref_<case>.json (token streams, merges, questions, block lengths per pass,
history) for the preset tests/reference/data/session_ref_preset.json; tests/engine/test_session_reference.cpp runs
HogwildSession on the same preset and must match token for token.

    python3 -m pip install numpy sentencepiece protobuf
    python3 tests/reference/hogwild_session_ref.py [--models /work/shared/models] [--check]

--check recomputes every case and compares it with the committed data instead of writing it.
"""
import argparse
import json
import re
import struct
import sys
from pathlib import Path

import numpy as np
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as spm_pb

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
PRESET = DATA / "session_ref_preset.json"
TASK = "Tom and Sue went to the park."
# (case name, layout, workers). Every case runs the preset's budget.
CASES = [
    ("combined_w2", "combined", 2),
    ("combined_w3", "combined", 3),
    ("interleaved_w2", "interleaved", 2),
    ("interleaved_w3", "interleaved", 3),
    ("contiguous_w2", "contiguous", 2),
]
SENTENCE_END = set(". ? ! 。 ۔ ؟ । ॥ … ‽ ། ᠃ ։ ჻ ¶ ❧".split())
FENCES = ("```", "~~~", "$$")


# ----------------------------------------------------------------------------------------------- model (llama2.c)
class Llama2c:
    """llama2.c "version 0" checkpoint; forward math of run.c, RoPE on interleaved pairs (2i, 2i+1)."""

    def __init__(self, path):
        raw = Path(path).read_bytes()
        dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("<7i", raw[:28])
        self.shared_classifier = vocab > 0
        vocab = abs(vocab)
        self.dim, self.layers, self.heads, self.kv_heads, self.vocab, self.seq_len = (
            dim, layers, heads, kv_heads, vocab, seq_len)
        self.hs = dim // heads
        kv_dim = kv_heads * self.hs
        f = np.frombuffer(raw, dtype="<f4", offset=28).astype(np.float64)
        off = 0

        def take(*shape):
            nonlocal off
            n = int(np.prod(shape))
            a = f[off:off + n].reshape(shape)
            off += n
            return a

        self.emb = take(vocab, dim)
        self.rms_att = take(layers, dim)
        self.wq = take(layers, dim, dim)
        self.wk = take(layers, kv_dim, dim)
        self.wv = take(layers, kv_dim, dim)
        self.wo = take(layers, dim, dim)
        self.rms_ffn = take(layers, dim)
        self.w1 = take(layers, hidden, dim)
        self.w2 = take(layers, dim, hidden)
        self.w3 = take(layers, hidden, dim)
        self.rms_final = take(dim)
        self.wcls = self.emb if self.shared_classifier else None
        assert self.shared_classifier, "stories260K shares the classifier with the embedding"
        # theta_i for the pair (2i, 2i+1) of a head: 10000^(-2i/hs), angles in double precision
        self.inv_freq = 10000.0 ** (-np.arange(0, self.hs, 2, dtype=np.float64) / self.hs)

    def rope(self, x, pos):
        """x [n, heads*hs] rotated at positions pos [n] (interleaved pairs)."""
        n = x.shape[0]
        xr = x.reshape(n, -1, self.hs // 2, 2)
        ang = pos[:, None].astype(np.float64) * self.inv_freq[None, :]
        c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        a, b = xr[..., 0], xr[..., 1]
        return np.stack([a * c - b * s, a * s + b * c], axis=-1).reshape(n, -1)


def rmsnorm(x, w):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-5) * w


class Tok:
    """One KV record: the token and its UNROTATED key and value per layer, computed once by its author."""

    __slots__ = ("id", "k", "v")

    def __init__(self, tid, layers):
        self.id = tid
        self.k = [None] * layers
        self.v = [None] * layers


def forward(model, rows):
    """One lock-step pass. rows: list of (new token ids, view). A view is a list of blocks (Python lists of Tok),
    the row's own block LAST; the new tokens are appended to it here. Instant sync: at every layer, the K/V of all
    rows' new tokens are stored before any row attends. Returns the logits of each row's last token."""
    m = model
    recs = []
    for ids, view in rows:
        new = [Tok(t, m.layers) for t in ids]
        view[-1].extend(new)
        recs.append(new)
    x = [m.emb[np.array(ids, dtype=np.int64)] for ids, _ in rows]
    group = m.heads // m.kv_heads
    for l in range(m.layers):
        qs = []
        for r, (ids, view) in enumerate(rows):
            xb = rmsnorm(x[r], m.rms_att[l])
            qs.append(xb @ m.wq[l].T)
            k, v = xb @ m.wk[l].T, xb @ m.wv[l].T
            for i, t in enumerate(recs[r]):
                t.k[l], t.v[l] = k[i], v[i]
        for r, (ids, view) in enumerate(rows):
            toks = [t for block in view for t in block]  # the explicitly concatenated view
            n_view, n_new = len(toks), len(ids)
            K = m.rope(np.stack([t.k[l] for t in toks]), np.arange(n_view))
            V = np.stack([t.v[l] for t in toks])
            qpos = np.arange(n_view - n_new, n_view)
            Q = m.rope(qs[r], qpos)
            out = np.zeros_like(Q)
            causal = np.arange(n_view)[None, :] <= qpos[:, None]
            for h in range(m.heads):
                kh = h // group
                sl = slice(h * m.hs, (h + 1) * m.hs)
                ksl = slice(kh * m.hs, (kh + 1) * m.hs)
                sc = (Q[:, sl] @ K[:, ksl].T) / np.sqrt(m.hs)
                sc = np.where(causal, sc, -np.inf)
                sc = np.exp(sc - sc.max(axis=1, keepdims=True))
                out[:, sl] = (sc / sc.sum(axis=1, keepdims=True)) @ V[:, ksl]
            x[r] = x[r] + out @ m.wo[l].T
        for r in range(len(rows)):
            xb = rmsnorm(x[r], m.rms_ffn[l])
            h1, h3 = xb @ m.w1[l].T, xb @ m.w3[l].T
            x[r] = x[r] + (h1 / (1.0 + np.exp(-h1)) * h3) @ m.w2[l].T
    return [rmsnorm(xr[-1], m.rms_final) @ m.wcls.T for xr in x]


# ----------------------------------------------------------------------------------------------- tokenizer
class Tokenizer:
    """SentencePiece tok512. encode(): a sequence start (dummy-prefix space, BOS). encode_continuation(): text in the
    middle of a sequence (no dummy prefix, no whitespace folding), so decode(prefix + ids) == decode(prefix) + text."""

    def __init__(self, path):
        proto = spm_pb.ModelProto()
        proto.ParseFromString(Path(path).read_bytes())
        self.sp = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
        proto.normalizer_spec.add_dummy_prefix = False
        proto.normalizer_spec.remove_extra_whitespaces = False
        self.sp_cont = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
        self.bos, self.eos = self.sp.bos_id(), self.sp.eos_id()

    def encode(self, text):
        return [self.bos] + self.sp.encode(text)

    def encode_continuation(self, text):
        return self.sp_cont.encode(text) if text else []

    def piece_bytes(self, tid):
        """Bytes a token adds in the middle of a sequence ("▁" is a space, <0xNN> one byte, control tokens none)."""
        if self.sp.is_control(tid):
            return b""
        if self.sp.is_byte(tid):
            return bytes([int(self.sp.id_to_piece(tid)[3:5], 16)])
        if self.sp.is_unknown(tid):
            return " \u2047 ".encode()
        return self.sp.id_to_piece(tid).replace("\u2581", " ").encode()


class StreamDecoder:
    """Text completed by each token, never half a UTF-8 character."""

    def __init__(self, tok):
        self.tok, self.pending = tok, b""

    def push(self, tid):
        self.pending += self.tok.piece_bytes(tid)
        for cut in range(len(self.pending), max(-1, len(self.pending) - 4), -1):
            try:
                text = self.pending[:cut].decode("utf-8")
            except UnicodeDecodeError:
                continue
            self.pending = self.pending[cut:]
            return text
        return ""


# ----------------------------------------------------------------------------------------------- preset text
def render(template, **values):
    """Placeholders replaced in one pass; other brace text is left alone (PRESETS.md)."""
    return re.sub(r"\{(name|step|prefix|names|first)\}",
                  lambda mt: str(values[mt.group(1)]) if mt.group(1) in values else mt.group(0), template)


def names_text(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def ends_step(step_text, piece, sep):
    """PRESETS.md: the new token completes an occurrence of the separator, the text before that occurrence
    (whitespace-stripped) ends with sentence-final punctuation, and no code/math fence is open."""
    text = step_text + piece
    start = text.rfind(sep)
    if start < 0 or start + len(sep) <= len(step_text):
        return False  # no occurrence completed by this token
    before = text[:start]
    if any(before.count(f) % 2 for f in FENCES):
        return False
    stripped = before.strip()
    return bool(stripped) and stripped[-1] in SENTENCE_END


def prompt_text(preset, task, names):
    pr = preset["prompt"]
    assert preset["chat_template"] == "none" and pr["placement"] == "user", "the reference covers plain prompts"
    fill = dict(names=names_text(names), first=names[0])
    if preset["layout"] == "contiguous":  # wrap(task) + separator + collaboration (PRESETS.md)
        collab = render(preset["contiguous"]["collaboration"], **fill)
        return task + (pr["separator"] + collab if collab else "")
    sections = [render(pr[k], **fill) for k in ("rules", "examples", "how_to_collaborate", "solve")]
    system = pr["separator"].join(s for s in sections if s)
    user = system + pr["separator"] + task if system else task
    return user + pr["generation_prefix"]


# ----------------------------------------------------------------------------------------------- the session
def run_session(model, tok, preset, task):
    W, layout = preset["workers"]["count"], preset["layout"]
    names = preset["workers"]["names"][:W]
    step_cfg, hdr, collab = preset["step"], preset["headers"], preset["collaboration"]
    sep = step_cfg["separator"]
    contiguous = layout == "contiguous"
    assert preset["sampling"]["temperature"] == 0 and preset["sampling"]["repetition_penalty"] == 1.0
    assert step_cfg["openers"], "the reference covers presets with openers"

    # Banned: BOS always, every token whose text is one of the banned strings, EOS on request.
    banned = {tok.bos} | ({tok.eos} if preset["banned"]["eos"] else set())
    for s in preset["banned"]["strings"]:
        banned |= {t for t in range(model.vocab) if tok.piece_bytes(t) == s.encode()}
    banned = sorted(banned)

    # Prefill: the prompt (with BOS) into common; every constant block alone at positions 0.. (§7.4).
    prompt = prompt_text(preset, task, names)
    prompt_ids = tok.encode(prompt)
    common = []
    forward(model, [(prompt_ids, [common])])

    def constant_block(text):
        block = []
        ids = tok.encode_continuation(text)
        if ids:
            forward(model, [(ids, [block])])
        return block

    steps = [[] for _ in range(W)]  # own blocks (workspaces in the contiguous layout)
    if contiguous:
        split = constant_block(preset["contiguous"]["split"])
        views = [[common] + [steps[j] for j in range(W) if j != i] + [split, steps[i]] for i in range(W)]
    elif layout == "combined":  # §12a
        others, own, marker = (constant_block(hdr[k]) for k in ("others", "own", "marker"))
        views = [[common, others] + [b for j in range(W) if j != i for b in (steps[j], marker)] + [own, steps[i]]
                 for i in range(W)]
    else:  # interleaved, §4.2
        views = [[common, steps[i]] for i in range(W)]

    def prefix_of(w, k):
        return render(step_cfg["prefix"], name=names[w], step=k)

    inputs, step_text, transcript, decoders = [], [], [], []
    for w in range(W):
        opener = render(step_cfg["openers"][min(w, len(step_cfg["openers"]) - 1)],
                        name=names[w], step=1, prefix=prefix_of(w, 1))
        head = render(preset["contiguous"]["workspace_header"], name=names[w]) if contiguous else ""
        inputs.append(tok.encode_continuation(head) + tok.encode_continuation(opener))
        step_text.append(opener)
        transcript.append(head + opener)
        decoders.append(StreamDecoder(tok))
    step_no = [1] * W
    sampled = [[] for _ in range(W)]
    pending = [None] * W  # (head length, step, finished pass, text) to merge after the next pass (§12b)
    counter, merges, questions, history = 0, [], [], ""
    common_len, step_len, margins = [], [], []
    reason, passes = "budget", 0
    for p in range(preset["budget"]["max_passes"]):
        if max(sum(len(b) for b in views[w]) + len(inputs[w]) for w in range(W)) > model.seq_len:
            reason = "context"
            break
        logits = forward(model, [(inputs[w], views[w]) for w in range(W)])
        passes = p + 1
        common_len.append(len(common))  # the lengths this pass attended over (before its merges)
        step_len.append([len(s) for s in steps])
        for w in range(W):  # merges of the steps finished in the previous pass, in worker order
            if pending[w] is not None:
                n, k, finished_pass, text = pending[w]
                common.extend(steps[w][:n])
                del steps[w][:n]
                history += text
                merges.append(dict(worker=w, step=k, finished_pass=finished_pass, merge_pass=p,
                                   common_length=len(common), text=text))
                pending[w] = None
        stop = False
        for w in range(W):
            lg = logits[w].copy()
            lg[banned] = -np.inf
            order = np.argsort(-lg, kind="stable")
            nxt = int(order[0])
            margins.append(float(lg[order[0]] - lg[order[1]]))
            sampled[w].append(nxt)
            piece = decoders[w].push(nxt)
            transcript[w] += piece
            if nxt == tok.eos and preset["stop"]["on_eos"]:
                stop = True
            if not contiguous and ends_step(step_text[w], piece, sep):
                finished = step_text[w] + piece
                pending[w] = (len(steps[w]) + 1, step_no[w], p, finished)
                step_no[w] += 1
                prefix = prefix_of(w, step_no[w])
                q = collab["question"]
                if q and collab["interval"] > 0 and counter > collab["interval"]:
                    prefix += q
                    counter = 0
                    questions.append(dict(worker=w, step=step_no[w], pass_=p))
                step_text[w] = prefix
                transcript[w] += prefix
                inputs[w] = [nxt] + tok.encode_continuation(prefix)
            else:
                step_text[w] += piece
                inputs[w] = [nxt]
            counter += len(inputs[w])
        if stop:
            reason = "eos"
            break
    return dict(
        prompt=prompt, prompt_ids=prompt_ids, banned=banned, finish_reason=reason, passes=passes,
        # current_step: the unfinished step; in the contiguous layout the whole workspace (session.h's contract)
        workers=[dict(name=names[w], sampled=sampled[w], transcript=transcript[w], step=step_no[w],
                      current_step=transcript[w] if contiguous else step_text[w]) for w in range(W)],
        merges=merges, questions=[{("pass" if k == "pass_" else k): v for k, v in q.items()} for q in questions],
        history=history, common_length=common_len, step_lengths=step_len,
        min_greedy_margin=min(margins))


def check_forward(model, tok, models):
    """The forward pass reproduces the published stories260K greedy run ("Once upon a time", run.c) and its logits."""
    ref = json.loads((models / "stories260K" / "reference" / "stories260K_reference.json").read_text())
    case = ref["once_upon_a_time_greedy_64"]
    ids = tok.encode("Once upon a time")
    assert ids == case["prompt_ids"], ids
    block = []
    logits = forward(model, [(ids, [block])])[0]
    want = np.array(ref["logits_after_prompt_once_upon_a_time"]["logits"])
    assert np.abs(logits - want).max() < 1e-4, np.abs(logits - want).max()
    out = []
    for _ in range(len(case["new_ids"])):
        out.append(int(np.argmax(logits)))
        logits = forward(model, [([out[-1]], [block])])[0]
    assert out == case["new_ids"], (out, case["new_ids"])


def run_case(model, tok, base_preset, name, layout, workers):
    preset = json.loads(json.dumps(base_preset))
    preset["layout"], preset["workers"]["count"] = layout, workers
    out = run_session(model, tok, preset, TASK)
    return dict(generator="tests/reference/hogwild_session_ref.py (float64 numpy, independent of the engine)",
                preset=PRESET.name, task=TASK, layout=layout, workers_count=workers,
                max_passes=preset["budget"]["max_passes"], **out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="/work/shared/models", help="folder holding stories260K/")
    ap.add_argument("--check", action="store_true", help="compare with the committed data instead of writing")
    ap.add_argument("--only", help="one case name")
    args = ap.parse_args()
    models = Path(args.models)
    model = Llama2c(models / "stories260K" / "stories260K.bin")
    tok = Tokenizer(models / "stories260K" / "tok512.model")
    check_forward(model, tok, models)
    base = json.loads(PRESET.read_text())
    bad = 0
    for name, layout, workers in CASES:
        if args.only and name != args.only:
            continue
        data = run_case(model, tok, base, name, layout, workers)
        path = DATA / f"session_ref_{name}.json"
        per = [sum(x["worker"] == w for x in data["merges"]) for w in range(workers)]
        print(f"{name}: {data['passes']} passes ({data['finish_reason']}), merges per worker {per}, "
              f"questions {len(data['questions'])}, final common {data['common_length'][-1]}, "
              f"min greedy margin {data['min_greedy_margin']:.3g}")
        if args.check:
            if json.loads(path.read_text()) != json.loads(json.dumps(data)):
                print(f"  DIFFERS from {path}")
                bad += 1
        else:
            path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
