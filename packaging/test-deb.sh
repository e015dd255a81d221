#!/usr/bin/env bash
# Builds the .deb from a build dir, unpacks it into a scratch root and runs the INSTALLED programs from there:
# hogwild-cli --version, a short generation on the default model (presets and the model found from the installed
# layout), and, when the package has the GUI, hogwild-studio --demo --screenshot (offscreen). Also checks that no
# installed program links the CUDA runtime (the CUDA backend is a dlopen plugin), so the package runs on machines
# without CUDA.   usage: test-deb.sh BUILD_DIR [SHARED_MODELS_DIR]
set -euo pipefail
BUILD=$(cd "$1" && pwd)
MODELS=${2:-$(cd "$(dirname "$0")/.." && pwd)/../shared/models}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
(cd "$BUILD" && cpack -G DEB > "$root/cpack.log" 2>&1) || { cat "$root/cpack.log"; exit 1; }
deb=$(ls -t "$BUILD"/hogwild-studio_*_amd64.deb | head -1)
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"
dpkg-deb --info "$deb" | grep -E "Depends|Version"
dpkg -x "$deb" "$root/fs"
bin=$root/fs/usr/bin
for p in "$bin"/*; do
  if ldd "$p" | grep -q "libcudart\|libcublas"; then echo "FAIL: $(basename "$p") links the CUDA runtime"; exit 1; fi
done
echo "ok: no installed program links the CUDA runtime"
"$bin/hogwild-cli" --version
test -f "$root/fs/usr/share/hogwild-studio/presets/hogwild-paper.json"
test -f "$root/fs/usr/share/applications/hogwild-studio.desktop"
test -f "$root/fs/usr/share/metainfo/io.github.hogwild_studio.metainfo.xml"
export HOGWILD_MODEL_DIR=$root/models HOGWILD_SHARED_MODELS=$MODELS
# Run from a directory outside the source tree: presets must come from the installed share/ folder.
cd "$root"
"$bin/hogwild-cli" --prompt "Once upon a time" -n 20 --temp 0 --quiet | tee "$root/out.txt"
grep -q "Once upon a time, there was a little girl" "$root/out.txt"
HOGWILD_PRESET_DIR= "$bin/hogwild-cli" --workers 2 --max-passes 10 --quiet --json > "$root/hw.json"
grep -q '"reason":"budget"' "$root/hw.json"
echo "ok: installed hogwild-cli runs (plain and Hogwild)"
# The lab: the installed classroom set, an experiment on the installed presets, a report; the licenses.
test -f "$root/fs/usr/share/doc/hogwild-studio/copyright"
test -f "$root/fs/usr/share/doc/hogwild-studio/LICENSE.GPL-3.0"
"$bin/hogwild-lab" import "$root/fs/usr/share/hogwild-studio/problems/classroom.jsonl" --limit 2 --out "$root/two.jsonl"
printf '{"schema": "hogwild-lab-experiment", "version": 1, "model": "default", "problems": "two.jsonl",
  "checkpoints": [4, 8], "arms": [{"preset": "tiny-stories", "workers": 2}], "controls": ["single"]}\n' > "$root/exp.json"
HOGWILD_PRESET_DIR= "$bin/hogwild-lab" run "$root/exp.json" --quiet
"$bin/hogwild-lab" report "$root/exp.db" | grep -q "Paired comparisons"
echo "ok: installed hogwild-lab runs an experiment"
if [ -x "$bin/hogwild-studio" ]; then
  QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$root "$bin/hogwild-studio" --demo --passes 20 --screenshot "$root/shot.png"
  test -s "$root/shot.png"
  echo "ok: installed hogwild-studio --demo --screenshot wrote $(du -h "$root/shot.png" | cut -f1)"
fi
echo "package test passed"
