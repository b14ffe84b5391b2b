"""Damaged, hostile and wrong files: each gives one line naming the file and what is
wrong with it (Python: LoadError; command line: exit 2), never a traceback, a
library's raw text alone, terminal escape codes, or memory filled by a lying header."""

import io
import struct
import zipfile

import numpy as np
import pytest

import fasttile
from fasttile.cli import app as cli

rng = np.random.default_rng(8)
W = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)


def npy_bytes(arr=W):
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def npy_with_header(header: str, data: bytes = b"", major: int = 1, length=None) -> bytes:
    text = header.encode("latin1")
    size = struct.pack("<H" if major == 1 else "<I", len(text) if length is None else length)
    return b"\x93NUMPY" + bytes([major, 0]) + size + text + data


def npz_bytes(compressed=False, **arrays):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **(arrays or {"w": W}))
    return buf.getvalue()


def zip_claiming_huge_member() -> bytes:
    """A deflated .npz whose directory claims its member inflates to 4 GB."""
    raw = bytearray(npz_bytes(compressed=True, w=np.zeros((64, 64), np.float32)))
    central = raw.index(b"PK\x01\x02")
    raw[central + 24 : central + 28] = struct.pack("<I", 0xFFFFFFF0)
    raw[22:26] = struct.pack("<I", 0xFFFFFFF0)  # the local header agrees
    return bytes(raw)


def npz_member(data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("w.npy", data)
    return buf.getvalue()


def safetensors_bytes(header: dict, data: bytes) -> bytes:
    import json

    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


GOOD_ST = safetensors_bytes({"w": {"dtype": "F32", "shape": [8, 27], "data_offsets": [0, 864]}}, W.tobytes())
NOISE = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()

CASES = [
    ("empty.npy", b"", "truncated"),
    ("cut.npy", npy_bytes()[:200], "truncated"),
    ("noise.npy", b"\x01" + NOISE, "not an .npy file"),
    ("text.npy", b"just some text, not an array\n" * 20, "not an .npy file"),
    ("hugeheader.npy", npy_with_header("{", major=2, length=2**31), "header too large"),
    (
        "shape.npy",
        npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", b"\0" * 64),
        "truncated: the header describes a (100000, 100000) float32 array",
    ),
    ("badheader.npy", npy_with_header("__import__('os').system('true')"), "damaged .npy header"),
    ("pickled.npy", None, "pickled Python objects"),
    ("cut.npz", npz_bytes()[:-30], "truncated"),
    ("noise.npz", b"\x01" + NOISE, "not an .npz archive"),
    ("text.npz", b"hello\n" * 10, "not an .npz archive"),
    ("bomb.npz", zip_claiming_huge_member(), "more than deflate can produce"),
    ("member.npz", npz_member(b"not an npy member"), "member 'w.npy'): not an .npy file"),
    ("membershape.npz", npz_member(npy_bytes()[:-40]), "member 'w.npy'): truncated"),
    ("pickledmember.npz", npz_member(npy_bytes(np.array([{}], dtype=object))), "pickled Python objects"),
    ("noise.safetensors", b"\xff" * 8 + NOISE, "header too large"),
    ("text.safetensors", b"this is a text file, not tensors\n", "header too large"),
    ("claims.safetensors", struct.pack("<Q", 10**6) + b"{}", "truncated: the header claims 1,000,000 bytes"),
    ("cut.safetensors", GOOD_ST[:-100], "truncated: tensor 'w'"),
    ("json.safetensors", struct.pack("<Q", 8) + b"[1, 2,  ", "not a safetensors file"),
    ("tiny.safetensors", b"\x01\x02", "truncated"),
    ("noise.pt", b"\x01" + NOISE, "not a PyTorch checkpoint"),
    ("zip.pt", npz_bytes(), "not a PyTorch checkpoint (a zip archive without data.pkl)"),
    ("noise.h5", b"\x01" + NOISE, "not an HDF5 file"),
    ("noise.keras", b"\x01" + NOISE, "not an HDF5 file"),
]


def _write(tmp_path, name, data):
    path = tmp_path / name
    if data is None:  # a real object array, as np.save(allow_pickle=True) writes it
        np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    else:
        path.write_bytes(data)
    return path


def assert_one_line_error(capsys, argv, path, fragment):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fasttile: error: "), err
    assert str(path) in lines[0] and fragment in lines[0]
    assert "\x1b" not in err and "Traceback" not in err


@pytest.mark.parametrize("name, data, fragment", CASES, ids=[c[0] for c in CASES])
def test_corrupt_file_one_line_exit_2(tmp_path, capsys, name, data, fragment):
    if name.endswith((".h5", ".keras")):
        pytest.importorskip("h5py")
    if name.endswith(".pt"):
        pytest.importorskip("torch")
    path = _write(tmp_path, name, data)
    with pytest.raises(fasttile.LoadError, match=None) as info:
        fasttile.keys(path)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert_one_line_error(capsys, ["ls", path], path, fragment)
    assert_one_line_error(capsys, ["render", path, "-o", tmp_path / "x.png"], path, fragment)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_truncated_torch_checkpoint(tmp_path, capsys, torch):
    torch.save({"w": torch.from_numpy(W)}, tmp_path / "full.pt")
    data = (tmp_path / "full.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    assert_one_line_error(capsys, ["ls", tmp_path / "cut.pt"], tmp_path / "cut.pt", "truncated")


def test_whole_pickled_model_says_save_state_dict(tmp_path, capsys, torch):
    torch.save(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3)), tmp_path / "model.pt")
    assert_one_line_error(
        capsys,
        ["render", tmp_path / "model.pt"],
        tmp_path / "model.pt",
        "holds a whole pickled model (torch.nn.modules.container.Sequential), which fasttile never "
        "unpickles; save model.state_dict() instead",
    )


def test_pickled_objects_named_only_when_present(tmp_path, capsys, torch):
    torch.save({"w": np.zeros(3)}, tmp_path / "numpy.pt")  # a real pickled NumPy array
    assert_one_line_error(
        capsys, ["ls", tmp_path / "numpy.pt"], tmp_path / "numpy.pt", "pickled Python objects"
    )


def test_truncated_hdf5(tmp_path, capsys):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "full.h5", "w") as f:
        f["w"] = W
    data = (tmp_path / "full.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[:1000])
    assert_one_line_error(
        capsys, ["ls", tmp_path / "cut.h5"], tmp_path / "cut.h5", "truncated or damaged HDF5"
    )


def test_compressed_member_with_damaged_data(tmp_path):
    raw = bytearray(npz_bytes(compressed=True, w=rng.standard_normal(5000).astype(np.float32)))
    start = raw.index(b"PK\x01\x02")
    raw[start - 200 : start - 100] = bytes(100)  # inside the deflated stream, after the header
    (tmp_path / "d.npz").write_bytes(bytes(raw))
    assert "w" in fasttile.keys(tmp_path / "d.npz")  # the header is fine
    with pytest.raises(fasttile.LoadError, match="d.npz"):
        fasttile.load(tmp_path / "d.npz", "w")


def _valid_files(folder):
    """One small valid file of every format."""
    np.save(folder / "a.npy", W)
    np.savez(folder / "a.npz", w=W, b=W[0])
    np.savez_compressed(folder / "c.npz", w=W, b=W[0])
    pytest.importorskip("safetensors.numpy").save_file({"w": W, "b": W[0]}, str(folder / "a.safetensors"))
    h5py = pytest.importorskip("h5py")
    with h5py.File(folder / "a.h5", "w") as f:
        f["w"] = W
        f.create_dataset("c", data=W, chunks=(2, 3, 3, 3), compression="gzip")
    with zipfile.ZipFile(folder / "a.keras", "w") as z:
        z.write(folder / "a.h5", "model.weights.h5")
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.from_numpy(W)}, folder / "a.pt")
    return sorted(p for p in folder.iterdir())


def _mutate(data: bytes, r) -> bytes:
    d = bytearray(data)
    kind = r.choice(["cut", "flip", "zero"])
    if kind == "cut":
        return bytes(d[: r.randrange(len(d))])
    if kind == "flip":
        for _ in range(r.randint(1, 8)):
            d[r.randrange(len(d))] = r.randrange(256)
    else:
        at = r.randrange(len(d))
        d[at : at + 64] = bytes(len(d[at : at + 64]))
    return bytes(d)


def test_damaged_files_only_ever_raise_one_line_load_errors(tmp_path):
    """Seeded random damage (cuts, flipped bytes, zeroed runs) to a file of every format:
    reading it either works or raises a one-line LoadError naming the file; nothing else
    (zipfile, zlib, h5py, torch errors) escapes."""
    import random

    r = random.Random(12)
    originals = tmp_path / "valid"
    originals.mkdir()
    for original in _valid_files(originals):
        data = original.read_bytes()
        for i in range(25):
            damaged = tmp_path / f"{i}{original.suffix}"
            damaged.write_bytes(_mutate(data, r))
            try:
                for key in fasttile.keys(damaged):
                    np.asarray(fasttile.load(damaged, key))
            except fasttile.LoadError as exc:
                assert str(damaged) in str(exc) and "\n" not in str(exc)
