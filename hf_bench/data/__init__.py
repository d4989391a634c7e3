"""Task data: where the clips of a task are and what their labels are, without decoding any audio.

``load_task_data`` turns a task's data source (generated, local files, an HF dataset, a Zenodo record, a corpus as
its publisher distributes it) into one
``SplitData`` per split or fold: a list of ``AudioRef`` (a pointer to one encoded clip) and the raw label of each.
Audio is decoded once, later, by ``hf_bench.audio.decode`` in the feature stage; targets are built from the raw
labels by ``encode_targets``. ``dataset_fingerprint`` says when cached features of a task are stale.

Heavy libraries (datasets, pyarrow) are imported inside the functions that need them.
"""

from __future__ import annotations

import fcntl
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_bench.errors import DataError

if TYPE_CHECKING:
    from hf_bench.tasks.schema import TaskMetadata


@dataclass(frozen=True)
class AudioRef:
    """One clip, not decoded yet (decoding happens once, in the feature stage)."""

    id: str                          # unique within the task
    origin: str                      # human-readable location for error messages
    path: Path | None = None         # file on disk (wav/flac/... or the tar file holding the clip)
    data: bytes | None = field(default=None, repr=False)  # encoded audio bytes (parquet / hub rows)
    tar_offset: int | None = None    # byte offset of a tar member's data inside ``path``
    tar_size: int | None = None      # byte size of that member
    # a segment of a longer recording (a TED talk, a radio show): seconds from the start of the file; decoding
    # reads only [start_s, end_s) and the clip's content digest covers the file and the segment bounds
    start_s: float | None = None
    end_s: float | None = None

    @property
    def is_segment(self) -> bool:
        return self.start_s is not None or self.end_s is not None

    def read_bytes(self) -> bytes | None:
        """The encoded bytes of the clip, or None when it should be decoded from ``path`` directly."""
        if self.data is not None:
            return self.data
        if self.tar_offset is None:
            return None
        if self.path is None or self.tar_size is None:
            raise DataError("tar member reference without a file path or size", where=self.origin,
                            fix="rebuild the data index (this is a bug if it came from hf_bench itself)")
        try:
            with open(self.path, "rb") as f:
                f.seek(self.tar_offset)
                blob = f.read(self.tar_size)
        except OSError as e:
            raise DataError(f"cannot read the tar file ({e.strerror or e})", where=self.origin,
                            fix="check that the file still exists and is readable") from None
        if len(blob) != self.tar_size:
            raise DataError(f"tar member is truncated ({len(blob)} of {self.tar_size} bytes)", where=self.origin,
                            fix="the tar file changed or is incomplete: download or copy it again")
        return blob


@dataclass
class SplitData:
    """The clips of one split or fold and their raw labels (as found in the data)."""

    name: str
    refs: list[AudioRef]
    labels: list[Any]

    def __post_init__(self):
        if len(self.refs) != len(self.labels):
            raise ValueError(f"split {self.name!r}: {len(self.refs)} refs but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.refs)


def load_task_data(task: "TaskMetadata", *, data_root: Path, progress: bool = True,
                   only: str | None = None) -> dict[str, SplitData]:
    """Index every split/fold of ``task`` (keys = ``task.split_names``); no audio is decoded.

    ``data_root`` holds generated audio (``embedded/<task>``) and downloaded archives (``xares/<task>``).
    Raises DataError / OfflineError naming the file or record at fault and the fix. ``only``: index that one
    split (a corpus reads nothing else; e.g. the test split of a benchmark distributed without training data).
    """
    data_root = Path(data_root)
    kind = task.source.kind
    if kind == "generator":
        splits = _load_generated(task, data_root, progress)
    elif kind == "local":
        from hf_bench.data.local import load_local_split

        splits = {name: load_local_split(task, name, progress=progress) for name in task.split_names}
    elif kind == "hub":
        from hf_bench.data.hub import load_hub_split

        splits = {name: load_hub_split(task, name, progress=progress) for name in task.split_names}
    elif kind == "zenodo":
        from hf_bench.data.zenodo import load_zenodo_splits

        splits = load_zenodo_splits(task, data_root, progress=progress)
    elif kind == "corpus":
        splits = _load_corpus(task, data_root, progress, [only] if only else None)
    else:  # pragma: no cover - the schema's discriminator makes this unreachable
        raise DataError(f"unknown data source kind {kind!r}", where=f"task {task.name}")
    if only is not None:
        if only not in splits:
            raise DataError(f"task {task.name} has no split {only!r} (splits: {', '.join(task.split_names)})",
                            where="--split", fix=f"use one of {', '.join(task.split_names)}")
        return {only: splits[only]}
    check_splits(task, splits)
    return splits


def missing_task_data(task: "TaskMetadata", *, data_root: Path) -> str | None:
    """Why ``task``'s data is not on this machine, or None (generated tasks are made on demand; local and Hub
    sources are checked when loaded)."""
    if task.source.kind == "zenodo":
        from hf_bench.data.zenodo import missing_zenodo_data

        return missing_zenodo_data(task, Path(data_root))
    if task.source.kind == "corpus":
        from hf_bench.data.corpora import get_reader

        reader = get_reader(task.source.reader)
        root = corpus_root(task, data_root)
        why = reader.missing(root, reader.options(task.source.options))
        if why is None:
            return None
        how = (f"run `hf-bench prepare --task {task.name}` (downloads it into {root})" if reader.downloadable else
               reader.how_to_get)
        return (f"{reader.title} ({reader.licence}): {why}. {how}; or point hf_bench at your copy with "
                f"`--data-dir D` (read from D/corpora/{task.source.folder}) or `root:` in a task spec")
    return None


def corpus_root(task: "TaskMetadata", data_root: Path) -> Path:
    """Where a corpus task reads its corpus: the source's own ``root``, else ``<data_root>/corpora/<folder>``."""
    return Path(task.source.root) if task.source.root else Path(data_root) / "corpora" / task.source.folder


def _load_corpus(task: "TaskMetadata", data_root: Path, progress: bool,
                 names: list[str] | None = None) -> dict[str, SplitData]:
    from hf_bench.data.corpora import get_reader
    from hf_bench.errors import OfflineError

    reader = get_reader(task.source.reader)
    options = reader.options(task.source.options)
    root = corpus_root(task, data_root)
    if (why := reader.missing(root, options)) is not None:
        raise OfflineError(f"the data of task {task.name} is not on this machine: {why}", where=root,
                           fix=(f"run `hf-bench prepare --task {task.name}`" if reader.downloadable else
                                reader.how_to_get) + f"; or use --data-dir D with the corpus in "
                                f"D/corpora/{task.source.folder}, or set `root:` in a task spec")
    return {name: reader.read(root, name, options, progress=progress) for name in names or task.split_names}


def download_task_data(task: "TaskMetadata", *, data_root: Path, progress: bool = True, force: bool = False) -> str:
    """Fetch what ``load_task_data`` needs, ahead of time (``hf-bench prepare``); returns a one-line summary.

    Zenodo: the record archive, verified and unzipped into ``<data_root>/xares/<task>``. Corpus: downloaded where
    its reader can (mTEDx), else only checked (licensed corpora are the user's own copy). Hub: every split into the
    datasets cache. Generator: the generated audio. Local data is already there, so it is only checked.
    """
    data_root = Path(data_root)
    kind = task.source.kind
    if kind == "zenodo":
        from hf_bench.data.zenodo import download_zenodo, task_data_dir

        dest = download_zenodo(task.source, task_data_dir(task, data_root), progress=progress, force=force)
        return f"{task.name}: Zenodo record {task.source.record_id} ready in {dest}"
    if kind == "corpus":
        from hf_bench.data.corpora import get_reader

        reader = get_reader(task.source.reader)
        root = corpus_root(task, data_root)
        options = reader.options(task.source.options)
        if reader.downloadable and (force or reader.missing(root, options) is not None):
            reader.download(root, options, progress=progress, force=force)
    splits = load_task_data(task, data_root=data_root, progress=progress)
    n = sum(len(s) for s in splits.values())
    where = {"hub": f"hf://datasets/{getattr(task.source, 'repo_id', '')} (datasets cache)",
             "generator": str(data_root / "embedded" / task.name),
             "local": str(getattr(task.source, "root", "")),
             "corpus": str(corpus_root(task, data_root)) if kind == "corpus" else ""}[kind]
    return f"{task.name}: {n} clips in {len(splits)} splits ready ({where})"


def check_splits(task: "TaskMetadata", splits: dict[str, SplitData]) -> None:
    """Every split non-empty and no clip id in two splits (that would leak test data into training)."""
    seen: dict[str, str] = {}
    for name in task.split_names:
        split = splits[name]
        if not split.refs:
            raise DataError(f"split {name!r} has no clips", where=f"task {task.name}",
                            fix="point the split at a file, folder or glob that holds audio")
        for ref in split.refs:
            other = seen.setdefault(ref.id, name)
            if other != name:
                raise DataError(f"clip {ref.id!r} ({ref.origin}) is in both split {other!r} and split {name!r}",
                                where=f"task {task.name}",
                                fix="make the splits/folds disjoint (each file or glob must select different data)")


def _load_generated(task: "TaskMetadata", data_root: Path, progress: bool) -> dict[str, SplitData]:
    from hf_bench.data.local import read_manifest

    # import_module (not ``from . import synth``) so the generator package is only loaded when needed
    synth = importlib.import_module("hf_bench.data.synth")
    folder = data_root / "embedded" / task.name
    folder.parent.mkdir(parents=True, exist_ok=True)
    # several processes (probe.py ranks, two terminals) may ask at once: one generates, the others wait
    with open(folder.parent / f".{task.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not synth.is_up_to_date(task, folder):
                synth.generate(task, folder, progress=progress)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    out = {}
    for name in task.split_names:
        manifest = folder / name / "manifest.jsonl"
        if not manifest.is_file():
            raise DataError(f"generated data has no manifest for split {name!r}", where=manifest,
                            fix=f"delete {folder} and run again to regenerate it")
        out[name] = read_manifest(name, [manifest], audio_key="audio", label_key="label", root=folder)
    return out


from hf_bench.data.fingerprint import dataset_fingerprint  # noqa: E402
from hf_bench.data.targets import encode_targets  # noqa: E402

__all__ = ["corpus_root", "missing_task_data", "AudioRef", "SplitData", "load_task_data", "download_task_data", "dataset_fingerprint", "encode_targets",
           "check_splits"]
