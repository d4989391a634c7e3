"""Data already on disk (bring-your-own tasks): audio folders, CSV/JSONL manifests, parquet files, WebDataset tars.

Each split path of a ``LocalSource`` is a file, a folder or a glob (``*``, ``?``, ``[...]``, ``**``), absolute or
relative to ``LocalSource.root``; a glob's matches are used in sorted order.
"""

from __future__ import annotations

import csv
import glob
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from tqdm.auto import tqdm

from hf_bench.data import AudioRef, SplitData
from hf_bench.errors import DataError

if TYPE_CHECKING:
    from hf_bench.tasks.schema import LocalSource, TaskMetadata

AUDIO_FILE_EXTS = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".wma", ".aiff", ".aif")
MANIFEST_EXTS = (".csv", ".tsv", ".jsonl", ".ndjson")
METADATA_NAMES = ("metadata.csv", "metadata.jsonl")  # datasets' audiofolder convention
ID_KEY = "id"
_GLOB_CHARS = set("*?[")


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in _GLOB_CHARS)


def resolve_split_path(root: str | os.PathLike, pattern: str) -> str:
    """``pattern`` made absolute against ``root`` (absolute patterns are kept)."""
    p = os.path.expanduser(pattern)
    return os.path.normpath(p if os.path.isabs(p) else os.path.join(root, p))


def expand(pattern: str, *, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """Files selected by an absolute file / folder / glob; a folder means every file in it with ``suffixes``."""
    if is_glob(pattern):
        hits = [Path(p) for p in sorted(glob.glob(pattern, recursive=True))]
    else:
        hits = [Path(pattern)] if os.path.exists(pattern) else []
    out: list[Path] = []
    for hit in hits:
        if hit.is_dir() and suffixes is not None:
            out += sorted(p for p in hit.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes)
                          and not p.name.startswith("."))
        elif hit.is_file():
            out.append(hit)
    return out


def _no_match(split: str, pattern: str, what: str) -> DataError:
    return DataError(f"split {split!r}: {pattern!r} matches no {what}", where=pattern,
                     fix="check the path in the task spec (relative paths are relative to the spec file's folder)")


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or (
        isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------------------------------------------- manifests
def _manifest_rows(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    """(line number, row) for a CSV/TSV (header row) or a JSONL manifest."""
    name = path.name.lower()
    try:
        if name.endswith((".jsonl", ".ndjson")):
            with open(path, encoding="utf-8") as f:
                for i, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as e:
                        raise DataError(f"line {i} is not valid JSON ({e.msg})", where=path,
                                        fix="write one JSON object per line") from None
                    if not isinstance(row, dict):
                        raise DataError(f"line {i} is not a JSON object", where=path,
                                        fix='write one object per line, e.g. {"audio": "a.wav", "label": "dog"}')
                    yield i, row
        elif name.endswith((".csv", ".tsv")):
            with open(path, encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f, delimiter="\t" if name.endswith(".tsv") else ",")
                for i, row in enumerate(reader, 2):
                    if None in row:
                        raise DataError(f"line {i} has more fields than the header", where=path,
                                        fix="quote fields that contain the delimiter")
                    yield i, row
        else:
            raise DataError("unknown manifest type", where=path,
                            fix=f"use a manifest ending in one of {', '.join(MANIFEST_EXTS)}")
    except UnicodeDecodeError as e:
        raise DataError(f"not UTF-8 text ({e.reason})", where=path, fix="save the manifest as UTF-8") from None
    except OSError as e:
        raise DataError(f"cannot read manifest ({e.strerror or e})", where=path, fix="check the file") from None


def read_manifest(split: str, manifests: list[Path], *, audio_key: str, label_key: str,
                  root: Path | None = None, progress: bool = False) -> SplitData:
    """Rows of CSV/JSONL manifests -> SplitData. Audio paths are relative to the manifest's folder (else ``root``).

    An optional ``id`` column names each clip; otherwise the audio path (relative to ``root``) is the id.
    """
    refs: list[AudioRef] = []
    labels: list[Any] = []
    ids: dict[str, str] = {}
    for manifest in tqdm(manifests, desc=f"read {split}", unit="file", disable=not progress or len(manifests) < 2,
                         leave=False):
        base = manifest.parent
        for line, row in _manifest_rows(manifest):
            where = f"{manifest}:{line}"
            for key, what in ((audio_key, "audio path"), (label_key, "label")):
                if key not in row:
                    cols = ", ".join(map(str, row)) or "(none)"
                    raise DataError(f"no {what} column {key!r} (columns: {cols})", where=where,
                                    fix=f"add a {key!r} column, or set `{'audio_key' if what == 'audio path' else 'label_key'}` "
                                        "in the task spec to the column that holds it")
            audio, label = row[audio_key], row[label_key]
            if _missing(audio):
                raise DataError(f"empty audio path in column {audio_key!r}", where=where,
                                fix="give every row an audio file")
            if _missing(label):
                raise DataError(f"missing label in column {label_key!r}", where=where,
                                fix="give every row a label (or remove the row)")
            audio = os.path.expanduser(str(audio))
            path = Path(audio) if os.path.isabs(audio) else base / audio
            if not path.is_file() and root is not None and not os.path.isabs(audio) and (root / audio).is_file():
                path = root / audio
            if not path.is_file():
                raise DataError(f"audio file {audio!r} does not exist (looked in {base})", where=where,
                                fix="fix the path: relative paths are relative to the manifest's folder")
            clip_id = str(row[ID_KEY]) if not _missing(row.get(ID_KEY)) else _rel(path, root or base)
            if clip_id in ids:
                raise DataError(f"clip id {clip_id!r} appears twice (also at {ids[clip_id]})", where=where,
                                fix=f"give every row a unique {ID_KEY!r} (or list each audio file once)")
            ids[clip_id] = where
            refs.append(AudioRef(id=clip_id, origin=str(path), path=path))
            labels.append(label)
    return SplitData(name=split, refs=refs, labels=labels)


# -------------------------------------------------------------------------------------------------- audiofolder
def read_audiofolder(split: str, folder: Path, *, label_key: str, root: Path, progress: bool = False) -> SplitData:
    """``folder/<label>/<clip>`` (label = parent folder name), or a ``metadata.csv|jsonl`` with ``file_name``."""
    for meta_name in METADATA_NAMES:
        meta = folder / meta_name
        if meta.is_file():
            return read_manifest(split, [meta], audio_key="file_name", label_key=label_key, root=root)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_FILE_EXTS
                   and not p.name.startswith("."))
    if not files:
        raise DataError(f"split {split!r}: no audio files ({', '.join(AUDIO_FILE_EXTS)}) under the folder",
                        where=folder, fix="put the clips in <folder>/<label>/<clip>.wav")
    refs, labels = [], []
    for path in tqdm(files, desc=f"scan {split}", unit="file", disable=not progress, leave=False):
        if path.parent == folder:
            raise DataError("audio file is not inside a class folder, so it has no label", where=path,
                            fix=f"move it to {folder}/<label>/{path.name}, or add a metadata.csv with "
                                f"file_name and {label_key} columns")
        refs.append(AudioRef(id=_rel(path, root), origin=str(path), path=path))
        labels.append(path.parent.name)
    return SplitData(name=split, refs=refs, labels=labels)


# ------------------------------------------------------------------------------------------------------ parquet
def _hf_features(schema) -> dict[str, Any]:
    """The ``datasets`` feature dict stored in a parquet file's schema metadata ({} when absent)."""
    meta = schema.metadata or {}
    blob = meta.get(b"huggingface")
    if not blob:
        return {}
    try:
        return json.loads(blob).get("info", {}).get("features", {}) or {}
    except (ValueError, AttributeError):
        return {}


def class_names(feature: Any) -> tuple[list[str] | None, bool]:
    """(ClassLabel names, is a list of labels) of a datasets feature dict, or (None, False)."""
    if not isinstance(feature, dict):
        return None, False
    if feature.get("_type") == "ClassLabel" and feature.get("names"):
        return list(feature["names"]), False
    if feature.get("_type") in ("Sequence", "List", "LargeList"):
        inner = feature.get("feature")
        if isinstance(inner, dict) and inner.get("_type") == "ClassLabel" and inner.get("names"):
            return list(inner["names"]), True
    return None, False


def class_label_to_name(value: Any, names: list[str] | None, is_list: bool) -> Any:
    """Map ClassLabel integers to their names (other values unchanged; -1 = no label -> None)."""
    if names is None or value is None:
        return value

    def one(v):
        if isinstance(v, int) and not isinstance(v, bool):
            return names[v] if 0 <= v < len(names) else None
        return v

    return [one(v) for v in value] if is_list and isinstance(value, list) else one(value)


def _batches(pf, cols: list[str], file: Path):
    import pyarrow as pa

    it = pf.iter_batches(columns=cols, batch_size=1024)
    while True:
        try:
            batch = next(it)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as e:
            raise DataError(f"cannot read parquet data ({e})", where=file, fix="re-create the file") from None
        yield batch


def audio_cell(audio: Any, origin: str, base: Path | None) -> tuple[bytes | None, Path | None, str]:
    """One audio cell of a parquet / datasets row -> (encoded bytes, file, origin for messages).

    A cell is a datasets ``Audio`` struct ``{bytes, path}``, raw encoded bytes, or a file path; relative paths
    resolve against ``base`` (the parquet file's folder, or a local dataset folder) when there is one.
    """
    data, path = None, None
    if isinstance(audio, dict):
        data, inner = audio.get("bytes"), audio.get("path")
        if inner:
            origin += f" ({inner})"
            if data is None:
                path = Path(inner) if os.path.isabs(inner) or base is None else base / inner
    elif isinstance(audio, (bytes, bytearray)):
        data = bytes(audio)
    elif isinstance(audio, str) and audio:
        origin += f" ({audio})"
        path = Path(audio) if os.path.isabs(audio) or base is None else base / audio
    return data, path, origin


def read_parquet(split: str, files: list[Path], *, audio_key: str, label_key: str,
                 progress: bool = False) -> SplitData:
    """HF-dataset parquet files with an Audio column (``{"bytes", "path"}`` struct), binary or path column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    refs: list[AudioRef] = []
    labels: list[Any] = []
    for file in tqdm(files, desc=f"read {split}", unit="file", disable=not progress or len(files) < 2, leave=False):
        try:
            pf = pq.ParquetFile(file)
        except (pa.ArrowException, OSError) as e:
            raise DataError(f"not a readable parquet file ({e})", where=file,
                            fix="re-create it, e.g. with datasets' Dataset.to_parquet") from None
        schema = pf.schema_arrow
        names = schema.names
        for key, what, opt in ((audio_key, "audio", "audio_key"), (label_key, "label", "label_key")):
            if key not in names:
                raise DataError(f"parquet file has no {what} column {key!r} (columns: {', '.join(names)})",
                                where=file, fix=f"set `{opt}` in the task spec to the column holding the {what}")
        audio_type = schema.field(audio_key).type
        if not (pa.types.is_struct(audio_type) or pa.types.is_binary(audio_type)
                or pa.types.is_large_binary(audio_type) or pa.types.is_string(audio_type)
                or pa.types.is_large_string(audio_type)):
            raise DataError(f"column {audio_key!r} has type {audio_type}, not audio", where=file,
                            fix="use a datasets Audio column ({bytes, path}), a binary column of encoded audio "
                                "or a string column of file paths")
        feats = _hf_features(schema)
        cl_names, cl_list = class_names(feats.get(label_key))
        cols = [audio_key, label_key] + ([ID_KEY] if ID_KEY in names and ID_KEY not in (audio_key, label_key) else [])
        row = 0
        stem = file.name[: -len(".parquet")] if file.name.endswith(".parquet") else file.name
        for batch in _batches(pf, cols, file):
            d = batch.to_pydict()
            ids = d.get(ID_KEY)
            for j, (audio, label) in enumerate(zip(d[audio_key], d[label_key])):
                data, path, origin = audio_cell(audio, f"{file}:row {row}", file.parent)
                if data is None and (path is None or not path.is_file()):
                    raise DataError("row has no audio bytes and no existing audio file", where=origin,
                                    fix="store the audio bytes in the parquet file (push_to_hub or "
                                        "dataset_scripts/export_task.py do), or make the paths absolute or relative "
                                        "to the parquet file's folder")
                label = class_label_to_name(label, cl_names, cl_list)
                if _missing(label):
                    raise DataError(f"missing label in column {label_key!r}", where=origin,
                                    fix="give every row a label (or remove the row)")
                clip_id = str(ids[j]) if ids is not None and not _missing(ids[j]) else f"{stem}/{row}"
                refs.append(AudioRef(id=clip_id, origin=origin, path=path, data=data))
                labels.append(label)
                row += 1
    return SplitData(name=split, refs=refs, labels=labels)


# ------------------------------------------------------------------------------------------------------ dispatch
def split_files(source: "LocalSource", split: str) -> list[Path]:
    """The files (manifests, parquet files, tars or audio folders) a local split points at; DataError if none."""
    pattern = resolve_split_path(source.root, source.split_paths[split])
    fmt = source.format
    if fmt == "audiofolder":
        hits = [Path(p) for p in (sorted(glob.glob(pattern, recursive=True)) if is_glob(pattern) else [pattern])]
        dirs = [p for p in hits if p.is_dir()]
        if not dirs:
            raise _no_match(split, pattern, "folder")
        return dirs
    suffixes = {"manifest": MANIFEST_EXTS, "parquet": (".parquet",), "webdataset": (".tar",)}[fmt]
    files = expand(pattern, suffixes=suffixes)
    if not files:
        raise _no_match(split, pattern, f"{' / '.join(suffixes)} file")
    return files


def load_local_split(task: "TaskMetadata", split: str, *, progress: bool = True) -> SplitData:
    source = task.source
    root = Path(source.root)
    files = split_files(source, split)
    if source.format == "webdataset":
        from hf_bench.data.webdataset import load_tars

        return load_tars(split, files, label_key=task.label_key, progress=progress)
    if source.format == "manifest":
        return read_manifest(split, files, audio_key=source.audio_key, label_key=task.label_key, root=root,
                             progress=progress)
    if source.format == "parquet":
        return read_parquet(split, files, audio_key=source.audio_key, label_key=task.label_key, progress=progress)
    parts = [read_audiofolder(split, d, label_key=task.label_key, root=root, progress=progress) for d in files]
    return SplitData(name=split, refs=[r for p in parts for r in p.refs], labels=[x for p in parts for x in p.labels])


__all__ = ["read_manifest", "read_audiofolder", "read_parquet", "load_local_split", "split_files",
           "resolve_split_path", "expand", "is_glob", "class_names", "class_label_to_name"]
