#!/usr/bin/env python3
"""Writes tests/reference/data/bpe_vectors.json: token ids that Hugging Face `tokenizers` (the Rust library, not our
code) gives for a set of hard texts, for the four byte-level BPE pre-tokenizers the engine implements.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install tokenizers gguf numpy
    /tmp/venv/bin/python tests/reference/make_bpe_vectors.py /path/to/shared/models

Each tokenizer is assembled from the fixture files with the components of the real model's tokenizer.json
(documented in the fixtures' SOURCE.md): vocab + merges, normalizer, Split regex / Digits, ByteLevel, added tokens.
Llama 3's merges are derived from its tiktoken ranks the way HF's converter does (TikTokenConverter: every split of
a token into two tokens, ordered by the token's rank), with ignore_merges=True as in Llama 3's tokenizer.json.
"""
import base64
import json
import random
import sys
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
from tokenizers import AddedToken

QWEN2_RE = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
LLAMA3_RE = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

QWEN25_ADDED = [
    ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True), ("<|object_ref_start|>", True),
    ("<|object_ref_end|>", True), ("<|box_start|>", True), ("<|box_end|>", True), ("<|quad_start|>", True),
    ("<|quad_end|>", True), ("<|vision_start|>", True), ("<|vision_end|>", True), ("<|vision_pad|>", True),
    ("<|image_pad|>", True), ("<|video_pad|>", True), ("<tool_call>", False), ("</tool_call>", False),
    ("<|fim_prefix|>", False), ("<|fim_middle|>", False), ("<|fim_suffix|>", False), ("<|fim_pad|>", False),
    ("<|repo_name|>", False), ("<|file_sep|>", False), ("<tool_response>", False), ("</tool_response>", False),
    ("<think>", False), ("</think>", False),
]  # Qwen3's list: ids 151643.. in this order


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()


def mapped(b: bytes) -> str:
    return "".join(B2U[x] for x in b)


def llama3_specials():
    s = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
         "<|finetune_right_pad_id|>", "<|step_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>",
         "<|eot_id|>", "<|python_tag|>", "<|image|>"]
    i = 2
    while len(s) < 256:
        s.append(f"<|reserved_special_token_{i}|>")
        i += 1
    return s


def tiktoken_bpe_parts(path):
    """HF transformers' TikTokenConverter: every split of a token into two tokens is a merge, ordered by the rank
    of the whole token (then by the ranks of the parts)."""
    ranks = {}
    for line in Path(path).read_text().splitlines():
        if line:
            tok, r = line.split()
            ranks[base64.b64decode(tok)] = int(r)
    vocab = {mapped(b): r for b, r in ranks.items()}
    merges = []
    for b, r in ranks.items():
        local = [(b[:i], b[i:], r) for i in range(1, len(b)) if b[:i] in ranks and b[i:] in ranks]
        local.sort(key=lambda x: (ranks[x[0]], ranks[x[1]]))
        merges.extend(local)
    merges.sort(key=lambda m: m[2])
    return vocab, [(mapped(a), mapped(b)) for a, b, _ in merges]


def byte_level_tokenizer(vocab, merges, split_re=None, nfc=False, digits=False, ignore_merges=False, added=()):
    tok = Tokenizer(models.BPE(vocab, merges, ignore_merges=ignore_merges))
    if nfc:
        tok.normalizer = normalizers.NFC()
    if split_re is not None:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(split_re), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    elif digits:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    else:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    for text, special in added:
        tok.add_special_tokens([AddedToken(text, special=True, normalized=False)]) if special else \
            tok.add_tokens([AddedToken(text, special=False, normalized=False)])
    return tok


def gguf_parts(path):
    import gguf
    r = gguf.GGUFReader(path)

    def strings(key):
        f = r.fields[key]
        return [bytes(f.parts[i]).decode("utf-8") for i in f.data]

    tokens = strings("tokenizer.ggml.tokens")
    merges = [tuple(m.split(" ", 1)) for m in strings("tokenizer.ggml.merges")]
    types = [int(r.fields["tokenizer.ggml.token_type"].parts[i][0]) for i in r.fields["tokenizer.ggml.token_type"].data]
    vocab = {}
    for i, t in enumerate(tokens):  # every token keeps its id (added ones too, so HF reuses it); first one wins
        vocab.setdefault(t, i)
    added = [(t, True) for i, t in enumerate(tokens) if types[i] == 3]
    return vocab, merges, added, tokens


def texts(seed=1234):
    fixed = [
        "Hello world", " Hello world", "hello   world  ", "I'M HERE, YOU'RE THERE. DON'T! We'Ve a'lL 'S",
        "e\u0301t\u00e9 Cu\u0309a Vie\u0323\u0302t \u212b \u1100\u1161\u11a8 \u0041\u030a\u0301",
        "a\u0328\u0301 o\u0302\u0323 q\u0307\u0323 \u1e0b\u0323 \u0958 \u2126 \ufb01",
        "١٢٣٤ ١٢٣ ١٢ \uff11\uff12\uff13\uff14 x\u00b2\u00b3 \u216b \u00bd\u00be 1234567 12,345.678 0x1F",
        "def f(x):\n\tif x  >= 10:\n\t\treturn x**2  # comment\r\n    else:\r\n        return -x\n\n\n",
        "  \t \u00a0\u3000 \u2003 \u2028 \r\n\r\n  end   \n",
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nok</think>",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
        "<|endoftext|><|endoftext|>x<|endoftext|",
        "👩\u200d👩\u200d👧\u200d👦 🏳\ufe0f\u200d🌈 🇯🇵 ✅✅ 🦙🦙",
        "中文测试：你好，世界！日本語のテキスト。한국어 텍스트입니다.",
        "हिन्दी पाठ, தமிழ், ไทย ภาษา, العربية النص, עברית",
        "Ελληνικά Ωμέγα, кириллица ЁЖИК, Ǆǅǆ ǈ ﬀ",
        " " * 40 + "x" + "\n" * 7 + "\t" * 5 + "y",
        "!!!???...,,,;;;'''\"\"\"```~~~@@@###$$$%%%^^^&&&***((()))___---+++===",
        "URL: https://example.com/a/b?c=d&e=f#g, email: a.b@c.de",
        "'s 's 'S 't 're 've 'm 'll 'd 'RE 'Ll ''s x's",
        "\u0301\u0301abc \u0300",
    ]
    rng = random.Random(seed)
    alphabet = list("abcXYZ019 \t\n\r'.,!?-_<>|") + ["é", "ü", "你", "好", "😀", "\u0301", "\u00a0", "١", "Ⅻ", "ß", "ǅ", "\u200d"]
    for _ in range(40):
        fixed.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))))
    return fixed


def main():
    models_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/models")
    out = {"generator": "tests/reference/make_bpe_vectors.py", "tokenizers": __import__("tokenizers").__version__}
    cases = texts()

    q = models_dir / "qwen2-tokenizer"
    vocab = json.loads((q / "vocab.json").read_text())
    merges = [tuple(l.split(" ")) for l in (q / "merges.txt").read_text().splitlines()[1:] if l]
    qwen = byte_level_tokenizer(vocab, merges, QWEN2_RE, nfc=True, added=QWEN25_ADDED)
    assert qwen.token_to_id("<think>") == 151667, qwen.token_to_id("<think>")
    out["qwen2"] = [{"text": t, "ids": qwen.encode(t).ids} for t in cases]

    vocab, merges = tiktoken_bpe_parts(models_dir / "llama3-tokenizer" / "tokenizer.model")
    llama = byte_level_tokenizer(vocab, merges, LLAMA3_RE, ignore_merges=True, added=[(s, True) for s in llama3_specials()])
    assert llama.token_to_id("<|eot_id|>") == 128009
    assert llama.encode("This is a test sentence.").ids == [2028, 374, 264, 1296, 11914, 13]
    out["llama3"] = [{"text": t, "ids": llama.encode(t).ids} for t in cases]

    for name, digits in (("gpt-2", False), ("starcoder", True)):
        vocab, merges, added, tokens = gguf_parts(str(models_dir / "bpe-gguf-vocabs" / f"ggml-vocab-{name}.gguf"))
        tok = byte_level_tokenizer(vocab, merges, digits=digits, added=added)
        out[name] = [{"text": t, "ids": tok.encode(t).ids} for t in cases]

    # NFC: every canonically decomposable character, decomposed (NFD) in runs of 40, plus the texts above.
    import unicodedata
    decomposable = [chr(c) for c in range(0x110000)
                    if unicodedata.decomposition(chr(c)) and not unicodedata.decomposition(chr(c)).startswith("<")]
    nfc_cases = ["".join(unicodedata.normalize("NFD", ch) for ch in decomposable[i:i + 40])
                 for i in range(0, len(decomposable), 40)]
    nfc_cases += ["\uac00\u11a8 \u1100\u1161\u11a8\u11a8 \u0b47\u0b3e \u0dd9\u0dcf\u0ddf a\u0305\u0301\u0300"]
    nfc_cases += cases
    out["nfc_unicode"] = unicodedata.unidata_version
    out["nfc"] = [{"text": t, "nfc": unicodedata.normalize("NFC", t)} for t in nfc_cases]

    dst = Path(__file__).parent / "data" / "bpe_vectors.json"
    dst.write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {dst} ({dst.stat().st_size} bytes, {len(cases)} texts x 4 tokenizers)")


if __name__ == "__main__":
    main()
