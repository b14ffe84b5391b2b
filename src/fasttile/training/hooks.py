"""Log filters while a network trains: a PyTorch optimizer hook and a Keras 3 callback.

    hook = fasttile.hooks.TorchHook(writer, model, every=100).attach(optimizer)
    model.fit(x, y, callbacks=[fasttile.hooks.keras_callback(writer, every=100)])

Both call fasttile.log every `every` steps on the training thread (a first layer renders in
well under a millisecond) and can keep CPU copies of the logged weights (keep=True) for
fasttile.animate: hook.frames["conv1"] is a list of (step, weights).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from ..activations.capture import capture
from .layers import pick_layers
from .log import host_tensor, log


def _every(every: Any) -> int:
    if not hasattr(every, "__index__") or isinstance(every, bool) or int(every) < 1:
        raise ValueError(f"every must be a positive integer (steps between logs), got {every!r}")
    return int(every)


class _Logger:
    """What both hooks share: the step count, the layer names and the kept frames."""

    def __init__(
        self, writer: Any, every: int, layers: Optional[Sequence[str]], keep: bool, options: dict
    ) -> None:
        self.writer = writer
        self.every = _every(every)
        self.layers = layers
        self.keep = keep
        self.options = options
        self.step = 0
        self.frames: dict[str, list[tuple[int, Any]]] = {}

    def log_now(self, model: Any, step: int) -> None:
        names = list(log(self.writer, model, step, self.layers, **self.options))
        if self.keep:
            for layer in pick_layers(model, names):
                self.frames.setdefault(layer.name, []).append((step, _snapshot(layer.weight)))

    def tick(self, model: Any) -> None:
        self.step += 1
        if self.step % self.every == 0:
            self.log_now(model, self.step)


def _snapshot(weight: Any) -> Any:
    """A CPU copy that later training steps cannot change."""
    copy = host_tensor(weight)
    clone = getattr(copy, "clone", None)
    return clone() if callable(clone) else copy.copy()


class TorchHook(_Logger):
    """Calls fasttile.log(writer, model, step) after every `every`-th optimizer step.

    Attach it to an optimizer (hook.attach(opt), undone by hook.remove()), or call
    hook.step() yourself once per training step. The layers are checked now, so a wrong
    name fails before training starts.

    With `probe` (a fixed batch) and `probe_layers` (module names), the same steps also
    log those layers' feature maps for the probe, tagged "activations/<name>": how a
    layer's response to the same inputs changes as it learns.
    """

    def __init__(
        self,
        writer: Any,
        model: Any,
        every: int = 100,
        layers: Optional[Sequence[str]] = None,
        *,
        keep: bool = False,
        probe: Any = None,
        probe_layers: Optional[Sequence[str]] = None,
        **render_options: Any,
    ) -> None:
        super().__init__(writer, every, layers, keep, render_options)
        self.model = model
        pick_layers(model, layers)
        if (probe is None) != (probe_layers is None):
            raise ValueError("probe and probe_layers go together: a fixed batch and the layers to show")
        self.probe, self.probe_layers = probe, probe_layers
        self._handle: Any = None

    def log_now(self, model: Any, step: int) -> None:
        super().log_now(model, step)
        if self.probe is not None:
            maps = capture(model, self.probe, self.probe_layers)
            shown = {name: array for name, array in maps.items() if array.ndim == 4}
            log(self.writer, shown, step, prefix="activations/", layout="nchw")

    def attach(self, optimizer: Any) -> TorchHook:
        self.remove()
        self._handle = optimizer.register_step_post_hook(lambda *_: self.step_done())
        return self

    def remove(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def step_done(self) -> None:
        self.tick(self.model)


_KERAS_CLASS: Any = None


def _keras_class() -> Any:
    """The Callback subclass, made on first use so importing fasttile never imports keras."""
    global _KERAS_CLASS
    if _KERAS_CLASS is None:
        import keras

        class KerasFilterLogger(keras.callbacks.Callback):
            def __init__(self, logger: _Logger) -> None:
                super().__init__()
                self.logger = logger

            @property
            def frames(self) -> dict:
                return self.logger.frames

            def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
                self.logger.tick(self.model)

        _KERAS_CLASS = KerasFilterLogger
    return _KERAS_CLASS


def keras_callback(
    writer: Any,
    every: int = 100,
    layers: Optional[Sequence[str]] = None,
    *,
    keep: bool = False,
    **render_options: Any,
) -> Any:
    """A keras.callbacks.Callback calling fasttile.log(writer, model, step) every `every`
    training batches (step = batches seen). Keras 3, any backend."""
    return _keras_class()(_Logger(writer, every, layers, keep, render_options))
