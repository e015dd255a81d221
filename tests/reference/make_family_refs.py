#!/usr/bin/env python3
"""Reference logits for tiny random Qwen2, Qwen3 and Llama-3 models from Hugging Face transformers (torch, fp32,
eager attention): tests/reference/data/family_refs.json. No weights are stored: every parameter is a pure function of
(family seed, parameter name, element index) through splitmix64, which tests/engine/family_models.h reproduces
bit for bit in C++; the C++ test rebuilds the same weights, writes them as GGUF and as a HF folder, and compares.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch transformers numpy
    /tmp/venv/bin/python tests/reference/make_family_refs.py
"""
import json
from pathlib import Path

import numpy as np
import torch
import transformers

MASK = (1 << 64) - 1
GAMMA, C1, C2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB

# Shared with the C++ side (tests/engine/family_models.h): keep in sync.
FAMILIES = {
    "qwen2": dict(model_type="qwen2", seed=0x51E2, vocab=128, dim=64, hidden=96, layers=2, heads=4, kv_heads=2,
                  head_dim=16, theta=1000000.0, eps=1e-6, tied=True, bias=True, qk_norm=False, scaling=None),
    "qwen3": dict(model_type="qwen3", seed=0x51E3, vocab=128, dim=64, hidden=96, layers=2, heads=4, kv_heads=2,
                  head_dim=32, theta=1000000.0, eps=1e-6, tied=False, bias=False, qk_norm=True, scaling=None),
    "llama3": dict(model_type="llama", seed=0x11A3, vocab=128, dim=64, hidden=96, layers=2, heads=4, kv_heads=2,
                   head_dim=16, theta=500000.0, eps=1e-5, tied=False, bias=False, qk_norm=False,
                   scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                original_max_position_embeddings=32)),
}
IDS = [1, 17, 42, 99, 5, 127, 64, 3, 3, 88, 23, 71]


def fnv1a64(s: str) -> int:
    h = 0xCBF29CE484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def values(seed: int, name: str, n: int, center: float, amp: float) -> np.ndarray:
    """Element i: splitmix64 of (fnv1a64(name) ^ seed) + (i+1)*GAMMA; top 24 bits as u in [0,1);
    center + amp*(2u-1) in double, rounded to float32."""
    base = np.uint64((fnv1a64(name) ^ seed) & MASK)
    with np.errstate(over="ignore"):
        z = base + (np.arange(1, n + 1, dtype=np.uint64) * np.uint64(GAMMA))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(C1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(C2)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)
    return (center + amp * (2.0 * u - 1.0)).astype(np.float32)


def fill_kind(name: str):
    if name.endswith("norm.weight"):
        return 1.0, 0.1
    if name.endswith(".bias"):
        return 0.0, 0.1
    return 0.0, 0.1


def build(f):
    common = dict(vocab_size=f["vocab"], hidden_size=f["dim"], intermediate_size=f["hidden"],
                  num_hidden_layers=f["layers"], num_attention_heads=f["heads"], num_key_value_heads=f["kv_heads"],
                  max_position_embeddings=256, rms_norm_eps=f["eps"], tie_word_embeddings=f["tied"],
                  head_dim=f["head_dim"])
    rope = {"rope_type": "default", "rope_theta": f["theta"]}
    if f["scaling"]:
        rope = dict(f["scaling"], rope_theta=f["theta"])
    cls = {"qwen2": (transformers.Qwen2Config, transformers.Qwen2ForCausalLM),
           "qwen3": (transformers.Qwen3Config, transformers.Qwen3ForCausalLM),
           "llama": (transformers.LlamaConfig, transformers.LlamaForCausalLM)}[f["model_type"]]
    if f["model_type"] == "llama":
        common.update(attention_bias=False, mlp_bias=False)
    try:  # transformers >= 5: rope_parameters; older: rope_theta + rope_scaling
        cfg = cls[0](rope_parameters=rope, **common)
    except TypeError:
        cfg = cls[0](rope_theta=f["theta"], rope_scaling=f["scaling"], **common)
    cfg._attn_implementation = "eager"
    model = cls[1](cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            center, amp = fill_kind(name)
            p.copy_(torch.from_numpy(values(f["seed"], name, p.numel(), center, amp).reshape(tuple(p.shape))))
    return model


def main():
    torch.manual_seed(0)
    out = {"generator": "tests/reference/make_family_refs.py", "transformers": transformers.__version__,
           "torch": torch.__version__, "ids": IDS, "families": {}}
    for fam, f in FAMILIES.items():
        model = build(f)
        names = [n for n, _ in model.named_parameters()]
        with torch.no_grad():
            logits = model(torch.tensor([IDS])).logits[0].float().numpy()
        out["families"][fam] = {"config": f, "parameters": names,
                                "logits": [[float(f"{v:.7g}") for v in row] for row in logits]}
        print(fam, "params", len(names), "logits", logits.shape, "argmax", logits.argmax(-1).tolist())
    dst = Path(__file__).parent / "data" / "family_refs.json"
    dst.write_text(json.dumps(out) + "\n")
    print(f"wrote {dst} ({dst.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
