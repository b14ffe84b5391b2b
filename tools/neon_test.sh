#!/usr/bin/env bash
# arm64: cross-compile the kernel and its SIMD-path self-test, and run it under
# qemu-user, so the NEON path is executed on an x86-64 machine. The self-test holds
# NEON to the scalar path byte for byte; the scalar path is held to NumPy by the
# Python suite. Both tools come from Debian: g++-aarch64-linux-gnu, qemu-user.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v aarch64-linux-gnu-g++ >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++-aarch64-linux-gnu qemu-user >/dev/null
  else
    echo "neon_test: needs g++-aarch64-linux-gnu and qemu-user (apt-get install them as root)" >&2
    exit 1
  fi
fi

out=build/neon
mkdir -p "$out"
aarch64-linux-gnu-g++ -std=c++20 -O2 -ffp-contract=off -fno-fast-math -Wall -Wextra -Werror -static -pthread \
  -Icpp cpp/fasttile/*.cpp cpp/tests/paths_selftest.cpp -o "$out/paths_selftest"
qemu-aarch64 "$out/paths_selftest" "${1:-3000}"
