"""
What an MLP's hidden units look at
==================================

A one-hidden-layer perceptron trained on scikit-learn's 8x8 handwritten digits. Its
first weight matrix ``coefs_[0]`` has shape (64 pixels, 36 units): each *column* is one
unit's 8x8 receptive field, so the layout is ``cols``. A symmetric normalisation keeps
zero at the middle of the colormap: red pixels push a unit up, blue ones down.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier

import fasttile

X, y = load_digits(return_X_y=True)
mlp = MLPClassifier(hidden_layer_sizes=(36,), alpha=1e-2, max_iter=400, random_state=0).fit(X / 16, y)
W = mlp.coefs_[0]
print(W.shape, f"training accuracy {mlp.score(X / 16, y):.3f}")

fig, ax = plt.subplots(figsize=(5, 5))
fasttile.show(W, layout="cols", normalize="symmetric", cmap="RdBu_r", zoom=6, pad_value=255, ax=ax)
plt.show()
