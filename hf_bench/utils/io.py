"""Atomic writes and content hashing.

Every file hf_bench writes goes through here: write to a temporary file in the same directory, fsync, then
``os.replace`` so that a reader (or a resumed run) never sees a half-written file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

from hf_bench.errors import HFBenchError


def ensure_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` (and parents) or fail with a message naming it."""
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise HFBenchError(f"cannot create directory ({e.strerror})", where=p,
                           fix="choose a writable location (e.g. --output-dir / --cache-dir)") from None
    if not os.access(p, os.W_OK):
        raise HFBenchError("directory is not writable", where=p,
                           fix="choose a writable location (e.g. --output-dir / --cache-dir) or fix its permissions")
    return p


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None) -> Iterator[io.IOBase]:
    """Open a temp file next to ``path``; on clean exit it replaces ``path`` atomically."""
    path = Path(path)
    ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600 files; results and caches are meant to be shared
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if e.filename is None:  # ENOSPC and EIO on write() name no file: name the one being written
            raise OSError(e.errno, e.strerror or str(e), str(path)) from e
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def file_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``<path>.lock`` (``fcntl.flock``), across processes: for
    read-modify-write updates of one file by several writers (a thread lock alone loses entries between
    processes)."""
    import fcntl

    path = Path(path)
    ensure_dir(path.parent)
    with open(path.with_name(path.name + ".lock"), "a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as f:
        f.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w", encoding="utf-8") as f:
        f.write(text)


def strict_json(obj: Any) -> Any:
    """``obj`` with every non-finite float (NaN, +-inf) as None: JSON has no such numbers, and Python's
    ``NaN`` / ``Infinity`` extensions make files other readers reject."""
    import math

    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: strict_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict_json(v) for v in obj]
    return obj


def atomic_write_json(path: str | os.PathLike, obj: Any, *, indent: int | None = 2) -> None:
    """Strict JSON (no NaN / Infinity literals), written atomically."""
    atomic_write_text(path, json.dumps(strict_json(obj), indent=indent, ensure_ascii=False, sort_keys=False,
                                       allow_nan=False) + "\n")


def atomic_save_npy(path: str | os.PathLike, array) -> None:
    import numpy as np

    with atomic_open(path, "wb") as f:
        np.save(f, np.asarray(array), allow_pickle=False)


def load_npy(path: str | os.PathLike):
    """Load a ``.npy`` file without ever unpickling (user data is untrusted)."""
    import numpy as np

    try:
        return np.load(path, allow_pickle=False)
    except ValueError as e:
        raise HFBenchError(f"not a plain numeric .npy array ({e})", where=path,
                           fix="save arrays with numpy.save(..., allow_pickle=False) and a numeric dtype") from None
    except (OSError, EOFError) as e:
        raise HFBenchError(f"cannot read .npy file ({e})", where=path, fix="re-create the file") from None


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def md5_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def stable_hash(obj: Any, length: int = 16) -> str:
    """Hash of a JSON-serialisable object, independent of dict order."""
    blob = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


def slugify(text: str) -> str:
    """A filesystem-safe name: ``facebook/wav2vec2-base`` -> ``facebook__wav2vec2-base``."""
    out = text.replace("/", "__").replace(":", "_")
    return "".join(c if (c.isalnum() or c in "._-@+=") else "-" for c in out)
