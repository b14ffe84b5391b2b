"""A user's script with annotations everywhere: `mypy --strict` must accept it against the
installed fasttile (tests/test_typing.py). Not run; only type-checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

import fasttile


def first_layer_figure(weights: npt.NDArray[np.float32], out: Path) -> tuple[int, int]:
    image: npt.NDArray[np.uint8] = fasttile.render(weights, layout="cols", zoom=2)
    info: fasttile.SaveInfo = fasttile.save(weights, out, level="small")
    print(info)
    height, width = image.shape[:2]
    return int(height), int(width)


def largest_tiles(weights: npt.NDArray[np.float32]) -> list[int]:
    m: fasttile.Mosaic = fasttile.mosaic(weights, order="norm", top=16)
    return [int(u) for u in m.units]


def describe(path: str) -> dict[str, tuple[int, ...]]:
    return {name: tuple(info.shape) for name, info in fasttile.keys(path).items()}


def kernel() -> str:
    info = fasttile.simd_info()
    fasttile.show_versions()
    version: str = fasttile.__version__
    return f"fasttile {version}: {info['path']}"


if __name__ == "__main__":
    w = np.random.default_rng(0).standard_normal((192, 16)).astype(np.float32)
    print(first_layer_figure(w, Path("x.png")), largest_tiles(w.T.copy()), kernel())
