"""fasttile.save and fasttile.show: mosaics to files and to matplotlib. Each output
format is a module here that registers itself with registry.py when imported."""

from . import npy_writer, png_writer, tiff_writer  # noqa: F401  (each registers its format)
