"""
Strongest first, dead units apart
=================================

``order="norm"`` sorts the tiles by their L2 norm, largest first, and ``top`` keeps the
first few. ``dead="hide"`` drops units that are constant or nearly zero, and
``dead="only"`` draws just those. Here a strong weight penalty starves part of an MLP's
hidden layer on the digits, and fasttile finds the starved units.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier

import fasttile

X, y = load_digits(return_X_y=True)
mlp = MLPClassifier(hidden_layer_sizes=(64,), alpha=3.0, max_iter=400, random_state=1).fit(X / 16, y)
W = mlp.coefs_[0]  # (64 pixels, 64 units)
norms = np.linalg.norm(W, axis=0)
dead = fasttile.mosaic(W, layout="cols", dead="only").units
print(f"{len(dead)} of {W.shape[1]} units are dead (norm at most 1e-3 of the largest): {list(dead)}")

options = dict(layout="cols", normalize="symmetric", cmap="RdBu_r", zoom=5, pad_value=255)
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4.5))
fasttile.show(W, order="norm", top=16, ax=left, title="the 16 strongest units", **options)
fasttile.show(W, dead="hide", ax=right, title="every live unit", **options)
plt.show()
