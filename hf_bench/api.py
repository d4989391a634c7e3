"""The Python API: ``hf_bench.evaluate`` and ``hf_bench.get_tasks``, the same pipeline as ``hf-bench run``.

    import hf_bench
    tasks = hf_bench.get_tasks(suite="embedded", type="clip_classification", language="eng")
    results = hf_bench.evaluate("mfb", tasks=tasks, output_dir="results")
    results.scores                       # {"kws": {"mlp": 0.363, "knn": 0.353}, ...}
    results["kws"]["mlp"].scores.ci      # the TaskResult written to results/mfb/mlp/kws.json

``encoder`` is an ``--encoder`` spec string, an hf_bench ``Encoder``, an X-ARES-style ``torch.nn.Module`` (with
``sampling_rate``, ``output_dim``, ``hop_size_in_ms``) or a transformers audio model already in memory (a training
script's checkpoint, evaluated without writing it to disk: its fingerprint hashes its config and weights).
Results, scorecards and cached features land on disk exactly as the CLI writes them.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from hf_bench.pipeline.run import RunOutcome
    from hf_bench.results.schema import EncoderInfo, Scorecard, TaskResult
    from hf_bench.tasks.schema import TaskMetadata


def get_tasks(*, suite: str | Iterable[str] | None = None, names: Iterable[str] | None = None,
              type: str | Iterable[str] | None = None, domain: str | Iterable[str] | None = None,
              language: str | Iterable[str] | None = None, benchmark: str | Iterable[str] | None = None
              ) -> list["TaskMetadata"]:
    """Built-in tasks (every registered one, or those of ``suite`` / ``names``) filtered by task type, domain,
    language (ISO 639-3: a task matches when it lists any of the codes) and benchmark. Unknown suite, task,
    type, domain or benchmark names raise an ``HFBenchError`` listing the choices."""
    from hf_bench.tasks.registry import all_tasks, filter_tasks, resolve_tasks

    if suite is None and names is None:
        tasks = list(all_tasks().values())
    else:
        tasks = resolve_tasks(suites=_listed(suite), tasks=_listed(names))
    return filter_tasks(tasks, types=_listed(type), domains=_listed(domain), languages=_listed(language),
                        benchmarks=_listed(benchmark))


def _listed(value) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


@dataclass
class Evaluation:
    """What ``evaluate`` returns: per task, per probe, the ``TaskResult`` saved on disk (layer variant
    ``layer``; ``by_layer`` holds every variant of a ``layer="all"`` run), and the scorecards."""
    encoder: "EncoderInfo"
    results: dict[str, dict[str, "TaskResult"]]
    scorecard: "Scorecard"
    scorecard_path: Path
    by_layer: dict[str, dict[str, dict[str, "TaskResult"]]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    outcome: "RunOutcome | None" = field(default=None, repr=False)

    def __getitem__(self, task: str) -> dict[str, "TaskResult"]:
        return self.results[task]

    @property
    def scores(self) -> dict[str, dict[str, float]]:
        """task -> probe -> main score (raw metric value)."""
        return {t: {p: r.scores.main_score for p, r in probes.items()} for t, probes in self.results.items()}

    @property
    def weighted_average(self) -> dict[str, float]:
        """probe -> test-size-weighted average of normalised scores (X-ARES's formula)."""
        return dict(self.scorecard.weighted_average)

    def table(self) -> str:
        """The summary table ``hf-bench run`` prints (with confidence intervals)."""
        from hf_bench.pipeline import render_table

        if self.outcome is None:
            return ""
        layer = next(v for v, card in self.outcome.scorecards.items() if card is self.scorecard)
        return render_table(self.scorecard, self.outcome.rows(layer))


def _as_encoder(encoder, device: str):
    """An hf_bench ``Encoder`` for any accepted form, and the user's module to restore afterwards (or None)."""
    from hf_bench.encoders.base import Encoder
    from hf_bench.errors import EncoderError

    if isinstance(encoder, (str, Path)):
        return None, None
    if isinstance(encoder, Encoder):
        return encoder, None
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        torch = None
    if torch is None or not isinstance(encoder, torch.nn.Module):
        raise EncoderError(f"cannot evaluate a {type(encoder).__name__}", where="hf_bench.evaluate(encoder=...)",
                           fix="pass an --encoder spec string, a torch.nn.Module in the X-ARES style, or a "
                               "transformers audio model")
    config = getattr(encoder, "config", None)
    if config is not None and hasattr(config, "model_type") and hasattr(encoder, "save_pretrained"):
        from hf_bench.encoders.hf import HFEncoder

        return HFEncoder.from_model(encoder, device=device), encoder
    from hf_bench.encoders.module import ModuleEncoder

    cls = type(encoder)
    try:
        source = inspect.getsourcefile(cls)
    except TypeError:
        source = None
    return ModuleEncoder(encoder, spec=f"python:{cls.__module__}.{cls.__qualname__}", source_file=source,
                         device=device), encoder


def evaluate(encoder: Any, *, tasks: Iterable["TaskMetadata | str"] | None = None,
             suite: str | Iterable[str] | None = None, probes: Iterable[str] | None = None,
             output_dir: str | Path = "results", cache_dir: str | Path | None = None,
             data_dir: str | Path | None = None, layer: str = "last", compat: str = "default",
             seed: int = 42, bootstrap: int = 1000, rerun: bool = False, progress: bool = True,
             device: str | None = None, trust_remote_code: bool = False, skip_missing: bool = False,
             threads: int | None = None, log=print, **options) -> Evaluation:
    """Evaluate ``encoder`` on ``tasks`` (names, task specs or ``TaskMetadata``) and/or ``suite`` (default: the
    embedded suite) with every probe that serves each task (or ``probes``), as ``hf-bench run`` does, and return
    the typed results. ``options``: any other ``RunConfig`` field (``max_batch_seconds``, ``decoder``,
    ``text_encoder``, ``lora_model``, ``frame_dtype``, ``max_cache_gb``, ``max_frames``). ``log`` receives the
    progress lines (``print`` by default; ``lambda m: None`` for silence). ``device``: default the model's own
    device for a model object (it is not moved), else ``cpu``."""
    from hf_bench.errors import HFBenchError
    from hf_bench.pipeline import PROTOCOLS, RunConfig
    from hf_bench.pipeline.run import evaluate_encoder
    from hf_bench.tasks.registry import get_task, resolve_tasks

    if compat not in PROTOCOLS:
        raise HFBenchError(f"unknown protocol {compat!r}", where="hf_bench.evaluate(compat=...)",
                           fix=f"use one of {', '.join(PROTOCOLS)}")
    selected: list = []
    suites = _listed(suite)
    if suites:
        selected.extend(resolve_tasks(suites=suites))
    for t in tasks or ():
        selected.append(t if not isinstance(t, (str, Path)) else get_task(str(t)))
    if not selected:
        suites = ["embedded"]
        selected = resolve_tasks(suites=suites)
    selected = list({t.name: t for t in selected}.values())
    training = getattr(encoder, "training", None)  # before hf_bench puts the model in eval mode
    if device is None:
        first = next(iter(encoder.parameters()), None) if hasattr(encoder, "parameters") else None
        device = str(first.device) if first is not None else "cpu"
    built, owned = _as_encoder(encoder, device)
    spec = str(encoder) if built is None else built.id
    known = set(RunConfig.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    if unknown:
        raise HFBenchError(f"unknown option(s) {', '.join(unknown)}", where="hf_bench.evaluate",
                           fix=f"use keyword arguments of RunConfig: {', '.join(sorted(known))}")
    config = RunConfig(encoder=spec, layer=layer, probes=tuple(probes) if probes else None, output_dir=Path(output_dir),
                       cache_dir=Path(cache_dir) if cache_dir else None, data_dir=Path(data_dir) if data_dir else None,
                       seed=seed, bootstrap=bootstrap, rerun=rerun, progress=progress, device=device,
                       trust_remote_code=trust_remote_code, skip_missing=skip_missing, threads=threads,
                       protocol=PROTOCOLS[compat],
                       suite="+".join(suites) if suites and not tasks else None, **options)
    try:
        outcome = evaluate_encoder(config, selected, log=log, encoder=built)
    finally:
        if owned is not None and training is not None:
            owned.train(training)  # a training script's model goes back to the mode it was in
    by_layer: dict[str, dict[str, dict[str, Any]]] = {}
    for o in outcome.tasks:
        for (variant, probe), result in o.results.items():
            by_layer.setdefault(variant, {}).setdefault(o.task.name, {})[probe] = result
    main = "last" if "last" in outcome.scorecards else next(iter(outcome.scorecards))
    return Evaluation(encoder=outcome.encoder, results=by_layer.get(main, {}), scorecard=outcome.scorecards[main],
                      scorecard_path=Path(outcome.scorecard_paths[main]), by_layer=by_layer,
                      timings=dict(outcome.timings), outcome=outcome)


__all__ = ["evaluate", "get_tasks", "Evaluation"]
