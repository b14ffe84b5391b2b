"""A real filter bank from data that ships with matplotlib: independent components
of small colour patches of its sample photograph. ICA on natural-image patches
learns the oriented edge detectors and colour blobs of a network's first layer, in
a few seconds (1.3-4 s on the project's 2-core machines), with NumPy alone."""

from __future__ import annotations

import numpy as np

from ._extras import require
from .api import render


def sample_photo() -> np.ndarray:
    """matplotlib's bundled photograph (Grace Hopper), as float64 RGB in 0..1."""
    cbook = require("matplotlib.cbook", "demo", "the demo (matplotlib's sample photo)")
    Image = require("PIL.Image", "demo", "the demo (decoding the sample photo)")

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.asarray(Image.open(f).convert("RGB"), dtype=np.float64) / 255.0


def patches(image: np.ndarray, size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` random size x size colour patches, flattened HWC, each with its mean removed."""
    h, w, _ = image.shape
    ys = rng.integers(0, h - size + 1, count)
    xs = rng.integers(0, w - size + 1, count)
    offsets = np.arange(size)
    rows = (ys[:, None] + offsets)[:, :, None]
    cols = (xs[:, None] + offsets)[:, None, :]
    p = image[rows, cols].reshape(count, -1)
    return p - p.mean(axis=1, keepdims=True)


def learn_filters(
    n_filters: int = 64, size: int = 8, count: int = 20000, iterations: int = 80, seed: int = 0
) -> np.ndarray:
    """(n_filters, size*size*3) float32 ICA filters, flattened HWC. BLAS runs on one thread
    meanwhile (with threadpoolctl, in the demo extra): on these small matrices a BLAS pool
    only waits for busy cores, and made the learning 3-10x slower than one thread."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return _learn_filters(n_filters, size, count, iterations, seed)
    with threadpool_limits(limits=1, user_api="blas"):
        return _learn_filters(n_filters, size, count, iterations, seed)


def _learn_filters(n_filters: int, size: int, count: int, iterations: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = patches(sample_photo(), size, count, rng)
    x -= x.mean(axis=0)
    # PCA whitening onto the n_filters strongest directions
    eigvals, eigvecs = np.linalg.eigh(x.T @ x / count)
    top = np.argsort(eigvals)[::-1][:n_filters]
    scale = np.sqrt(eigvals[top])
    z = x @ (eigvecs[:, top] / scale)
    # symmetric FastICA with the log-cosh contrast
    w = np.linalg.qr(rng.standard_normal((n_filters, n_filters)))[0]
    for _ in range(iterations):
        y = np.tanh(z @ w.T)
        w_new = y.T @ z / count - (1 - y**2).mean(axis=0)[:, None] * w
        u, _, vt = np.linalg.svd(w_new)
        w = u @ vt
    # The unmixing filters in pixel space: what each component responds to. Whitening
    # makes them the crisp oriented edges and colour-opponent blobs of a first layer.
    filters = w @ (eigvecs[:, top] / scale).T
    order = np.argsort(np.linalg.norm(filters, axis=1))  # smoothest (lowest frequency) first
    return np.ascontiguousarray(filters[order], dtype=np.float32)


def render_demo(zoom: int = 4, **options):
    """The learned bank rendered as a mosaic (8x8 RGB tiles, zoomed)."""
    options.setdefault("padding", 1)
    options.setdefault("pad_value", 255)
    return render(learn_filters(), tile_shape=(8, 8, 3), zoom=zoom, **options)
