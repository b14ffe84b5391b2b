"""
First-layer filters from a photograph
=====================================

`fasttile demo` in Python: independent component analysis of 8x8 colour patches of the
photograph that ships with matplotlib learns oriented edges and colour-opponent blobs,
the filters a network's first convolution learns. Each row of the bank is one flattened
8x8 RGB filter (HWC order); ``tile_shape`` says so.
"""

import matplotlib.pyplot as plt

import fasttile
from fasttile.demo import learn_filters

filters = learn_filters()  # (64, 8*8*3) float32, a few seconds
print(filters.shape, filters.dtype)

fig, ax = plt.subplots(figsize=(5, 5))
fasttile.show(filters, tile_shape=(8, 8, 3), zoom=4, pad_value=255, ax=ax, title="64 ICA filters")
plt.show()
