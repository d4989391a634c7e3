"""What ``hf-bench finetune``, ``hf-bench infer`` and ``hf-bench wu score`` do, as functions (the Python API).

Data comes from an hf_bench task split (``task_samples``: any ASR / translation / age-gender-emotion task, the Wu
prompts added) or from a wenet / swift JSONL file. Audio is decoded once per item (soundfile + soxr, 16 kHz); the
speech LLM encodes it once with the hf_bench encoder. ``infer`` writes a ``results.jsonl`` as ``swift infer
--result_path`` does (``messages``, ``response``, ``labels``, ``audios``, plus ``key``) and, where the items have
references, scores it and saves a TaskResult the leaderboard reads (a WenetSpeech-Wu task lands in the Wu tabs).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.finetune import lora
from hf_bench.finetune.models import Example, Family, SpeechLLMFamily, load_family
from hf_bench.wu.formats import Sample, read_samples
from hf_bench.wu.prompts import KINDS, kind_of_prompt, prompt_for

log = logging.getLogger("hf_bench")


def data_samples(*, task: str | None = None, data: str | os.PathLike | None = None, split: str = "test",
                 data_root: Path | None = None, kind: str | None = None, label_map: dict | None = None,
                 progress: bool = False):
    """(kind, samples, task metadata or None) from ``--task`` (one split) or ``--data`` (a JSONL file)."""
    if (task is None) == (data is None):
        raise HFBenchError("give exactly one of --task and --data", where="command line")
    if task is not None:
        from hf_bench.features.store import default_cache_dir
        from hf_bench.tasks.registry import get_task
        from hf_bench.wu.export import task_samples

        md = get_task(task)
        root = Path(data_root) if data_root else default_cache_dir() / "data"
        k, samples = task_samples(md, split, data_root=root, kind=kind, label_map=label_map, progress=progress)
        return k, samples, md
    fmt, samples = read_samples(data)
    if kind is None:
        found = {kind_of_prompt(s.prompt) for s in samples if s.prompt} if fmt == "swift" else {"asr"}
        found.discard(None)
        if len(found) != 1:
            raise HFBenchError("cannot tell the task kind from the file's prompts", where=Path(data),
                               fix=f"pass --kind ({', '.join(KINDS)})")
        kind = found.pop()
    return kind, samples, None


def load_audio(sample: Sample) -> np.ndarray:
    from hf_bench.audio import decode
    from hf_bench.data import AudioRef

    return decode(AudioRef(id=sample.key, origin=str(sample.audio), path=Path(sample.audio)), target_sr=16000,
                  downmix=True)


def to_examples(samples: list[Sample], kind: str, family: Family, *, encoder=None,
                progress: bool = False) -> list[Example]:
    """Decode (and for the speech LLM encode) every sample once."""
    import torch
    from tqdm.auto import tqdm

    out = []
    for s in tqdm(samples, desc="audio", unit="clip", disable=not progress, leave=False):
        wave = load_audio(s)
        prompt = s.prompt or prompt_for(kind)
        if family.needs == "frames":
            res = encoder.encode(torch.from_numpy(wave)[None], torch.tensor([len(wave)]))
            frames = res.hidden_states[-1][0, :int(res.lengths[0])].numpy()
            out.append(Example(s.key, prompt, s.answer, frames=frames))
        else:
            out.append(Example(s.key, prompt, s.answer, wave=wave))
    return out


def make_family(*, model: str | None = None, encoder: str | None = None, decoder: str | None = None,
                device: str = "cpu", cache_dir: Path | None = None, seed: int = 0):
    """(family, hf_bench encoder or None): ``--model`` (Whisper / Qwen2-Audio) or ``--encoder`` + ``--decoder``."""
    if model is not None:
        if encoder is not None:
            raise HFBenchError("--model and --encoder exclude each other", where="command line",
                               fix="--model for Whisper / Qwen2-Audio; --encoder (+ --decoder) for the speech LLM")
        return load_family(model, device=device), None
    if encoder is None:
        raise HFBenchError("no model to fine-tune", where="command line",
                           fix="pass --model (Whisper / Qwen2-Audio) or --encoder (+ --decoder) for the speech LLM")
    from hf_bench.encoders import load_encoder
    from hf_bench.probes.lora import DEFAULT_DECODER

    enc = load_encoder(encoder, device=device)
    if cache_dir is None:  # where a GGUF decoder is converted once
        from hf_bench.features.store import default_cache_dir

        cache_dir = default_cache_dir()
    if enc.sampling_rate != 16000:
        raise HFBenchError(f"the encoder expects {enc.sampling_rate} Hz audio; the Wu fine-tunes feed 16 kHz",
                           where=f"--encoder {encoder}")
    fam = SpeechLLMFamily(decoder or DEFAULT_DECODER, dim=enc.dim, stack=max(1, int(round(40.0 / enc.hop_ms))),
                          encoder=enc.describe(), device=device, cache_dir=cache_dir, seed=seed)
    return fam, enc


def finetune(*, out_dir: str | os.PathLike, settings: lora.LoRASettings = lora.LoRASettings(),
             model: str | None = None, encoder: str | None = None, decoder: str | None = None,
             task: str | None = None, data: str | os.PathLike | None = None, split: str = "train",
             kind: str | None = None, label_map: dict | None = None, data_root: Path | None = None,
             device: str = "cpu", progress: bool = False) -> dict:
    """Fine-tune with LoRA and save the adapter folder; returns its metadata."""
    k, samples, md = data_samples(task=task, data=data, split=split, data_root=data_root, kind=kind,
                                  label_map=label_map, progress=progress)
    bad = [s.key for s in samples if not s.answer]
    if bad:
        raise HFBenchError(f"{len(bad)} training item(s) have no answer ({', '.join(bad[:5])})",
                           where=task or data, fix="training data needs transcripts / translations / labels")
    fam, enc = make_family(model=model, encoder=encoder, decoder=decoder, device=device, seed=settings.seed)
    examples = to_examples(samples, k, fam, encoder=enc, progress=progress)
    trainable = lora.apply_lora(fam, settings)
    history = lora.train(fam, trainable, examples, settings, progress=progress)
    task_info = {"name": md.name if md else None, "version": md.version if md else None, "kind": k,
                 "prompt": examples[0].prompt, "data": str(data) if data else f"{task}/{split}",
                 "items": len(examples)}
    if not history["world_process_zero"]:  # under accelerate launch only rank 0 writes
        return {"training": history}
    folder = lora.save_adapters(fam, trainable, out_dir, settings=settings, task=task_info, training=history)
    return lora.read_adapter_meta(folder)


def infer(*, adapters: str | os.PathLike | None, out: str | os.PathLike, model: str | None = None,
          encoder: str | None = None, decoder: str | None = None, task: str | None = None,
          data: str | os.PathLike | None = None, split: str = "test", kind: str | None = None,
          label_map: dict | None = None, data_root: Path | None = None, device: str = "cpu",
          batch_size: int = 8, max_new_tokens: int | None = None, results_dir: str | os.PathLike | None = None,
          name: str | None = None, progress: bool = False):
    """Answer every item, write ``out`` (results.jsonl) and score it where references exist (a ``WuScore``)."""
    from hf_bench.wu.formats import write_jsonl
    from hf_bench.wu.score import score_results

    meta = lora.read_adapter_meta(adapters) if adapters else None
    if meta is not None and model is None and encoder is None:  # the adapter folder knows its base
        base = meta["base"]
        if base["family"] == "speech_llm":
            encoder, decoder = base["encoder"]["id"], decoder or base["id"]
        else:
            model = base["id"]
    k, samples, md = data_samples(task=task, data=data, split=split, data_root=data_root, kind=kind,
                                  label_map=label_map, progress=progress)
    if meta is not None and meta["task"].get("kind") not in (None, k):
        raise HFBenchError(f"the adapters were trained for {meta['task']['kind']}, this data is {k}",
                           where=Path(adapters), fix="use the adapters of this task kind")
    fam, enc = make_family(model=model, encoder=encoder, decoder=decoder, device=device)
    trained = lora.load_adapters(fam, adapters) if adapters else fam.model.eval()
    examples = to_examples(samples, k, fam, encoder=enc, progress=progress)
    cap = max_new_tokens or (meta["lora"]["max_new_tokens"] if meta else 128)
    pred = lora.predict(fam, trained, examples, batch_size=batch_size, max_new_tokens=cap, progress=progress)
    rows = [{"messages": [{"role": "user", "content": e.prompt}], "response": r, "labels": s.answer,
             "audios": [str(s.audio)], "key": s.key} for e, s, r in zip(examples, samples, pred.responses)]
    write_jsonl(out, rows)
    if any(s.answer is None for s in samples):
        return None
    score = score_results(out, kind=k, items=samples)
    if results_dir is not None:
        save_result(score, md, results_dir, model_info=fam.describe(), adapters=meta, name=name,
                    probe="lora" if adapters else "zero_shot")
    return score


def save_result(score, task_md, results_dir: str | os.PathLike, *, model_info: dict | None, adapters: dict | None,
                name: str | None, probe: str) -> Path:
    """A TaskResult for a scored results.jsonl (``hf-bench infer`` / ``wu score``), where the leaderboard reads it."""
    from hf_bench import __version__, metrics
    from hf_bench.results.record import library_versions, now
    from hf_bench.results.schema import (
        ConfidenceInterval,
        DatasetInfo,
        EncoderInfo,
        ProbeInfo,
        Scores,
        TaskInfo,
        TaskResult,
        result_path,
    )
    from hf_bench.tasks.registry import get_task
    from hf_bench.utils.io import atomic_write_json, slugify, stable_hash

    task_md = task_md or get_task(f"wu_bench_{score.kind}")
    info = metrics.METRICS[score.metric]
    model_id = (model_info or {}).get("id") or name or "external"
    if name is None:
        name = Path(str(model_id)).name + ("+LoRA" if adapters else "")
    fp = stable_hash({"base": (model_info or {}).get("fingerprint"), "adapters": adapters and adapters["created_at"],
                      "name": name})
    v = score.values
    ci = None
    if f"{score.main_score}_ci_low" in v:
        ci = ConfidenceInterval(low=float(v[f"{score.main_score}_ci_low"]), high=float(v[f"{score.main_score}_ci_high"]),
                                n_resamples=1000)
    values = {k: float(x) for k, x in v.items() if not k.endswith(("_ci_low", "_ci_high"))}
    result = TaskResult(
        hf_bench_version=__version__, created_at=now(), libraries=library_versions(),
        task=TaskInfo(name=task_md.name, version=task_md.version, benchmark=task_md.benchmark,
                      domain=task_md.domain, type=task_md.type, metric=task_md.metric,
                      main_score=task_md.main_score, higher_is_better=info.higher_is_better,
                      eval_weight=task_md.eval_weight, metadata=task_md.model_dump(mode="json")),
        dataset=DatasetInfo(fingerprint=stable_hash({"keys": score.keys, "refs": score.references}),
                            source=task_md.source.model_dump(mode="json"), split_sizes={"test": score.n}),
        encoder=EncoderInfo(id=str(model_id), name=name, fingerprint=fp, layer="last", num_layers=1, dim=0,
                            hop_ms=0.0, sampling_rate=16000, revision=(model_info or {}).get("revision")),
        probe=ProbeInfo(name=probe, config={"adapters": adapters, "model": model_info}, seed=0,
                        selected={"answer_rules": score.rules, "unmapped": [list(x) for x in score.unmapped]}),
        scores=Scores(metric=score.metric, main_score=float(score.score), values=values, ci=ci),
        n_samples={"test": score.n})
    path = result_path(results_dir, slugify(name), probe, task_md.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, result.model_dump(mode="json"))
    return path


__all__ = ["data_samples", "to_examples", "make_family", "finetune", "infer", "save_result"]
