#!/usr/bin/env python3
"""Writes a copy of a GGUF model with only its first N transformer blocks (every other tensor, the vocabulary and
all metadata unchanged, <arch>.block_count set to N). The device machine reaches nothing outside it and a call
carries at most 64 MiB: SmolLM2-135M Q4_1 (94 MB) travels trimmed. The trimmed file is still a real quantized file
with real weights in their file layout, so CUDA vs CPU parity and the load/mat-vec paths are tested on it; its text
is not meaningful, and the benchmark reports it as "trimmed to N of M layers".

usage: trim_gguf.py INPUT.gguf OUTPUT.gguf N_LAYERS|--fit BYTES   (--fit: as many layers as fit in BYTES)
"""
import re
import sys

import gguf


def main() -> int:
    if len(sys.argv) not in (4, 5):
        print(__doc__.strip().splitlines()[-1])
        return 2
    src, dst = sys.argv[1], sys.argv[2]
    reader = gguf.GGUFReader(src)
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    total = reader.fields[f"{arch}.block_count"].contents()
    block = re.compile(r"^blk\.(\d+)\.")
    if sys.argv[3] == "--fit":
        budget = int(sys.argv[4]) - 4 * 1024 * 1024  # header, metadata (the vocabulary) and alignment
        fixed = sum(t.n_bytes for t in reader.tensors if not block.match(t.name))
        per = [0] * total
        for t in reader.tensors:
            if m := block.match(t.name):
                per[int(m.group(1))] += t.n_bytes
        keep, used = 0, fixed
        while keep < total and used + per[keep] <= budget:
            used += per[keep]
            keep += 1
    else:
        keep = int(sys.argv[3])
    if not 1 <= keep <= total:
        print(f"trim_gguf: N_LAYERS must be 1..{total} (the budget may be too small)")
        return 2
    writer = gguf.GGUFWriter(dst, arch)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        value = keep if field.name == f"{arch}.block_count" else field.contents()
        if field.name == gguf.Keys.General.NAME:
            value = f"{value} (first {keep} of {total} layers)"
        writer.add_key_value(field.name, value, vtype, sub_type=sub)
    tensors = [t for t in reader.tensors if not (m := block.match(t.name)) or int(m.group(1)) < keep]
    for t in tensors:
        writer.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for t in tensors:
        writer.write_tensor_data(t.data, tensor_endianess=reader.endianess)
    writer.close()
    print(f"{dst}: {keep} of {total} layers, {len(tensors)} of {len(reader.tensors)} tensors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
