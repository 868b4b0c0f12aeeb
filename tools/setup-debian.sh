#!/usr/bin/env bash
# Installs what Vigil needs from Debian 12's own packages, and nothing when it is all
# there already (idempotent: `make` calls it before every build).
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  libzmq3-dev cppzmq-dev
  libprotobuf-dev protobuf-compiler
  libboost1.74-dev libboost-program-options1.74-dev
  libsqlite3-dev zlib1g-dev
  clang libclang-rt-14-dev  # libFuzzer targets and the sanitizer runtime
  clang-format-14 clang-tidy-14  # make format / format-check, .clang-tidy
  libgtest-dev libgmock-dev libbenchmark-dev
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
