"""Draws docs/feature_maps.png and docs/cards.png: the README's feature-maps example, run.

python docs/feature_maps.py      # needs torch and scikit-learn; ~5 s on one core
"""

import os

import torch
from sklearn.datasets import load_digits

import fasttile

# the pictures go beside this file (FASTTILE_DOCS_OUT: elsewhere, as the test runs it)
HERE = os.environ.get("FASTTILE_DOCS_OUT") or os.path.dirname(os.path.abspath(__file__))

# a small CNN, trained for a few seconds on scikit-learn's 8x8 digits
digits = load_digits()
x = torch.tensor(digits.images[:, None] / 16, dtype=torch.float32)
y = torch.tensor(digits.target)
torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(),
    torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(),
    torch.nn.Flatten(), torch.nn.Linear(32 * 8 * 8, 10),
)  # fmt: skip
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for _ in range(5):
    for i in range(0, len(x), 64):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x[i : i + 64]), y[i : i + 64]).backward()
        opt.step()

# what the filters do: one grid row per input, one column per channel
first_of_each = [int((y == d).nonzero()[0]) for d in (0, 1, 2, 3)]
fasttile.save(
    fasttile.capture(model, x[first_of_each], "3")["3"],
    os.path.join(HERE, "feature_maps.png"),
    layout="nchw", order="norm", top=16, zoom=6, cmap="magma", padding=2, pad_value=255,
)  # fmt: skip

# each channel's nine strongest digits over the whole set, densest channels first
top = fasttile.top_examples(model, x, "3", k=9)
cards = fasttile.cards(top, x.numpy(), order="frequency", count=8, zoom=3, ncols=8, padding=4, pad_value=255)
fasttile.save(cards.stack, os.path.join(HERE, "cards.png"), **cards.layout_options)
print(top.frequency.round(2))
