"""Any hf_bench ASR / translation / classification task as WenetSpeech-Wu data (wenet or swift JSONL).

The kind follows the task type (asr -> ASR prompt, translation -> AST prompt); a classification task is age,
gender or emotion (``kind``, or the one kind whose labels cover every class name), its class names mapped onto the
Wu labels (``hf_bench.wu.prompts.ALIASES``; ``label_map`` for others). A clip that is not a plain audio file
(a tar member, a parquet row, a segment of a longer recording) is written once as a 16 kHz WAV under
``<output stem>_audio/``, so that wenet and ms-swift can read every path as it is.
"""

from __future__ import annotations

from pathlib import Path

from hf_bench.data import AudioRef, load_task_data
from hf_bench.errors import HFBenchError
from hf_bench.tasks.schema import TaskMetadata
from hf_bench.wu.formats import Sample
from hf_bench.wu.prompts import ALIASES, CLASS_KINDS, LABELS, prompt_for, to_wu_label

TYPE_KIND = {"asr": "asr", "translation": "ast"}
PLAIN_AUDIO = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")


def task_kind(task: TaskMetadata, kind: str | None = None, label_map: dict[str, str] | None = None) -> str:
    """The Wu kind a task is exported as (asr, ast, age, gender, emotion)."""
    if task.type in TYPE_KIND:
        want = TYPE_KIND[task.type]
        if kind not in (None, want):
            raise HFBenchError(f"task {task.name} is {task.type}: it exports as {want}, not {kind}", where="--kind")
        return want
    if task.type != "clip_classification":
        raise HFBenchError(f"task {task.name} is {task.type}: WenetSpeech-Wu has ASR, AST and class tasks only",
                           where=f"task {task.name}", fix="export an asr, translation or clip_classification task")
    if kind is not None:
        if kind not in CLASS_KINDS:
            raise HFBenchError(f"a classification task exports as one of {', '.join(CLASS_KINDS)}, not {kind!r}",
                               where="--kind")
        return kind
    fits = [k for k in CLASS_KINDS if all(to_wu_label(k, n, label_map) in LABELS[k] for n in task.labels)]
    if len(fits) != 1:
        raise HFBenchError(f"cannot tell whether task {task.name} (classes {', '.join(task.labels)}) is age, gender "
                           "or emotion" + (f" (it fits {', '.join(fits)})" if fits else ""), where=f"task {task.name}",
                           fix="pass --kind age|gender|emotion (and --label-map name=标签,... for unknown names)")
    return fits[0]


def label_mapping(task: TaskMetadata, kind: str, label_map: dict[str, str] | None = None) -> dict[str, str]:
    """class name -> Wu label for every class of ``task``; unmapped names are one error listing them."""
    out, missing = {}, []
    for name in task.labels:
        wu = to_wu_label(kind, name, label_map)
        (missing.append(name) if wu is None else out.__setitem__(name, wu))
    bad = sorted({v for v in out.values() if v not in LABELS[kind]})
    if missing or bad:
        raise HFBenchError(
            (f"class name(s) {', '.join(map(repr, missing))} have no {kind} label" if missing else "") +
            (f"; mapped onto {bad}, outside the {kind} labels" if bad else ""), where=f"task {task.name}",
            fix=f"pass --label-map NAME=LABEL,... with labels from {'、'.join(LABELS[kind])} (known English "
                f"names: {', '.join(sorted(ALIASES[kind]))})")
    return out


def _plain_file(ref: AudioRef) -> Path | None:
    if ref.path is not None and ref.data is None and ref.tar_offset is None and not ref.is_segment \
            and ref.path.suffix.lower() in PLAIN_AUDIO and ref.path.is_file():
        return ref.path.resolve()
    return None


def _written(ref: AudioRef, folder: Path) -> Path:
    import soundfile as sf

    from hf_bench.audio import decode
    from hf_bench.utils.io import atomic_open, slugify

    path = folder / f"{slugify(ref.id)}.wav"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        wave = decode(ref, target_sr=16000, downmix=True)
        with atomic_open(path, "wb") as f:
            sf.write(f, wave, 16000, format="WAV", subtype="PCM_16")
    return path.resolve()


def task_samples(task: TaskMetadata, split: str, *, data_root: Path, audio_dir: Path | None = None,
                 kind: str | None = None, label_map: dict[str, str] | None = None,
                 progress: bool = False) -> tuple[str, list[Sample]]:
    """(kind, samples) of one split of ``task``, prompts and answers as the Wu data has them."""
    from tqdm.auto import tqdm

    from hf_bench.tasks.types.text import translation_of

    kind = task_kind(task, kind, label_map)
    splits = load_task_data(task, data_root=data_root, progress=progress)
    if split not in splits:
        raise HFBenchError(f"task {task.name} has no split {split!r} (splits: {', '.join(splits)})", where="--split")
    data = splits[split]
    mapping = label_mapping(task, kind, label_map) if kind in CLASS_KINDS else None
    prompt = prompt_for(kind)
    out = []
    folder = audio_dir or (Path(data_root) / "wu_audio" / task.name)
    for ref, label in tqdm(list(zip(data.refs, data.labels)), desc=f"export {task.name}/{split}", unit="clip",
                           disable=not progress, leave=False):
        if kind == "asr":
            answer = label if isinstance(label, str) else None
        elif kind == "ast":
            answer = translation_of(label)
        else:
            name = task.label_aliases.get(str(label), str(label))
            answer = mapping.get(name)
        if answer is None:
            raise HFBenchError(f"item {ref.id} has no usable {kind} label ({label!r})", where=ref.origin)
        audio = _plain_file(ref) or _written(ref, folder)
        out.append(Sample(ref.id, audio, answer, prompt=prompt))
    return kind, out


__all__ = ["task_kind", "label_mapping", "task_samples", "TYPE_KIND"]
