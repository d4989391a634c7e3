"""``hf-bench zerospeech download``: fetch the official dataset archive, verify its md5, unpack it safely.

HTTP(S) (or ``file://``) with resume: bytes go to ``<archive>.part`` and a rerun continues from there with a
``Range`` request. The archive is checked against the official md5 before anything is unpacked; members that
would land outside the destination (absolute paths, ``..``, links) are refused. The dataset appears at
``DEST/<name>`` only once it is completely unpacked (temporary directory + rename).
"""

from __future__ import annotations

import os
import shutil
import socket
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath
from typing import Callable

from hf_bench.errors import DataError, HFBenchError, OfflineError
from hf_bench.utils.io import ensure_dir, md5_file
from hf_bench.zerospeech.constants import ARCHIVES, GOLD_FILES, PAIRS_FILES, SETS, TASKS, check_benchmark

CHUNK = 1 << 20


def download_dataset(benchmark: str, dest: str | os.PathLike, *, url: str | None = None, md5: str | None = None,
                     archive: str | os.PathLike | None = None, keep_archive: bool = False, timeout: float = 30.0,
                     progress: bool = True, log: Callable[[str], None] | None = None) -> Path:
    """Download (or take ``archive``), verify and unpack the benchmark's dataset into ``DEST/<dataset name>``.

    Returns the dataset directory to pass as ``--dataset``. Raises ``OfflineError`` when the server cannot be
    reached, ``DataError`` on a checksum mismatch or a malformed archive.
    """
    say = log or (lambda _msg: None)
    benchmark = check_benchmark(benchmark)
    spec = ARCHIVES[benchmark]
    if md5 is None and url in (None, spec.url):  # the official archive (downloaded or given) has a known md5
        md5 = spec.md5
    url = url or spec.url
    if archive is None and url is None:
        raise HFBenchError(f"no official download URL is known for the {benchmark} dataset", where="--url",
                           fix="pass --url URL (and --md5 MD5) of the archive, or --archive FILE for a local copy")
    if md5 is not None and (len(md5) != 32 or any(c not in "0123456789abcdef" for c in md5.lower())):
        raise HFBenchError(f"{md5!r} is not an md5 checksum", where="--md5", fix="pass 32 hexadecimal digits")
    dest = ensure_dir(Path(dest).expanduser())
    target = dest / spec.dirname
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise HFBenchError("already exists", where=target,
                           fix="use it as --dataset, or delete it / choose another DEST to download again")

    downloaded = archive is None
    if archive is None:
        name = PurePosixPath(urllib.parse.urlparse(url).path).name or f"{spec.dirname}.zip"
        archive_path = dest / name
        if not archive_path.is_file():
            _fetch(url, archive_path, timeout=timeout, progress=progress, say=say)
        else:
            say(f"using the archive already downloaded: {archive_path}")
    else:
        archive_path = Path(archive).expanduser()
        if not archive_path.is_file():
            raise HFBenchError("archive not found", where=archive_path, fix="pass the path of the downloaded archive")

    if md5:
        say(f"verifying md5 of {archive_path}")
        got = md5_file(archive_path)
        if got.lower() != md5.lower():
            if downloaded:
                archive_path.unlink()
            raise DataError(f"md5 mismatch: expected {md5.lower()}, got {got}"
                            + (" (the corrupt download was deleted)" if downloaded else ""),
                            where=archive_path, fix="download again; if it keeps failing, the server's archive changed: "
                                                    "pass --md5 with the new checksum once you trust it")
    else:
        say("warning: no md5 known for this archive; it is not verified (pass --md5 to verify)")

    _unpack(archive_path, target, benchmark, progress=progress, say=say)
    if downloaded and not keep_archive:
        archive_path.unlink()
    missing = missing_gold_files(benchmark, target)
    if missing:
        say(f"warning: {len(missing)} gold file(s) are missing from the archive (e.g. {missing[0]}); scoring needs "
            "them: add them from the toolkit's copy of the dataset (see docs/zerospeech.md)")
    say(f"dataset ready: {target}")
    return target


def missing_gold_files(benchmark: str, root: Path) -> list[str]:
    if (root / "index.json").is_file():
        return []
    wanted = [GOLD_FILES[(t, s)] for t in TASKS[benchmark] for s in SETS]
    if "semantic" in TASKS[benchmark]:
        wanted += [PAIRS_FILES[s] for s in SETS]
    return [w for w in wanted if not (root / w).is_file()]


def _fetch(url: str, out: Path, *, timeout: float, progress: bool, say: Callable[[str], None]) -> None:
    from tqdm.auto import tqdm

    import hf_bench

    part = out.with_name(out.name + ".part")
    start = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(url, headers={"User-Agent": f"hf_bench/{hf_bench.__version__}"})
    if start:
        request.add_header("Range", f"bytes={start}-")
        say(f"resuming {url} at byte {start}")
    else:
        say(f"downloading {url}")
    offline_fix = ("check the network connection and rerun (a partial download resumes); offline, download the "
                   "archive on another machine and pass it with --archive FILE")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and start:  # nothing left to fetch: the .part is complete
            os.replace(part, out)
            return
        raise DataError(f"the server answered HTTP {e.code} {e.reason}", where=url,
                        fix="check the URL (--url); the archive may have moved") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise OfflineError(f"cannot reach the server ({reason})", where=url, fix=offline_fix) from None
    with response:
        status = response.getcode()
        if start and status != 206:  # the server ignored the range: start over
            start = 0
        length = response.headers.get("Content-Length")
        total = int(length) + start if length and length.isdigit() else None
        received = start
        with open(part, "ab" if start else "wb") as f, tqdm(
                total=total, initial=start, unit="B", unit_scale=True, desc=out.name, disable=not progress) as bar:
            try:
                while block := response.read(CHUNK):
                    f.write(block)
                    received += len(block)
                    bar.update(len(block))
            except (urllib.error.URLError, OSError, socket.timeout) as e:
                raise OfflineError(f"the download stopped at byte {received} ({e})", where=url,
                                   fix="rerun the same command: it resumes from the partial file") from None
            f.flush()
            os.fsync(f.fileno())
    if total is not None and received != total:
        raise OfflineError(f"the download stopped at byte {received} of {total}", where=url,
                           fix="rerun the same command: it resumes from the partial file")
    os.replace(part, out)


def _safe_member(name: str) -> PurePosixPath | None:
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or (p.parts and ":" in p.parts[0]):
        return None
    return p


def _unpack(archive: Path, target: Path, benchmark: str, *, progress: bool, say: Callable[[str], None]) -> None:
    from tqdm.auto import tqdm

    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        say(f"unpacking {archive.name}")
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                members = zf.infolist()
                for info in tqdm(members, desc="unpack", unit="file", disable=not progress or len(members) < 100):
                    rel = _safe_member(info.filename)
                    if rel is None:
                        raise DataError(f"archive member {info.filename!r} would be written outside the dataset",
                                        where=archive, fix="do not use this archive; download the official one")
                    if (info.external_attr >> 16) & 0o170000 == 0o120000:  # symlink
                        raise DataError(f"archive member {info.filename!r} is a link", where=archive,
                                        fix="do not use this archive; download the official one")
                    dst = tmp / rel
                    if info.is_dir():
                        dst.mkdir(parents=True, exist_ok=True)
                        continue
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, open(dst, "wb") as out:
                        shutil.copyfileobj(src, out, CHUNK)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                try:
                    tf.extractall(tmp, filter="data")  # refuses absolute paths, '..' and links leaving tmp
                except tarfile.FilterError as e:
                    raise DataError(f"unsafe archive member ({e})", where=archive,
                                    fix="do not use this archive; download the official one") from None
        else:
            raise DataError("not a zip or tar archive", where=archive, fix="download the archive again")
        root = _dataset_root(tmp, benchmark, archive)
        if target.exists():  # an empty directory (checked by the caller)
            target.rmdir()
        os.replace(root, target)
    except zipfile.BadZipFile as e:
        raise DataError(f"corrupt zip archive ({e})", where=archive, fix="download the archive again") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _dataset_root(tmp: Path, benchmark: str, archive: Path) -> Path:
    """The unpacked folder that holds the task directories: tmp itself, or its single top-level directory."""
    tops = {t.split("_")[0] for t in TASKS[benchmark]} | {"index.json"}
    entries = [p for p in tmp.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if any(p.name in tops for p in entries):
        return tmp
    if len(entries) == 1 and entries[0].is_dir():
        return _dataset_root(entries[0], benchmark, archive)
    raise DataError(f"the archive does not hold a {benchmark} dataset (no {', '.join(sorted(tops))})",
                    where=archive, fix="check the URL / archive")
