"""Saving and loading .npz archives: any name round-trips; hostile files are refused by their
headers, with a ValueError naming the problem, bounded memory, and the model left unchanged."""
from __future__ import annotations

import io
import pickle
import tracemalloc
import warnings
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autodiff import Tensor
from nn.archive import NpzReader

MB = 1 << 20


class Named(nn.Module):
    """Parameters stored under the given top-level names (any strings), plus an MLP."""

    def __init__(self, names: list[str], rng: int = 0) -> None:
        gen = np.random.default_rng(rng)
        vars(self).update({name: Tensor(gen.normal(size=2), requires_grad=True)
                           for name in names})
        self.net = nn.MLP(2, [3, 1], rng=rng)


def _npy(shape: tuple, payload: bytes | None = None, descr: str = "<f8",
         fortran: bool = False) -> bytes:
    """A .npy entry: a real header declaring shape and descr, then payload (zeros by default)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": fortran,
                                               "shape": shape})
    if payload is None:
        payload = bytes(int(np.prod(shape)) * np.dtype(descr).itemsize)
    return buf.getvalue() + payload


def _npz(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    """A zip of NAME.npy entries holding the given bytes, written without numpy's checks."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name + ".npy", data, method)
    return path


def _entries(model: nn.Module) -> dict[str, bytes]:
    """The model's parameters as valid .npy entries."""
    return {name: _npy(a.shape, a.tobytes()) for name, a in model.state_dict().items()}


def _forge_size(path: Path, entry: str, size: int) -> None:
    """Rewrite the uncompressed size the zip declares for entry, in both headers that hold it."""
    data, name = bytearray(path.read_bytes()), entry.encode()
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(entry).header_offset
    central = next(i for i in range(len(data)) if data[i:i + 4] == b"PK\x01\x02"
                   and data[i + 46:i + 46 + len(name)] == name)
    data[local + 22:local + 26] = size.to_bytes(4, "little")
    data[central + 24:central + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def _peak(action: Callable[[], None]) -> int:
    """The most bytes allocated (as tracemalloc counts them) while action runs."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        action()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def _refused(model: nn.Module, path: Path, match: str) -> int:
    """Load path into model, which must raise a ValueError matching `match` and change nothing;
    return the peak bytes allocated while loading."""
    before = model.state_dict()

    def load() -> None:
        with pytest.raises(ValueError, match=match):
            model.load(path)

    peak = _peak(load)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)
    return peak


def _round_trips(source: nn.Module, target: nn.Module, path: Path) -> None:
    source.save(path)
    target.load(path)
    assert [n for n, _ in target.named_parameters()] == [n for n, _ in source.named_parameters()]
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


# --- saving: any name ---------------------------------------------------------------------------

def test_names_numpy_savez_cannot_take_round_trip(tmp_path):
    names = ["file", "allow_pickle", "a/b", "c.d", "layers.0.weight", "ünï", ""]
    _round_trips(Named(names, rng=1), Named(names, rng=2), tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz") as archive:  # still a plain .npz for numpy
        assert archive.files == [name for name, _ in Named(names).named_parameters()]
        np.testing.assert_array_equal(archive["file"], Named(names, rng=1).file.data)


@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
                        max_size=12).filter(lambda name: not name.startswith("net")
                                            and not hasattr(nn.Module, name)),
                max_size=4, unique=True))
def test_any_name_round_trips(tmp_path_factory, names):
    _round_trips(Named(names, rng=1), Named(names, rng=2),
                 tmp_path_factory.mktemp("names") / "model.npz")


def test_a_name_a_zip_cannot_hold_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match=r"'a\\x00b'.*NUL"):
        Named(["a\0b"]).save(tmp_path / "nul.npz")
    assert not (tmp_path / "nul.npz").exists()


def test_save_adds_the_suffix_and_load_finds_it(tmp_path):
    _round_trips(nn.MLP(2, [3, 1], rng=1), nn.MLP(2, [3, 1], rng=2), tmp_path / "model")
    assert (tmp_path / "model.npz").exists() and not (tmp_path / "model").exists()


# --- loading what numpy writes --------------------------------------------------------------------

@pytest.mark.parametrize("savez", [np.savez, np.savez_compressed])
def test_files_numpy_writes_load(tmp_path, savez):
    source, target = nn.MLP(2, [3, 1], rng=1), nn.MLP(2, [3, 1], rng=2)
    savez(tmp_path / "numpy.npz", **source.state_dict())
    target.load(tmp_path / "numpy.npz")
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


def test_fortran_order_entries_load(tmp_path):
    model = nn.Linear(3, 2, rng=0)
    weight = np.asfortranarray(np.arange(6.0).reshape(model.weight.shape))
    np.savez(tmp_path / "f.npz", weight=weight, bias=np.ones(2))
    model.load(tmp_path / "f.npz")
    np.testing.assert_array_equal(model.weight.data, weight)


def test_loading_uses_no_memory_beyond_the_model(tmp_path):
    model = nn.Linear(1000, 1000, rng=0)  # 8 MB of weights
    model.save(tmp_path / "big.npz")
    size = sum(p.data.nbytes for p in model.parameters())
    assert _peak(lambda: model.load(tmp_path / "big.npz")) < size + MB


# --- files that are not archives --------------------------------------------------------------------

@pytest.mark.parametrize("content, match", [
    (b"", r"empty file"),
    (pickle.dumps({"weight": [1.0, 2.0]}), r"not an .npz archive"),
    (b"weight,bias\n1,2\n", r"not an .npz archive"),
    (_npy((2,)), r"not an .npz archive \(a single .npy array\)"),
])
def test_what_is_not_an_archive_is_named(tmp_path, content, match):
    (tmp_path / "x.npz").write_bytes(content)
    _refused(nn.Neuron(1), tmp_path / "x.npz", match)


# --- hostile or damaged entries -------------------------------------------------------------------

def test_unexpected_zip_bomb_is_never_inflated(tmp_path):
    model = nn.Neuron(3)
    entries = dict(_entries(model), bomb=_npy((10 ** 7,)))  # 80 MB of zeros, deflated to 78 kB
    path = _npz(tmp_path / "bomb.npz", entries, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 100_000
    assert _refused(model, path, r"unexpected 'bomb'") < MB


def test_expected_zip_bomb_with_forged_sizes_inflates_only_the_expected_bytes(tmp_path):
    model = nn.Neuron(3)
    entries = dict(_entries(model), weight=_npy((3, 1), bytes(8 * 10 ** 7)))
    path = _npz(tmp_path / "bomb.npz", entries, zipfile.ZIP_DEFLATED)
    assert _refused(model, path, r"corrupt entry 'weight'.*holds 80000000") < MB
    _forge_size(path, "weight.npy", len(_npy((3, 1))))  # the zip now agrees with the header
    assert _refused(model, path, r"corrupt entry 'weight' \(Bad CRC-32") < MB


@pytest.mark.parametrize("shape", [(10 ** 9,), (2 ** 40,)])
def test_forged_huge_shape_is_refused_before_allocating(tmp_path, shape):
    model = nn.Neuron(3)
    path = _npz(tmp_path / "forged.npz", dict(_entries(model), weight=_npy(shape, bytes(64))))
    assert _refused(model, path, rf"corrupt entry 'weight'.*declares \({shape[0]},\)") < MB


@pytest.mark.parametrize("payload, match", [
    (bytes(16), r"declares \(3, 1\) float64, 24 bytes of data, but the entry holds 16"),
    (bytes(32), r"declares \(3, 1\) float64, 24 bytes of data, but the entry holds 32"),
], ids=["shorter", "longer"])
def test_payload_must_be_the_size_its_header_declares(tmp_path, payload, match):
    model = nn.Neuron(3)
    path = _npz(tmp_path / "sized.npz", dict(_entries(model), weight=_npy((3, 1), payload)))
    _refused(model, path, r"corrupt entry 'weight': its header " + match)


def test_a_payload_shorter_than_the_zip_declares_is_truncated(tmp_path):
    model = nn.Neuron(3)
    path = _npz(tmp_path / "short.npz", dict(_entries(model), weight=_npy((3, 1), bytes(16))))
    _forge_size(path, "weight.npy", len(_npy((3, 1))))
    _refused(model, path, r"corrupt entry 'weight' \(truncated: 16 of 24 bytes\)")


BROKEN = b"{'descr': '<f8', 'shape': (3,) oops}"


@pytest.mark.parametrize("entry, match", [
    (b"not a numpy file at all", r"corrupt entry 'weight' \(the magic string is not correct"),
    (_npy((3, 1))[:20], r"corrupt entry 'weight' \(truncated"),
    (b"\x93NUMPY\x01\x00" + len(BROKEN).to_bytes(2, "little") + BROKEN,
     r"corrupt entry 'weight' \(Cannot parse header"),
    (b"\x93NUMPY\x02\x00" + (10 ** 8).to_bytes(4, "little"), r"corrupt entry 'weight' \(a header "
                                                              r"of 100000000 bytes"),
    (b"\x93NUMPY\x03\x00" + _npy((3, 1))[8:], r"corrupt entry 'weight' \(.npy format version"),
])
def test_corrupt_header_names_the_entry(tmp_path, entry, match):
    model = nn.Neuron(3)
    _refused(model, _npz(tmp_path / "bad.npz", dict(_entries(model), weight=entry)), match)


@pytest.mark.parametrize("descr", ["|O", [("x", "<f8"), ("y", "|O")]])
def test_object_entries_are_never_unpickled(tmp_path, descr):
    model = nn.Neuron(3)
    entries = dict(_entries(model), weight=_npy((3, 1), pickle.dumps([1, 2, 3]), descr=descr))
    _refused(model, _npz(tmp_path / "objects.npz", entries), r"'weight'.*without pickle")


def test_duplicated_entries_are_refused(tmp_path):
    model = nn.Neuron(3)
    path = tmp_path / "twice.npz"
    entries = [*_entries(model).items(), ("weight", _npy((3, 1)))]
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it is told to write
        for name, data in entries:
            archive.writestr(name + ".npy", data)
    _refused(model, path, r"duplicated entries \['weight'\]")


def test_only_stored_and_deflated_entries_are_read(tmp_path):
    model = nn.Neuron(3)
    path = _npz(tmp_path / "bz2.npz", _entries(model), zipfile.ZIP_BZIP2)
    _refused(model, path, r"entry '(weight|bias)' uses zip compression method 12")


def test_damage_to_a_later_entry_changes_nothing(tmp_path):
    model = nn.MLP(2, [3, 1], rng=0)
    nn.MLP(2, [3, 1], rng=5).save(tmp_path / "model.npz")
    data = bytearray((tmp_path / "model.npz").read_bytes())
    with zipfile.ZipFile(tmp_path / "model.npz") as archive:
        last = archive.getinfo("layers.1.bias.npy")
    data[last.header_offset + 30 + len(last.filename) + len(last.extra) + 130] ^= 0xFF
    (tmp_path / "model.npz").write_bytes(bytes(data))
    _refused(model, tmp_path / "model.npz", r"corrupt entry 'layers.1.bias' \(Bad CRC-32")


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("saved") / "model.npz"
    nn.MLP(2, [3, 1], rng=5).save(path)
    return path.read_bytes()


@given(st.data())
def test_any_damaged_byte_or_truncation_loads_exactly_or_changes_nothing(tmp_path_factory,
                                                                        saved, data):
    where = data.draw(st.integers(0, len(saved) - 1))
    if data.draw(st.booleans()):
        damaged = saved[:where]
    else:
        damaged = saved[:where] + bytes([data.draw(st.integers(0, 255))]) + saved[where + 1:]
    path = tmp_path_factory.mktemp("damaged") / "model.npz"
    path.write_bytes(damaged)
    model, before = nn.MLP(2, [3, 1], rng=0), nn.MLP(2, [3, 1], rng=0).state_dict()
    try:
        model.load(path)
        expected = nn.MLP(2, [3, 1], rng=5).state_dict()  # loaded: then exactly what was saved
    except ValueError:
        expected = before  # refused: then nothing changed
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, expected[name], err_msg=name)


def test_reader_reads_only_the_shape_and_dtype_asked_for(tmp_path):
    nn.Neuron(3).save(tmp_path / "model.npz")
    with NpzReader(tmp_path / "model.npz") as archive:
        assert archive.names == ["weight", "bias"]
        assert archive.header("weight")[:3] == ((3, 1), np.dtype(np.float64), False)
        with pytest.raises(ValueError, match=r"entry 'weight' holds \(3, 1\) float64, not "
                                             r"\(3, 1\) float32"):
            archive.read("weight", (3, 1), np.float32)
        assert archive.read("bias", (1,), np.float64).shape == (1,)
