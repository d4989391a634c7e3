"""Fill a submission's ``semantic/`` folder with frame features from any hf_bench encoder.

One float64 ``.npy`` (frames x dim) per wav listed for semantic dev/test synthetic/librispeech, at
``SUBMISSION/semantic/<set>/<type>/<stem>.npy``. Decoding, resampling and the per-file feature cache are the
spine's feature store (``hf_bench.features.extract.iter_frame_features``: the semantic wavs form one split, stored
as a frames view of the chosen layer). Files already present and valid are kept, and the store keeps every finished
shard, so an interrupted run resumes; ``semantic/.hf_bench_features.json`` records the encoder and layer so that a
resumed run never mixes two encoders.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from hf_bench.errors import DataError, EncoderError, HFBenchError
from hf_bench.utils.io import atomic_save_npy, atomic_write_json
from hf_bench.zerospeech.constants import FEATURES_STAMP, SEMANTIC_TYPES, SETS, SLM21
from hf_bench.zerospeech.dataset import ZeroSpeechDataset
from hf_bench.zerospeech.report import ValidationReport, examples
from hf_bench.zerospeech.submission import SLM21Params, feature_dir, feature_problems, load_feature, load_params

if TYPE_CHECKING:
    from hf_bench.encoders.base import Encoder


@dataclass
class FeaturesResult:
    written: list[Path]
    skipped: list[Path]
    stamp: Path

    @property
    def total(self) -> int:
        return len(self.written) + len(self.skipped)


def feature_jobs(dataset: ZeroSpeechDataset, submission: str | os.PathLike, sets: Iterable[str] = SETS,
                 types: Iterable[str] = SEMANTIC_TYPES) -> list[tuple[Path, Path]]:
    """(wav, output .npy) for every semantic wav of the selected sets and types, in dataset order."""
    jobs = []
    for set_ in sets:
        for kind in types:
            folder = feature_dir(submission, set_, kind)
            for wav in dataset.wav_files("semantic", set_, kind):
                jobs.append((wav, folder / f"{wav.stem}.npy"))
    return jobs


def _usable(path: Path, dim: int | None) -> bool:
    try:
        array = load_feature(path)
    except HFBenchError:
        return False
    if feature_problems(array, "mean"):
        return False
    return dim is None or array.shape[1] == dim


def _stamp_of(encoder: "Encoder", layer: str) -> dict:
    import hf_bench

    return {"encoder_id": encoder.id, "encoder_name": getattr(encoder, "name", encoder.id),
            "encoder_fingerprint": encoder.fingerprint(), "layer": str(layer), "dim": int(encoder.dim),
            "hop_ms": float(encoder.hop_ms), "hf_bench_version": hf_bench.__version__}


def extract_semantic_features(encoder: "str | Encoder", dataset: ZeroSpeechDataset | str | os.PathLike,
                              submission: str | os.PathLike, *, layer: str = "last",
                              sets: Iterable[str] | None = None, types: Iterable[str] | None = None,
                              cache_dir: str | os.PathLike | None = None, batch_size: int = 8,
                              overwrite: bool = False, progress: bool = True,
                              log: Callable[[str], None] | None = None) -> FeaturesResult:
    """Write the semantic features of ``submission`` with ``encoder`` (an hf_bench encoder spec or instance).

    ``types`` defaults to the types enabled in ``params.yaml`` (both when it is absent). Existing valid files made
    by the same encoder and layer are skipped; ``overwrite`` recomputes everything.
    """
    say = log or (lambda _msg: None)
    root = Path(submission).expanduser()
    if not root.is_dir():
        raise HFBenchError("submission directory not found", where=root,
                           fix=f"create it first with `hf-bench zerospeech init {SLM21} {root}`")
    if not isinstance(dataset, ZeroSpeechDataset):
        dataset = ZeroSpeechDataset(SLM21, dataset)
    if dataset.benchmark != SLM21:
        raise HFBenchError("semantic features exist only for sLM21", where="--dataset", fix="pass the sLM21 dataset")
    if batch_size < 1:
        raise HFBenchError(f"batch size must be at least 1, got {batch_size}", where="--batch-size",
                           fix="pass --batch-size 8")
    sets = tuple(s for s in SETS if s in (sets or SETS))
    params = load_params(SLM21, root, ValidationReport(str(root), SLM21))
    assert isinstance(params, SLM21Params)
    if params.syntactic.score_files_type != ".npy":
        raise HFBenchError("params.yaml sets syntactic.score_files_type to .txt, but features are written as .npy",
                           where=root / "params.yaml", fix="remove syntactic.score_files_type (default .npy)")
    types = tuple(types) if types else params.semantic.types()
    bad = [t for t in types if t not in SEMANTIC_TYPES]
    if bad:
        raise HFBenchError(f"unknown semantic type(s) {', '.join(bad)}", where="--types",
                           fix=f"use {' '.join(SEMANTIC_TYPES)}")

    jobs = feature_jobs(dataset, root, sets, types)
    absent = [str(w) for w, _ in jobs if not w.is_file()]
    if absent:
        raise DataError(f"{len(absent)} semantic wav file(s) listed by the dataset are missing: {examples(absent)}",
                        where=dataset.root, fix="download the complete sLM21 dataset (`hf-bench zerospeech download`)")

    encoder = _load_encoder(encoder)
    stamp_path = root / FEATURES_STAMP
    stamp = _stamp_of(encoder, layer)
    existing = [out for _, out in jobs if out.is_file()]
    if not overwrite:
        _check_stamp(stamp_path, stamp, existing)
    atomic_write_json(stamp_path, stamp)

    done = set() if overwrite else {o for _, o in jobs if o.is_file() and _usable(o, encoder.dim)}
    todo = [(w, o) for w, o in jobs if o not in done]
    skipped = [o for _, o in jobs if o in done]
    say(f"semantic features: {len(jobs)} files, {len(skipped)} already done, {len(todo)} to extract "
        f"with {encoder.id} (layer {layer})")
    written = []
    if todo:
        written = _extract(encoder, jobs, {o for _, o in todo}, layer=layer, cache_dir=cache_dir,
                           batch_size=batch_size, progress=progress)
    return FeaturesResult(written, skipped, stamp_path)


def _load_encoder(encoder: "str | Encoder") -> "Encoder":
    if not isinstance(encoder, str):
        return encoder
    try:
        from hf_bench.encoders import load_encoder
    except ImportError as e:
        raise HFBenchError(f"hf_bench.encoders is not available ({e})", where="--encoder",
                           fix="reinstall hf_bench (pip install -e .)") from None
    return load_encoder(encoder)


def _check_stamp(stamp_path: Path, stamp: dict, existing: list[Path]) -> None:
    keys = ("encoder_id", "encoder_fingerprint", "layer")
    if stamp_path.is_file():
        try:
            old = json.loads(stamp_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            old = {}
        if any(old.get(k) != stamp[k] for k in keys):
            raise HFBenchError(f"semantic/ holds features of {old.get('encoder_id')!r} (layer {old.get('layer')!r}), "
                               f"not of {stamp['encoder_id']!r} (layer {stamp['layer']!r})", where=stamp_path,
                               fix="pass --overwrite to replace them all, or use a new submission directory")
    elif existing:
        raise HFBenchError(f"semantic/ already holds {len(existing)} feature file(s) not written by "
                           "`hf-bench zerospeech features`", where=stamp_path.parent,
                           fix="pass --overwrite to replace them, or use a new submission directory")


def _extract(encoder: "Encoder", jobs: list[tuple[Path, Path]], todo: set[Path], *, layer: str, cache_dir,
             batch_size: int, progress: bool) -> list[Path]:
    """Write the outputs in ``todo``; the store is always asked for every job, so its entry (and its finished
    shards) is the same however many outputs an earlier, interrupted run already wrote."""
    import numpy as np

    from hf_bench.features.extract import iter_frame_features

    wavs = [w for w, _ in jobs]
    written = []
    stream = iter_frame_features(encoder, wavs, layer=layer, cache_dir=cache_dir, batch_size=batch_size,
                                 progress=progress)
    for (wav, out), (got, array) in zip(jobs, stream):
        if out not in todo:
            continue
        if Path(got) != wav:
            raise EncoderError(f"features came back out of order ({got} instead of {wav})", where="iter_frame_features",
                               fix="report this bug: frame features must be yielded in input order")
        array = np.asarray(array)
        if array.ndim != 2 or array.shape[0] < 1:
            raise EncoderError(f"frame features of {wav} have shape {tuple(array.shape)}, expected [frames >= 1, dim]",
                               where=encoder.id, fix="check the encoder's output (`hf-bench check-encoder`)")
        atomic_save_npy(out, array.astype(np.float64))
        written.append(out)
    if len(written) != len(todo):
        raise EncoderError(f"the feature extractor returned {len(written)} of {len(todo)} files", where=encoder.id,
                           fix="rerun the command; finished files are kept")
    return written
