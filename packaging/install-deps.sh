#!/usr/bin/env bash
# Installs the Debian 12 packages Hogwild Studio needs to build, test and run.
# Idempotent: packages already present are skipped by apt. Waits up to 5 minutes for the dpkg lock.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-charts-dev qt6-svg-dev libxkbcommon-dev
  libsqlite3-dev zlib1g-dev
  libsentencepiece-dev libspdlog-dev libopenblas-dev nlohmann-json3-dev
  xvfb xauth imagemagick fonts-dejavu-core
  clang libclang-rt-14-dev libgtest-dev
  python3 python3-pip
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get -o DPkg::Lock::Timeout=300 update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
  -o DPkg::Lock::Timeout=300 "${missing[@]}"
