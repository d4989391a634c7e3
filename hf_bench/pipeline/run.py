"""The evaluation pipeline, in the order data flows:

audio -> encoder -> stored features -> probe -> predictions -> metric -> result -> scorecard

``Run`` holds what a run shares across tasks (the resolved config, the encoder, the feature store, timings);
``Run.task`` takes one task through every stage. ``evaluate_encoder`` is what ``hf-bench run`` and ``probe.py``
call; ``Run.extract`` alone is the first phase of a multi-process run.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from hf_bench import __version__
from hf_bench.errors import HFBenchError
from hf_bench.features.extract import PIPELINE_VERSION, POOLING, StageTimes, estimate_frames_bytes, extract, read_entry
from hf_bench.features.frames import FrameFeatures
from hf_bench.features.store import FeatureStore, StoredFeatures
from hf_bench.features.views import AudioPolicy, Extraction, FeatureView
from hf_bench.pipeline.config import RunConfig, Variant, result_folder, variants_for
from hf_bench.pipeline.folds import make_folds
from hf_bench.probes.base import Fold, Probe, ProbeData, ProbeSettings
from hf_bench.results.record import FoldOutput, RunContext, TaskContext, library_versions, now, record_result
from hf_bench.results.schema import EncoderInfo, Scorecard, TaskResult, load_result
from hf_bench.results.scorecard import build_scorecard, score_range, summary_row, write_scorecard
from hf_bench.tasks.schema import TaskMetadata
from hf_bench.utils.io import ensure_dir, stable_hash
from hf_bench.utils.threads import ThreadPlan, plan_threads

log = logging.getLogger("hf_bench")

# normalised kNN minus MLP above which the MLP has almost surely not converged (a warning, not an error)
GAP_WARNING = 0.25
# fields of a task that document it and cannot move a score: left out of the result key
DOC_FIELDS = {"display_name", "description", "languages", "license", "citation", "homepage", "changelog", "sizes", "chance_level",
              "chance_predictor", "eval_weight", "source"}


@dataclass
class TaskOutcome:
    task: TaskMetadata
    results: dict[tuple[str, str], TaskResult] = field(default_factory=dict)  # (variant layer, probe) -> result
    reused: dict[tuple[str, str], bool] = field(default_factory=dict)
    n_test: int = 0


@dataclass
class RunOutcome:
    config: RunConfig
    encoder: EncoderInfo
    tasks: list[TaskOutcome]
    scorecards: dict[str, Scorecard]          # variant layer -> scorecard
    scorecard_paths: dict[str, Path]
    timings: dict[str, float]

    def rows(self, layer: str) -> list[dict]:
        return [summary_row(o.task, {p: r for (v, p), r in o.results.items() if v == layer}, o.n_test)
                for o in self.tasks]


def check_device(device: str) -> None:
    if device == "cpu":
        return  # always there; importing torch only to say so costs ~2 s of a warm rerun
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise HFBenchError(f"unknown device {device!r}", where="--device", fix="use cpu, cuda or cuda:N") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise HFBenchError("CUDA is not available here (CPU-only torch or no GPU)", where="--device",
                           fix="use --device cpu")


@dataclass
class _Split:
    """One split as stored: its items (clips, or X-ARES crops) and their features per view."""
    name: str
    ids: list[str]
    clips: np.ndarray
    stored: dict[FeatureView, StoredFeatures]


@dataclass
class _Table:
    """A task's items, all splits side by side: ids, source refs, targets, and features per view."""
    names: list[str]
    splits: dict[str, _Split]
    ids: list[str]
    refs: list
    targets: object
    ranges: dict[str, np.ndarray]
    pooled: dict[FeatureView, np.ndarray]
    groups: np.ndarray | None       # source clip of each item, where items are crops (else None)
    num_layers: int

    def frames(self, view: FeatureView, layer: str) -> FrameFeatures:
        parts = [self.splits[n].stored[view] for n in self.names]
        locations = np.concatenate([np.stack([np.full(len(self.ranges[n]), k), np.arange(len(self.ranges[n]))], 1)
                                    for k, n in enumerate(self.names)])
        return FrameFeatures(parts, locations, layer, self.num_layers)

    def probe_data(self, idx: np.ndarray, adapter, view: FeatureView | None, layer: str) -> ProbeData:
        if view is None:  # the probe decodes waveforms itself
            feats = None
        elif view.kind == "pooled":
            feats = self.pooled[view][idx]
        else:
            feats = self.frames(view, layer).take(idx)
        return ProbeData([self.ids[i] for i in idx], adapter.take(self.targets, idx), feats,
                         [self.refs[i] for i in idx] if view is None else None)


class Run:
    def __init__(self, config: RunConfig, *, log: Callable[[str], None] = print, encoder=None):
        from hf_bench.encoders import load_encoder

        self.config = config = config.resolved()
        self.say = log
        self.skipped: dict[str, str] = {}  # task -> why it is not run (check_data)
        if config.probes is not None:
            from hf_bench.probes.registry import check_probe_names

            check_probe_names(config.probes)
        ensure_dir(config.output_dir)
        ensure_dir(config.cache_dir)
        check_device(config.device)
        self.t_start = time.perf_counter()
        # an Encoder object (hf_bench.evaluate on a model in memory) or the --encoder spec to load
        self.encoder = encoder if encoder is not None else load_encoder(
            config.encoder, device=config.device, trust_remote_code=config.trust_remote_code)
        self.variants = variants_for(config.layer, self.encoder.num_layers)
        self.enc_desc = self.encoder.describe()
        self.folder_name = self._folder_name()
        self.store = FeatureStore(config.cache_dir)
        self.info = RunContext(protocol=config.protocol.name, seed=config.seed, bootstrap=config.bootstrap,
                            libraries=library_versions(),
                            config={**config.to_dict(), "pooling": POOLING, "pipeline_version": PIPELINE_VERSION})
        self.totals = {"load_s": 0.0, "decode_s": 0.0, "encode_s": 0.0, "probe_s": 0.0, "score_s": 0.0,
                       "clips": 0, "clips_decoded": 0, "clips_encoded": 0}

    def _folder_name(self) -> str:
        """The encoder's results folder name: its slug, unless that folder already holds results of another
        encoder with the same name (two local checkpoints both called ``checkpoint-1000``), which are never
        overwritten: then the slug plus the first 8 characters of the fingerprint."""
        from hf_bench.utils.io import slugify

        name, fp = slugify(self.encoder.name), str(self.encoder.fingerprint())
        for variant in self.variants:
            folder = self.config.output_dir / result_folder(name, variant, self.config.protocol)
            other = _folder_fingerprint(folder)
            if other is not None and other != fp:
                self.say(f"note: {folder} holds results of another encoder named {self.encoder.name!r} "
                         f"(fingerprint {other}); this one's go to {name}-{fp[:8]}")
                return f"{name}-{fp[:8]}"
        return name

    @functools.cached_property
    def threads(self) -> ThreadPlan:
        """Planned once, when the first shard needs encoding (a warm run never measures)."""
        plan = plan_threads(self.config.threads)
        self.totals["threads_torch"], self.totals["threads_decode"] = plan.torch, plan.decode
        log.debug("threads: %d for the encoder, %d decoding beside it (%s)", plan.torch, plan.decode, plan.why)
        return plan

    # ------------------------------------------------------------------ settings
    def settings(self, variant: Variant) -> ProbeSettings:
        p = self.config.protocol
        c = self.config
        return ProbeSettings(layer=variant.layer, num_layers=self.encoder.num_layers, frame_dtype=c.frame_dtype,
                             knn_normalization=p.knn_normalization, select_on_test=p.select_on_test,
                             label_raster=p.label_raster, max_frames=c.max_frames,
                             hop_ms=float(self.encoder.hop_ms), device=c.device, cache_dir=str(c.cache_dir),
                             progress=c.progress, decoder=c.decoder, text_encoder=c.text_encoder,
                             lora_model=c.lora_model,
                             asr_select=p.asr_select, asr_adapter=p.asr_adapter, asr_text=p.asr_text,
                             asr_layout=p.asr_layout, asr_max_tokens=p.asr_max_tokens, text_tower=p.text_tower,
                             contrastive=p.contrastive)

    def extraction(self, task: TaskMetadata) -> Extraction:
        from hf_bench.tasks.types import get_type

        p = self.config.protocol
        batch = self.config.max_batch_items
        if p.padding == "xares" or p.crops == "xares":  # X-ARES's own encoder batches decide both
            from hf_bench.tasks.xares import XARES_EXTRAS

            batch = int(XARES_EXTRAS.get(task.name, {}).get("batch_size_encode", 16))
        # de-duplicated crops become items of their own: only clip-level targets can follow them
        return Extraction(resampler=p.resampler, padding=p.padding, batch_items=batch,
                          batch_seconds=self.config.max_batch_seconds, pad_short_crops=p.crops == "xares",
                          dedup_crops=p.crops == "xares" and task.crop.mode == "sequential"
                          and get_type(task.type).level == "clip")

    def probes(self, task: TaskMetadata) -> list[type[Probe]]:
        from hf_bench.probes.registry import require_probes

        return require_probes(task, self.config.probes)

    def views(self, task: TaskMetadata) -> list[FeatureView]:
        out: dict[FeatureView, None] = {}
        for variant in self.variants:
            for cls in self.probes(task):
                view = cls(task, self.settings(variant)).view()
                if view is not None:
                    out.setdefault(view)
        return list(out)

    # ------------------------------------------------------------------ stages
    def load(self, task: TaskMetadata):
        from hf_bench.data import dataset_fingerprint, load_task_data
        from hf_bench.tasks.types import get_type

        t0 = time.perf_counter()
        data = load_task_data(task, data_root=self.config.data_dir, progress=self.config.progress)
        adapter = get_type(task.type, where=f"task {task.name}")
        for split in data.values():
            adapter.check(task, split)  # bad labels fail before any audio is decoded
        fp = dataset_fingerprint(task, data)
        self.check_duplicates(task, data)
        self.totals["load_s"] += time.perf_counter() - t0
        return data, adapter, fp

    def check_duplicates(self, task: TaskMetadata, data) -> None:
        """Byte-identical clips: twice in one split they count twice (a warning); in two splits it is test data
        in training, an error for a custom task unless its spec allows it (built-in tasks: a warning, their
        data is what the benchmark publishes). Generated tasks are made distinct by construction."""
        from hf_bench.data.fingerprint import duplicate_audio

        if task.source.kind == "generator":
            return
        within, across = duplicate_audio(data)
        for split, pairs in within.items():
            self.say(f"warning: {task.name}: {len(pairs)} clip(s) of split {split!r} have the same audio as "
                     f"another clip of that split and count twice (e.g. {pairs[0][0]!r} = {pairs[0][1]!r})")
        if not across:
            return
        a_split, a_id, b_split, b_id = across[0]
        msg = (f"{len(across)} clip(s) have byte-identical audio in two splits, e.g. {a_id!r} ({a_split}) = "
               f"{b_id!r} ({b_split}): test data leaks into training")
        if task.benchmark == "custom" and not task.allow_shared_audio:
            raise HFBenchError(msg, where=f"task {task.name}",
                               fix="remove the copies from one of the splits, or set `allow_shared_audio: true` in "
                                   "the task spec if that is intended")
        self.say(f"warning: {task.name}: {msg}")

    def check_budget(self, task: TaskMetadata, data, fps: dict[str, str], views: list[FeatureView],
                     policy: AudioPolicy, extraction: Extraction) -> None:
        from hf_bench.features.extract import store_key

        total, seconds = 0, 0.0
        for view in views:
            if view.kind != "frames":
                continue
            for name, split in data.items():
                key = store_key(self.encoder, policy, split, fps[name], view, extraction)
                if self.store.entry(key, view).complete:
                    continue
                b, s = estimate_frames_bytes(self.encoder, policy, split.refs, view)
                total += b
                seconds += s
        limit = self.config.max_cache_gb * 1e9
        if total > limit:
            v = next(v for v in views if v.kind == "frames")
            per_layer = total / len(v.stored_layers(self.encoder.num_layers))
            raise HFBenchError(
                f"the frame features of task {task.name} would take about {total / 1e9:.1f} GB on disk "
                f"({seconds / 3600:.1f} h of audio, {v.describe()}, {self.encoder.dim} dims every "
                f"{self.encoder.hop_ms:g} ms), more than --max-cache-gb {self.config.max_cache_gb:g}",
                where=str(self.config.cache_dir),
                fix=f"raise --max-cache-gb (the disk must hold it), use one layer (--layer N: about "
                    f"{per_layer / 1e9:.1f} GB), store float16 (--frame-dtype float16: half), or point "
                    "--cache-dir at a larger disk")

    def extract(self, task: TaskMetadata, data, *, shards: Callable[[str, int], bool] | None = None
                ) -> tuple[dict[str, tuple], StageTimes]:
        """Fill every view the task's probes need, for every split (``shards(split, index)``: only the shards it
        accepts, for one process of several).

        Returns, per split, its store entries and a function that redoes the extraction (a damaged entry is read
        again after its missing shards are recomputed)."""
        from hf_bench.data.fingerprint import audio_fingerprint

        views = self.views(task)
        policy, extraction = AudioPolicy.of(task), self.extraction(task)
        fps = {name: audio_fingerprint(task, split) for name, split in data.items()}
        self.check_budget(task, data, fps, views, policy, extraction)
        times = StageTimes()
        out = {}
        for name, split in data.items():
            def run(fp=fps[name], split=split, name=name):
                return extract(self.encoder, split, views, policy=policy, audio_fp=fp, store=self.store,
                               extraction=extraction, progress=self.config.progress, label=f"{task.name}/{name}",
                               threads=self.threads,
                               shards=None if shards is None else (lambda s, name=name: shards(name, s)))

            entries, st = run()
            out[name] = (entries, run)
            times.add(st)
        return out, times

    def read(self, task: TaskMetadata, data, entries) -> dict[str, _Split]:
        out = {}
        for name, split in data.items():
            got, redo = entries[name]
            stored = {v: read_entry(e, lambda v=v, redo=redo: redo()[0][v]) for v, e in got.items()}
            clips = next(iter(stored.values())).index.clip if stored else np.arange(len(split.refs))
            for s in stored.values():
                if not np.array_equal(s.index.clip, clips):  # views of one extraction always agree; a bug if not
                    raise HFBenchError("stored views of one split disagree on their items", where=s.entry.path,
                                       fix="delete the cache folder of this encoder and rerun")
            seen: dict[int, int] = {}
            ids = []
            for c in clips.tolist():
                k = seen.get(c, 0)
                seen[c] = k + 1
                ids.append(split.refs[c].id if k == 0 else f"{split.refs[c].id}#crop{k}")
            out[name] = _Split(name, ids, clips, stored)
        return out

    def table(self, task: TaskMetadata, data, adapter, splits: dict[str, _Split]) -> "_Table":
        """Every split's items side by side, with their targets: folds are index arrays into this table."""
        from hf_bench.tasks.types import FrameGrid

        names = list(task.split_names)
        targets, ranges, groups, offset = [], {}, [], 0
        for k, name in enumerate(names):
            s = splits[name]
            if adapter.level == "frame":
                index = next(iter(s.stored.values())).index  # frame probes always read a frames view
                if not np.array_equal(s.clips, np.arange(len(data[name].refs))):  # a bug if it happens
                    raise HFBenchError("frame-level items must be the clips themselves", where=f"task {task.name}",
                                       fix="report this bug: frame tasks never de-duplicate crops")
                grid = FrameGrid(float(self.encoder.hop_ms) / 1000.0, index.frames.copy(),
                                 index.samples / self.encoder.sampling_rate, self.config.protocol.label_raster)
                targets.append(adapter.targets(task, data[name], grid))
            else:  # clip items may be X-ARES crops of a clip: each takes its clip's target
                targets.append(adapter.take(adapter.targets(task, data[name], None), s.clips))
            ranges[name] = np.arange(offset, offset + len(s.ids))
            groups.append(k * (1 << 40) + s.clips)  # (split, clip): the crops of one clip stay together
            offset += len(s.ids)
        pooled = {v: np.concatenate([splits[n].stored[v].pooled() for n in names])
                  for v in next(iter(splits.values())).stored if v.kind == "pooled"}
        groups = np.concatenate(groups)
        return _Table(names=names, splits=splits, ids=[i for n in names for i in splits[n].ids],
                      refs=[data[n].refs[c] for n in names for c in splits[n].clips.tolist()],
                      targets=adapter.concat(targets), ranges=ranges, pooled=pooled,
                      groups=None if len(np.unique(groups)) == len(groups) else groups,
                      num_layers=self.encoder.num_layers)

    def task(self, task: TaskMetadata) -> TaskOutcome:
        data, adapter, dataset_fp = self.load(task)
        probes = self.probes(task)
        entries, times = self.extract(task, data)
        self.totals["decode_s"] += times.decode_s
        self.totals["encode_s"] += times.encode_s
        self.totals["clips"] += sum(len(split.refs) for split in data.values())
        self.totals["clips_decoded"] += times.clips_decoded
        self.totals["clips_encoded"] += times.clips_encoded
        table = self.table(task, data, adapter, self.read(task, data, entries))
        n_samples = {name: len(table.ranges[name]) for name in table.names}
        context = TaskContext(task, adapter, dataset_fp, n_samples)
        outcome = TaskOutcome(task, n_test=sum(n_samples[f] for f in (task.folds or task.splits[2:])))
        folds = make_folds(task, table.ranges, seed=self.config.seed, groups=table.groups,
                           select_on_test=self.config.protocol.select_on_test)
        stage = {"decode_s": times.decode_s, "encode_s": times.encode_s}
        for variant in self.variants:
            for cls in probes:
                result, reused = self.probe(task, context, table, folds, variant, cls, stage, times.cached)
                outcome.results[(variant.layer, cls.name)] = result
                outcome.reused[(variant.layer, cls.name)] = reused
            self.warn_unconverged(task, outcome, variant, n_samples)
        return outcome

    def warn_unconverged(self, task: TaskMetadata, outcome: "TaskOutcome", variant: Variant,
                         n_samples: dict[str, int]) -> None:
        """A trained MLP far below the training-free kNN on the same features has almost always not converged
        (few clips, few epochs: a handful of steps); say so, and what to change, instead of a silent low score."""
        mlp, knn = outcome.results.get((variant.layer, "mlp")), outcome.results.get((variant.layer, "knn"))
        if mlp is None or knn is None:
            return
        worst, best = score_range(task.metric)
        norm = {k: (r.scores.main_score - worst) / (best - worst) for k, r in (("mlp", mlp), ("knn", knn))}
        if norm["knn"] - norm["mlp"] < GAP_WARNING:
            return
        cfg = mlp.probe.config
        train = n_samples.get(task.splits[0]) if task.splits else None
        steps = (-(-train // int(cfg["batch_size"])) if train and cfg.get("batch_size") else None)
        detail = (f"{train} training items, batch {cfg.get('batch_size')}: {steps} steps per epoch x "
                  f"{cfg.get('epochs')} epochs" if steps else f"{cfg.get('epochs')} epochs")
        self.say(f"warning: {task.name}: the MLP scores {mlp.scores.main_score:.3f}, far below the kNN's "
                 f"{knn.scores.main_score:.3f} on the same features; it has probably not converged ({detail}). "
                 "Raise probe.epochs (or probe.learning_rate) in the task spec, e.g. `probe: {epochs: 100}`")

    def probe(self, task, context, table: "_Table", folds, variant: Variant, cls: type[Probe],
              stage: dict, features_cached: bool | None = None) -> tuple[TaskResult, bool]:
        """One probe on every fold of a task, scored and recorded (or the identical earlier result)."""
        settings = self.settings(variant)
        probe0 = cls(task, settings)
        view = probe0.view()
        pconfig = {**probe0.config(), "implementation": cls.__module__.rsplit(".", 1)[-1],
                   "view": None if view is None else view.describe()}
        folder = self.config.output_dir / result_folder(self.folder_name, variant, self.config.protocol)
        path = folder / cls.name / f"{task.name}.json"
        key = self.result_key(task, context.dataset_fp, variant, cls.name, pconfig)
        reused = self._reuse(path, key)
        if reused is not None:
            return reused, True
        tp = time.perf_counter()
        outputs, selected, built = {}, {}, []

        def build():
            for fi in folds:
                fold = Fold(fi.name, *(table.probe_data(idx, context.adapter, view, variant.layer)
                                       for idx in (fi.train, fi.valid, fi.pool, fi.test)))
                coding = context.adapter.coding(task, fold.train.targets)
                built.append((fold.name, fold.test.ids, fold.test.targets, coding))
                yield fold, coding

        for k, (sel, predictions) in enumerate(probe0.fit_predict(build(), seed=self.config.seed)):
            name, ids, targets, coding = built[k]
            built[k] = None  # the fold's features are no longer held here
            selected[name] = sel
            outputs[name] = FoldOutput(ids, targets, coding, predictions)
        probe_s = time.perf_counter() - tp
        ts = time.perf_counter()
        result = record_result(path, self.info, context, self.encoder_info(variant), probe=cls.name,
                               probe_config=pconfig, selected=selected, folds=outputs, result_key=key,
                               timings={**stage, "probe_s": probe_s},
                               features_cached=features_cached)
        self.totals["probe_s"] += probe_s
        self.totals["score_s"] += time.perf_counter() - ts
        return result, False

    # ------------------------------------------------------------------ results
    def result_key(self, task, dataset_fp, variant, probe, probe_config) -> str:
        # only what can move a score: documentation fields and the data's location are left out
        # (the data itself is covered by its fingerprint)
        return stable_hash({
            "task": task.model_dump(mode="json", exclude=DOC_FIELDS), "dataset": dataset_fp,
            "extraction": self.extraction(task).key(),
            "encoder": self.enc_desc["fingerprint"], "layer": variant.layer, "probe": probe,
            "probe_config": probe_config, "protocol": self.config.protocol.to_dict(), "seed": self.config.seed,
            "bootstrap": self.config.bootstrap, "hf_bench": __version__, "pipeline": PIPELINE_VERSION})

    def _reuse(self, path: Path, key: str) -> TaskResult | None:
        if self.config.rerun or not path.is_file():
            return None
        try:
            old = load_result(path)
        except HFBenchError:
            return None  # unreadable or old result: recompute it
        return old if old.config.get("result_key") == key else None

    def encoder_info(self, variant: Variant) -> EncoderInfo:
        layer = variant.layer
        display = self.enc_desc["name"] + ("" if layer == "last" else
                                           f" ({'weighted layers' if layer == 'weighted' else 'layer ' + layer})")
        return EncoderInfo(**{**self.enc_desc, "name": display, "layer": layer})

    def check_data(self, tasks: list[TaskMetadata]) -> list[TaskMetadata]:
        """Every selected task's data, checked before any work starts: all that is missing is listed at once
        (an error), or with ``skip_missing`` left out of the run and recorded in the scorecard."""
        from hf_bench.data import missing_task_data

        missing = {t.name: why for t in tasks if (why := missing_task_data(t, data_root=self.config.data_dir))}
        self.skipped = {}
        if not missing:
            return tasks
        listing = "\n".join(f"    {name}: {why}" for name, why in missing.items())
        if not self.config.skip_missing:
            raise HFBenchError(f"{len(missing)} of {len(tasks)} selected task(s) have no data on this machine:\n"
                               + listing, where=str(self.config.data_dir),
                               fix="get each as its line says (`hf-bench prepare --task " + " ".join(missing)
                                   + "` downloads those that are public, needs the internet; licensed corpora are "
                                   "your own copy), or add --skip-missing to score the others (the scorecard lists "
                                   "what was skipped)")
        self.skipped = dict(missing)
        self.say(f"skipping {len(missing)} task(s) without data (--skip-missing):\n{listing}")
        return [t for t in tasks if t.name not in missing]

    def scorecards(self, outcomes: list[TaskOutcome]) -> tuple[dict[str, Scorecard], dict[str, Path]]:
        cards, paths = {}, {}
        base = EncoderInfo(**{**self.enc_desc, "layer": "last"})
        tasks = {o.task.name: o.task for o in outcomes}
        for variant in self.variants:
            results = {(o.task.name, p): r for o in outcomes for (v, p), r in o.results.items() if v == variant.layer}
            encoder = next((r.encoder for r in results.values()), base)
            card = build_scorecard(version=__version__, created_at=now(), encoder=encoder, suite=self.config.suite,
                                   protocol=self.config.protocol.name, results=results, tasks=tasks,
                                   files=[f"{p}/{t}.json" for t, p in results], skipped=self.skipped)
            folder = self.config.output_dir / result_folder(self.folder_name, variant, self.config.protocol)
            rows = [summary_row(o.task, {p: r for (v, p), r in o.results.items() if v == variant.layer}, o.n_test)
                    for o in outcomes]
            paths[variant.layer] = write_scorecard(folder, card, rows, panels=self.config.scorecard_panels)
            cards[variant.layer] = card
        return cards, paths

    def evaluate(self, tasks: list[TaskMetadata]) -> RunOutcome:
        tasks = self.check_data(tasks)
        outcomes = []
        overall = _overall_bar(tasks, self.config.progress)
        try:
            for ti, task in enumerate(tasks, 1):
                self.say(f"[{ti}/{len(tasks)}] {task.name}: {task.display_name}")
                t0 = time.perf_counter()
                outcomes.append(self.task(task))
                self.say(f"      {task.name}: {_scores_line(outcomes[-1])}  ({time.perf_counter() - t0:.1f} s)")
                if overall is not None:
                    overall.update(sum(task.sizes.values()) or 1)
        finally:
            if overall is not None:
                overall.close()
        cards, paths = self.scorecards(outcomes)
        self.totals["total_s"] = time.perf_counter() - self.t_start
        return RunOutcome(self.config, EncoderInfo(**{**self.enc_desc, "layer": "last"}), outcomes, cards, paths,
                          self.totals)


def _overall_bar(tasks: list[TaskMetadata], enabled: bool):
    """One bar over the whole run, advanced by each finished task's clip count (so its ETA weighs big tasks
    more); None when progress is off or there is only one task."""
    if not enabled or len(tasks) < 2:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=sum(sum(t.sizes.values()) or 1 for t in tasks), desc=f"{len(tasks)} tasks", unit="clip",
                position=0, leave=False, smoothing=0.0)


def _scores_line(outcome: "TaskOutcome") -> str:
    """``MLP 0.363 [0.310, 0.420], kNN 0.353`` for a task as it finishes (the last layer variant; reused marked)."""
    from hf_bench.probes.registry import probe_label

    parts = []
    for (variant, probe), result in outcome.results.items():
        ci = result.scores.ci
        text = f"{probe_label(probe)} {result.scores.main_score:.3f}" + (f" [{ci.low:.3f}, {ci.high:.3f}]" if ci else "")
        if variant != "last":
            text = f"layer {variant}: {text}"
        parts.append(text + (" (reused)" if outcome.reused.get((variant, probe)) else ""))
    return ", ".join(parts) or "no probe ran"


def _folder_fingerprint(folder: Path) -> str | None:
    """The encoder fingerprint of the results already in ``folder`` (its scorecard, else any result), or None."""
    import json

    candidates = [folder / "scorecard.json"] + sorted(folder.glob("*/*.json"))[:1] if folder.is_dir() else []
    for path in candidates:
        try:
            return str(json.loads(path.read_text(encoding="utf-8"))["encoder"]["fingerprint"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def extract_features(config: RunConfig, tasks: list[TaskMetadata], *, rank: int = 0, world: int = 1,
                     log: Callable[[str], None] = print) -> dict[str, float]:
    """Only the first stages (load, decode, encode, store) of ``tasks``, for process ``rank`` of ``world``: the
    shards of every split of every task are numbered in one sequence and dealt out in turn, so each process gets
    an even share however the tasks and splits are sized; a split whose audio another task already read keeps
    that split's numbers (their stored features are shared: one process encodes each shard). Returns the run's
    timings (clips decoded, encoded)."""
    from hf_bench.data.fingerprint import audio_fingerprint
    from hf_bench.features.extract import shard_plan
    from hf_bench.probes.registry import require_probes

    for task in tasks:
        require_probes(task, config.probes)
    if config.threads is None and world > 1:
        # the processes start together, each would see every core free: share them out instead
        from hf_bench.utils.threads import ENV, usable_cores

        local = int(os.environ.get("LOCAL_WORLD_SIZE", world))
        if not os.environ.get(ENV, "").strip():
            config = replace(config, threads=max(1, usable_cores() // max(1, local)))
    run = Run(config, log=log)
    tasks = run.check_data(tasks)
    offset = 0
    numbered: dict[tuple, int] = {}
    for task in tasks:
        data, _, _ = run.load(task)
        extraction = run.extraction(task)
        first = {}
        for name, split in data.items():
            audio = (audio_fingerprint(task, split), AudioPolicy.of(task), extraction)
            if audio not in numbered:
                numbered[audio] = offset
                multiple = extraction.batch_items if extraction.padding == "xares" else 1
                offset += len(shard_plan(split.refs, multiple=multiple))
            first[name] = numbered[audio]
        _, times = run.extract(task, data, shards=lambda name, s, first=first: (first[name] + s) % world == rank)
        run.totals["decode_s"] += times.decode_s
        run.totals["encode_s"] += times.encode_s
        run.totals["clips_decoded"] += times.clips_decoded
        run.totals["clips_encoded"] += times.clips_encoded
    return run.totals


def evaluate_encoder(config: RunConfig, tasks: list[TaskMetadata], *, log: Callable[[str], None] = print,
                     encoder=None) -> RunOutcome:
    """Evaluate ``config.encoder`` (or the ready ``encoder`` object) on ``tasks`` with every probe that serves each
    task (or ``config.probes``)."""
    from hf_bench.probes.registry import require_probes

    for task in tasks:  # fail before loading anything for a task no probe can run
        require_probes(task, config.probes)
    return Run(config, log=log, encoder=encoder).evaluate(tasks)


__all__ = ["Run", "RunOutcome", "TaskOutcome", "evaluate_encoder", "extract_features", "check_device", "DOC_FIELDS"]
