"""
A zoomable pyramid
==================

``fasttile.pyramid`` writes a mosaic too large for an image viewer as a folder of
256-pixel tiles at every zoom level (``tiles/{z}/{x}/{y}.png``) with an ``index.html``
viewer that opens from ``file://``. Here are the coarsest levels of the pyramid of 1024
digit-MLP units, read back from the PNG tiles fasttile wrote.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier

import fasttile

X, y = load_digits(return_X_y=True)
mlp = MLPClassifier(hidden_layer_sizes=(1024,), max_iter=30, random_state=0).fit(X / 16, y)
W = mlp.coefs_[0]  # (64, 1024): a wide layer

with tempfile.TemporaryDirectory() as folder:
    fasttile.pyramid(W, folder, layout="cols", order="norm", normalize="symmetric", cmap="RdBu_r", zoom=2)
    levels = sorted(int(p.name) for p in (Path(folder) / "tiles").iterdir())
    print("zoom levels:", levels, "files:", sum(1 for _ in Path(folder).rglob("*.png")))
    shown = levels[:3]
    pictures = [np.asarray(Image.open(Path(folder) / "tiles" / str(z) / "0" / "0.png")) for z in shown]

fig, axes = plt.subplots(1, len(shown), figsize=(4 * len(shown), 4))
for ax, z, picture in zip(axes, shown, pictures):
    ax.imshow(picture, interpolation="nearest")
    ax.set_title(f"level {z}: tile 0/0, {picture.shape[1]}x{picture.shape[0]} px")
    ax.set_axis_off()
plt.show()
