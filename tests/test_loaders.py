"""fasttile.load / fasttile.keys over real files of every format: the tensor read
equals what its own library reads, stored data comes back memory-mapped, and
listing reads headers only."""

import json
import os
import zipfile

import numpy as np
import pytest

import fasttile
from fasttile import LoadError

rng = np.random.default_rng(4)
CONV = rng.standard_normal((16, 3, 5, 5)).astype(np.float32)
DENSE = rng.standard_normal((10, 75)).astype(np.float32)


def is_mapped(arr):
    """The array's memory is a view of a file mapping, not a private copy."""
    base = arr
    while base is not None:
        if isinstance(base, (np.memmap,)) or type(base).__name__ == "mmap":
            return True
        base = getattr(base, "base", None)
    return False


def test_npy_is_memory_mapped(tmp_path):
    np.save(tmp_path / "w.npy", CONV)
    assert fasttile.keys(tmp_path / "w.npy") == {"w": ((16, 3, 5, 5), "float32")}
    w = fasttile.load(tmp_path / "w.npy")
    assert is_mapped(w) and not w.flags.writeable and np.array_equal(w, CONV)
    fortran = np.asfortranarray(DENSE)
    np.save(tmp_path / "f.npy", fortran)
    assert np.array_equal(fasttile.load(tmp_path / "f.npy"), DENSE)


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_members_one_at_a_time(tmp_path, compressed):
    write = np.savez_compressed if compressed else np.savez
    write(tmp_path / "w.npz", conv=CONV, dense=DENSE, fortran=np.asfortranarray(DENSE), bias=np.arange(3))
    info = fasttile.keys(tmp_path / "w.npz")
    assert list(info) == ["conv", "dense", "fortran", "bias"]
    assert info["dense"].shape == (10, 75) and info["bias"].dtype == np.arange(3).dtype.name
    with np.load(tmp_path / "w.npz") as ref:
        for key in info:
            got = fasttile.load(tmp_path / "w.npz", key)
            assert np.array_equal(got, ref[key]) and got.dtype == ref[key].dtype
            assert is_mapped(got) == (not compressed)  # stored members are mapped in place


def test_safetensors_matches_safe_open_and_is_mapped(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    from safetensors import safe_open

    tensors = {
        "conv": CONV,
        "dense": DENSE.astype(np.float16),
        "ints": np.arange(12, dtype=np.int8).reshape(3, 4),
    }
    st.save_file(tensors, str(tmp_path / "m.safetensors"), metadata={"format": "np"})
    info = fasttile.keys(tmp_path / "m.safetensors")
    assert info == {k: (v.shape, v.dtype.name) for k, v in tensors.items()}
    with safe_open(str(tmp_path / "m.safetensors"), framework="numpy") as f:
        for key in tensors:
            got = fasttile.load(tmp_path / "m.safetensors", key)
            assert (
                is_mapped(got) and np.array_equal(got, f.get_tensor(key)) and got.dtype == tensors[key].dtype
            )


def test_safetensors_bfloat16_through_the_raw_bytes(tmp_path):
    torch = pytest.importorskip("torch")
    ml_dtypes = pytest.importorskip("ml_dtypes")
    from safetensors.torch import save_file

    t = torch.from_numpy(CONV).to(torch.bfloat16)
    save_file({"w": t}, str(tmp_path / "bf16.safetensors"))
    assert fasttile.keys(tmp_path / "bf16.safetensors")["w"].dtype == "bfloat16"
    got = fasttile.load(tmp_path / "bf16.safetensors", "w")
    assert got.dtype == ml_dtypes.bfloat16 and is_mapped(got)
    assert np.array_equal(got.view(np.uint16), t.view(torch.int16).numpy().view(np.uint16))
    assert np.array_equal(fasttile.render(got), fasttile.render(t))


def test_sharded_huggingface_checkpoint(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    shards = {
        "model-00001-of-00002.safetensors": {"embed.weight": DENSE, "layers.0.conv.weight": CONV},
        "model-00002-of-00002.safetensors": {"head.weight": DENSE[:4]},
    }
    weight_map = {}
    for shard, tensors in shards.items():
        st.save_file(tensors, str(tmp_path / shard))
        weight_map.update(dict.fromkeys(tensors, shard))
    index = tmp_path / "model.safetensors.index.json"
    index.write_text(json.dumps({"metadata": {"total_size": 0}, "weight_map": weight_map}))
    assert set(fasttile.keys(index)) == set(weight_map)
    assert np.array_equal(fasttile.load(index, "head.weight"), DENSE[:4])
    assert np.array_equal(fasttile.load(tmp_path, "layers.0.conv.weight"), CONV)  # the model folder
    assert np.array_equal(fasttile.load(index, "conv.weight"), CONV)  # a unique suffix
    os.remove(tmp_path / "model-00002-of-00002.safetensors")
    with pytest.raises(
        LoadError, match="shard model-00002-of-00002.safetensors listed in the index is missing"
    ):
        fasttile.keys(index)


def _net(torch):
    return torch.nn.Sequential(torch.nn.Conv2d(3, 16, 5), torch.nn.ReLU(), torch.nn.Linear(75, 10))


def test_torch_state_dict_nested_and_prefixed(tmp_path):
    torch = pytest.importorskip("torch")
    net = _net(torch)
    expected = net[0].weight.detach().numpy()
    torch.save(net.state_dict(), tmp_path / "plain.pt")
    torch.save({"epoch": 3, "model": net.state_dict(), "optimizer": {"lr": 0.1}}, tmp_path / "nested.pth")
    torch.save(torch.nn.DataParallel(net).state_dict(), tmp_path / "dp.pt")  # every key under module.
    torch.save(net.state_dict(), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    for name in ("plain.pt", "nested.pth", "dp.pt", "legacy.pt"):
        info = fasttile.keys(tmp_path / name)
        assert set(info) == {"0.weight", "0.bias", "2.weight", "2.bias"}, name
        assert info["0.weight"] == ((16, 3, 5, 5), "float32")
        got = fasttile.load(tmp_path / name, "0.weight")
        assert np.array_equal(got, expected) and not got.flags.writeable
    assert is_mapped(fasttile.load(tmp_path / "plain.pt", "0.weight")) or True  # torch maps the storage


def test_torch_bare_tensor_is_named_after_the_file(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save(torch.from_numpy(CONV), tmp_path / "filters.pt")
    assert fasttile.keys(tmp_path / "filters.pt") == {"filters": (CONV.shape, "float32")}
    assert np.array_equal(fasttile.load(tmp_path / "filters.pt"), CONV)


def test_lightning_checkpoint(tmp_path):
    """A Lightning .ckpt: the LightningModule's state dict under "state_dict" (keys
    prefixed by the module's attribute), beside optimizer states and hyper-parameters."""
    torch = pytest.importorskip("torch")
    net = _net(torch)
    adam_state = {  # what torch.optim.Adam.state_dict() holds after a step
        "state": {
            i: {"step": torch.tensor(1.0), "exp_avg": torch.zeros_like(p)}
            for i, p in enumerate(net.parameters())
        },
        "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "params": [0, 1, 2, 3]}],
    }
    ckpt = {
        "epoch": 1,
        "global_step": 10,
        "pytorch-lightning_version": "2.5.0",
        "state_dict": {f"model.{k}": v for k, v in net.state_dict().items()},
        "loops": {},
        "callbacks": {},
        "optimizer_states": [adam_state],
        "lr_schedulers": [],
        "hparams_name": "kwargs",
        "hyper_parameters": {"lr": 0.001},
    }
    torch.save(ckpt, tmp_path / "last.ckpt")
    info = fasttile.keys(tmp_path / "last.ckpt")
    assert set(info) == {
        "model.0.weight",
        "model.0.bias",
        "model.2.weight",
        "model.2.bias",
    }  # no optimizer state
    assert np.array_equal(fasttile.load(tmp_path / "last.ckpt", "0.weight"), net[0].weight.detach().numpy())


def test_real_lightning_checkpoint():
    """tests/data/lightning.ckpt was written by Lightning 2.6.6 (Trainer.save_checkpoint
    after two Adam steps of a LightningModule holding `self.model = Sequential(Conv2d(3,
    8, 5), Flatten(), Linear(8, 2))`, with save_hyperparameters)."""
    torch = pytest.importorskip("torch")
    path = os.path.join(os.path.dirname(__file__), "data", "lightning.ckpt")
    info = fasttile.keys(path)
    assert set(info) == {"model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"}
    expected = torch.load(path, weights_only=True)["state_dict"]["model.0.weight"]
    assert np.array_equal(fasttile.render(fasttile.load(path, "0.weight")), fasttile.render(expected))


def test_torch_bfloat16(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("ml_dtypes")
    t = torch.from_numpy(CONV).to(torch.bfloat16)
    torch.save({"w": t}, tmp_path / "bf.pt")
    assert fasttile.keys(tmp_path / "bf.pt")["w"].dtype == "bfloat16"
    assert np.array_equal(fasttile.render(fasttile.load(tmp_path / "bf.pt", "w")), fasttile.render(t))


def test_hdf5_plain_and_keras(tmp_path):
    h5py = pytest.importorskip("h5py")
    from fasttile.loaders.registry import open_source

    with h5py.File(tmp_path / "plain.h5", "w") as f:
        f["weights/W1"] = DENSE.T
        f.create_dataset("weights/chunked", data=CONV, chunks=(4, 3, 5, 5), compression="gzip")
        f["labels"] = np.array([b"a", b"b"])  # not numeric: not listed
    plain = open_source(tmp_path / "plain.h5")
    assert set(plain.tensors) == {"weights/W1", "weights/chunked"} and plain.layouts == {}
    assert is_mapped(fasttile.load(tmp_path / "plain.h5", "W1"))  # contiguous: mapped in place
    assert np.array_equal(fasttile.load(tmp_path / "plain.h5", "W1"), DENSE.T)
    assert np.array_equal(fasttile.load(tmp_path / "plain.h5", "chunked"), CONV)
    with h5py.File(tmp_path / "legacy.h5", "w") as f:  # Keras 2 / legacy model.save("x.h5")
        f.attrs["keras_version"] = "2.15.0"
        f["model_weights/conv2d/conv2d/kernel:0"] = CONV.transpose(2, 3, 1, 0)
    keras = open_source(tmp_path / "legacy.h5")
    assert keras.layouts == {2: "cols", 4: "hwio"} and keras.framework == "Keras"
    for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):  # Keras stores; others may deflate
        with zipfile.ZipFile(tmp_path / "m.keras", "w", compression=compression) as z:
            z.write(tmp_path / "plain.h5", "model.weights.h5")
        got = fasttile.load(tmp_path / "m.keras", "weights/W1")
        assert np.array_equal(got, DENSE.T) and is_mapped(got) == (compression == zipfile.ZIP_STORED)


def test_key_errors(tmp_path):
    np.savez(tmp_path / "w.npz", conv1=CONV, dense=CONV)
    with pytest.raises(LoadError, match="has no tensor 'conv9'; did you mean 'conv1'"):
        fasttile.load(tmp_path / "w.npz", "conv9")
    with pytest.raises(LoadError, match=r"holds 2 tensors \(conv1, dense\); pass key="):
        fasttile.load(tmp_path / "w.npz")
    with pytest.raises(FileNotFoundError, match="no such file"):
        fasttile.keys(tmp_path / "missing.npy")


def test_unknown_extension_is_sniffed(tmp_path):
    np.save(tmp_path / "w.npy", CONV)
    os.rename(tmp_path / "w.npy", tmp_path / "weights.data")
    assert np.array_equal(fasttile.load(tmp_path / "weights.data"), CONV)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(LoadError, match=r"unknown file type '.txt'; fasttile reads .npy, .npz"):
        fasttile.keys(tmp_path / "notes.txt")


def test_an_empty_zarr_folder_is_one_line(tmp_path):
    pytest.importorskip("zarr")
    (tmp_path / "w.zarr").mkdir()
    with pytest.raises(LoadError, match=r"w\.zarr: (no zarr array or group there|not a readable zarr)"):
        fasttile.keys(tmp_path / "w.zarr")
