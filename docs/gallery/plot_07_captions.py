"""
Labels burned into the tiles
============================

``fasttile.save(..., captions=...)`` writes each tile's index, its norm or your own string
into the picture itself (with Pillow), so a mosaic shared as a PNG still says which
filter is which. The 16 strongest ICA filters, saved with their norms and read back.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

import fasttile
from fasttile.demo import learn_filters

filters = learn_filters()
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "labelled.png"
    info = fasttile.save(
        filters, path, tile_shape=(8, 8, 3), order="norm", top=16, zoom=8, captions="norm", pad_value=255
    )
    print(info)
    picture = np.asarray(Image.open(path))

fig, ax = plt.subplots(figsize=(6, 6))
ax.imshow(picture, interpolation="nearest")
ax.set_axis_off()
plt.show()
