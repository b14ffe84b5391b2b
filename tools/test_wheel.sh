#!/usr/bin/env bash
# Test a built wheel as a user gets it: installed into a fresh venv where no compiler
# can run (so nothing is quietly built from source), from local files only; then
#  - tools/wheel_smoke.py: render, save a PNG read back by Pillow, the console script;
#  - the same interpreter under `qemu-x86_64 -cpu Nehalem` (no AVX): the kernel must
#    pick its sse2 path and equal the NumPy backend (tools/wheel_baseline.py), which
#    also shows that no AVX instruction leaked into code outside the dispatch regions;
#  - with a second wheel (e.g. built from the sdist): the same render digest.
#
#   tools/test_wheel.sh WHEEL [OTHER_WHEEL]
#
# Needs qemu-user (Debian) for the emulated run; the wheelhouse of dependencies is
# downloaded with pip into build/wheelhouse (binary wheels only) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
wheel=$(realpath "$1")
other=${2:+$(realpath "$2")}

if ! command -v qemu-x86_64 >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user >/dev/null
  else
    echo "test_wheel: needs qemu-user (apt-get install qemu-user as root)" >&2
    exit 1
  fi
fi

# The runtime dependencies and Pillow, as binary wheels for this interpreter; the
# test venv then installs with --no-index from here and the wheel.
house=build/wheelhouse
mkdir -p "$house"
python -m pip download --quiet --only-binary :all: --dest "$house" "$wheel" pillow
rm -f "$house"/fasttile-*.whl  # the wheel under test is passed by its own path

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python -m venv "$scratch/venv"

# No compiler: stubs that fail shadow every compiler name on PATH, and CC/CXX point
# to /bin/false, so an install that tried to build anything from source fails here.
mkdir "$scratch/nocc"
for cc in gcc g++ cc c++ clang clang++ c89 c99 x86_64-linux-gnu-gcc x86_64-linux-gnu-g++ \
  gcc-12 g++-12; do
  printf '#!/bin/sh\necho "test_wheel: no compiler here ($0)" >&2\nexit 1\n' >"$scratch/nocc/$cc"
  chmod +x "$scratch/nocc/$cc"
done
export PATH="$scratch/nocc:$scratch/venv/bin:$PATH" CC=/bin/false CXX=/bin/false
if gcc --version >/dev/null 2>&1 || c++ --version >/dev/null 2>&1; then
  echo "test_wheel: a compiler is still reachable" >&2
  exit 1
fi

pip() { "$scratch/venv/bin/python" -m pip --quiet --disable-pip-version-check "$@"; }
pip install --no-index --no-build-isolation --find-links "$house" "$wheel" pillow

# Outside the checkout, so `import fasttile` can only find the installed wheel.
cd "$scratch"
python "$repo/tools/wheel_smoke.py"

echo "test_wheel: under qemu-x86_64 -cpu Nehalem (no AVX)"
# The emulated interpreter is the venv's own (qemu-user runs its ELF; site-packages
# are found through pyvenv.cfg beside the symlink as natively).
# OPENBLAS_CORETYPE: NumPy's bundled OpenBLAS misreads qemu's Nehalem CPUID and picks
# an AVX kernel (numpy's import-time dot() then dies of SIGILL); naming the core type
# keeps the one other library with its own dispatch on baseline code too.
OPENBLAS_CORETYPE=Nehalem qemu-x86_64 -cpu Nehalem "$scratch/venv/bin/python" "$repo/tools/wheel_baseline.py"

if [ -n "$other" ]; then
  first=$(python "$repo/tools/wheel_smoke.py" --digest-only)
  pip install --no-index --no-deps --force-reinstall "$other"
  second=$(python "$repo/tools/wheel_smoke.py" --digest-only)
  if [ "$first" != "$second" ]; then
    echo "test_wheel: $(basename "$other") renders differently from $(basename "$wheel")" >&2
    exit 1
  fi
  echo "test_wheel: $(basename "$other") renders the same bytes (digest $first)"
fi
echo "test_wheel: ok"
