"""Streaming animation writers: each pulls uint8 frames from an iterator one at a time and
never keeps a frame once it is encoded.

GIF and APNG are written chunk by chunk here (Pillow's own multi-frame writers collect every
frame first); WebP goes through Pillow's encoder fed by a lazy multi-frame image; MP4 is
piped to the ffmpeg that imageio-ffmpeg ships.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import Any, Union

import numpy as np

from .._extras import require
from .png import chunk_bytes, png_of

PathLike = Union[str, "os.PathLike[str]"]
# the packages each format needs, checked before any frame is read
NEEDS = {
    "GIF": "PIL.GifImagePlugin",
    "APNG": "PIL.Image",
    "WebP": "PIL.WebPImagePlugin",
    "MP4": "imageio_ffmpeg",
}
FORMATS = {".gif": "GIF", ".png": "APNG", ".apng": "APNG", ".webp": "WebP", ".mp4": "MP4"}


def _palette_image(frame: np.ndarray) -> Any:
    """A "P" image of the frame: exact when it has at most 256 colours (always for gray);
    richer RGB frames are quantized (GIF's limit)."""
    from PIL import Image

    if frame.ndim == 2:
        image = Image.fromarray(frame, mode="L").convert("P")
        image.putpalette(bytes(np.repeat(np.arange(256, dtype=np.uint8), 3)))
        return image
    key = (frame[..., 0].astype(np.uint32) << 16) | (frame[..., 1].astype(np.uint32) << 8) | frame[..., 2]
    colours, index = np.unique(key.ravel(), return_inverse=True)
    if len(colours) > 256:
        return Image.fromarray(frame, mode="RGB").quantize(256)
    image = Image.fromarray(index.reshape(frame.shape[:2]).astype(np.uint8), mode="P")
    rgb = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1).astype(np.uint8)
    image.putpalette(rgb.tobytes())
    return image


def write_gif(path: PathLike, frames: Iterator[np.ndarray], count: int, duration_ms: int, loop: int) -> None:
    from PIL import GifImagePlugin

    with open(path, "wb") as fp:
        for i, frame in enumerate(frames):
            image = _palette_image(frame)
            if i == 0:
                header, _ = GifImagePlugin.getheader(image.copy(), None, {"loop": loop})
                fp.write(b"".join(header))
            params = {"duration": duration_ms, "include_color_table": True}
            fp.write(b"".join(GifImagePlugin.getdata(image, **params)))
        fp.write(b";")  # the GIF trailer


def _png_chunks(png: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 8  # after the signature
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        yield png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        pos += 12 + length


def write_apng(path: PathLike, frames: Iterator[np.ndarray], count: int, duration_ms: int, loop: int) -> None:
    """Each frame is encoded as a PNG (fasttile's fast encoder); its IDAT data becomes the
    frame's IDAT (first frame) or fdAT chunks, behind an fcTL chunk."""
    sequence = 0
    with open(path, "wb") as fp:
        for i, frame in enumerate(frames):
            chunks = list(_png_chunks(png_of(frame)))
            if i == 0:
                fp.write(b"\x89PNG\r\n\x1a\n" + chunk_bytes(b"IHDR", chunks[0][1]))
                fp.write(chunk_bytes(b"acTL", struct.pack(">II", count, loop)))
            height, width = frame.shape[:2]
            control = struct.pack(">IIIIIHHBB", sequence, width, height, 0, 0, duration_ms, 1000, 0, 0)
            fp.write(chunk_bytes(b"fcTL", control))
            sequence += 1
            for data in (data for kind, data in chunks if kind == b"IDAT"):
                if i == 0:
                    fp.write(chunk_bytes(b"IDAT", data))
                else:
                    fp.write(chunk_bytes(b"fdAT", struct.pack(">I", sequence) + data))
                    sequence += 1
        fp.write(chunk_bytes(b"IEND", b""))


def _lazy_sequence(frames: Iterator[np.ndarray], count: int) -> Any:
    """A Pillow image whose frames are pulled from `frames` as Pillow seeks forward, so
    Pillow's WebP encoder sees a multi-frame image and only one frame exists at a time."""
    from PIL import Image

    class LazySequence(Image.Image):
        n_frames = count
        is_animated = count > 1

        def __init__(self) -> None:
            super().__init__()
            self.position = -1
            self.seek(0)

        def seek(self, frame: int) -> None:
            if frame == self.position + 1 and frame < count:  # forward only; rewinding is a no-op
                image = Image.fromarray(next(frames))
                self.im, self._mode, self._size = image.im, image.mode, image.size
                self.position = frame

        def tell(self) -> int:
            return self.position

    return LazySequence()


def write_webp(path: PathLike, frames: Iterator[np.ndarray], count: int, duration_ms: int, loop: int) -> None:
    image = _lazy_sequence(frames, count)
    image.save(path, format="WEBP", save_all=True, lossless=True, duration=duration_ms, loop=loop, method=0)
    if image.position != count - 1:
        raise RuntimeError(f"the WebP encoder took {image.position + 1} of {count} frames")


def _doubled(frame: np.ndarray) -> np.ndarray:
    """Every pixel as a 2x2 block: H.264's 4:2:0 chroma (one colour per 2x2 block) then
    lines up with the mosaic's pixels instead of bleeding across tiles, and the sides are even."""
    return np.repeat(np.repeat(frame, 2, axis=0), 2, axis=1)


def write_mp4(path: PathLike, frames: Iterator[np.ndarray], count: int, duration_ms: int, loop: int) -> None:
    imageio_ffmpeg = require("imageio_ffmpeg", "train", "writing MP4")
    started: list = []  # the ffmpeg writer, once the first frame gives the size
    try:
        _send_frames(imageio_ffmpeg, path, frames, duration_ms, started)
    finally:
        for writer in started:  # ffmpeg exits (and stops writing) on an error too
            writer.close()


def _send_frames(
    ffmpeg: Any, path: PathLike, frames: Iterator[np.ndarray], duration_ms: int, started: list
) -> None:
    writer = None
    for frame in frames:
        frame = _doubled(frame)
        if writer is None:
            writer = ffmpeg.write_frames(
                os.fspath(path),
                (frame.shape[1], frame.shape[0]),
                pix_fmt_in="gray" if frame.ndim == 2 else "rgb24",
                fps=1000.0 / duration_ms,
                codec="libx264",
                quality=9,  # crf 5: small codec error on sharp tile edges
                macro_block_size=1,
                ffmpeg_log_level="error",
                output_params=["-f", "mp4"],  # the temporary name has no .mp4 to go by
            )
            started.append(writer)
            writer.send(None)
        writer.send(np.ascontiguousarray(frame).tobytes())


WRITERS = {"GIF": write_gif, "APNG": write_apng, "WebP": write_webp, "MP4": write_mp4}
