#!/usr/bin/env python3
"""Writes tests/reference/data/qwen25_coder_greedy.json: 32 greedy tokens of Qwen2.5-Coder-0.5B-Instruct Q4_K_M
(the GGUF file tests/fetch_model.py fetches), computed by an independent numpy forward pass over the weights as the
`gguf` package dequantizes them (gguf.quants.dequantize, float32) -- not by the engine. test_qwen25 checks the
engine's greedy ids against these.

HF transformers (which can load a GGUF) was not used: it needs torch, whose PyPI wheel pulls several GB of CUDA
libraries. The forward below is the Qwen2 architecture as transformers' modeling_qwen2.py defines it: RMSNorm,
q/k/v projections with biases, rotate-half RoPE (theta from the file), grouped-query attention, SwiGLU MLP, final
norm, untied output matrix. Everything in float64 on the dequantized float32 weights.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install gguf numpy
    /tmp/venv/bin/python tests/reference/make_qwen25_refs.py "$(python3 tests/fetch_model.py qwen25-coder)"
"""
import json
import sys
from pathlib import Path

import numpy as np
import gguf

# The chat prompt "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n
# <|im_start|>user\nWrite a Python function that returns the n-th Fibonacci number.<|im_end|>\n<|im_start|>assistant\n"
# as token ids (Qwen2's tokenizer; the same ids the engine's tokenizer makes, checked by the test).
PROMPT = [151644, 8948, 198, 2610, 525, 1207, 16948, 11, 3465, 553, 54364, 14817, 13, 1446, 525, 264, 10950, 17847, 13,
          151645, 198, 151644, 872, 198, 7985, 264, 13027, 729, 429, 4675, 279, 308, 7563, 79683, 1372, 13, 151645, 198,
          151644, 77091, 198]
NEW_TOKENS = 32


def main():
    path = sys.argv[1]
    r = gguf.GGUFReader(path)

    def field(name):
        f = r.fields[name]
        return f.parts[f.data[0]][0]

    tensors = {t.name: t for t in r.tensors}

    def weight(name):
        t = tensors[name]
        w = gguf.quants.dequantize(np.asarray(t.data), t.tensor_type).astype(np.float32)
        return w.astype(np.float64)  # [out][in] (GGUF dims reversed), or a vector

    n_layers = int(field("qwen2.block_count"))
    n_heads = int(field("qwen2.attention.head_count"))
    n_kv = int(field("qwen2.attention.head_count_kv"))
    dim = int(field("qwen2.embedding_length"))
    eps = float(field("qwen2.attention.layer_norm_rms_epsilon"))
    theta = float(field("qwen2.rope.freq_base"))
    hd = dim // n_heads

    print("dequantizing ...", file=sys.stderr)
    emb = weight("token_embd.weight")
    out_w = weight("output.weight")
    out_norm = weight("output_norm.weight")
    layers = []
    for i in range(n_layers):
        p = f"blk.{i}."
        layers.append({k: weight(p + k) for k in (
            "attn_norm.weight", "attn_q.weight", "attn_q.bias", "attn_k.weight", "attn_k.bias", "attn_v.weight",
            "attn_v.bias", "attn_output.weight", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight",
            "ffn_down.weight")})

    def rms(x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w

    inv_freq = 1.0 / theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd)

    def rope(x, pos):  # x: [T][heads][hd], rotate half
        ang = np.outer(pos, inv_freq)  # [T][hd/2]
        cos = np.concatenate([np.cos(ang)] * 2, axis=-1)[:, None, :]
        sin = np.concatenate([np.sin(ang)] * 2, axis=-1)[:, None, :]
        x1, x2 = x[..., :hd // 2], x[..., hd // 2:]
        return x * cos + np.concatenate([-x2, x1], axis=-1) * sin

    kcache = [np.zeros((0, n_kv, hd)) for _ in range(n_layers)]
    vcache = [np.zeros((0, n_kv, hd)) for _ in range(n_layers)]

    def forward(ids, start):
        T = len(ids)
        pos = np.arange(start, start + T)
        x = emb[ids]
        for i, L in enumerate(layers):
            h = rms(x, L["attn_norm.weight"])
            q = (h @ L["attn_q.weight"].T + L["attn_q.bias"]).reshape(T, n_heads, hd)
            k = (h @ L["attn_k.weight"].T + L["attn_k.bias"]).reshape(T, n_kv, hd)
            v = (h @ L["attn_v.weight"].T + L["attn_v.bias"]).reshape(T, n_kv, hd)
            q, k = rope(q, pos), rope(k, pos)
            kcache[i] = np.concatenate([kcache[i], k])
            vcache[i] = np.concatenate([vcache[i], v])
            S = kcache[i].shape[0]
            rep = n_heads // n_kv
            K = np.repeat(kcache[i], rep, axis=1)  # [S][heads][hd]
            V = np.repeat(vcache[i], rep, axis=1)
            att = np.einsum("thd,shd->hts", q, K) / np.sqrt(hd)
            mask = (np.arange(S)[None, :] > (pos[:, None]))  # causal
            att = np.where(mask[None], -np.inf, att)
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            o = np.einsum("hts,shd->thd", att, V).reshape(T, dim)
            x = x + o @ L["attn_output.weight"].T
            h = rms(x, L["ffn_norm.weight"])
            g = h @ L["ffn_gate.weight"].T
            u = h @ L["ffn_up.weight"].T
            x = x + (g / (1 + np.exp(-g)) * u) @ L["ffn_down.weight"].T
        return rms(x[-1], out_norm) @ out_w.T

    logits = forward(PROMPT, 0)
    ids, margins = [], []
    for step in range(NEW_TOKENS):
        top2 = np.argsort(logits)[-2:]
        nxt = int(top2[1])
        ids.append(nxt)
        margins.append(float(logits[top2[1]] - logits[top2[0]]))
        print(f"step {step}: {nxt} (margin {margins[-1]:.4f})", file=sys.stderr)
        logits = forward([nxt], len(PROMPT) + step)

    out = {"generator": "tests/reference/make_qwen25_refs.py", "model": Path(path).name, "prompt_ids": PROMPT,
           "greedy_ids": ids, "top1_minus_top2_logit": [round(m, 4) for m in margins]}
    dst = Path(__file__).parent / "data" / "qwen25_coder_greedy.json"
    dst.write_text(json.dumps(out) + "\n")
    print(f"wrote {dst}", file=sys.stderr)


if __name__ == "__main__":
    main()
