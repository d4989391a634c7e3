"""A short hash that changes whenever the data a task reads could produce different features or targets.

- generated data: the content of ``generator.json`` (written last by the generator);
- local files: (relative path, size, BLAKE2b of the bytes) of every audio file, tar, parquet file and manifest
  (the digest is memoised on path, size, mtime, ctime and inode, so each file is read once);
- HF dataset: repo id + revision + config + audio column;
- Zenodo record: record id + the recorded file checksums, or tar (name, size, digest) when none are recorded.

Every kind also hashes the clip ids and raw labels of every split, so editing a label changes the fingerprint
while touching nothing leaves it unchanged.

``audio_fingerprint`` is the part that decides stored *features*: one split's audio only (clip ids and the files or
generation behind them), no labels and no task name, so tasks reading the same audio share features and editing a
label re-encodes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_bench.utils.io import stable_hash

if TYPE_CHECKING:
    from hf_bench.data import SplitData
    from hf_bench.tasks.schema import TaskMetadata

GENERATOR_MANIFEST = "generator.json"


def _split_digest(split: "SplitData") -> str:
    return stable_hash([[ref.id for ref in split.refs], split.labels], length=32)


_DIGESTS: dict[tuple, str] = {}
_DB_NAME = "file_digests.sqlite"


_DB: dict[tuple, Any] = {}


def _digest_db():
    """The on-disk memo of file digests (``<cache>/file_digests.sqlite``; one connection per process and cache
    folder), or None when it cannot be opened."""
    import sqlite3

    from hf_bench.features.store import default_cache_dir

    folder = default_cache_dir()
    key = (os.getpid(), str(folder))
    if key not in _DB:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(folder / _DB_NAME, timeout=60)
            db.execute("PRAGMA journal_mode=WAL")  # readers never block, commits need no fsync: a memo, not data
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS digest (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            _DB[key] = db
        except (OSError, sqlite3.Error):
            _DB[key] = None
    return _DB[key]


def _memo(key: tuple, compute) -> str | None:
    """A digest memoised in memory and in ``<cache>/file_digests.sqlite`` under ``key``; ``compute()`` otherwise
    (None: cannot be read, not memoised)."""
    if key in _DIGESTS:
        return _DIGESTS[key]
    db, text, found = _digest_db(), json.dumps(key), None
    if db is not None:
        try:
            row = db.execute("SELECT value FROM digest WHERE key = ?", (text,)).fetchone()
            found = row[0] if row else None
        except Exception:  # noqa: BLE001 - a damaged memo only costs a re-read
            found = None
    if found is None:
        found = compute()
        if found is None:
            return None
        if db is not None:
            try:
                with db:
                    db.execute("INSERT OR REPLACE INTO digest VALUES (?, ?)", (text, found))
            except Exception:  # noqa: BLE001
                pass
    _DIGESTS[key] = found
    return found


def _blake2b_file(path: str) -> str | None:
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 22):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def content_digest(path: Path) -> str | None:
    """BLAKE2b-128 of a file's bytes, memoised (in memory and in the cache) on its real path, size, mtime, ctime
    and inode: a file is read once, and any change to it (even one that restores the old size and mtime: the
    ctime moves) reads it again. None when the file cannot be read."""
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
    except OSError:
        return None
    return _memo((real, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino), lambda: _blake2b_file(real))


def clip_digest(ref) -> str | None:
    """BLAKE2b-128 of one clip's encoded bytes (a file, a tar member, or bytes in memory); memoised like
    ``content_digest`` (a tar member on its tar's digest, offset and size)."""
    import hashlib

    if ref.is_segment:  # two utterances of one talk are different clips
        whole = clip_digest(dataclasses.replace(ref, start_s=None, end_s=None))
        if whole is None:
            return None
        return hashlib.blake2b(f"{whole}:{ref.start_s!r}:{ref.end_s!r}".encode(), digest_size=16).hexdigest()
    if ref.data is not None:
        return hashlib.blake2b(ref.data, digest_size=16).hexdigest()
    if ref.path is None:
        return None
    if ref.tar_offset is None:
        return content_digest(ref.path)
    tar = content_digest(ref.path)
    if tar is None:
        return None
    return _memo(("member", tar, ref.tar_offset, ref.tar_size),
                 lambda: hashlib.blake2b(ref.read_bytes() or b"", digest_size=16).hexdigest())


def duplicate_audio(splits: dict[str, "SplitData"]) -> tuple[dict[str, list[tuple[str, str]]],
                                                             list[tuple[str, str, str, str]]]:
    """Clips with byte-identical audio: ({split: [(id, first id with that audio)]} within each split,
    [(split, id, other split, other id)] across splits). Splits given twice (valid = test) count once."""
    within: dict[str, list[tuple[str, str]]] = {}
    across: list[tuple[str, str, str, str]] = []
    owner: dict[str, tuple[str, str]] = {}
    seen_splits: set[int] = set()
    for name, split in splits.items():
        if id(split) in seen_splits:
            continue
        seen_splits.add(id(split))
        local: dict[str, str] = {}
        for ref in split.refs:
            d = clip_digest(ref)
            if d is None:
                continue
            if d in local:
                within.setdefault(name, []).append((ref.id, local[d]))
                continue
            local[d] = ref.id
            if d in owner and owner[d][0] != name:
                across.append((name, ref.id) + owner[d])
            else:
                owner.setdefault(d, (name, ref.id))
    return within, across


def _stat(path: Path, root: Path | None) -> list[Any]:
    """(relative path, size, content digest): by content, so a copy (`cp -r`, another machine) has the same
    fingerprint and a same-size replacement with its old mtime restored does not."""
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix() if root is not None else path.name
    except ValueError:
        rel = path.resolve().as_posix()
    try:
        return [rel, os.stat(path).st_size, content_digest(path)]
    except OSError:
        return [rel, None, None]


def _segments(splits: dict[str, "SplitData"]) -> list[list]:
    return [[ref.id, ref.start_s, ref.end_s] for name in sorted(splits) for ref in splits[name].refs
            if ref.is_segment]


def _files_of(splits: dict[str, "SplitData"]) -> list[Path]:
    return sorted({ref.path for split in splits.values() for ref in split.refs if ref.path is not None})


def _find_generator_json(splits: dict[str, "SplitData"]) -> Path | None:
    for split in splits.values():
        for ref in split.refs[:1]:
            if ref.path is None:
                continue
            for parent in list(ref.path.parents)[:4]:
                if (parent / GENERATOR_MANIFEST).is_file():
                    return parent / GENERATOR_MANIFEST
    return None


def dataset_fingerprint(task: "TaskMetadata", splits: dict[str, "SplitData"]) -> str:
    """16 hex characters identifying the task's data as loaded by ``load_task_data``."""
    source = task.source
    payload: dict[str, Any] = {
        "kind": source.kind,
        "label_key": task.label_key,
        "splits": {name: _split_digest(splits[name]) for name in sorted(splits)},
    }
    if source.kind == "generator":
        gen = _find_generator_json(splits)
        payload["source"] = source.model_dump()
        if gen is not None:
            try:
                info = json.loads(gen.read_text(encoding="utf-8"))
                # when and how long generation took does not change the audio: identical generations on two
                # machines must share a fingerprint (and a cache)
                payload["generator_json"] = {k: v for k, v in info.items()
                                             if k not in ("generated", "seconds", "created")} if isinstance(info, dict) else info
            except (OSError, ValueError):
                payload["generator_json"] = None
            payload["files"] = None
        else:  # no manifest to trust: fall back to the files themselves
            root = Path(os.path.commonpath([str(p) for p in _files_of(splits)])) if _files_of(splits) else None
            payload["files"] = [_stat(p, root) for p in _files_of(splits)]
    elif source.kind == "local":
        from hf_bench.data.local import split_files

        root = Path(source.root)
        files = set(_files_of(splits))
        if source.format != "audiofolder":  # manifests / parquet files / tars themselves
            for name in splits:
                files.update(split_files(source, name))
        else:  # an audiofolder's metadata file carries its labels
            for name in splits:
                for folder in split_files(source, name):
                    files.update(p for p in (folder / "metadata.csv", folder / "metadata.jsonl") if p.is_file())
        payload["source"] = {"format": source.format, "audio_key": source.audio_key,
                             "split_paths": {k: _relative_pattern(v, root) for k, v in source.split_paths.items()}}
        payload["files"] = [_stat(p, root) for p in sorted(files)]
    elif source.kind == "corpus":
        payload["source"] = {"reader": source.reader, "options": source.options}
        files = _files_of(splits)
        root = Path(os.path.commonpath([str(p) for p in files])) if files else None
        payload["files"] = [_stat(p, root) for p in files]
        payload["segments"] = _segments(splits)
    elif source.kind == "hub":
        payload["source"] = {"repo_id": source.repo_id, "revision": source.revision, "config": source.config,
                             "audio_column": source.audio_column}
    elif source.kind == "zenodo":
        payload["source"] = {"record_id": source.record_id, "tar_globs": source.tar_globs}
        checksums = [[f.name, f.md5, f.sha256] for f in source.files if f.md5 or f.sha256]
        if checksums:
            payload["checksums"] = sorted(checksums)
        else:
            files = _files_of(splits)
            root = files[0].parent if files else None
            payload["files"] = [_stat(p, root) for p in files]
    return stable_hash(payload, length=16)


def audio_fingerprint(task: "TaskMetadata", split: "SplitData") -> str:
    """16 hex characters identifying the audio of one split (not its labels, not the task)."""
    source = task.source
    files = _files_of({split.name: split})
    payload: dict[str, Any] = {"ids": [ref.id for ref in split.refs]}
    if source.kind == "generator" and (gen := _find_generator_json({split.name: split})) is not None:
        try:
            info = json.loads(gen.read_text(encoding="utf-8"))
            payload["generator_json"] = ({k: v for k, v in info.items() if k not in ("generated", "seconds", "created")}
                                         if isinstance(info, dict) else info)
        except (OSError, ValueError):
            payload["generator_json"] = None
    elif source.kind == "hub":
        payload["hub"] = [source.repo_id, source.revision, source.config, source.audio_column]
    elif source.kind == "zenodo" and any(f.md5 or f.sha256 for f in source.files):
        payload["checksums"] = sorted([f.name, f.md5, f.sha256] for f in source.files if f.md5 or f.sha256)
    else:
        root = Path(os.path.commonpath([str(p) for p in files])) if files else None
        if root is not None and root.is_file():
            root = root.parent
        payload["files"] = [_stat(p, root) for p in files]
        payload["members"] = [[ref.tar_offset, ref.tar_size] for ref in split.refs if ref.tar_offset is not None]
        if any(ref.is_segment for ref in split.refs):
            payload["segments"] = _segments({split.name: split})
        if any(ref.data is not None for ref in split.refs):
            import hashlib

            h = hashlib.sha256()
            for ref in split.refs:
                h.update(ref.data or b"")
            payload["bytes"] = h.hexdigest()
    return stable_hash(payload, length=16)


def files_fingerprint(paths) -> str:
    """16 hex characters identifying a list of audio files (path, size, content digest), for file lists outside
    tasks."""
    return stable_hash([_stat(Path(p), None) + [str(Path(p).resolve())] for p in paths], length=16)


def _relative_pattern(pattern: str, root: Path) -> str:
    try:
        return Path(pattern).relative_to(root).as_posix() if os.path.isabs(pattern) else pattern
    except ValueError:
        return pattern


__all__ = ["dataset_fingerprint", "audio_fingerprint", "files_fingerprint", "GENERATOR_MANIFEST"]
