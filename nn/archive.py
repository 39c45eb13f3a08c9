"""Writing and reading .npz archives of named arrays, without trusting the file read.

An .npz archive is a zip of `NAME.npy` entries. `write_npz` writes each entry itself with
`numpy.lib.format.write_array`, so every name is stored as given (numpy's `savez(file, **arrays)`
cannot store an array named `file` or `allow_pickle`). `NpzReader` reads in two stages, so that
a caller can check the whole file against what it expects before any data is read:

- `header(name)` reads only the entry's .npy header (at most 10 kB): shape, dtype and order,
  checked against the sizes the zip declares for the entry;
- `read(name, shape, dtype)` reads the data of an entry whose header declares exactly that shape
  and dtype into a fresh array, in chunks, never decompressing more than those bytes plus one.

Nothing is ever unpickled, only stored and deflated entries are read (zipfile bounds what deflate
inflates by the size asked for; its bzip2 and lzma readers do not), and every way a file can be
wrong is an `ArchiveError` (a ValueError) that names the file and the entry.
"""
from __future__ import annotations

import collections
import io
import math
import os
import struct
import zipfile
import zlib
from contextlib import contextmanager
from typing import IO, Iterator, Mapping, NamedTuple, Union

import numpy as np
from numpy.lib import format as npy

PathLike = Union[str, "os.PathLike[str]"]

SUFFIX = ".npy"
MAX_HEADER_SIZE = 10_000  # numpy's own limit for a header read without allow_pickle
CHUNK = 1 << 16  # bytes read at a time: the memory used beyond the arrays themselves
# .npy versions numpy writes for numeric arrays: the header-length field and its reader
HEADER_READERS = {(1, 0): ("<H", npy.read_array_header_1_0),
                  (2, 0): ("<I", npy.read_array_header_2_0)}
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# What zipfile, zlib and numpy's header parser raise on a damaged archive or entry
DAMAGE = (zipfile.BadZipFile, ValueError, EOFError, zlib.error, struct.error,
          NotImplementedError, RuntimeError, OSError)


class ArchiveError(ValueError):
    """An .npz file that cannot be loaded: not an archive, empty, or with a corrupt entry."""


class Header(NamedTuple):
    """What an entry's .npy header declares, and the header's own length in bytes."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    size: int

    @property
    def nbytes(self) -> int:
        """The bytes of data the header declares."""
        return math.prod(self.shape) * self.dtype.itemsize


def npz_path(path: PathLike) -> str:
    """path as a string, with the .npz suffix added when it is missing (as numpy.savez does)."""
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


def write_npz(path: PathLike, arrays: Mapping[str, np.ndarray]) -> str:
    """Write arrays, by name, to an uncompressed .npz archive; return the path written."""
    for name in arrays:
        _check_storable(name)
    path = npz_path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + SUFFIX, "w", force_zip64=True) as entry:
                npy.write_array(entry, np.asarray(array), allow_pickle=False)
    return path


def _check_storable(name: str) -> None:
    """A ValueError for a name a zip entry cannot hold (zipfile cuts names at a NUL)."""
    if not isinstance(name, str):
        raise TypeError(f"an array name must be a str, got a {type(name).__name__}")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"cannot store the name {name!r} in a zip archive: it is not "
                         f"valid unicode") from None
    if "\0" in name:
        raise ValueError(f"cannot store the name {name!r} in a zip archive: it holds a NUL "
                         f"character")


class NpzReader:
    """An open .npz archive whose entries are read header first, then data, each bounded."""

    def __init__(self, path: PathLike) -> None:
        self.path = os.fspath(path)
        if os.path.getsize(self.path) == 0:  # a missing file raises FileNotFoundError here
            raise self._error("empty file")
        try:
            self._zip = zipfile.ZipFile(self.path)
        except DAMAGE as error:
            with open(self.path, "rb") as file:
                single = file.read(len(npy.MAGIC_PREFIX)) == npy.MAGIC_PREFIX
            what = "a single .npy array" if single else error
            raise self._error(f"not an .npz archive ({what})") from None
        names = [_array_name(info.filename) for info in self._zip.infolist()]
        repeated = sorted(name for name, n in collections.Counter(names).items() if n > 1)
        if repeated:
            self._zip.close()
            raise self._error(f"duplicated entries {repeated}")
        self._infos = dict(zip(names, self._zip.infolist()))

    def __enter__(self) -> "NpzReader":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the archive's file."""
        self._zip.close()

    @property
    def names(self) -> list[str]:
        """The arrays' names: the entries' names without their .npy suffix, in file order."""
        return list(self._infos)

    def header(self, name: str) -> Header:
        """Entry name's shape, dtype and order, from its .npy header alone (no data is read)."""
        with self._entry(name) as stream:
            return self._checked_header(name, stream)

    def read(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A fresh array of entry name's data, which its header must declare as (shape, dtype)."""
        with self._entry(name) as stream:
            header = self._checked_header(name, stream)
            if header.shape != tuple(shape) or header.dtype != dtype:
                raise self._error(f"entry {name!r} holds {header.shape} {header.dtype}, "
                                  f"not {tuple(shape)} {np.dtype(dtype)}")
            flat = np.empty(math.prod(header.shape), header.dtype)
            if flat.nbytes:
                _fill(flat.view(np.uint8), stream)
            if stream.read(1):  # the zip's sizes agreed with the header, so this is damage
                raise ValueError("more data than its header declares")
        return flat.reshape(header.shape, order="F" if header.fortran_order else "C")

    @contextmanager
    def _entry(self, name: str) -> Iterator[IO[bytes]]:
        """Entry name's (decompressing) stream; a damaged entry raises one ArchiveError."""
        info = self._infos[name]
        if info.compress_type not in METHODS:
            raise self._error(f"entry {name!r} uses zip compression method "
                              f"{info.compress_type}; only stored and deflated entries are read")
        try:
            with self._zip.open(info) as stream:
                yield stream
        except ArchiveError:
            raise
        except DAMAGE as error:
            raise self._error(f"corrupt entry {name!r} ({error})") from None

    def _checked_header(self, name: str, stream: IO[bytes]) -> Header:
        """The header at the start of stream, refused if it needs pickle or disagrees with the
        entry's size in the zip directory."""
        header = _read_header(stream)
        if header.dtype.hasobject:
            raise self._error(f"entry {name!r} holds Python objects (dtype {header.dtype}), "
                              f"which cannot be read without pickle: refused")
        held = self._infos[name].file_size - header.size
        if held != header.nbytes:
            raise self._error(f"corrupt entry {name!r}: its header declares {header.shape} "
                              f"{header.dtype}, {header.nbytes} bytes of data, but the entry "
                              f"holds {held}")
        return header

    def _error(self, problem: str) -> ArchiveError:
        return ArchiveError(f"cannot load {self.path!r}: {problem}")


def _array_name(filename: str) -> str:
    """The array name of a zip entry (its name without .npy, as numpy.load names it)."""
    return filename[:-len(SUFFIX)] if filename.endswith(SUFFIX) else filename


def _read_header(stream: IO[bytes]) -> Header:
    """The .npy header at the start of stream, read without reading past it."""
    version = npy.read_magic(stream)
    if version not in HEADER_READERS:
        raise ValueError(f".npy format version {version} is not read")
    length_format, read_header = HEADER_READERS[version]
    field = _read_exactly(stream, struct.calcsize(length_format))
    (length,) = struct.unpack(length_format, field)
    if length > MAX_HEADER_SIZE:  # numpy would read all of it before checking its length
        raise ValueError(f"a header of {length} bytes, over the limit of {MAX_HEADER_SIZE}")
    text = _read_exactly(stream, length)
    shape, fortran_order, dtype = read_header(io.BytesIO(field + text),
                                              max_header_size=MAX_HEADER_SIZE)
    return Header(shape, dtype, fortran_order, npy.MAGIC_LEN + len(field) + length)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    """size bytes from stream, or a ValueError if it ends first."""
    buffer = np.empty(size, np.uint8)
    _fill(buffer, stream)
    return buffer.tobytes()


def _fill(buffer: np.ndarray, stream: IO[bytes]) -> None:
    """Fill a byte array from stream, CHUNK bytes at a time, or a ValueError if it ends first."""
    view, filled = memoryview(buffer), 0
    while filled < len(view):
        chunk = stream.read(min(CHUNK, len(view) - filled))
        if not chunk:
            raise ValueError(f"truncated: {filled} of {len(view)} bytes")
        view[filled:filled + len(chunk)] = chunk
        filled += len(chunk)
