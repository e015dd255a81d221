#!/usr/bin/env python3
"""Writes tests/reference/data/quant_refs.json: random ggml blocks of Q4_0, Q4_1, Q4_K, Q5_K, Q6_K, Q5_0, Q5_1 (hex)
and the floats the `gguf` Python package (gguf.quants.dequantize, numpy) makes of them. test_quants compares
hogwild::dequantize_row against these. New types go at the end of the list, so the earlier blocks stay as they were.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install gguf numpy && /tmp/venv/bin/python tests/reference/make_quant_refs.py
"""
import json
from pathlib import Path

import numpy as np
import gguf
from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType as Q

# Byte offsets of the f16 scale fields in each block (random bytes there could be inf/NaN).
F16_FIELDS = {Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}


def main():
    rng = np.random.default_rng(20240607)
    out = {"generator": "tests/reference/make_quant_refs.py", "gguf": getattr(gguf, "__version__", "?")}
    for qt, n_blocks in ((Q.Q4_0, 16), (Q.Q4_1, 16), (Q.Q4_K, 4), (Q.Q5_K, 4), (Q.Q6_K, 4),
                        (Q.Q5_0, 16), (Q.Q5_1, 16)):
        block_size, type_size = GGML_QUANT_SIZES[qt]
        raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
        for off in F16_FIELDS[qt]:
            scales = (rng.standard_normal(n_blocks) * 0.05).astype(np.float16)
            if qt in (Q.Q4_1, Q.Q5_1, Q.Q4_K, Q.Q5_K) and off == 2:
                scales = np.abs(scales)  # min / dmin
            raw[:, off:off + 2] = scales.view(np.uint8).reshape(n_blocks, 2)
        values = gguf.quants.dequantize(raw.reshape(-1), qt).astype(np.float32).reshape(-1)
        assert values.size == n_blocks * block_size
        out[qt.name] = {"elements": int(values.size), "hex": raw.tobytes().hex(),
                        "values": [float(v) for v in values]}
    dst = Path(__file__).parent / "data" / "quant_refs.json"
    dst.write_text(json.dumps(out) + "\n")
    print(f"wrote {dst} ({dst.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
