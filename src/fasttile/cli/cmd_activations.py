"""`fasttile activations` (an ONNX model's feature maps for one input) and
`fasttile top-examples` (each unit's most exciting inputs of a folder or .npy, as
cards)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._extras import require
from ..activations import capture, cards, top_examples
from ..activations._onnx import layers as onnx_layers
from ..activations._onnx import load as load_onnx
from ..activations._onnx import tensor_of
from ..io.save import save
from .common import add_output_arguments, add_subcommand, note
from .flags import add_render_options, render_options
from .words import CliError
from .zoom import AUTO_ZOOM_HELP, choose_zoom

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def _model(args: argparse.Namespace) -> Any:
    if not str(args.model).lower().endswith(".onnx"):
        raise CliError(f"{args.model}: fasttile {args.command} runs ONNX models (.onnx); export yours first")
    if not os.path.isfile(args.model):
        raise CliError(f"{args.model}: no such file")
    return load_onnx(args.model)


def _input_shape(proto: Any) -> tuple:
    """The first graph input's dims: ints where fixed, None where symbolic."""
    fed = {i.name for i in proto.graph.initializer}
    first = next(i for i in proto.graph.input if i.name not in fed)
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in first.type.tensor_type.shape.dim)


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"


def _check_batch(array: np.ndarray, shape: tuple, origin: str) -> np.ndarray:
    fits = array.ndim == len(shape) and all(d is None or d == n for d, n in zip(shape, array.shape))
    if not fits:
        raise CliError(
            f"{origin} has shape {array.shape} but the model takes {_shape_text(shape)}: "
            "save an array of that shape, or pass an image file"
        )
    return array


def _read_image(path: str, shape: tuple) -> np.ndarray:
    """One picture as the model's (1, C, H, W) input: resized, scaled to 0..1."""
    image_module = require("PIL.Image", "activations", "reading image inputs")
    if len(shape) != 4 or shape[1] not in (1, 3) or None in shape[2:]:
        raise CliError(
            f"the model's input {_shape_text(shape)} is not a fixed-size image (N, 1|3, H, W): pass a .npy"
        )
    channels, height, width = shape[1:]
    with image_module.open(path) as picture:
        picture = picture.convert("L" if channels == 1 else "RGB").resize((width, height))
        pixels = np.asarray(picture, dtype=np.float32) / 255.0
    pixels = pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)
    return pixels[None]


def _read_input(path: str, shape: tuple) -> np.ndarray:
    if not os.path.isfile(path):
        raise CliError(f"--input {path}: no such file")
    if path.lower().endswith(".npy"):
        return _check_batch(np.load(path), shape, f"--input {path}")
    return _read_image(path, shape)


def _layer(args: argparse.Namespace, proto: Any) -> str:
    """The --layer name, checked against the graph before any input is read."""
    if not args.layer:
        raise CliError("--layer NAME is required (fasttile activations MODEL.onnx --list-layers shows them)")
    tensor_of(proto, [args.layer])
    return args.layer


def _list_layers(proto: Any) -> int:
    for name, op_type, tensor in onnx_layers(proto):
        print(f"{name}\t{op_type}\t{tensor}")
    return 0


def _cmd_activations(args: argparse.Namespace) -> int:
    proto = _model(args)
    if args.list_layers:
        return _list_layers(proto)
    if not args.input:
        raise CliError("--input FILE is required (an image or a .npy batch)")
    layer = _layer(args, proto)
    batch = _read_input(args.input, _input_shape(proto))
    maps = capture(proto, batch, [layer])[layer]
    if maps.ndim != 4:
        raise CliError(f"--layer {layer} gives shape {maps.shape}, not maps (N, C, H, W): pick a conv layer")
    options = render_options(args)
    options.setdefault("layout", "nchw")
    zoom, padding, _ = choose_zoom(maps, options)
    options.update(zoom=zoom, padding=padding)
    start = time.perf_counter()
    info = save(maps, args.output, level=args.level, **options)
    note(
        args,
        f"wrote {args.output}: {info.shape[1]} x {info.shape[0]}, {maps.shape[1]} maps of {layer} "
        f"{tuple(maps.shape)} in {time.perf_counter() - start:.2f} s",
    )
    return 0


def _folder_images(folder: str) -> list[str]:
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_SUFFIXES))
    if not names:
        raise CliError(f"--inputs {folder}: no image files ({', '.join(IMAGE_SUFFIXES)})")
    return [os.path.join(folder, n) for n in names]


class _Inputs:
    """A folder of images or a .npy (memory-mapped): batches to stream, and any few
    inputs by dataset index for the cards."""

    def __init__(self, path: str, shape: tuple) -> None:
        self.shape = shape
        if os.path.isdir(path):
            self.files, self.array = _folder_images(path), None
        elif path.lower().endswith(".npy") and os.path.isfile(path):
            self.files, self.array = (
                None,
                _check_batch(np.load(path, mmap_mode="r"), shape, f"--inputs {path}"),
            )
        else:
            raise CliError(f"--inputs {path}: not a folder of images or a .npy file")

    def take(self, indices: np.ndarray) -> np.ndarray:
        if self.array is not None:
            return np.asarray(self.array[indices])
        return np.concatenate([_read_image(self.files[i], self.shape) for i in indices])

    def batches(self, size: int) -> Iterator[np.ndarray]:
        count = len(self.files) if self.files is not None else len(self.array)
        for start in range(0, count, size):
            yield self.take(np.arange(start, min(start + size, count)))


def _cmd_top_examples(args: argparse.Namespace) -> int:
    proto = _model(args)
    layer = _layer(args, proto)
    inputs = _Inputs(args.inputs, _input_shape(proto))
    start = time.perf_counter()
    top = top_examples(proto, inputs.batches(args.batch_size), layer, k=args.k, by=args.by)
    # the cards need only the shown examples: read those, numbered 0.. in that order
    needed, local = np.unique(top.indices, return_inverse=True)
    shown = dataclasses.replace(top, indices=local.reshape(top.indices.shape))
    field = args.field if args.field else None
    result = cards(
        shown, inputs.take(needed), order=args.order, dead=args.dead, count=args.count, field=field,
        stride=args.stride, zoom=args.zoom or 1,
    )  # fmt: skip
    info = save(result.stack, args.output, level=args.level, **result.layout_options)
    note(
        args,
        f"wrote {args.output}: {info.shape[1]} x {info.shape[0]}, {len(result.units)} cards of {top.k} "
        f"examples from {top.count} inputs in {time.perf_counter() - start:.2f} s",
    )
    return 0


def _model_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="an ONNX model (.onnx), run by onnxruntime")
    p.add_argument("--layer", metavar="NAME", help="a node or tensor name (see --list-layers)")


def register(sub: Any) -> None:
    """Add `activations` and `top-examples` to the fasttile command's subparsers."""
    p = add_subcommand(
        sub,
        "activations",
        "draw a layer's feature maps for one input (ONNX models)",
        [
            "fasttile activations resnet18.onnx --list-layers",
            "fasttile activations resnet18.onnx --input cat.jpg --layer conv1 -o maps.png",
            "fasttile activations cnn.onnx --input batch.npy --layer conv2 --order norm --top 16",
        ],
    )
    _model_arguments(p)
    p.add_argument(
        "--input", metavar="FILE", help="an image (resized and scaled to 0..1) or a .npy fed as is"
    )
    p.add_argument("--list-layers", action="store_true", help="print every layer: name, op type, tensor")
    add_output_arguments(p, "maps.png")
    add_render_options(p, help=AUTO_ZOOM_HELP)
    p.set_defaults(run=_cmd_activations)

    t = add_subcommand(
        sub,
        "top-examples",
        "draw each unit's most exciting inputs of a folder or .npy as cards (ONNX models)",
        [
            "fasttile top-examples cnn.onnx --inputs digits.npy --layer conv2 -k 9 -o cards.png",
            "fasttile top-examples resnet18.onnx --inputs photos/ --layer relu --field 35 --stride 4",
        ],
    )
    _model_arguments(t)
    t.add_argument(
        "--inputs", required=True, metavar="DIR|FILE.npy", help="a folder of images or a .npy batch"
    )
    t.add_argument("-k", type=int, default=9, help="examples per unit (default 9)")
    t.add_argument("--by", choices=["max", "mean"], default="max", help="a map's spatial max or mean")
    t.add_argument("--order", choices=["index", "frequency", "rare"], default="index", help="card order")
    t.add_argument("--dead", choices=["hide", "only"], help="hide units that never fire, or only show them")
    t.add_argument("--count", type=int, metavar="N", help="draw only the first N cards")
    t.add_argument("--field", type=int, metavar="PX", help="crop examples to this receptive field")
    t.add_argument("--stride", type=int, default=1, metavar="PX", help="the layer's stride in input pixels")
    t.add_argument("--zoom", type=int, metavar="Z", help="integer upscaling of every example")
    t.add_argument(
        "--batch-size", type=int, default=64, metavar="N", help="inputs per model run (default 64)"
    )
    add_output_arguments(t, "cards.png")
    t.set_defaults(run=_cmd_top_examples)
