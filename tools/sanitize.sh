#!/usr/bin/env bash
# Build fasttile._core with AddressSanitizer + UndefinedBehaviorSanitizer into its own
# virtual environment and run the kernel-facing tests under it (every test that drives
# the compiled kernel: renders, strips, writers, statistics; not the integrations with
# browsers, clusters and loggers, which add nothing for the kernel): the ASan runtime
# preloaded, UBSan halting on the first error, leak detection on (Python's own
# interpreter-lifetime allocations suppressed; the kernel's are not).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${SANITIZE_VENV:-.sanitize-venv}

python3 -m venv "$venv"
. "$venv/bin/activate"
python -m pip install --quiet --upgrade pip
FASTTILE_SANITIZE=ON python -m pip install --quiet -Cbuild-dir=build/sanitize ".[test-kernel]"

asan_runtime=$(g++ -print-file-name=libasan.so)
# libstdc++ right after the ASan runtime: python does not link it, and ASan must
# find the real __cxa_throw when it starts or the first C++ exception aborts.
cxx_runtime=$(g++ -print-file-name=libstdc++.so)
suppressions=$(mktemp)
trap 'rm -f "$suppressions"' EXIT
cat > "$suppressions" <<'SUPP'
# CPython, NumPy and friends keep objects alive until exit by design.
leak:libpython
leak:_PyObject_
leak:PyObject_
leak:PyMem_
leak:_PyMem_
leak:PyUnicode_
leak:_multiarray_umath
leak:_umath
leak:libopenblas
leak:libscipy_openblas
leak:_imaging
leak:ft2font
leak:libfreetype
leak:_path
leak:_c_internal_utils
leak:libz
leak:libpng
leak:libjpeg
leak:libtiff
leak:libwebp
SUPP

export LD_PRELOAD="$asan_runtime $cxx_runtime"
export PYTHONMALLOC=malloc  # so ASan sees Python's allocations too
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=23:allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$suppressions:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=24"
# The kernel must be the one built here, and built with the sanitizers.
python - <<'PY'
import fasttile, fasttile.kernel._core as core
print("sanitized kernel:", core.__file__, fasttile.simd_info()["supported"])
PY
kernel_tests=(backends_agree dense_passes errors fuzz geometry inputs layouts mosaic order_dead pixel_rule real_weights
  reliability selection strategies stub sum_order unit_stats writers write_failures)
python -m pytest $(printf "tests/test_%s.py " "${kernel_tests[@]}") -q -p no:cacheprovider
