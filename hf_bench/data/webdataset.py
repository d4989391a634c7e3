"""WebDataset shards (the X-ARES layout): plain tars whose samples are ``<key>.<audio ext>`` + ``<key>.json``.

Each tar is indexed once with ``tarfile`` (headers and the small JSON members only); audio members are
referenced by byte offset and size so that they can be read later without unpacking or loading the tar.
A sample's key is the member name without its last extension (``dir/clip.0.500.wav`` -> ``dir/clip.0.500``), so
file names with dots (DESED's ``Y..._0.000_10.000``) keep distinct keys; for plain ``<key>.wav`` + ``<key>.json``
this is WebDataset's own grouping.
"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path
from typing import Any, Iterable

from tqdm.auto import tqdm

from hf_bench.data import AudioRef, SplitData
from hf_bench.errors import DataError

# X-ARES accepts flac;mp3;sox;wav;m4a;ogg;wma (webdataset's torch_audio); opus/aiff are also common
AUDIO_EXTS = ("flac", "wav", "mp3", "ogg", "opus", "m4a", "wma", "sox", "aiff", "aif")
WHOLE_JSON = "."  # label_key meaning "the whole JSON member is the label" (e.g. Clotho's captions object)
_KEY_RE = re.compile(r"^(.*[^/])\.([^./]+)$")  # (key, last extension)


def _label_from_json(doc: Any, label_key: str, origin: str) -> Any:
    if label_key == WHOLE_JSON or not isinstance(doc, dict):
        # a JSON member that is not an object (a list of events, a bare string) is itself the label
        return doc
    if label_key not in doc:
        keys = ", ".join(sorted(map(str, doc))) or "(none)"
        raise DataError(f"label key {label_key!r} is missing (the JSON has: {keys})", where=origin,
                        fix="set `label_key` in the task spec to the JSON field holding the label, or add the "
                            "field to every sample")
    value = doc[label_key]
    if value is None:
        raise DataError(f"label {label_key!r} is null", where=origin, fix="give every sample a label")
    return value


def index_tar(tar_path: Path, *, label_key: str) -> tuple[list[AudioRef], list[Any]]:
    """Index one uncompressed tar: one AudioRef (offset + size) and one raw label per sample, in tar order."""
    tar_path = Path(tar_path)
    stem = tar_path.name[: -len(".tar")] if tar_path.name.endswith(".tar") else tar_path.name
    samples: dict[str, dict[str, tarfile.TarInfo]] = {}
    json_docs: dict[str, Any] = {}
    try:
        # "r:" = uncompressed only: offsets into a compressed stream would be meaningless
        with tarfile.open(tar_path, "r:") as tf:
            for member in tf:
                if not member.isfile():
                    continue
                base = member.name.rsplit("/", 1)[-1]
                if base.startswith(".") or "__MACOSX" in member.name:
                    continue
                m = _KEY_RE.match(member.name)
                if not m:
                    continue
                key, ext = m.group(1), m.group(2).lower()
                kind = "json" if ext == "json" else ("audio" if ext in AUDIO_EXTS else None)
                if kind is None:
                    continue
                members = samples.setdefault(key, {})
                if kind in members:
                    raise DataError(f"sample {key!r} has two {kind} members ({members[kind].name}, {member.name})",
                                    where=tar_path,
                                    fix="give every sample exactly one audio member and one .json member")
                members[kind] = member
                if kind == "json":
                    blob = tf.extractfile(member).read()
                    try:
                        json_docs[key] = json.loads(blob.decode("utf-8"))
                    except (UnicodeDecodeError, json.JSONDecodeError) as e:
                        raise DataError(f"invalid JSON ({e})", where=f"{tar_path}:{member.name}",
                                        fix="write the label member as UTF-8 JSON") from None
    except tarfile.ReadError as e:
        raise DataError(f"not a readable uncompressed tar file ({e})", where=tar_path,
                        fix="WebDataset shards must be plain .tar files (not .tar.gz); re-create or re-download it") \
            from None
    except (EOFError, OSError) as e:
        raise DataError(f"cannot read tar file ({e})", where=tar_path,
                        fix="the file is truncated or unreadable: re-create or re-download it") from None

    refs, labels = [], []
    for key, members in samples.items():
        audio = members.get("audio")
        if audio is None:
            raise DataError(f"sample {key!r} has a label but no audio member", where=f"{tar_path}:{members['json'].name}",
                            fix=f"add {key}.<{'|'.join(AUDIO_EXTS[:4])}> next to it or remove the label")
        origin = f"{tar_path}:{audio.name}"
        if "json" not in members:
            raise DataError(f"sample {key!r} has no {key}.json label member", where=origin,
                            fix="every audio member needs a <key>.json member holding its label")
        labels.append(_label_from_json(json_docs[key], label_key, f"{tar_path}:{members['json'].name}"))
        refs.append(AudioRef(id=f"{stem}/{key}", origin=origin, path=tar_path,
                             tar_offset=audio.offset_data, tar_size=audio.size))
    return refs, labels


def load_tars(split: str, tars: Iterable[Path], *, label_key: str, progress: bool = True) -> SplitData:
    """Index several shards (in the given order, normally sorted) into one split."""
    tars = list(tars)
    refs: list[AudioRef] = []
    labels: list[Any] = []
    for tar in tqdm(tars, desc=f"index {split}", unit="tar", disable=not progress or len(tars) < 2, leave=False):
        r, lab = index_tar(tar, label_key=label_key)
        refs += r
        labels += lab
    return SplitData(name=split, refs=refs, labels=labels)


__all__ = ["AUDIO_EXTS", "WHOLE_JSON", "index_tar", "load_tars"]
