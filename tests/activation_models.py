"""Small real models for the activation tests, built or trained in seconds.

torchvision's wheel on this machine is a CUDA build that cannot load next to the CPU
torch, so `resnet_like` rebuilds ResNet-18's first stages in plain torch with
torchvision's module names (conv1, bn1, relu, maxpool, layer1.0.conv1, ..., fc).
"""

from __future__ import annotations

import functools

import numpy as np


def resnet_like(seed: int = 0):
    import torch
    from torch import nn

    class BasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                shortcut = nn.Conv2d(cin, cout, 1, stride, bias=False)
                self.downsample = nn.Sequential(shortcut, nn.BatchNorm2d(cout))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + identity)

    class ResNetLike(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 16, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.layer1 = nn.Sequential(BasicBlock(16, 16, 1), BasicBlock(16, 16, 1))
            self.layer2 = nn.Sequential(BasicBlock(16, 32, 2), BasicBlock(32, 32, 1))
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(32, 10)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer2(self.layer1(x))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    torch.manual_seed(seed)
    model = ResNetLike()
    with torch.no_grad():  # BatchNorm statistics away from the identity, as after training
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    return model


def digits():
    """scikit-learn's 8x8 digits as (N, 1, 8, 8) float32 in 0..1, and labels."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.images / 16.0).astype(np.float32)[:, None], data.target


@functools.lru_cache(maxsize=1)
def digits_cnn():
    """A small CNN trained for a few epochs on the digits (about a second on one core)."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 16, 10),
    )
    images, labels = digits()
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(4):
        for start in range(0, len(x), 64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[start : start + 64]), y[start : start + 64]).backward()
            opt.step()
    return model.eval()


def digits_onnx(path):
    """The digits CNN's two convolutions as an ONNX graph built with onnx.helper:
    x -> conv1 -> relu1 -> conv2 -> relu2 -> pool (global average), written to `path`."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    cnn = digits_cnn()
    weights = {
        "w1": cnn[0].weight, "b1": cnn[0].bias, "w2": cnn[2].weight, "b2": cnn[2].bias,
    }  # fmt: skip
    inits = [numpy_helper.from_array(t.detach().numpy(), name) for name, t in weights.items()]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["t_conv1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["t_conv1"], ["t_relu1"], name="relu1"),
        helper.make_node("Conv", ["t_relu1", "w2", "b2"], ["t_conv2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["t_conv2"], ["t_relu2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["t_relu2"], ["t_pool"], name="pool"),
    ]
    graph = helper.make_graph(
        nodes,
        "digits",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 1, 8, 8])],
        [helper.make_tensor_value_info("t_pool", TensorProto.FLOAT, ["n", 32, 1, 1])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by older onnxruntime releases too
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
