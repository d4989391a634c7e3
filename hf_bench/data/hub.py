"""Tasks whose data is an HF dataset, pinned to a revision, read through ``datasets.load_dataset``.

The audio column is cast to ``Audio(decode=False)``: hf_bench decodes each clip itself (soundfile + soxr), once,
so datasets' torchcodec decoding is never used. ``repo_id`` may also be a local folder laid out like a Hub dataset
repository (``data/<split>-00000-of-00001.parquet``). Nothing here downloads when ``HF_HUB_OFFLINE=1`` /
``HF_DATASETS_OFFLINE=1``; a dataset that is neither cached nor reachable is an OfflineError.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from hf_bench.data import AudioRef, SplitData
from hf_bench.data.local import ID_KEY, _missing, audio_cell, class_label_to_name, class_names
from hf_bench.errors import DataError, OfflineError

if TYPE_CHECKING:
    from hf_bench.tasks.schema import TaskMetadata


def _offline_fix(repo_id: str, revision: str) -> str:
    return (f"connect to the internet once (unset HF_HUB_OFFLINE / HF_DATASETS_OFFLINE) so that datasets caches "
            f"{repo_id}@{revision}, or download it with `hf download --repo-type dataset {repo_id} --revision "
            f"{revision} --local-dir DIR` and point the task at DIR; gated datasets also need `hf auth login`")


def _load(task: "TaskMetadata", split: str):
    import datasets

    src = task.source
    where = f"hf://datasets/{src.repo_id}@{src.revision}" + (f" (config {src.config})" if src.config else "")
    try:
        return datasets.load_dataset(src.repo_id, name=src.config, revision=src.revision, split=split)
    except ValueError as e:
        if "split" in str(e).lower():
            raise DataError(f"dataset has no split {split!r} ({e})", where=where,
                            fix="use the dataset's split names in the task's `splits` / `folds`") from None
        raise DataError(f"cannot load the dataset ({e})", where=where, fix="check the repo id and config") from None
    except (ConnectionError, TimeoutError, OSError) as e:
        # datasets raises ConnectionError offline and FileNotFoundError (DatasetNotFoundError) for unknown or
        # uncached repos; both mean "not available here"
        raise OfflineError(f"dataset is not available offline and cannot be fetched ({type(e).__name__}: {e})",
                           where=where, fix=_offline_fix(src.repo_id, src.revision)) from None


def load_hub_split(task: "TaskMetadata", split: str, *, progress: bool = True) -> SplitData:
    from datasets import Audio

    src = task.source
    ds = _load(task, split)
    where = f"hf://datasets/{src.repo_id}@{src.revision}/{split}"
    cols = list(ds.column_names)
    for key, what, opt in ((src.audio_column, "audio", "source.audio_column"), (task.label_key, "label", "label_key")):
        if key not in cols:
            raise DataError(f"dataset has no {what} column {key!r} (columns: {', '.join(cols)})", where=where,
                            fix=f"set `{opt}` in the task to the column holding the {what}")
    feature = ds.features[src.audio_column]
    if isinstance(feature, Audio):
        ds = ds.cast_column(src.audio_column, Audio(decode=False))
    label_feature = ds.features[task.label_key]
    names, is_list = class_names(_feature_dict(label_feature))
    keep = [src.audio_column, task.label_key] + ([ID_KEY] if ID_KEY in cols and ID_KEY != task.label_key else [])
    ds = ds.select_columns(keep)
    local_root = Path(src.repo_id) if os.path.isdir(src.repo_id) else None

    refs: list[AudioRef] = []
    labels: list[Any] = []
    row = 0
    with tqdm(total=len(ds), desc=f"index {split}", unit="clip", disable=not progress, leave=False) as bar:
        for batch in ds.iter(batch_size=1000):
            ids = batch.get(ID_KEY)
            for j, (audio, label) in enumerate(zip(batch[src.audio_column], batch[task.label_key])):
                data, path, origin = audio_cell(audio, f"{where}:row {row}", local_root)
                if data is None and (path is None or not path.is_file()):
                    raise DataError("row has no audio bytes and no existing audio file", where=origin,
                                    fix=f"check `source.audio_column` ({src.audio_column!r}) holds audio")
                label = class_label_to_name(label, names, is_list)
                if _missing(label):
                    raise DataError(f"missing label in column {task.label_key!r}", where=origin,
                                    fix="filter out unlabelled rows or choose another split")
                clip_id = str(ids[j]) if ids is not None and not _missing(ids[j]) else f"{split}/{row}"
                refs.append(AudioRef(id=clip_id, origin=origin, path=path, data=data))
                labels.append(label)
                row += 1
            bar.update(len(batch[task.label_key]))
    return SplitData(name=split, refs=refs, labels=labels)


def _feature_dict(feature) -> dict[str, Any]:
    from datasets import ClassLabel, Features

    if isinstance(feature, ClassLabel):
        return {"_type": "ClassLabel", "names": list(feature.names)}
    try:
        return Features({"x": feature}).to_dict()["x"]
    except Exception:  # noqa: BLE001 - an exotic feature type simply has no class names
        return {}


__all__ = ["load_hub_split"]
