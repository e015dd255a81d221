#!/usr/bin/env bash
# Sets everything up and runs Hogwild Studio: installs the Debian packages, builds (Release), then starts the
# desktop app with the default model (stories260K) and the default preset, ready to Start. Without a display
# (no $DISPLAY / $WAYLAND_DISPLAY) it runs the command-line program instead: two workers writing a story
# together over one shared KV cache, streamed to the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec ./build/app/hogwild-studio "$@"
fi
echo "No display found: running the headless demo (hogwild-cli). Start the GUI on a desktop, or with xvfb-run."
exec ./build/app/hogwild-cli --workers 2 --preset tiny-stories --prompt "Once upon a time" --max-passes 150 "$@"
