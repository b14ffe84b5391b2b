"""Sharded Hugging Face checkpoints: `model.safetensors.index.json` (or
`pytorch_model.bin.index.json`) maps each tensor to the shard file holding it. Listing
opens each shard's header; reading opens only the shard holding the tensor. A model
folder is read through its index, or through its single weights file."""

from __future__ import annotations

import glob
import json
import os
from typing import Any

from .registry import Format, register
from .registry import open_source as open_any
from .source import LoadError, Source


class ShardedSource(Source):
    def __init__(self, index_path: str) -> None:
        self.path = index_path
        try:
            with open(index_path, encoding="utf-8") as f:
                weight_map = json.load(f)["weight_map"]
            if not isinstance(weight_map, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise LoadError(
                f"{index_path}: not a sharded checkpoint index (a JSON object with a 'weight_map')"
            ) from None
        folder = os.path.dirname(index_path)
        self._shard_of = {name: os.path.join(folder, str(shard)) for name, shard in weight_map.items()}
        self._shards: dict[str, Source] = {}
        self.tensors = {}
        for name, shard in self._shard_of.items():
            info = self._shard(shard).tensors.get(name)
            if info is None:
                raise LoadError(f"{index_path}: the index puts {name!r} in {shard}, which does not hold it")
            self.tensors[name] = info
        first = next(iter(self._shards.values()), None)
        self.layouts = first.layouts if first is not None else {}
        self.framework = first.framework if first is not None else ""

    def _shard(self, shard: str) -> Source:
        if shard not in self._shards:
            if not os.path.exists(shard):
                raise LoadError(
                    f"{self.path}: shard {os.path.basename(shard)} listed in the index is missing"
                )
            self._shards[shard] = open_any(shard)
        return self._shards[shard]

    def read(self, name: str) -> Any:
        return self._shard(self._shard_of[name]).read(name)


_FOLDER_FILES = ("*.safetensors.index.json", "*.bin.index.json", "*.safetensors", "pytorch_model.bin")


def _in_folder(folder: str) -> str:
    """The one weights file (or index) of a model folder."""
    for pattern in _FOLDER_FILES:
        found = sorted(glob.glob(os.path.join(glob.escape(folder), pattern)))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(os.path.basename(p) for p in found[:4])
            raise LoadError(f"{folder}: a folder with several weight files ({names}); name one")
    raise LoadError(f"{folder}: a folder without a *.safetensors.index.json or weights file")


def open_source(path: str) -> Source:
    if os.path.isdir(path):
        return open_any(_in_folder(path))
    if not path.endswith(".index.json"):
        raise LoadError(f"{path}: a .json file fasttile reads is a sharded checkpoint's *.index.json")
    return ShardedSource(path)


# model.safetensors.index.json / pytorch_model.bin.index.json, or a Hugging Face model
# folder: any folder no other format claims.
register(
    Format("sharded", open_source, (".json",), "sharded *.index.json", folder=os.path.isdir, fallback=True)
)
