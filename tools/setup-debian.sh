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
  libssl-dev openssl  # vigil-station: TLS and PBKDF2 password hashes; its test makes a certificate
  clang libclang-rt-14-dev  # libFuzzer targets and the sanitizer runtime
  clang-format-14 clang-tidy-14  # make format / format-check, .clang-tidy
  libgtest-dev libgmock-dev libbenchmark-dev
  valgrind  # tools/vigil-bench/instructions.sh: instructions per frame under callgrind
  chromium  # vigil-station's browser tests (driven by playwright-core, never a downloaded browser)
)
# Node and npm for playwright-core and uPlot (package-lock.json). A Node already on the
# machine (another vendor's package) is kept: Debian's npm would conflict with it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

# The npm packages of package-lock.json, again only when missing or out of date.
install_npm_packages() {
  cd "$(dirname "$0")/.."
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "setup: npm ci (playwright-core, uplot)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_npm_packages
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
install_npm_packages
