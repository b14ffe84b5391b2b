"""Counts in messages: "1 tensor", "2 tensors"."""


def counted(n: int, noun: str) -> str:
    """`n` and `noun`, plural unless n is 1 (nouns that take an s: tensor, tile, frame)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
