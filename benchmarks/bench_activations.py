"""Activations (issue 18): top_examples over a large stream, and feature maps against a
forward hook + make_grid, in one run.

    python benchmarks/bench_activations.py                 # 50,000 inputs x 256 channels
    python benchmarks/bench_activations.py --inputs 5000   # a quick look

top_examples: the 256-channel output of one 1x1 conv (cheap), one 3x3 conv, and four 3x3
convs (a small network), each followed by a ReLU, on 8x8 inputs of 32 channels, in
batches of 500 drawn from a small pool (so the dataset itself costs no memory). The
overhead is measured inside each run, so that the load of this shared machine hits both
sides alike: hooks time the model's own forward (pre-hook to the last layer's output,
before fasttile's hook), and everything else top_examples spends is fasttile's; the
median of the runs' ratios is shown. Peak extra memory: the process's peak RSS during
top_examples minus its RSS before.

Feature maps: a 512-channel 56x56 layer for a batch of 8 (a 1x1 conv on 64 channels).
The torchvision wheel on this machine is a CUDA build that cannot load, so its make_grid
(normalize=True, scale_each=True: a Python loop normalizing each map, then a loop
copying each into the grid) and save_image's conversion to uint8 are written out here
in plain torch, step for step; a vectorized torch version is shown too. Each figure is
the median of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import time

import numpy as np
import torch

import fasttile


def median_seconds(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


# ------------------------------------------------------------------ top_examples


def stream(pool: list, inputs: int, batch: int):
    for i, start in enumerate(range(0, inputs, batch)):
        yield pool[i % len(pool)][: min(batch, inputs - start)]


def forward_clock(model: torch.nn.Module) -> dict:
    """Time spent in the model's own forward during a run: from the model's pre-hook to
    the last layer's output, before any hook registered later (fasttile's) runs on it."""
    spent = {"forward": 0.0, "start": 0.0}
    model.register_forward_pre_hook(lambda *_: spent.update(start=time.perf_counter()))
    model[-1].register_forward_hook(
        lambda *_: spent.update(forward=spent["forward"] + time.perf_counter() - spent["start"])
    )
    return spent


def conv_stack(widths: list[int], kernel: int) -> torch.nn.Sequential:
    """Convolutions (each followed by a ReLU) through `widths` channels, 8x8 maps kept."""
    layers: list[torch.nn.Module] = []
    for cin, cout in zip(widths, widths[1:]):
        layers += [torch.nn.Conv2d(cin, cout, kernel, padding=kernel // 2), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers).eval()


MODELS = {  # name: (channel widths, kernel); top_examples watches the last ReLU (256 channels)
    "one 1x1 conv": ([32, 256], 1),
    "one 3x3 conv": ([32, 256], 3),
    "four 3x3 convs": ([32, 64, 128, 256, 256], 3),
}


def bench_top_examples(inputs: int, repeat: int, name: str) -> None:
    torch.manual_seed(0)
    widths, kernel = MODELS[name]
    model = conv_stack(widths, kernel)
    last = str(len(model) - 1)
    pool = [torch.randn(500, 32, 8, 8) for _ in range(4)]
    spent = forward_clock(model)

    def run() -> tuple[float, float]:
        spent["forward"] = 0.0
        start = time.perf_counter()
        fasttile.top_examples(model, stream(pool, inputs, 500), last, k=9)
        total = time.perf_counter() - start
        return total, spent["forward"]

    before = rss_bytes()
    run()  # warm, and the memory figure
    peak_extra = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    runs = [run() for _ in range(repeat)]
    total = statistics.median(t for t, _ in runs)
    forward = statistics.median(f for _, f in runs)
    overhead = statistics.median(100 * (t - f) / f for t, f in runs)  # each run against itself
    print(f"top_examples: {inputs:,} inputs x 256 channels (8x8 maps), the last ReLU of {name}, k=9")
    print(f"  top_examples(model, data, layer) total   {total:8.3f} s")
    print(f"  of which the model's forward             {forward:8.3f} s")
    print(f"  fasttile's overhead (rest / forward)     {overhead:8.1f} %")
    print(f"  peak extra memory                        {peak_extra / 2**20:8.1f} MB (peak RSS - RSS before)")


# ------------------------------------------------------------------ feature maps


def make_grid_like_torchvision(maps: torch.Tensor, nrow: int, padding: int) -> torch.Tensor:
    """torchvision.utils.make_grid(maps, nrow, padding, normalize=True, scale_each=True),
    step for step: gray maps become 3 channels, each map is normalized in a Python loop,
    then copied into its cell in another."""
    maps = torch.cat((maps, maps, maps), 1)
    maps = maps.clone()
    for t in maps:
        low, high = float(t.min()), float(t.max())
        t.clamp_(min=low, max=high)
        t.sub_(low).div_(max(high - low, 1e-5))
    n = maps.size(0)
    xmaps = min(nrow, n)
    ymaps = int(math.ceil(float(n) / xmaps))
    height, width = int(maps.size(2) + padding), int(maps.size(3) + padding)
    grid = maps.new_full((3, height * ymaps + padding, width * xmaps + padding), 0.0)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= n:
                break
            grid.narrow(1, y * height + padding, height - padding).narrow(
                2, x * width + padding, width - padding
            ).copy_(maps[k])
            k += 1
    return grid


def to_uint8_like_save_image(grid: torch.Tensor) -> np.ndarray:
    return grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", torch.uint8).numpy()


def vectorized_torch(acts: torch.Tensor, padding: int) -> np.ndarray:
    """What an expert writes in torch: one min/max per map, one scale, one strided copy."""
    n, c, h, w = acts.shape
    low = acts.amin(dim=(2, 3), keepdim=True)
    high = acts.amax(dim=(2, 3), keepdim=True)
    levels = ((acts - low) * (255.0 / (high - low).clamp_min(1e-12)) + 0.5).floor_().clamp_(0, 255)
    out = torch.zeros(n * (h + padding) + padding, c * (w + padding) + padding, dtype=torch.uint8)
    cells = out[padding:, padding:].unfold(0, h, h + padding).unfold(1, w, w + padding)
    cells.copy_(levels.to(torch.uint8))
    return out.numpy()


def bench_feature_maps(repeat: int) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(64, 512, 1), torch.nn.ReLU()).eval()
    x = torch.randn(8, 64, 56, 56)
    acts = fasttile.capture(model, x, "0")["0"]
    tensor = torch.from_numpy(acts)

    def hook_and_make_grid():
        kept = {}
        handle = model[0].register_forward_hook(lambda m, i, o: kept.update(maps=o.detach()))
        with torch.no_grad():
            model(x)
        handle.remove()
        flat = kept["maps"].reshape(-1, 1, 56, 56)
        return to_uint8_like_save_image(make_grid_like_torchvision(flat, nrow=512, padding=1))

    with torch.no_grad():
        t_forward = median_seconds(lambda: model(x), repeat)
    t_render = median_seconds(lambda: fasttile.render(acts, layout="nchw"), repeat)
    t_vector = median_seconds(lambda: vectorized_torch(tensor, 1), repeat)
    t_grid = median_seconds(
        lambda: to_uint8_like_save_image(make_grid_like_torchvision(tensor.reshape(-1, 1, 56, 56), 512, 1)),
        repeat,
    )
    t_fm = median_seconds(lambda: fasttile.feature_maps(model, x, "0"), repeat)
    t_hook = median_seconds(hook_and_make_grid, repeat)
    shape = fasttile.render(acts, layout="nchw").shape
    print(f"feature maps: batch of 8, 512 channels of 56x56 -> {shape[1]} x {shape[0]} mosaic")
    print(f"  model forward alone                 {1e3 * t_forward:9.1f} ms")
    print(f"  render(acts, layout='nchw')         {1e3 * t_render:9.1f} ms")
    print(f"  make_grid + save_image's uint8      {1e3 * t_grid:9.1f} ms   {t_grid / t_render:6.1f}x")
    print(f"  vectorized torch (amin/amax/copy)   {1e3 * t_vector:9.1f} ms   {t_vector / t_render:6.1f}x")
    print(f"  feature_maps(model, x, layer)       {1e3 * t_fm:9.1f} ms")
    print(f"  forward hook + make_grid + uint8    {1e3 * t_hook:9.1f} ms   {t_hook / t_fm:6.1f}x")
    print("  (ratios: the line's time over fasttile's, render or feature_maps above it)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the kernel takes all cores)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for name in MODELS:  # from a cheap layer to a small network
        bench_top_examples(args.inputs, args.repeat, name)
    bench_feature_maps(args.repeat)


if __name__ == "__main__":
    main()
