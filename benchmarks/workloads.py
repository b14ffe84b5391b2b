"""The benchmark workloads (issue 3), each with the equivalent calls of the other
tools, so every suite renders the same picture the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np


@dataclass
class Workload:
    key: str
    name: str
    shape: tuple
    layout: str
    dtype: str = "float32"
    kwargs: dict = field(default_factory=dict)
    large: bool = False
    # (N, C, h, w) float32 tensor-like view of the bank for torchvision, and its grid width
    as_nchw: Optional[Callable[[np.ndarray], np.ndarray]] = None

    def make(self, seed: int = 0, scale: float = 1.0) -> np.ndarray:
        """The bank, float32 standard normal (bfloat16 for the bf16 workload). `scale`
        shrinks the tile count for quick runs."""
        shape = list(self.shape)
        axis = {"rows": 0, "cols": 1, "oihw": 0, "hwio": 3}[self.layout]
        shape[axis] = max(16, int(shape[axis] * scale))
        rng = np.random.default_rng(seed)
        w = rng.standard_normal(tuple(shape), dtype=np.float32)
        if self.dtype == "bfloat16":
            import ml_dtypes

            w = w.astype(ml_dtypes.bfloat16)
        return w

    def render_kwargs(self) -> dict:
        return {"layout": self.layout, **self.kwargs}


def _rows_rgb(w: np.ndarray) -> np.ndarray:
    side = int(round((w.shape[1] // 3) ** 0.5))
    return w.reshape(len(w), side, side, 3).transpose(0, 3, 1, 2)


def _split(w: np.ndarray) -> np.ndarray:  # grid of grids: one gray tile per (filter, channel)
    return w.reshape(-1, 1, *w.shape[2:])


WORKLOADS = [
    Workload("S", "cs231n", (100, 3072), "rows", as_nchw=_rows_rgb),
    Workload("M", "vit-l", (1024, 3, 14, 14), "oihw", as_nchw=lambda w: w),
    Workload("T", "tiny", (512, 256, 3, 3), "oihw", as_nchw=_split),
    Workload("L", "wide", (65536, 3072), "rows", large=True, as_nchw=_rows_rgb),
    Workload(
        "L16",
        "wide-bf16",
        (65536, 3072),
        "rows",
        dtype="bfloat16",
        large=True,
        as_nchw=lambda w: _rows_rgb(w.astype(np.float32)),
    ),
    Workload("C", "cols", (3072, 65536), "cols", large=True, as_nchw=lambda w: _rows_rgb(w.T)),
    Workload("H", "hwio", (3, 3, 256, 512), "hwio", as_nchw=lambda w: _split(w.transpose(3, 2, 0, 1))),
]
BY_KEY = {w.key: w for w in WORKLOADS}


def _ncols(w: Workload, bank: np.ndarray) -> int:
    """The grid width fasttile picks (torchvision and scikit-image are told the same)."""
    import math

    if w.key in ("T", "H"):
        return bank.shape[1] if w.layout == "oihw" else bank.shape[2]
    n = {"rows": bank.shape[0], "cols": bank.shape[1], "oihw": bank.shape[0]}[w.layout]
    return math.isqrt(n - 1) + 1


def torchvision_render(w: Workload, bank: np.ndarray) -> Any:
    """torchvision's way: make_grid(normalize=True, scale_each=True), then save_image's rounding."""
    import torch
    from torchvision.utils import make_grid

    nchw = torch.from_numpy(np.ascontiguousarray(w.as_nchw(bank)))
    grid = make_grid(nchw, nrow=_ncols(w, bank), padding=1, normalize=True, scale_each=True, pad_value=0)
    image = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", torch.uint8).numpy()
    return image if nchw.shape[1] == 3 else image[..., 0]


def skimage_render(w: Workload, bank: np.ndarray) -> np.ndarray:
    """scikit-image's way: each tile through exposure.rescale_intensity onto [0, 1]
    (what montage(rescale_intensity=True) does, with the output range pinned: left
    to itself it picks [-1, 1] or [0, 1] per tile by sign), montage, then 8 bits."""
    from skimage.exposure import rescale_intensity
    from skimage.util import montage

    nchw = w.as_nchw(bank)
    rgb = nchw.shape[1] == 3
    images = nchw.transpose(0, 2, 3, 1) if rgb else nchw[:, 0]
    images = np.stack([rescale_intensity(im, out_range=(0.0, 1.0)) for im in images])
    n = len(images)
    ncols = _ncols(w, bank)
    mosaic = montage(
        images,
        grid_shape=(-(-n // ncols), ncols),
        padding_width=1,
        fill=(0, 0, 0) if rgb else 0,
        channel_axis=-1 if rgb else None,
    )
    return np.floor(mosaic.astype(np.float64) * 255 + 0.5).clip(0, 255).astype(np.uint8)


def close_enough(ours: np.ndarray, theirs: np.ndarray) -> tuple[bool, str]:
    """docs/design.md, section 2: at most one gray level apart on at most 0.1% of pixels."""
    if ours.shape != theirs.shape:
        return False, f"shape {ours.shape} vs {theirs.shape}"
    diff = np.abs(ours.astype(np.int16) - theirs.astype(np.int16))
    frac = float((diff > 0).mean())
    ok = int(diff.max()) <= 1 and frac <= 1e-3
    return ok, f"max diff {int(diff.max())}, {100 * frac:.4f}% of pixels"


def sae_bank(path: str, units: int) -> np.ndarray:
    """A (units, 784) float32 bank of normal noise written to a .npy in 64 K-row slabs (so
    a 3 GB bank never sits in memory) and opened memory-mapped, as a user's SAE would be."""
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(units, 784))
    rng = np.random.default_rng(1)
    for start in range(0, units, 65536):
        stop = min(units, start + 65536)
        mm[start:stop] = rng.standard_normal((stop - start, 784), dtype=np.float32)
    del mm
    return np.load(path, mmap_mode="r")
