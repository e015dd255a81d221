#!/usr/bin/env bash
# Sets everything up and runs Hogwild Studio: installs the Debian packages, builds (Release), then runs
# the CLI on the default model (stories260K) with a short demo prompt.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
exec ./build/app/hogwild-cli --prompt "Once upon a time" -n 200 --temp 0.8 --seed 42 "$@"
