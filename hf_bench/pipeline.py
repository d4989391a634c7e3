"""The evaluation pipeline, in the order data flows:

audio -> encoder -> cached features -> probe -> predictions -> metric -> result -> scorecard

``evaluate_encoder`` is what ``hf-bench run`` and ``probe.py`` call.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from hf_bench import __version__
from hf_bench.errors import HFBenchError
from hf_bench.features.cache import FeatureCache, default_cache_dir
from hf_bench.features.extract import PIPELINE_VERSION, POOLING, StageTimes, extract_pooled, select_layer
from hf_bench.probes.heads import Head, make_head, score
from hf_bench.probes.knn import KNNConfig, knn_probe
from hf_bench.probes.mlp import MLPConfig, mlp_probe
from hf_bench.results.schema import (ConfidenceInterval, DatasetInfo, EncoderInfo, ProbeInfo, Scorecard, Scores,
                                     TaskInfo, TaskResult, load_result)
from hf_bench.tasks.schema import TaskMetadata
from hf_bench.utils.io import atomic_write_json, atomic_write_text, ensure_dir, slugify, stable_hash

VALID_FRACTION = 0.1
_DOC_FIELDS = {"display_name", "description", "license", "citation", "homepage", "changelog", "sizes", "chance_level",
               "eval_weight", "source"}


@dataclass
class RunConfig:
    encoder: str
    layer: str = "last"
    probes: tuple[str, ...] = ("mlp", "knn")
    output_dir: Path = Path("results")
    cache_dir: Path | None = None
    data_dir: Path | None = None
    seed: int = 42
    bootstrap: int = 1000
    rerun: bool = False
    progress: bool = True
    device: str = "cpu"
    trust_remote_code: bool = False
    max_batch_items: int = 16
    max_batch_seconds: float = 160.0
    suite: str | None = None  # the suite(s) the scorecard covers, when the selection is exactly suites

    def resolved(self) -> "RunConfig":
        cache = Path(self.cache_dir) if self.cache_dir else default_cache_dir()
        return RunConfig(**{**asdict(self), "output_dir": Path(self.output_dir), "cache_dir": cache,
                            "data_dir": Path(self.data_dir) if self.data_dir else cache / "data"})

    def to_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


@dataclass
class Variant:
    """One way of reading the encoder's layers; each variant gets its own results and scorecard."""
    layer: str          # last | weighted | <index>

    @property
    def suffix(self) -> str:
        return "" if self.layer == "last" else ("@weighted" if self.layer == "weighted" else f"@layer{self.layer}")


@dataclass
class TaskOutcome:
    task: TaskMetadata
    results: dict[tuple[str, str], TaskResult] = field(default_factory=dict)  # (variant layer, probe) -> result
    reused: dict[tuple[str, str], bool] = field(default_factory=dict)


@dataclass
class RunOutcome:
    config: RunConfig
    encoder: EncoderInfo
    tasks: list[TaskOutcome]
    scorecards: dict[str, Scorecard]          # variant layer -> scorecard
    scorecard_paths: dict[str, Path]
    timings: dict[str, float]


def variants_for(layer: str, num_layers: int) -> list[Variant]:
    if layer == "all":
        return [Variant(str(i)) for i in range(num_layers)]
    select_layer(np.zeros((1, num_layers, 1), np.float32), layer)  # a clear error for an unknown or missing layer
    if layer.lstrip("-").isdigit():
        return [Variant(str(int(layer) % num_layers))]  # -1 and N-1 are the same layer, one result folder
    return [Variant(layer)]


def _check_device(device: str) -> None:
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise HFBenchError(f"unknown device {device!r}", where="--device", fix="use cpu, cuda or cuda:N") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise HFBenchError("CUDA is not available here (CPU-only torch or no GPU)", where="--device",
                           fix="use --device cpu")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def library_versions() -> dict[str, str]:
    import importlib.metadata as md
    import platform

    out = {"python": platform.python_version()}
    for name in ("torch", "transformers", "accelerate", "datasets", "evaluate", "numpy", "scikit-learn", "soundfile",
                 "soxr", "jiwer", "sacrebleu"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


# ------------------------------------------------------------------ splits -> probe inputs
def _probe_folds(task: TaskMetadata, feats: dict[str, np.ndarray], targets: dict[str, np.ndarray], seed: int):
    """Yield (fold, train, valid, knn_train, test_x, test_y) for a split task (one fold) or a k-fold task.

    k-fold: fold k is the test set once; the validation set is a seeded 10 % of the other folds, so the
    best epoch is never chosen on test data (X-ARES validates on the test fold).
    """
    def carve(x, y, salt):  # a seeded 10 % of the training data validates; test data never does
        perm = np.random.default_rng([seed, salt]).permutation(len(x))
        n_valid = max(1, int(round(VALID_FRACTION * len(x))))
        return (x[perm[n_valid:]], y[perm[n_valid:]]), (x[perm[:n_valid]], y[perm[:n_valid]]), (x, y)

    if task.splits is not None:
        tr, va, te = task.splits
        if va != te:
            yield "test", (feats[tr], targets[tr]), (feats[va], targets[va]), (feats[tr], targets[tr]), feats[te], targets[te]
        else:  # valid == test (fsdkaggle2018, voxlingua33): X-ARES picks the epoch on test data
            yield "test", *carve(feats[tr], targets[tr], 0), feats[te], targets[te]
        return
    for i, k in enumerate(task.folds):
        others = [f for f in task.folds if f != k]
        x = np.concatenate([feats[f] for f in others])
        y = np.concatenate([targets[f] for f in others])
        yield k, *carve(x, y, i), feats[k], targets[k]


def _run_probe(probe: str, task: TaskMetadata, feats: dict[str, np.ndarray], targets: dict[str, np.ndarray],
               seed: int) -> tuple[dict[str, Head], dict[str, tuple[np.ndarray, np.ndarray]], dict]:
    """-> per-fold heads, per-fold (test scores, test targets), selections."""
    from hf_bench import metrics

    info = metrics.METRICS[task.metric]
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    selected: dict[str, Any] = {}
    heads: dict[str, Head] = {}
    for fold, train, valid, knn_train, test_x, test_y in _probe_folds(task, feats, targets, seed):
        head = heads[fold] = make_head(task, train[1])  # regression standardisation from this fold's train only
        if probe == "mlp":
            def valid_metric(scores, y, _head=head):
                return score(task, _head, scores, y)[task.main_score]

            scores, sel = mlp_probe(head, train, valid, test_x, valid_metric=valid_metric,
                                    higher_is_better=info.higher_is_better, config=_mlp_config(task), seed=seed)
            selected[fold] = sel
        elif probe == "knn":
            # kNN has nothing to learn a layer mix with: with --layer weighted it uses the mean of all layers
            x = knn_train[0] if knn_train[0].ndim == 2 else knn_train[0].mean(axis=1)
            tx = test_x if test_x.ndim == 2 else test_x.mean(axis=1)
            scores = knn_probe(head, x, knn_train[1], tx, KNNConfig())
            selected[fold] = {"train_items": int(len(x)), "layers": "mean of all layers" if train[0].ndim == 3 else None}
        else:
            raise HFBenchError(f"unknown probe {probe!r}", where="--probe", fix="use mlp and/or knn")
        out[fold] = (scores, test_y)
    return heads, out, selected


def _mlp_config(task: TaskMetadata) -> MLPConfig:
    """The X-ARES defaults with the task's own overrides (epochs, batch size, learning rate)."""
    o = task.probe
    return MLPConfig(epochs=o.epochs or MLPConfig.epochs, batch_size=o.batch_size or MLPConfig.batch_size,
                     learning_rate=o.learning_rate or MLPConfig.learning_rate)


def _probe_config(probe: str, task: TaskMetadata) -> dict:
    if probe == "mlp":
        return {**_mlp_config(task).to_dict(),
                "model": "LayerNorm+Linear", "optimizer": "Adam", "schedule": "cosine per epoch to 0.1x",
                "gradient_clipping": None,
                "selection": "best epoch on validation split" + (" (seeded 10% of training data)" if task.folds or task.splits[1] == task.splits[2] else "")}
    return {**KNNConfig().to_dict(), "train_set": "train split" if task.splits else "other folds"}


# ------------------------------------------------------------------ main entry
def evaluate_encoder(config: RunConfig, tasks: list[TaskMetadata], *,
                     log: Callable[[str], None] = print) -> RunOutcome:
    from hf_bench.data import dataset_fingerprint, encode_targets, load_task_data
    from hf_bench.encoders import load_encoder

    config = config.resolved()
    unsupported = [t for t in tasks if not t.is_clip_level]
    if unsupported:
        names = ", ".join(f"{t.name} ({t.type})" for t in unsupported)
        raise HFBenchError(f"these tasks need probes that are not available yet: {names}",
                           fix="run the clip-level tasks (hf-bench tasks lists each task's type)")
    for probe in config.probes:
        if probe not in ("mlp", "knn"):
            raise HFBenchError(f"unknown probe {probe!r}", where="--probe", fix="use mlp and/or knn")
    ensure_dir(config.output_dir)
    ensure_dir(config.cache_dir)

    _check_device(config.device)
    t_start = time.perf_counter()
    encoder = load_encoder(config.encoder, device=config.device, trust_remote_code=config.trust_remote_code)
    variants = variants_for(config.layer, encoder.num_layers)
    enc_desc = encoder.describe()
    cache = FeatureCache(config.cache_dir)
    totals = {"load_s": 0.0, "decode_s": 0.0, "encode_s": 0.0, "probe_s": 0.0, "score_s": 0.0,
              "clips": 0, "clips_decoded": 0, "clips_encoded": 0}
    outcomes: list[TaskOutcome] = []
    libs = library_versions()

    for ti, task in enumerate(tasks, 1):
        log(f"[{ti}/{len(tasks)}] {task.name}: {task.display_name}")
        t0 = time.perf_counter()
        data = load_task_data(task, data_root=config.data_dir, progress=config.progress)
        dataset_fp = dataset_fingerprint(task, data)
        targets = {name: encode_targets(task, split) for name, split in data.items()}
        totals["load_s"] += time.perf_counter() - t0

        feats: dict[str, np.ndarray] = {}
        times = StageTimes()
        for name, split in data.items():
            # keyed on this split's own fingerprint: editing the test set leaves cached train features valid
            split_fp = dataset_fingerprint(task, {name: split})
            feats[name], st = extract_pooled(encoder, task, split, dataset_fp=split_fp, cache=cache,
                                             progress=config.progress, max_batch_items=config.max_batch_items,
                                             max_batch_seconds=config.max_batch_seconds)
            times.add(st)
        totals["decode_s"] += times.decode_s
        totals["encode_s"] += times.encode_s
        totals["clips"] += sum(len(split.refs) for split in data.values())
        totals["clips_decoded"] += times.clips_decoded
        totals["clips_encoded"] += times.clips_encoded
        outcome = TaskOutcome(task)
        n_samples = {name: len(split.refs) for name, split in data.items()}
        for variant in variants:
            vfeats = {name: select_layer(f, variant.layer) for name, f in feats.items()}
            for probe in config.probes:
                if probe == "knn" and not task.do_knn:
                    continue
                path = config.output_dir / f"{slugify(encoder.name)}{variant.suffix}" / probe / f"{task.name}.json"
                result_key = stable_hash({
                    # only what can move a score: documentation fields and the data's location are left out
                    # (the data itself is covered by its fingerprint)
                    "task": task.model_dump(mode="json", exclude=_DOC_FIELDS), "dataset": dataset_fp, "encoder": enc_desc["fingerprint"],
                    "layer": variant.layer, "probe": probe, "probe_config": _probe_config(probe, task),
                    "seed": config.seed, "bootstrap": config.bootstrap, "hf_bench": __version__,
                    "pipeline": PIPELINE_VERSION})
                if not config.rerun and path.is_file():
                    try:
                        old = load_result(path)
                        if old.config.get("result_key") == result_key:
                            outcome.results[(variant.layer, probe)] = old
                            outcome.reused[(variant.layer, probe)] = True
                            continue
                    except HFBenchError:
                        pass  # unreadable or old result: recompute it
                tp = time.perf_counter()
                heads, per_fold, selected = _run_probe(probe, task, vfeats, targets, config.seed)
                probe_s = time.perf_counter() - tp
                ts = time.perf_counter()
                result = _score_and_record(
                    task=task, probe=probe, heads=heads, per_fold=per_fold, selected=selected, data=data,
                    dataset_fp=dataset_fp, enc_desc=enc_desc, variant=variant, config=config, libs=libs,
                    n_samples=n_samples, result_key=result_key, path=path,
                    timings={"decode_s": times.decode_s, "encode_s": times.encode_s, "probe_s": probe_s,
                             "features_cached": float(times.cached)})
                totals["probe_s"] += probe_s
                totals["score_s"] += time.perf_counter() - ts
                outcome.results[(variant.layer, probe)] = result
                outcome.reused[(variant.layer, probe)] = False
        outcomes.append(outcome)

    scorecards, paths = {}, {}
    base_info = EncoderInfo(**{**enc_desc, "layer": "last"})
    for variant in variants:
        card, card_path = write_scorecard(config, outcomes, variant, base_info)
        scorecards[variant.layer] = card
        paths[variant.layer] = card_path
    totals["total_s"] = time.perf_counter() - t_start
    return RunOutcome(config, base_info, outcomes, scorecards, paths, totals)


def _score_and_record(*, task, probe, heads, per_fold, selected, data, dataset_fp, enc_desc, variant, config, libs,
                      n_samples, result_key, path: Path, timings) -> TaskResult:
    from hf_bench import metrics

    t0 = time.perf_counter()
    fold_values = {fold: score(task, heads[fold], s, y) for fold, (s, y) in per_fold.items()}
    if task.folds is not None:
        keys = fold_values[next(iter(fold_values))].keys()
        values = {k: float(np.mean([fv[k] for fv in fold_values.values()])) for k in keys}
        per_fold_main = {f: float(v[task.main_score]) for f, v in fold_values.items()}
    else:
        values = {k: float(v) for k, v in fold_values["test"].items()}
        per_fold_main = None
    all_scores = np.concatenate([s for s, _ in per_fold.values()])
    all_targets = np.concatenate([y for _, y in per_fold.values()])
    ci = None
    if config.bootstrap > 0:
        try:
            c = metrics.fold_mean_bootstrap_ci(
                task.metric, [(heads[f].metric_inputs(s), y) for f, (s, y) in per_fold.items()],
                n_resamples=config.bootstrap, seed=config.seed, key=task.main_score, **task.metric_args)
            ci = ConfidenceInterval(low=c["low"], high=c["high"], level=c["level"], n_resamples=c["n_resamples"])
        except HFBenchError as e:  # a tiny test set has no interval; the score itself is still worth keeping
            print(f"warning: {task.name}/{probe}: no confidence interval ({e.problem})", file=sys.stderr)
    info = metrics.METRICS[task.metric]
    timings = {**timings, "score_s": time.perf_counter() - t0}

    pred_name = f"{task.name}.predictions.jsonl"
    ids = [ref.id for fold in per_fold for ref in _test_refs(task, data, fold)]
    fold_names = [fold for fold, (s, _) in per_fold.items() for _ in range(len(s))]
    lines = []
    for i, (item_id, fold) in enumerate(zip(ids, fold_names)):
        lines.append(json.dumps({"id": item_id, "fold": fold, "target": _jsonable(all_targets[i]),
                                 "prediction": _jsonable(heads[fold].metric_inputs(all_scores[i:i + 1])[0]),
                                 "scores": _jsonable(np.round(all_scores[i], 6))}))
    atomic_write_text(path.parent / pred_name, "\n".join(lines) + "\n")

    layer_name = variant.layer
    display = enc_desc["name"] + ("" if layer_name == "last" else f" ({'weighted layers' if layer_name == 'weighted' else 'layer ' + layer_name})")
    result = TaskResult(
        hf_bench_version=__version__, created_at=_now(), libraries=libs,
        task=TaskInfo(name=task.name, version=task.version, benchmark=task.benchmark, domain=task.domain,
                      type=task.type, metric=task.metric, main_score=task.main_score,
                      higher_is_better=info.higher_is_better, eval_weight=task.eval_weight,
                      metadata=task.model_dump(mode="json")),
        dataset=DatasetInfo(fingerprint=dataset_fp, source=task.source.model_dump(mode="json"),
                            split_sizes=n_samples),
        encoder=EncoderInfo(**{**enc_desc, "name": display, "layer": layer_name}),
        probe=ProbeInfo(name=probe, config=_probe_config(probe, task), seed=config.seed, selected=selected),
        scores=Scores(metric=task.metric, main_score=float(values[task.main_score]), values=values,
                      per_fold=per_fold_main, ci=ci),
        n_samples=n_samples, timings=timings, predictions_file=pred_name,
        config={**config.to_dict(), "result_key": result_key, "pooling": POOLING,
                "pipeline_version": PIPELINE_VERSION},
    )
    atomic_write_json(path, result.model_dump(mode="json"))
    return result


def _test_refs(task: TaskMetadata, data, fold: str):
    return data[task.splits[2]].refs if task.splits is not None else data[fold].refs


def _jsonable(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


# ------------------------------------------------------------------ scorecard
def score_range(metric: str) -> tuple[float, float]:
    """(worst, best) used to normalise a metric for the weighted average.

    The metric's possible range, except that a score below 0 on a higher-is-better metric whose range extends
    below 0 (CCC: -1..1) counts as 0: chance is 0 there, and mapping it to 0.5 would reward chance.
    """
    from hf_bench import metrics

    info = metrics.METRICS[metric]
    if info.higher_is_better and info.worst < 0 < info.best:
        return 0.0, info.best
    return info.worst, info.best


def weighted_averages(scores: dict[str, dict[str, float]], tasks: dict[str, TaskMetadata]):
    """Normalised scores (task -> probe -> [0, 1]) and the X-ARES weighted average per probe, over the tasks
    that probe ran on (weights: each task's ``eval_weight``)."""
    from hf_bench import metrics

    normalized: dict[str, dict[str, float]] = {}
    for name, per_probe in scores.items():
        worst, best = score_range(tasks[name].metric)
        for probe, raw in per_probe.items():
            normalized.setdefault(name, {})[probe] = float(
                metrics.normalized_score(raw, worst=worst, best=best)["normalized_score"])
    weights = {name: tasks[name].eval_weight for name in scores}
    probes = dict.fromkeys(p for per_probe in normalized.values() for p in per_probe)
    averages = {p: metrics.weighted_average({n: v[p] for n, v in normalized.items() if p in v}, weights)
                for p in probes}
    return normalized, averages


def write_scorecard(config: RunConfig, outcomes: list[TaskOutcome], variant: Variant, base: EncoderInfo):
    scores: dict[str, dict[str, float]] = {}
    files = []
    enc_info = None
    for o in outcomes:
        for (layer, probe), r in o.results.items():
            if layer != variant.layer:
                continue
            scores.setdefault(o.task.name, {})[probe] = r.scores.main_score
            files.append(f"{probe}/{o.task.name}.json")
            enc_info = r.encoder
    tasks = {o.task.name: o.task for o in outcomes}
    normalized, averages = weighted_averages(scores, tasks)
    card = Scorecard(hf_bench_version=__version__, created_at=_now(), encoder=enc_info or base,
                     suite=config.suite, scores=scores, normalized=normalized,
                     weights={n: tasks[n].eval_weight for n in scores}, weighted_average=averages,
                     result_files=sorted(files))
    folder = config.output_dir / f"{slugify(base.name)}{variant.suffix}"
    path = folder / "scorecard.json"
    atomic_write_json(path, card.model_dump(mode="json"))
    rows = summary_rows(outcomes, variant.layer)
    atomic_write_text(folder / "scorecard.md", render_markdown(card, rows))
    try:
        plot_scorecard(card, rows, folder / "scorecard.png")
    except Exception as e:  # a plot must never lose the results already written
        print(f"warning: could not draw {folder / 'scorecard.png'}: {e}", file=sys.stderr)
    return card, path


def summary_rows(outcomes: list[TaskOutcome], layer: str) -> list[dict]:
    rows = []
    for o in outcomes:
        t = o.task
        row = {"task": t.name, "type": t.type.replace("clip_", ""), "domain": t.domain, "metric": t.main_score,
               "metric_name": t.metric,
               "n_test": sum(v for k, v in _test_sizes(t, o).items()), "weight": t.eval_weight,
               "chance": t.chance_level}
        for probe in ("mlp", "knn"):
            r = o.results.get((layer, probe))
            row[probe] = None if r is None else r.scores.main_score
            row[f"{probe}_ci"] = None if r is None or r.scores.ci is None else (r.scores.ci.low, r.scores.ci.high)
        rows.append(row)
    return rows


def _test_sizes(task: TaskMetadata, o: TaskOutcome) -> dict[str, int]:
    r = next(iter(o.results.values()), None)
    if r is None:
        return {}
    if task.splits is not None:
        return {task.splits[2]: r.n_samples.get(task.splits[2], 0)}
    return {f: r.n_samples.get(f, 0) for f in task.folds}


def _fmt(v, ci=None) -> str:
    if v is None:
        return "-"
    text = f"{v:.3f}"
    if ci is not None:
        text += f" [{ci[0]:.3f}, {ci[1]:.3f}]"
    return text


def render_table(card: Scorecard, rows: list[dict], *, with_ci: bool = True) -> str:
    headers = ["task", "type", "domain", "metric", "n_test", "chance", "MLP", "kNN"]
    body = [[r["task"], r["type"], r["domain"], r["metric"], str(r["n_test"]), _fmt(r["chance"]),
             _fmt(r["mlp"], r["mlp_ci"] if with_ci else None), _fmt(r["knn"], r["knn_ci"] if with_ci else None)]
            for r in rows]
    avg = card.weighted_average
    body.append(["weighted average", "", "", "normalized", str(sum(card.weights.values())), "",
                 _fmt(avg.get("mlp")), _fmt(avg.get("knn"))])
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    sep = "  ".join("-" * w for w in widths)
    out = [line, sep] + ["  ".join(c.ljust(w) for c, w in zip(b, widths)) for b in body[:-1]] + [sep]
    out.append("  ".join(c.ljust(w) for c, w in zip(body[-1], widths)))
    return "\n".join(out)


def render_markdown(card: Scorecard, rows: list[dict]) -> str:
    lines = [f"# Scorecard: {card.encoder.name}", "",
             f"hf_bench {card.hf_bench_version}, {card.created_at}; encoder fingerprint `{card.encoder.fingerprint}`, "
             f"layer `{card.encoder.layer}`. Scores are on the test split (k-fold: mean over folds); brackets give a "
             "95% bootstrap interval over test items.", "",
             "| task | type | domain | metric | n test | chance | MLP | kNN |", "|---|---|---|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['type']} | {r['domain']} | {r['metric']} | {r['n_test']} | {_fmt(r['chance'])} "
                     f"| {_fmt(r['mlp'], r['mlp_ci'])} | {_fmt(r['knn'], r['knn_ci'])} |")
    avg = card.weighted_average
    lines.append(f"| **weighted average** (normalized, weights = eval_weight) | | | | {sum(card.weights.values())} | "
                 f"| **{_fmt(avg.get('mlp'))}** | **{_fmt(avg.get('knn'))}** |")
    return "\n".join(lines) + "\n"


def plot_scorecard(card: Scorecard, rows: list[dict], path: Path) -> None:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hf_bench.utils.io import atomic_write_bytes

    names = [r["task"] for r in rows]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(names) + 2), 4.2), dpi=120)
    ranges = [score_range(r["metric_name"]) for r in rows]

    def norm(v, rng):
        return min(1.0, max(0.0, (v - rng[0]) / (rng[1] - rng[0])))

    for offset, probe, color in ((-0.2, "mlp", "#3b6fb6"), (0.2, "knn", "#e08a2c")):
        heights = [card.normalized.get(n, {}).get(probe, 0.0) for n in names]
        # the CI is in metric units; the normalisation is linear, so map its ends the same way
        errs = np.array([[0.0, 0.0] if r[f"{probe}_ci"] is None else
                         [max(0.0, h - norm(r[f"{probe}_ci"][0], rg)), max(0.0, norm(r[f"{probe}_ci"][1], rg) - h)]
                         for r, h, rg in zip(rows, heights, ranges)]).T
        avg = card.weighted_average.get(probe)
        label = f"{probe.upper()} (weighted avg {avg:.3f})" if avg is not None else probe.upper()
        ax.bar(x + offset, heights, width=0.4, color=color, label=label, yerr=errs, capsize=2)
    for i, r in enumerate(rows):
        if r["chance"] is not None:
            ax.hlines(norm(r["chance"], ranges[i]), i - 0.42, i + 0.42, colors="#555", linestyles="dashed", linewidth=1)
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("normalized score (higher is better)")
    ax.set_title(f"hf_bench scorecard: {card.encoder.name}   (dashed: chance)")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def summary_json(outcome: RunOutcome) -> dict:
    """The documented machine-readable summary: {task: {probe: main_score}, "weighted_average": {probe: value}}."""
    def one(card: Scorecard) -> dict:
        return {**{t: dict(p) for t, p in card.scores.items()}, "weighted_average": dict(card.weighted_average)}

    if len(outcome.scorecards) == 1:
        return one(next(iter(outcome.scorecards.values())))
    return {f"layer_{layer}": one(card) for layer, card in outcome.scorecards.items()}
