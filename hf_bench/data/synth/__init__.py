"""Deterministic generators of the embedded suite (no download: espeak-ng, flite, FluidSynth + TimGM6mb).

Layout written by ``generate(task, out_dir)``::

    out_dir/
      train/manifest.jsonl   one JSON object per line: {"id", "audio" (path relative to the split dir), "label"}
      train/<id>.flac        16 kHz mono 16-bit FLAC
      valid/...  test/...
      generator.json         written last, atomically: the done marker (generator_fingerprint, sizes, and under
                             "generated" the only volatile fields: when and how long)

``label`` is the class name (str) for classification, a list of class names for multi-label, a float for
regression and a list of ``{"onset", "offset", "label"}`` events (seconds) for the frame-level tasks. Clip ``i`` of a split depends only on (task seed, split role, i): the same inputs give byte-identical
FLAC files, and ``limit_per_split=n`` gives exactly the first ``n`` clips of the full data.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from hf_bench.data.synth._base import ROLES, Generator
from hf_bench.data.synth.captions import GENERATORS as _CAPTIONS
from hf_bench.data.synth.french import GENERATORS as _FRENCH
from hf_bench.data.synth.mandarin import GENERATORS as _MANDARIN
from hf_bench.data.synth.music import GENERATORS as _MUSIC
from hf_bench.data.synth.scenes import GENERATORS as _SCENES
from hf_bench.data.synth.speech import GENERATORS as _SPEECH
from hf_bench.errors import DataError, HFBenchError

if TYPE_CHECKING:
    from hf_bench.tasks.schema import TaskMetadata

# name -> callable(seed, role, index) -> (label, float32 audio at 16 kHz); role is "train" | "valid" | "test"
GENERATORS: dict[str, Callable[[int, str, int], tuple[Any, Any]]] = {**_SPEECH, **_MUSIC, **_SCENES, **_CAPTIONS,
                                                                       **_FRENCH, **_MANDARIN}
MARKER = "generator.json"
MANIFEST = "manifest.jsonl"
FORMAT_VERSION = 1  # of the on-disk layout above


def get_generator(task: "TaskMetadata") -> Generator:
    if task.source.kind != "generator":
        raise HFBenchError(f"task {task.name!r} is not generated (source kind {task.source.kind!r})",
                           where=f"task {task.name}: source", fix="only embedded-suite tasks can be generated")
    name = task.source.generator
    if name not in GENERATORS:
        raise HFBenchError(f"unknown generator {name!r}", where=f"task {task.name}: source.generator",
                           fix=f"use one of: {', '.join(sorted(GENERATORS))}")
    if not task.splits:
        raise HFBenchError("generated tasks need splits (train, valid, test), not folds",
                           where=f"task {task.name}: splits", fix="set splits=('train', 'valid', 'test')")
    return GENERATORS[name]


def _roles(task: "TaskMetadata") -> dict[str, str]:
    """Task split name -> generator role, in order (the test split always gets the unseen voices/programs)."""
    return dict(zip(task.splits, ROLES))


def _sizes(task: "TaskMetadata", limit_per_split: int | None) -> dict[str, int]:
    sizes = {}
    for split in task.splits:
        if split not in task.sizes or task.sizes[split] < 1:
            raise HFBenchError(f"no size for split {split!r}", where=f"task {task.name}: sizes",
                               fix="give the number of clips to generate for every split")
        n = task.sizes[split]
        sizes[split] = n if limit_per_split is None else min(n, int(limit_per_split))
    return sizes


def clip_id(task: "TaskMetadata", split: str, index: int) -> str:
    return f"{task.name}-{split}-{index:05d}"


# ------------------------------------------------------------------------------------------ versions, markers
ALL_TOOLS = ("espeak-ng", "flite", "fluidsynth")


def tool_versions(tools: tuple[str, ...] = ALL_TOOLS) -> dict[str, str]:
    """Versions of everything that shapes the audio made with ``tools`` (raises HFBenchError naming a missing tool).

    Always includes numpy (random streams), soxr (resampling) and libsndfile (FLAC encoding).
    """
    import numpy
    import soundfile
    import soxr

    from hf_bench.data.synth import _tools as T

    out: dict[str, str] = {}
    if "espeak-ng" in tools:
        out["espeak-ng"] = T.espeak_version()
    if "flite" in tools:
        out["flite"] = T.flite_version()
    if "fluidsynth" in tools:
        out.update(T.fluidsynth_versions())
        out.update(soundfont=str(T.SOUNDFONT), soundfont_sha256=T.soundfont_sha256())
    out.update(numpy=numpy.__version__, soxr=soxr.__version__, libsndfile=soundfile.__libsndfile_version__)
    return out


def generator_fingerprint(task: "TaskMetadata") -> dict:
    """Everything the generated audio depends on (what ``generator.json`` holds, minus sizes and timestamps).

    Only the tools this task's generator uses are listed, so that upgrading flite does not regenerate the music.
    """
    gen = get_generator(task)
    return {"format_version": FORMAT_VERSION, "task": task.name, "generator": task.source.generator,
            "generator_version": task.source.generator_version, "seed": task.source.seed,
            "sample_rate": 16000, "clip_seconds": gen.clip_s, "splits": list(task.splits),
            "tools": tool_versions(gen.tools)}


def _read_marker(out_dir: Path) -> dict | None:
    try:
        with open(out_dir / MARKER, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_up_to_date(task: "TaskMetadata", out_dir: str | os.PathLike, *, limit_per_split: int | None = None) -> bool:
    """True when ``out_dir`` holds a complete generation of ``task`` with the same fingerprint and sizes.

    A missing or unreadable ``generator.json``, a different generator version, seed or tool version, or data
    generated with another ``limit_per_split`` all give False (the caller then regenerates).
    """
    out_dir = Path(out_dir)
    marker = _read_marker(out_dir)
    if marker is None:
        return False
    try:
        expected = generator_fingerprint(task)
    except HFBenchError:
        return False  # a tool vanished: generate() will say which one
    if {k: marker.get(k) for k in expected} != expected:
        return False
    if marker.get("sizes") != _sizes(task, limit_per_split):
        return False
    return all((out_dir / split / MANIFEST).is_file() for split in task.splits)


# ------------------------------------------------------------------------------------------------ generation
def generate(task: "TaskMetadata", out_dir: str | os.PathLike, *, limit_per_split: int | None = None,
             progress: bool = True, workers: int | None = None) -> None:
    """Generate every split of ``task`` into ``out_dir`` (see the module docstring for the layout).

    ``limit_per_split`` keeps only the first n clips of each split (identical to those of the full data).
    ``workers`` threads render clips (default: CPU count + 1, at most 8: the synthesisers run as subprocesses or
    outside the GIL, and one extra thread keeps the cores busy while another is in Python).
    ``generator.json`` is removed first and written last, so an interrupted run is never taken as complete.
    """
    from tqdm.auto import tqdm

    from hf_bench.data.synth import _tools as T
    from hf_bench.data.synth._audio import SILENCE_PEAK, encode_flac
    from hf_bench.utils.io import atomic_write_bytes, atomic_write_json, atomic_write_text, ensure_dir

    gen = get_generator(task)
    if limit_per_split is not None and int(limit_per_split) < 1:
        raise HFBenchError(f"limit_per_split must be >= 1, got {limit_per_split}", where="limit_per_split",
                           fix="pass a positive number of clips, or None for the full task")
    sizes = _sizes(task, limit_per_split)
    T.check_tools(gen.tools)
    fingerprint = generator_fingerprint(task)
    out_dir = ensure_dir(out_dir)
    try:
        (out_dir / MARKER).unlink()
    except FileNotFoundError:
        pass
    roles = _roles(task)
    seed = task.source.seed
    workers = workers or min(8, _cpus() + 1)
    started = time.time()
    bar = tqdm(total=sum(sizes.values()), desc=f"generating {task.name}", unit="clip", disable=not progress)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hf_bench_synth")
    try:
        for split, n in sizes.items():
            split_dir = ensure_dir(out_dir / split)

            def make(index: int, split=split, split_dir=split_dir) -> str:
                label, audio = gen(seed, roles[split], index)
                peak = float(abs(audio).max())
                if not peak >= SILENCE_PEAK:
                    raise DataError(f"generator {gen.name!r} produced a silent clip (peak {peak:.2g})",
                                    where=f"{task.name}/{split}/{index}",
                                    fix="check the synthesis tools (`bash setup.sh install`); this is a bug if "
                                        "they work")
                cid = clip_id(task, split, index)
                atomic_write_bytes(split_dir / f"{cid}.flac", encode_flac(audio))
                return json.dumps({"id": cid, "audio": f"{cid}.flac", "label": label}, ensure_ascii=False)

            lines = []
            for line in pool.map(make, range(n)):
                lines.append(line)
                bar.update(1)
            atomic_write_text(split_dir / MANIFEST, "\n".join(lines) + "\n")
            _remove_stale(split_dir, {f"{clip_id(task, split, i)}.flac" for i in range(n)}, task.name)
    finally:
        # on an error or Ctrl-C, drop the queued clips instead of rendering them all before giving up
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
    # the only volatile fields live under "generated": drop that key to compare generations across machines
    atomic_write_json(out_dir / MARKER, {**fingerprint, "sizes": sizes, "limit_per_split": limit_per_split,
                                         "generated": {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                                       "seconds": round(time.time() - started, 1)}})


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _remove_stale(split_dir: Path, keep: set[str], task_name: str) -> None:
    """Delete clips of an earlier, larger generation (only files named like this task's clips)."""
    for path in split_dir.glob(f"{task_name}-*.flac"):
        if path.name not in keep:
            path.unlink()


# ------------------------------------------------------------------------------------------- labels / chance
def label_plan(generator: str, seed: int, role: str, n: int) -> list:
    """The labels of the first ``n`` clips of a split, without rendering audio."""
    gen = GENERATORS[generator]
    return [gen.label(seed, role, i) for i in range(n)]


def _constant_text(train: list[str]) -> str:
    """The best constant text: the most frequent word of each position of the training texts."""
    from collections import Counter

    words = [t.split() for t in train]
    slots = max(len(w) for w in words)
    return " ".join(Counter(w[k] for w in words if len(w) > k).most_common(1)[0][0] for k in range(slots))


def chance_level(generator: str, seed: int, n_test: int, metric: str | None = None, **metric_args) -> float:
    """Main score of a trivial predictor on the test split, computed from its labels.

    Classification: majority-class accuracy. Multi-label: mean class prevalence (the expected average precision
    of a predictor that ignores the audio). Regression and curves: 0 (CCC of a constant prediction). Events:
    segment F1 of the best trivial output, every class active over the whole clip (an all-silent output scores
    0). Captions: 1 / n, the expected recall@1 of a random ranking in both directions (a constant one scores 0:
    ties count against the query). Transcripts and translations: the task ``metric`` (iWER by default; WER,
    BLEU) of the best constant text, the most frequent word of each position of the training texts. Concepts:
    the concept error rate of the most frequent training concept sequence.
    """
    gen = GENERATORS[generator]
    if gen.kind in ("regression", "curve"):
        return 0.0
    if gen.kind == "captions":
        return 1.0 / n_test
    n_train = max(n_test, 300)
    if gen.kind in ("transcript", "translation"):
        from hf_bench import metrics

        def text(label):
            return label["translation"] if isinstance(label, dict) else label

        refs = [text(r) for r in label_plan(generator, seed, "test", n_test)]
        guess = _constant_text([text(r) for r in label_plan(generator, seed, "train", n_train)])
        name = metric or ("corpus_bleu" if gen.kind == "translation" else "iwer")
        return float(metrics.compute(name, [guess] * n_test, refs, **metric_args)[metrics.METRICS[name].main_key])
    if gen.kind == "concepts":
        from collections import Counter

        from hf_bench.metrics import concept_error_rate

        def concepts(label):
            return tuple(seg["concept"] for seg in label if seg["concept"] != "null")

        refs = [list(concepts(r)) for r in label_plan(generator, seed, "test", n_test)]
        common = Counter(concepts(r) for r in label_plan(generator, seed, "train", n_train)).most_common(1)[0][0]
        return float(concept_error_rate([list(common)] * n_test, refs)["concept_error_rate"])
    labels = label_plan(generator, seed, "test", n_test)
    if gen.kind == "events":
        from hf_bench.metrics import segment_f1

        refs = [[{"onset": e["onset"], "offset": e["offset"], "event_label": e["label"]} for e in clip]
                for clip in labels]
        every = [[{"onset": 0.0, "offset": gen.clip_s, "event_label": c} for c in gen.labels]] * n_test
        return float(segment_f1(every, refs, labels=list(gen.labels), **gen.metric_args)["f1"])
    if gen.kind == "classification":
        counts = {c: 0 for c in gen.labels}
        for label in labels:
            counts[label] += 1
        return max(counts.values()) / n_test
    return sum(len(ls) for ls in labels) / (n_test * len(gen.labels))


__all__ = ["GENERATORS", "generate", "tool_versions", "generator_fingerprint", "is_up_to_date", "label_plan",
           "chance_level", "clip_id", "get_generator"]
