"""Provides a strict reader and writer for IDX files (the MNIST format), gzipped or not, with numpy."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

# The third magic byte names the element type; values are big-endian on disk.
_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {(dt.kind, dt.itemsize): code for code, dt in _TYPES.items()}


class IdxError(ValueError):
    """A file is not a valid IDX file, or not the MNIST array that was asked for."""


def _raw_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
            fh.seek(0)
            if head == b"\x1f\x8b":
                return gzip.decompress(fh.read())
            return fh.read()
    except OSError as exc:
        if isinstance(exc, gzip.BadGzipFile):
            raise IdxError(f"{path}: corrupt gzip data ({exc})") from exc
        raise IdxError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except EOFError as exc:
        raise IdxError(f"{path}: the gzip stream is truncated (download it again)") from exc
    except zlib.error as exc:
        raise IdxError(f"{path}: corrupt gzip data ({exc})") from exc


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into an array of the stored type and shape (native byte order)."""
    if len(data) < 4:
        raise IdxError(f"{name}: too short to be an IDX file ({len(data)} bytes)")
    zero, type_code, ndim = int.from_bytes(data[:2], "big"), data[2], data[3]
    if zero != 0 or type_code not in _TYPES:
        raise IdxError(
            f"{name}: not an IDX file (magic bytes {data[:4].hex(' ')}; "
            "expected 00 00, a type code such as 08, and the number of dimensions)"
        )
    if ndim == 0:
        raise IdxError(f"{name}: IDX header says 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxError(f"{name}: truncated inside the header")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = _TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    body = len(data) - header
    if body < expected:
        raise IdxError(
            f"{name}: truncated: the header promises shape {shape} ({expected:,} bytes of data) "
            f"but only {body:,} bytes follow"
        )
    if body > expected:
        raise IdxError(
            f"{name}: {body - expected:,} unexpected bytes after the data for shape {shape}"
        )
    arr = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=header)
    return arr.reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (``.gz`` or plain, told apart by content) into a numpy array."""
    path = Path(path)
    return parse_idx(_raw_bytes(path), str(path))


def read_images(path: str | Path) -> np.ndarray:
    """Read MNIST images: uint8, shape (N, 28, 28)."""
    arr = read_idx(path)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[1:] != (28, 28):
        raise IdxError(
            f"{path}: expected MNIST images (uint8, N×28×28), found {arr.dtype} {arr.shape}"
        )
    return arr


def read_labels(path: str | Path, count: int | None = None) -> np.ndarray:
    """Read MNIST labels: uint8 in 0..9, shape (N,); ``count`` must match the images."""
    arr = read_idx(path)
    if arr.dtype != np.uint8 or arr.ndim != 1:
        raise IdxError(f"{path}: expected MNIST labels (uint8, N), found {arr.dtype} {arr.shape}")
    if count is not None and arr.shape[0] != count:
        raise IdxError(f"{path}: {arr.shape[0]:,} labels for {count:,} images")
    if arr.size and int(arr.max()) > 9:
        raise IdxError(f"{path}: label {int(arr.max())} is outside 0..9")
    return arr


def encode_idx(arr: np.ndarray) -> bytes:
    """Encode an array as IDX bytes (the inverse of :func:`parse_idx`)."""
    dtype = np.dtype(arr.dtype)
    code = _CODES.get((dtype.kind, dtype.itemsize))
    if code is None:
        raise IdxError(f"IDX cannot store dtype {dtype}")
    header = bytes([0, 0, code, arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    return header + np.ascontiguousarray(arr, dtype=_TYPES[code]).tobytes()


def write_idx(path: str | Path, arr: np.ndarray) -> None:
    """Write an array as IDX, gzipped when the name ends in ``.gz`` (reproducible: mtime 0)."""
    path = Path(path)
    data = encode_idx(arr)
    if path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(data)
