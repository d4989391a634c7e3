"""X-ARES data from Zenodo: one ``files-archive`` zip per record, unzipped into ``<data_root>/xares/<task>/``.

``download_zenodo`` fetches the archive over HTTP with resume (``Range``), checks every file that the task lists
with an md5/sha256, unzips safely (atomic per file) and writes a done marker last. ``load_zenodo_splits`` reads the
unzipped WebDataset tars; when they are absent it says exactly what to download and where to put it.
"""

from __future__ import annotations

import contextlib
import glob
import http.client
import json
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from hf_bench import __version__
from hf_bench.data import SplitData
from hf_bench.errors import DataError, OfflineError
from hf_bench.utils.io import atomic_open, atomic_write_json, ensure_dir, md5_file, sha256_file

if TYPE_CHECKING:
    from hf_bench.tasks.schema import TaskMetadata, ZenodoSource

DONE_MARKER = ".hf_bench_download.json"
# the CLI step that calls hf_bench.data.download_task_data (named in error messages)
DOWNLOAD_COMMAND = "hf-bench prepare --task {name}"
_CHUNK = 1 << 20


def task_data_dir(task: "TaskMetadata", data_root: str | os.PathLike) -> Path:
    """Where the unzipped record of an X-ARES-style task lives."""
    return Path(data_root) / "xares" / task.name


def find_tars(task: "TaskMetadata", data_root: str | os.PathLike) -> dict[str, list[Path]]:
    """Split/fold -> sorted tars matching the task's globs (empty lists where nothing matches)."""
    folder = task_data_dir(task, data_root)
    base = glob.escape(str(folder))
    return {name: [Path(p) for p in sorted(glob.glob(os.path.join(base, pat)))]
            for name, pat in task.source.tar_globs.items()}


def _download_hint(task: "TaskMetadata", folder: Path) -> str:
    example = next(iter(task.source.tar_globs.values()))
    return (f"run `{DOWNLOAD_COMMAND.format(name=task.name)}` (needs internet; resumes if interrupted), or download "
            f"{task.source.archive_url} yourself and unzip it into {folder} so that files like "
            f"{folder / example} exist")


def missing_zenodo_data(task: "TaskMetadata", data_root: Path) -> str | None:
    """Why ``task``'s Zenodo data cannot be loaded (nothing there, or a split without tars), or None; cheap: globs
    only."""
    folder = task_data_dir(task, data_root)
    tars = find_tars(task, data_root)
    if not any(tars.values()):
        return f"not downloaded ({_download_hint(task, folder)})"
    empty = [name for name, files in tars.items() if not files]
    if empty:
        return f"incomplete: no tar for {', '.join(empty)} in {folder}"
    return None


def load_zenodo_splits(task: "TaskMetadata", data_root: Path, *, progress: bool = True) -> dict[str, SplitData]:
    from hf_bench.data.webdataset import load_tars

    folder = task_data_dir(task, data_root)
    tars = find_tars(task, data_root)
    if not any(tars.values()):
        raise OfflineError(f"the data of task {task.name} (Zenodo record {task.source.record_id}) is not on this "
                           "machine", where=folder, fix=_download_hint(task, folder))
    empty = [f"{name} ({task.source.tar_globs[name]})" for name, files in tars.items() if not files]
    if empty:
        raise DataError(f"no tar matches split(s) {', '.join(empty)}", where=folder,
                        fix="the archive is incomplete or was unzipped elsewhere: " + _download_hint(task, folder))
    return {name: load_tars(name, tars[name], label_key=task.label_key, progress=progress)
            for name in task.split_names}


# ----------------------------------------------------------------------------------------------------- download
def _fetch(url: str, part: Path, *, progress: bool, timeout: float) -> None:
    """Download ``url`` into ``part``, appending to what is already there when the server honours Range."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": f"hf_bench/{__version__}"}
    if have:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        resp = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # nothing left to fetch: the partial file is complete
            return
        raise OfflineError(f"download failed: HTTP {e.code} {e.reason}", where=url,
                           fix="check the record id / URL; Zenodo rate-limits heavy use, so wait and retry") from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise OfflineError(f"cannot reach the server ({reason})", where=url,
                           fix="connect to the internet and rerun (the download resumes where it stopped), or "
                               "download the file yourself (see the task's archive URL)") from None
    with resp:
        status = resp.status
        if have and status == 206:
            content_range = resp.headers.get("Content-Range", "")
            if not content_range.startswith(f"bytes {have}-"):
                raise DataError(f"server resumed at the wrong offset ({content_range!r}, expected {have})",
                                where=url, fix=f"delete {part} and rerun")
            mode = "ab"
        else:  # 200: the server ignored Range, start over
            have, mode = 0, "wb"
        length = resp.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        got = have
        try:
            with open(part, mode) as f, tqdm(total=total, initial=have, unit="B", unit_scale=True,
                                             desc=f"download {part.name[: -len('.part')]}",
                                             disable=not progress, leave=False) as bar:
                while block := resp.read(_CHUNK):
                    f.write(block)
                    got += len(block)
                    bar.update(len(block))
                f.flush()
                os.fsync(f.fileno())
        except (http.client.IncompleteRead, socket.timeout, TimeoutError, ConnectionError, OSError) as e:
            raise OfflineError(f"download interrupted after {got} bytes ({type(e).__name__})", where=url,
                               fix="rerun the same command: the download resumes from the partial file "
                                   f"{part}") from None
        if total is not None and got < total:
            raise OfflineError(f"download interrupted after {got} of {total} bytes", where=url,
                               fix=f"rerun the same command: the download resumes from the partial file {part}")


def _safe_target(dest: Path, name: str) -> Path | None:
    parts = Path(name).parts
    if not name or name.endswith("/") or Path(name).is_absolute() or ".." in parts:
        return None
    return dest.joinpath(*parts)


def _unzip(archive: Path, dest: Path, *, progress: bool) -> list[str]:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as e:
        archive.unlink(missing_ok=True)
        raise DataError(f"downloaded archive is not a valid zip ({e}); it was deleted", where=archive,
                        fix="rerun to download it again") from None
    names = []
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        bad = [m.filename for m in members if _safe_target(dest, m.filename) is None]
        if bad:
            raise DataError(f"archive has unsafe member paths {bad[:3]}", where=archive,
                            fix="do not use this archive: it tries to write outside its folder")
        for m in tqdm(members, desc=f"unzip {archive.name}", unit="file", disable=not progress, leave=False):
            target = _safe_target(dest, m.filename)
            try:
                with zf.open(m) as src, atomic_open(target, "wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
            except (zipfile.BadZipFile, OSError, EOFError) as e:
                archive.unlink(missing_ok=True)
                raise DataError(f"archive member {m.filename} is corrupt ({e}); the archive was deleted",
                                where=archive, fix="rerun to download it again") from None
            names.append(m.filename)
    return names


def verify_checksums(source: "ZenodoSource", dest: Path) -> list[str]:
    """Check every file the source lists with an md5/sha256; a bad file is deleted. Returns the names checked."""
    checked = []
    for f in source.files:
        if not (f.md5 or f.sha256):
            continue
        path = dest / f.name
        if not path.is_file():
            raise DataError(f"record file {f.name} is missing after unzipping", where=dest,
                            fix="the record changed or the archive is incomplete: delete the folder and download "
                                "again, or update the file list in the task metadata")
        for algo, expected, fn in (("md5", f.md5, md5_file), ("sha256", f.sha256, sha256_file)):
            if not expected:
                continue
            actual = fn(path)
            if actual.lower() != expected.lower():
                path.unlink(missing_ok=True)
                raise DataError(f"{algo} checksum mismatch: expected {expected}, got {actual}; the file was deleted",
                                where=path,
                                fix="rerun the download; if it keeps failing the record changed upstream and the "
                                    "checksum in the task metadata must be updated (with a task version bump)")
        checked.append(f.name)
    return checked


def download_zenodo(source: "ZenodoSource", dest: str | os.PathLike, *, progress: bool = True,
                    force: bool = False, timeout: float = 60.0) -> Path:
    """Download, verify and unzip a Zenodo record archive into ``dest``; returns ``dest``.

    Idempotent: a completed download (done marker for the same record) is not repeated unless ``force``.
    An interrupted download keeps ``<record>.zip.part`` and resumes from it on the next call.
    Raises OfflineError when the server cannot be reached, DataError for a bad archive or checksum.
    """
    dest = ensure_dir(dest)
    marker = dest / DONE_MARKER
    if marker.is_file() and not force:
        with contextlib.suppress(ValueError, OSError):
            if json.loads(marker.read_text(encoding="utf-8")).get("record_id") == source.record_id:
                return dest
    marker.unlink(missing_ok=True)
    archive = dest / f"{source.record_id}.zip"
    part = dest / f"{source.record_id}.zip.part"
    if force:
        part.unlink(missing_ok=True)
        archive.unlink(missing_ok=True)
    if not archive.is_file():
        _fetch(source.archive_url, part, progress=progress, timeout=timeout)
        os.replace(part, archive)
    names = _unzip(archive, dest, progress=progress)
    try:
        checked = verify_checksums(source, dest)
    except DataError:
        archive.unlink(missing_ok=True)  # the next call downloads a fresh copy
        raise
    archive.unlink(missing_ok=True)  # the tars are what we keep; X-ARES keeping both doubles disk use
    atomic_write_json(marker, {"record_id": source.record_id, "archive_url": source.archive_url, "files": names,
                               "checksums_verified": checked, "completed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return dest


__all__ = ["download_zenodo", "load_zenodo_splits", "find_tars", "task_data_dir", "verify_checksums", "DONE_MARKER"]
