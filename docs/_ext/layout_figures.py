"""The pictures of the layout guide (docs/layouts.md), drawn by the installed fasttile
when the docs build: one real filter bank (the ICA demo's 64 RGB 8x8 filters) stored the
way each framework stores it, rendered with the right layout, and a few with the wrong
one, so the guide shows what each mistake looks like. Written to docs/generated/layouts/."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def storages(filters: np.ndarray) -> dict[str, np.ndarray]:
    """The (N, h, w, c) bank as each layout stores it."""
    return {
        "rows": filters.reshape(len(filters), -1),  # (N, h*w*c)
        "cols": filters.reshape(len(filters), -1).T.copy(),  # (h*w*c, N)
        "nhw": filters.mean(axis=3),  # (N, h, w): gray
        "oihw": filters.transpose(0, 3, 1, 2).copy(),  # PyTorch conv (out, in, h, w)
        "nchw": filters.transpose(0, 3, 1, 2).copy(),  # raw CIFAR-10 / PyTorch images
        "hwio": filters.transpose(1, 2, 3, 0).copy(),  # Keras / TensorFlow conv (h, w, in, out)
        "ohwi": filters.copy(),  # TFLite conv (out, h, w, in)
        "nhwc": filters.copy(),  # channels-last images
    }


# (file name, layout the array is stored in, layout= passed or None for the default)
MISTAKES = (
    ("hwio-as-oihw", "hwio", "oihw"),
    ("cols-as-rows", "cols", "rows"),
    ("ohwi-as-oihw", "ohwi", "oihw"),
)


def draw(out: Path) -> None:
    import warnings

    import fasttile
    from fasttile.demo import learn_filters

    out.mkdir(parents=True, exist_ok=True)
    filters = learn_filters().reshape(64, 8, 8, 3)
    banks = storages(filters)
    for layout, bank in banks.items():
        fasttile.save(bank, out / f"{layout}.png", layout=layout, zoom=3, pad_value=255)
    for name, stored, passed in MISTAKES:
        with warnings.catch_warnings():
            # the wrong reading is the point here; fasttile's LayoutWarning says so too
            warnings.simplefilter("ignore", fasttile.LayoutWarning)
            kwargs = {"layout": passed} if passed else {}
            try:
                fasttile.save(banks[stored], out / f"{name}.png", zoom=3, pad_value=255, **kwargs)
            except ValueError as error:
                raise RuntimeError(f"layout_figures: {name}: {error}") from error


def setup(app):  # noqa: ANN001, ANN201 (Sphinx's extension protocol)
    def on_init(app):  # noqa: ANN001, ANN202
        draw(Path(app.srcdir) / "generated" / "layouts")

    app.connect("builder-inited", on_init)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
