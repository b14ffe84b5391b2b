"""
Filters while a network learns
==============================

``fasttile.animate`` writes one animation (GIF, APNG, WebP, MP4) of a layer's filters
over training, with every tile's range fixed across frames so a filter's growth shows.
This trains the digits MLP one epoch at a time, animates six snapshots to an APNG, reads
the frames back with Pillow and lays them out as a strip.
"""

import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image, ImageSequence
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import fasttile

X, y = load_digits(return_X_y=True)
mlp = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=1, random_state=0)
snapshots = []
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch per fit, on purpose
    for epoch in range(1, 41):
        mlp.partial_fit(X / 16, y, classes=np.arange(10))
        if epoch in (1, 2, 4, 8, 16, 40):
            snapshots.append((epoch, mlp.coefs_[0].copy()))

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "evolution.png"
    options = dict(layout="cols", zoom=4, cmap="RdBu_r", normalize="fixed-symmetric")
    info = fasttile.animate(snapshots, path, **options)
    print(info)
    with Image.open(path) as apng:
        frames = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(apng)]

strip = np.concatenate([np.pad(f, ((0, 0), (0, 6), (0, 0)), constant_values=255) for f in frames], axis=1)
fig, ax = plt.subplots(figsize=(12, 3))
ax.imshow(strip, interpolation="nearest")
ax.set_title("epochs 1, 2, 4, 8, 16, 40 (captions drawn by fasttile)")
ax.set_axis_off()
plt.show()
