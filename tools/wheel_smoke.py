"""Smoke test of an installed fasttile wheel, run from outside the source tree (by
tools/test_wheel.sh in a venv without a compiler, and by cibuildwheel's test-command):
it renders, saves a PNG read back with Pillow, runs the command line, and prints a
digest of a few renders so two builds can be shown to behave the same.

    python tools/wheel_smoke.py [--digest-only]
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def banks() -> dict[str, tuple[np.ndarray, dict]]:
    """A few banks over dtypes and layouts; deterministic, so their renders have one digest."""
    rng = np.random.default_rng(19)
    return {
        "rows-f32-gray": (rng.standard_normal((50, 64)).astype(np.float32), {}),
        "cols-f64-rgb": (rng.standard_normal((3 * 8 * 8, 30)), {"layout": "cols"}),
        "oihw-f16": (rng.standard_normal((12, 3, 5, 5)).astype(np.float16), {"zoom": 2}),
        "hwio-i8": (rng.integers(-128, 128, (3, 3, 3, 16), dtype=np.int8), {"layout": "hwio"}),
        "nhw-u16-global": (rng.integers(0, 65535, (9, 7, 7), dtype=np.uint16), {"normalize": "global"}),
    }


def digest() -> str:
    import fasttile

    h = hashlib.sha256()
    for name, (w, options) in banks().items():
        img = fasttile.render(w, **options)
        h.update(name.encode() + str(img.shape).encode() + img.tobytes())
    return h.hexdigest()


def main() -> int:
    import fasttile

    if "--digest-only" in sys.argv[1:]:
        print(digest())
        return 0
    from PIL import Image

    here = Path(fasttile.__file__).resolve()
    # The installed package, not a source tree: the compiled kernel must be the one found.
    assert "site-packages" in here.parts, here
    info = fasttile.simd_info()
    assert info["backend"] == "native", info
    print(f"fasttile {fasttile.__version__} from {here.parent}: {info}")
    assert fasttile.__version__ == importlib.metadata.version("fasttile")

    w = np.random.default_rng(0).standard_normal((64, 8 * 8 * 3)).astype(np.float32)
    img = fasttile.render(w, zoom=2)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "x.png"
        fasttile.save(w, png, zoom=2)
        with Image.open(png) as im:
            back = np.asarray(im)
        assert back.dtype == np.uint8 and np.array_equal(back, img), "saved PNG differs from render"

        # the console script on PATH (the venv's bin), as a user would run it
        np.save(Path(tmp) / "x.npy", w)
        exe = Path(sys.executable).with_name("fasttile")
        out = subprocess.run(
            [str(exe), "render", "x.npy", "-o", "x.png", "--zoom", "2", "--padding", "1", "--quiet"],
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONWARNINGS="error"),
        )
        with Image.open(Path(tmp) / "x.png") as im:
            assert np.array_equal(np.asarray(im), img), f"fasttile render wrote another picture: {out.stderr}"
        version = subprocess.run([str(exe), "--version"], check=True, capture_output=True, text=True).stdout
        assert version.strip() == f"fasttile {fasttile.__version__}", version
    print(f"render digest {digest()}")
    print("wheel smoke test: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
