"""
What changed between two checkpoints
====================================

``fasttile.diff(a, b)`` draws ``a - b`` with one scale for every tile and zero in the
middle of a diverging colormap. Between an MLP after 2 epochs and after 30, the units
that sharpened most stand out; ``match=True`` would first pair each filter of ``b`` with
its closest in ``a`` (for banks whose units were permuted).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import fasttile

X, y = load_digits(return_X_y=True)
mlp = MLPClassifier(hidden_layer_sizes=(25,), learning_rate_init=0.01, random_state=0)
checkpoints = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for epoch in range(1, 31):
        mlp.partial_fit(X / 16, y, classes=np.arange(10))
        if epoch in (2, 30):
            checkpoints[epoch] = mlp.coefs_[0].copy()

image = fasttile.diff(checkpoints[30], checkpoints[2], layout="cols", zoom=6, pad_value=255)
print(image.shape, image.dtype)

fig, ax = plt.subplots(figsize=(5, 5))
ax.imshow(image, interpolation="nearest")
ax.set_title("epoch 30 - epoch 2 (red: grew)")
ax.set_axis_off()
plt.show()
