"""A misspelt keyword (zooom for zoom): `mypy --strict` must reject this file
(tests/test_typing.py), which needs save() to have real keyword parameters, not **options."""

import numpy as np

import fasttile

W = np.zeros((16, 64), dtype=np.float32)
fasttile.save(W, "x.png", zooom=3)
