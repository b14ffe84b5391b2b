"""Where fasttile.log sends a mosaic: TensorBoard (torch's SummaryWriter, tensorboardX,
tf.summary) gets the PNG fasttile already encoded, inside an image Summary added through
the writer's own file writer, so TensorBoard never re-encodes it; W&B gets the uint8
array, which it stores without rescaling."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..codecs.png import png_of

Sink = Callable[[str, np.ndarray, int], None]


def _image_summary(summary_class: Any, tag: str, image: np.ndarray) -> Any:
    encoded = summary_class.Image(
        height=image.shape[0],
        width=image.shape[1],
        colorspace=1 if image.ndim == 2 else 3,
        encoded_image_string=png_of(image),
    )
    return summary_class(value=[summary_class.Value(tag=tag, image=encoded)])


def _summary_writer_sink(writer: Any, summary_class: Any) -> Sink:
    def add(tag: str, image: np.ndarray, step: int) -> None:
        writer._get_file_writer().add_summary(_image_summary(summary_class, tag, image), step)

    return add


def _tf_sink(writer: Any) -> Sink:
    import tensorflow as tf
    from tensorboard.plugins.image import metadata

    def add(tag: str, image: np.ndarray, step: int) -> None:
        # the image plugin's tensor layout: [width, height, encoded image...] as strings
        data = tf.constant([str(image.shape[1]).encode(), str(image.shape[0]).encode(), png_of(image)])
        with writer.as_default():
            tf.summary.write(tag, data, step=step, metadata=metadata.create_summary_metadata(tag, ""))

    return add


def _wandb_sink(run: Any) -> Sink:
    import wandb

    def add(tag: str, image: np.ndarray, step: int) -> None:
        run.log({tag: wandb.Image(image, mode="L" if image.ndim == 2 else "RGB")}, step=step)

    return add


_FAMILIES = ("torch.utils.tensorboard", "tensorboardX", "tensorflow", "wandb")


def _family(obj: Any) -> str:
    """Which library's writer `obj` is (subclasses count), by the modules of its classes."""
    for cls in type(obj).__mro__:
        module = cls.__module__ or ""
        for family in _FAMILIES:
            if module.startswith(family):
                return family
    return ""


def sink_for(writer: Any) -> Sink:
    """A function (tag, uint8 image, step) -> None writing to `writer`."""
    if getattr(writer, "__name__", None) == "wandb":  # the module itself: log to its current run
        if writer.run is None:
            raise ValueError("wandb has no active run: call wandb.init() first, or pass the run")
        writer = writer.run
    module = _family(writer)
    if module.startswith("torch.utils.tensorboard"):
        from tensorboard.compat.proto.summary_pb2 import Summary

        return _summary_writer_sink(writer, Summary)
    if module.startswith("tensorboardX"):
        from tensorboardX.proto.summary_pb2 import Summary as SummaryX

        return _summary_writer_sink(writer, SummaryX)
    if module.startswith("tensorflow"):
        return _tf_sink(writer)
    if module.startswith("wandb"):
        return _wandb_sink(writer)
    raise TypeError(
        "writer must be a torch.utils.tensorboard.SummaryWriter, a tensorboardX.SummaryWriter, "
        f"a tf.summary file writer or a wandb run (wandb.init()), got {type(writer).__name__}"
    )
