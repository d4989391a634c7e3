"""What the leaderboard shows: boards (one table each), their columns, and the shipped reference rows.

A *board* is one table of the Space (X-ARES, LeBenchmark, WenetSpeech-Wu ASR, ...). Its columns are tasks, with
the metric direction that drives ranking and highlighting. Reference rows come from ``data/reference.csv`` (the
published tables, as printed); rows computed by hf_bench are added by :mod:`hf_bench.leaderboard.table`.
Boards whose tasks are not known in advance (the embedded suite, custom tasks) get their columns from results.
Metadata of the published models (size, embedding dimension, frame rate, pre-training data, release, links, each
fact with its source) comes from ``data/models.json`` (schema: :func:`load_model_info`); the aggregates a source
prints itself from ``data/published_averages.csv`` (:func:`load_published_averages`).
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from hf_bench.errors import HFBenchError

REFERENCE = "reference"
HF_BENCH = "hf_bench"
SOURCE_KINDS = (REFERENCE, HF_BENCH)
PUBLISHED_PROBE = "published"

# a task's own downstream heads (TaskMetadata.probes: LeBenchmark's CTC / seq2seq / GRU) share one row per model
TASK_HEADS = "heads"
PROBE_LABELS = {PUBLISHED_PROBE: "paper recipe", "zerospeech": "zrc scoring",
                TASK_HEADS: "hf_bench heads"}  # + the probe registry's labels
# Results of different evaluation protocols (hf_bench's own, ``--compat xares``) never share a column: a probe
# value in the table is ``<probe>`` for hf_bench's protocol and ``<probe>+<protocol>`` for another one.
DEFAULT_PROTOCOL = "default"
PROTOCOL_LABELS = {DEFAULT_PROTOCOL: "hf_bench protocol", "xares": "X-ARES protocol"}


def protocol_probe(probe: str, protocol: str) -> str:
    return probe if protocol in ("", DEFAULT_PROTOCOL) else f"{probe}+{protocol}"


def split_probe(value: str) -> tuple[str, str]:
    """``"mlp+xares"`` -> ``("mlp", "xares")``; ``"mlp"`` -> ``("mlp", "default")``."""
    base, _, protocol = value.partition("+")
    return base, protocol or DEFAULT_PROTOCOL


def probe_label(value: str, *, name_protocol: bool = False) -> str:
    """How a table probe value is shown ("MLP", "kNN (X-ARES protocol)"); ``name_protocol`` names hf_bench's
    own protocol too, where a board shows several side by side."""
    from hf_bench.probes.registry import probe_label as registry_label

    base, protocol = split_probe(value)
    label = PROBE_LABELS.get(base) or registry_label(base)
    if protocol != DEFAULT_PROTOCOL or name_protocol:
        label += f" ({PROTOCOL_LABELS.get(protocol, protocol + ' protocol')})"
    return label
DOMAIN_LABELS = {"speech": "Speech", "sound": "Sound", "music": "Music"}
# parameter-count buckets for the size filter: (label, low inclusive, high exclusive)
SIZE_BUCKETS = (("< 100M", 0, 100e6), ("100M–1B", 100e6, 1e9), ("≥ 1B", 1e9, math.inf))
SIZE_UNKNOWN = "unknown"


@dataclass(frozen=True)
class Column:
    """One task column of a board."""
    task: str
    label: str
    title: str
    group: str
    metric: str
    higher_is_better: bool
    weight: float = 0.0
    decimals: int | None = None          # None: 3 when every value is within [-1.5, 1.5], else 2
    probes: tuple[str, ...] | None = None  # probes this column exists for (X-ARES kNN runs on 16 of 22 tasks)
    aliases: tuple[str, ...] = ()

    @property
    def arrow(self) -> str:
        return "↑" if self.higher_is_better else "↓"

    def for_probe(self, probe: str | None) -> bool:
        return self.probes is None or probe is None or split_probe(probe)[0] in self.probes

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["probes"] = list(self.probes) if self.probes is not None else None
        d["aliases"] = list(self.aliases)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Column":
        d = dict(d)
        d["probes"] = tuple(d["probes"]) if d.get("probes") is not None else None
        d["aliases"] = tuple(d.get("aliases") or ())
        return cls(**d)


@dataclass(frozen=True)
class Board:
    """One leaderboard table."""
    id: str
    benchmark: str
    title: str
    tab: str
    description: str
    group_label: str                      # what the column groups are ("Domain", "Task family")
    groups: tuple[str, ...]
    columns: tuple[Column, ...]
    probe_views: tuple[str, ...] = ()     # one view per probe (radio); empty: probes are rows
    splits: tuple[str, ...] = ("test",)
    average: bool = False                 # weighted average column (X-ARES formula)
    dynamic: bool = False                 # columns come from results
    sources: tuple[str, ...] = ()
    notes: str = ""
    reference_protocol: str = DEFAULT_PROTOCOL   # the protocol the published rows were made with

    def column(self, task: str) -> Column | None:
        for col in self.columns:
            if col.task == task or task in col.aliases:
                return col
        return None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["columns"] = [c.to_dict() for c in self.columns]
        for key in ("groups", "probe_views", "splits", "sources"):
            d[key] = list(d[key])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Board":
        d = dict(d)
        d["columns"] = tuple(Column.from_dict(c) for c in d["columns"])
        for key in ("groups", "probe_views", "splits", "sources"):
            d[key] = tuple(d.get(key) or ())
        return cls(**d)

    def with_column(self, col: Column) -> "Board":
        groups = self.groups if col.group in self.groups else (*self.groups, col.group)
        return replace(self, columns=(*self.columns, col), groups=groups)


# X-ARES README column headers and captions; every other fact (domain, weight, kNN) comes from the task registry
_XARES_LABELS = {
    "asvspoof2015": ("ASV2015", "ASVspoof 2015 (spoof detection)"),
    "cremad": ("CREMA-D", "CREMA-D (emotion)"),
    "fluentspeechcommands": ("FSC", "Fluent Speech Commands (intent)"),
    "libricount": ("LibriCount", "LibriCount (speaker count)"),
    "librispeech": ("LibriSpeech-100h", "LibriSpeech-100h ASR (iWER = 1 - WER)"),
    "librispeechmalefemale": ("LibriSpeech-MF", "LibriSpeech male/female"),
    "ravdess": ("RAVDESS", "RAVDESS (emotion)"),
    "speechcommandsv1": ("SC V1", "Speech Commands V1 (keywords)"),
    "vocalsound": ("VocalSound", "VocalSound (non-verbal vocalisations)"),
    "voxceleb1": ("VoxCeleb1", "VoxCeleb1 (speaker identification)"),
    "voxlingua33": ("VoxLingua33", "VoxLingua33 (language identification)"),
    "clotho": ("Clotho", "Clotho (audio-text retrieval, R@1)"),
    "desed": ("DESED", "DESED (sound event detection, segment F1)"),
    "esc50": ("ESC-50", "ESC-50 (environmental sounds)"),
    "fsd50k": ("FSD50k", "FSD50K (multi-label tagging, mAP)"),
    "fsdkaggle2018": ("FSD18", "FSDKaggle2018"),
    "urbansound8k": ("US8K", "UrbanSound 8k"),
    "vocalimitations": ("Vocal Imitation", "Vocal Imitation"),
    "freemusicarchive": ("FMA", "Free Music Archive Small (genre)"),
    "gtzan_genre": ("GTZAN", "GTZAN Genre"),
    "maestro": ("MAESTRO", "MAESTRO (piano transcription, segment F1)"),
    "nsynthinstument": ("NSynth", "NSynth-Instruments"),
}
_METRIC_CAPTIONS = {"accuracy": "accuracy", "iwer": "iWER", "recall_at_k": "R@1", "audio_text_recall": "R@1",
                    "mean_average_precision": "mAP"}


def _xares_tasks():
    """(task, short name, formal name, domain, eval_weight, do_knn, metric caption) per X-ARES task, domains in
    the README's order (speech, sound, music), README order within a domain."""
    from hf_bench.tasks.xares import XARES_TASKS

    by_name = {t.name: t for t in XARES_TASKS}
    out = []
    for name, (short, formal) in _XARES_LABELS.items():
        t = by_name[name]
        caption = (f"segment-F1 {t.metric_args.get('average')}" if t.metric == "segment_f1"
                   else _METRIC_CAPTIONS.get(t.metric, t.metric))
        out.append((name, short, formal, t.domain, t.eval_weight, t.do_knn, caption))
    order = {"speech": 0, "sound": 1, "music": 2}
    return sorted(out, key=lambda row: order[row[3]])


def _xares_board() -> Board:
    from hf_bench.metrics.aggregate import PROBES  # X-ARES's MLP and kNN columns

    cols = tuple(
        Column(task=t, label=short, title=formal, group=domain, metric=metric, higher_is_better=True,
               weight=float(w), decimals=3, probes=PROBES if knn else PROBES[:1])
        for t, short, formal, domain, w, knn, metric in _xares_tasks()
    )
    return Board(
        id="xares", benchmark="xares", title="X-ARES", tab="X-ARES",
        description="22 public tasks, frozen encoder, MLP (linear) and kNN probes. Scores in [0, 1], higher is "
                    "better. W.avg = Σ score·weight / Σ weight with the X-ARES eval weights (min(2000, test size); "
                    "LibriSpeech 10000), shown only for models with every task of the view. The X-ARES protocol "
                    "views hold the published numbers and `hf-bench run --compat xares` results; hf_bench's own "
                    "protocol (masked pooling, cosine kNN, no selection on test data) has views of its own.",
        group_label="Domain", groups=("speech", "sound", "music"), columns=cols,
        probe_views=tuple(protocol_probe(p, "xares") for p in PROBES) + PROBES, average=True,
        sources=("xares_readme",),
        reference_protocol="xares",
    )


def _lebenchmark_board() -> Board:
    def c(task, label, title, group, metric, hib, dec, *aliases):
        return Column(task=task, label=label, title=title, group=group, metric=metric, higher_is_better=hib,
                      decimals=dec, aliases=aliases)
    # aliases: the hf_bench task computing the column (hf_bench.tasks.lebenchmark)
    cols = (
        c("etape_asr_hybrid", "hybrid ETAPE", "ASR-hybrid ETAPE: Kaldi TDNN-F, WER %", "ASR", "WER %", False, 2),
        c("commonvoice_asr_e2e", "e2e CommonVoice", "ASR-e2e CommonVoice fr: SpeechBrain CRDNN, WER %", "ASR", "WER %",
          False, 2, "commonvoice_fr"),
        c("etape_asr_e2e", "e2e ETAPE", "ASR-e2e ETAPE: SpeechBrain CRDNN, WER %", "ASR", "WER %", False, 2, "etape"),
        c("media_slu", "MEDIA", "SLU MEDIA: concept error rate %", "SLU", "concept ER %", False, 2, "media"),
        c("mtedx_ast_fr_en", "mTEDx fr-en", "AST mTEDx fr→en: BLEU", "AST", "BLEU", True, 2, "mtedx_fr_en"),
        c("mtedx_ast_fr_es", "mTEDx fr-es", "AST mTEDx fr→es: BLEU", "AST", "BLEU", True, 2, "mtedx_fr_es"),
        c("mtedx_ast_fr_pt", "mTEDx fr-pt", "AST mTEDx fr→pt: BLEU", "AST", "BLEU", True, 2, "mtedx_fr_pt"),
        c("recola_valence", "RECOLA Valence", "AER RECOLA valence: CCC", "AER", "CCC", True, 3),
        c("recola_arousal", "RECOLA Arousal", "AER RECOLA arousal: CCC", "AER", "CCC", True, 3),
        c("allosat", "AlloSat", "AER AlloSat satisfaction: CCC", "AER", "CCC", True, 3),
    )
    return Board(
        id="lebenchmark", benchmark="lebenchmark", title="LeBenchmark", tab="LeBenchmark",
        description="French speech: ASR (WER %), spoken language understanding (concept error rate %), speech "
                    "translation (BLEU) and emotion recognition (CCC), frozen SSL features. Test sets.",
        group_label="Task", groups=("ASR", "SLU", "AST", "AER"), columns=cols,
        sources=("lebenchmark_leaderboard", "lebenchmark_repo_asr_hybrid", "lebenchmark_repo_ast"),
        notes="Task-agnostic pre-training only (one SSL model for all tasks). AER results use the GRU-32 architecture.",
    )


def _wu_asr_board() -> Board:
    cols = (
        Column("wu_inhouse_dialogue_asr", "Dialogue", "In-house dialogue test set: CER %", "In-House", "CER %", False, decimals=2),
        Column("wu_inhouse_reading_asr", "Reading", "In-house reading test set: CER %", "In-House", "CER %", False, decimals=2),
        Column("wu_bench_asr", "ASR", "WenetSpeech-Wu-Bench ASR (9.75 h): CER %", "WS-Wu-Bench", "CER %", False, decimals=2),
    )
    return Board(
        id="wenetspeech_wu_asr", benchmark="wenetspeech_wu", title="WenetSpeech-Wu · ASR", tab="ASR",
        description="Wu-dialect ASR, character error rate % (lower is better) per test set.",
        group_label="Test set", groups=("In-House", "WS-Wu-Bench"), columns=cols,
        sources=("wenetspeech_wu_asr_table",),
    )


def _wu_und_board() -> Board:
    g = "WS-Wu-Bench"
    cols = (
        Column("wu_bench_asr", "ASR", "WenetSpeech-Wu-Bench ASR: CER %", g, "CER %", False, decimals=2),
        Column("wu_bench_ast", "AST", "Wu→Mandarin speech translation: BLEU", g, "BLEU", True, decimals=2),
        Column("wu_bench_gender", "Gender", "Speaker gender: accuracy", g, "accuracy", True, decimals=3),
        Column("wu_bench_age", "Age", "Speaker age group: accuracy", g, "accuracy", True, decimals=3),
        Column("wu_bench_emotion", "Emotion", "Emotion: accuracy", g, "accuracy", True, decimals=3),
    )
    return Board(
        id="wenetspeech_wu_und", benchmark="wenetspeech_wu", title="WenetSpeech-Wu · Understanding",
        tab="Understanding",
        description="Speech understanding on WenetSpeech-Wu-Bench: ASR (CER %), Wu→Mandarin AST (BLEU), "
                    "gender, age and emotion (accuracy).",
        group_label="Test set", groups=(g,), columns=cols, sources=("wenetspeech_wu_understanding_table",),
    )


ZEROSPEECH_SLM21 = ("lexical_all", "lexical_invocab", "syntactic", "semantic_synthetic_normal",
                    "semantic_synthetic_weighted", "semantic_librispeech_normal", "semantic_librispeech_weighted")
ZEROSPEECH_PROSAUDIT = ("prosaudit_lexical", "prosaudit_protosyntax")


def _zerospeech_boards() -> tuple[Board, Board]:
    slm = (
        Column("lexical_all", "all", "sWUGGY lexical accuracy, all items", "Lexical", "accuracy", True),
        Column("lexical_invocab", "in-vocab", "sWUGGY lexical accuracy, in-vocabulary items", "Lexical", "accuracy", True),
        Column("syntactic", "sBLIMP", "sBLIMP syntactic accuracy", "Syntactic", "accuracy", True),
        Column("semantic_synthetic_normal", "synthetic", "sSIMI semantic similarity, synthetic", "Semantic", "correlation", True),
        Column("semantic_synthetic_weighted", "synthetic (w)", "sSIMI, synthetic, weighted", "Semantic", "correlation", True),
        Column("semantic_librispeech_normal", "LibriSpeech", "sSIMI semantic similarity, LibriSpeech", "Semantic", "correlation", True),
        Column("semantic_librispeech_weighted", "LibriSpeech (w)", "sSIMI, LibriSpeech, weighted", "Semantic", "correlation", True),
    )
    pros = (
        Column("prosaudit_lexical", "lexical", "ProsAudit lexical pairs", "ProsAudit", "accuracy", True),
        Column("prosaudit_protosyntax", "protosyntax", "ProsAudit protosyntax pairs", "ProsAudit", "accuracy", True),
    )
    return (
        Board(id="zerospeech_slm21", benchmark="zerospeech", title="ZeroSpeech sLM21", tab="sLM21",
              description="Spoken language modelling: lexical (sWUGGY), syntactic (sBLIMP), semantic (sSIMI). "
                          "Scores from `hf-bench zerospeech run` (scores.json); higher is better.",
              group_label="Level", groups=("Lexical", "Syntactic", "Semantic"), columns=slm, splits=("dev", "test")),
        Board(id="zerospeech_prosaudit", benchmark="zerospeech", title="ZeroSpeech ProsAudit", tab="ProsAudit",
              description="Prosody: lexical and protosyntactic pause judgements. Higher is better.",
              group_label="Level", groups=("ProsAudit",), columns=pros, splits=("dev", "test")),
    )


def _dynamic_board(benchmark: str, title: str, tab: str, description: str) -> Board:
    return Board(id=benchmark, benchmark=benchmark, title=title, tab=tab, description=description,
                 group_label="Domain", groups=("speech", "sound", "music"), columns=(), average=True, dynamic=True)


def default_boards() -> tuple[Board, ...]:
    """Every board, in tab order, with the columns known before any result is read."""
    slm, pros = _zerospeech_boards()
    return (
        _xares_board(),
        _lebenchmark_board(),
        slm, pros,
        _wu_asr_board(), _wu_und_board(),
        _dynamic_board("embedded", "Embedded suite", "Embedded suite",
                       "hf_bench's own offline suite: audio generated locally, no download. W.avg uses each "
                       "task's eval weight over the higher-is-better tasks, for models with every task."),
        _dynamic_board("custom", "Custom tasks", "Custom tasks",
                       "Tasks from user task-spec files (`--task my_task.yaml`)."),
    )


def boards_for_result(boards: dict[str, Board], benchmark: str, task: str, task_type: str) -> list[str]:
    """Board ids an hf_bench result of ``benchmark``/``task`` belongs to (a task can sit on two boards)."""
    if benchmark == "wenetspeech_wu":
        ids = [b for b in ("wenetspeech_wu_asr", "wenetspeech_wu_und") if boards[b].column(task) is not None]
        if ids:
            return ids
        return ["wenetspeech_wu_asr" if task_type == "asr" else "wenetspeech_wu_und"]
    if benchmark == "zerospeech":
        return ["zerospeech_prosaudit" if task.startswith("prosaudit") else "zerospeech_slm21"]
    if benchmark in boards:
        return [benchmark]
    return ["custom"]


@lru_cache(maxsize=1)
def load_sources() -> dict[str, dict[str, str]]:
    """Citations of the shipped reference tables, by source id."""
    text = resources.files("hf_bench.leaderboard.data").joinpath("sources.json").read_text(encoding="utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class ReferenceValue:
    board: str
    probe: str
    split: str
    model: str
    task: str
    value_text: str
    value: float            # NaN for "-"
    source: str
    link: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""


def parse_printed(text: str, *, where: str = "reference.csv") -> float:
    """A value as printed in a published table: ``.857``, ``25.64``; ``-`` means not reported."""
    text = text.strip()
    if text in ("-", "–", ""):
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise HFBenchError(f"cannot read the printed value {text!r}", where=where,
                           fix="write a number as printed in the source table, or '-' when it is missing") from None


@lru_cache(maxsize=1)
def load_reference() -> tuple[ReferenceValue, ...]:
    """Every shipped published value (``data/reference.csv``), validated against the boards and sources."""
    boards = {b.id: b for b in default_boards()}
    sources = load_sources()
    text = resources.files("hf_bench.leaderboard.data").joinpath("reference.csv").read_text(encoding="utf-8")
    out = []
    for i, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        where = f"hf_bench/leaderboard/data/reference.csv:{i}"
        board = boards.get(row["board"])
        if board is None:
            raise HFBenchError(f"unknown board {row['board']!r}", where=where, fix=f"use one of {sorted(boards)}")
        if board.column(row["task"]) is None:
            raise HFBenchError(f"task {row['task']!r} is not a column of board {board.id!r}", where=where)
        if row["source"] not in sources:
            raise HFBenchError(f"unknown source {row['source']!r}", where=where, fix="add it to sources.json")
        out.append(ReferenceValue(
            board=row["board"], probe=row["probe"], split=row["split"] or "test", model=row["model"],
            task=row["task"], value_text=row["value"], value=parse_printed(row["value"], where=where),
            source=row["source"], link=row["link"], tags=tuple(t for t in row["tags"].split(";") if t),
            note=row["note"],
        ))
    return tuple(out)


def size_bucket(n_parameters: float | None) -> str:
    if n_parameters is None or (isinstance(n_parameters, float) and math.isnan(n_parameters)):
        return SIZE_UNKNOWN
    for label, lo, hi in SIZE_BUCKETS:
        if lo <= n_parameters < hi:
            return label
    return SIZE_UNKNOWN


# ---------------------------------------------------------------------------------------------------------------
# Model metadata of the published rows (data/models.json) and the aggregates the sources print
# (data/published_averages.csv)

MODELS_FILE = "hf_bench/leaderboard/data/models.json"
AVERAGES_FILE = "hf_bench/leaderboard/data/published_averages.csv"
# facts that need a source entry naming them; kind, n_parameters_scope, the two URLs and notes do not
MODEL_FACTS = ("n_parameters", "embedding_dim", "frame_rate_hz", "pretraining_data", "pretraining_hours",
               "release_date")
MODEL_KINDS = ("ssl_encoder", "supervised_encoder", "asr_system", "audio_llm", "commercial_api", "handcrafted")
PARAMETER_SCOPES = ("encoder", "model")
AGGREGATES = ("public", "all")
_MODEL_KEYS = ("model", "kind", *MODEL_FACTS[:1], "n_parameters_scope", *MODEL_FACTS[1:], "paper_url", "model_url",
               "notes", "sources")
_SOURCE_KEYS = ("url", "fields", "quote")
_AVERAGE_COLUMNS = ("board", "probe", "split", "model", "aggregate", "value", "source", "label", "note")


@dataclass(frozen=True)
class ModelSource:
    """Where some facts of a :class:`ModelInfo` come from: a URL, the facts it supports, a quote or location."""
    url: str
    fields: tuple[str, ...] = ()
    quote: str = ""


@dataclass(frozen=True)
class ModelInfo:
    """Metadata of one published model (a row name of ``reference.csv``); ``None`` = not found in any source."""
    model: str
    kind: str | None = None
    n_parameters: int | None = None        # 0 for parameter-free baselines (kind "handcrafted")
    n_parameters_scope: str | None = None  # "encoder" (the frozen encoder probed) or "model" (a whole ASR system / LLM)
    embedding_dim: int | None = None
    frame_rate_hz: float | None = None     # encoder output frames per second
    pretraining_data: str | None = None    # corpora (training data for supervised systems)
    pretraining_hours: float | None = None
    release_date: str | None = None        # YYYY-MM or YYYY-MM-DD
    paper_url: str | None = None
    model_url: str | None = None
    notes: str = ""
    sources: tuple[ModelSource, ...] = ()

    @property
    def size_bucket(self) -> str:
        return size_bucket(self.n_parameters)

    def sources_for(self, fact: str) -> tuple[ModelSource, ...]:
        return tuple(s for s in self.sources if fact in s.fields)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sources"] = [{"url": s.url, "fields": list(s.fields), "quote": s.quote} for s in self.sources]
        return d


_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _check_url(value, where, what) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://\S+$", value):
        raise HFBenchError(f"{what} must be an http(s) URL, got {value!r}", where=where)
    return value


def _check_number(value, where, what, *, integer: bool, allow_zero: bool = False):
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        kind = "an integer" if integer else "a number"
        raise HFBenchError(f"{what} must be {kind} > 0{' (or 0)' if allow_zero else ''}, got {value!r}", where=where,
                           fix="write the number as published, or null when no source gives it")
    return value


def _check_date(value, where) -> str:
    m = _DATE.match(value) if isinstance(value, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12 or (m.group(3) and not 1 <= int(m.group(3)) <= 31):
        raise HFBenchError(f"release_date must be YYYY-MM or YYYY-MM-DD, got {value!r}", where=where)
    return value


def _reference_models() -> dict[str, set[str]]:
    """Model names of ``reference.csv`` -> the boards they are published on (read without validating the rows)."""
    text = resources.files("hf_bench.leaderboard.data").joinpath("reference.csv").read_text(encoding="utf-8")
    out: dict[str, set[str]] = {}
    for row in csv.DictReader(text.splitlines()):
        out.setdefault(row["model"], set()).add(row["board"])
    return out


def parse_model_info(text: str, *, where: str = MODELS_FILE,
                     reference_models: set[str] | None = None) -> dict[str, ModelInfo]:
    """Read and validate ``models.json`` text (see :func:`load_model_info` for the schema).

    ``reference_models``: the names that must each have exactly one entry (default: every model of reference.csv).
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise HFBenchError(f"not valid JSON: {e}", where=where) from None
    if not isinstance(doc, dict) or set(doc) - {"schema_version", "models"} or not isinstance(doc.get("models"), list):
        raise HFBenchError('the file must be an object {"schema_version": 1, "models": [...]}', where=where)
    if doc.get("schema_version", 1) != 1:
        raise HFBenchError(f"unknown schema_version {doc['schema_version']!r}", where=where, fix="use 1")
    expected = set(_reference_models()) if reference_models is None else set(reference_models)
    out: dict[str, ModelInfo] = {}
    for i, entry in enumerate(doc["models"]):
        name = entry.get("model") if isinstance(entry, dict) else None
        at = f"{where}: models[{i}] ({name!r})"
        if not isinstance(entry, dict):
            raise HFBenchError("each entry must be an object", where=at)
        unknown = sorted(set(entry) - set(_MODEL_KEYS))
        if unknown:
            raise HFBenchError(f"unknown field(s) {unknown}", where=at, fix=f"use only {list(_MODEL_KEYS)}")
        if not isinstance(name, str) or not name.strip():
            raise HFBenchError("'model' must be a non-empty string", where=at)
        if name in out:
            raise HFBenchError(f"duplicate entry for model {name!r}", where=at)
        if name not in expected:
            raise HFBenchError(f"model {name!r} is not a published row of reference.csv", where=at,
                               fix="spell the name exactly as in reference.csv")
        kind = entry.get("kind")
        if kind is not None and kind not in MODEL_KINDS:
            raise HFBenchError(f"unknown kind {kind!r}", where=at, fix=f"use one of {list(MODEL_KINDS)} or null")
        n = entry.get("n_parameters")
        if n is not None:
            _check_number(n, at, "n_parameters", integer=True, allow_zero=kind == "handcrafted")
        scope = entry.get("n_parameters_scope")
        if scope is not None and scope not in PARAMETER_SCOPES:
            raise HFBenchError(f"unknown n_parameters_scope {scope!r}", where=at, fix=f"use one of {list(PARAMETER_SCOPES)}")
        if (n is None) != (scope is None):
            raise HFBenchError("n_parameters and n_parameters_scope go together", where=at,
                               fix="say what the count covers (encoder or whole model), or leave both null")
        for key, integer in (("embedding_dim", True), ("frame_rate_hz", False), ("pretraining_hours", False)):
            if entry.get(key) is not None:
                _check_number(entry[key], at, key, integer=integer)
        if entry.get("release_date") is not None:
            _check_date(entry["release_date"], at)
        for key in ("pretraining_data", "notes"):
            if entry.get(key) is not None and not isinstance(entry[key], str):
                raise HFBenchError(f"{key} must be a string", where=at)
        for key in ("paper_url", "model_url"):
            if entry.get(key) is not None:
                _check_url(entry[key], at, key)
        raw_sources = entry.get("sources") or []
        if not isinstance(raw_sources, list):
            raise HFBenchError("sources must be a list", where=at)
        sources = []
        for j, s in enumerate(raw_sources):
            sat = f"{at}.sources[{j}]"
            if not isinstance(s, dict) or set(s) - set(_SOURCE_KEYS):
                raise HFBenchError(f"a source is an object with keys {list(_SOURCE_KEYS)}", where=sat)
            fields = s.get("fields") or []
            if not isinstance(fields, list) or any(f not in MODEL_FACTS for f in fields):
                raise HFBenchError(f"source fields must name facts among {list(MODEL_FACTS)}, got {fields!r}", where=sat)
            if not isinstance(s.get("quote", ""), str):
                raise HFBenchError("quote must be a string", where=sat)
            sources.append(ModelSource(url=_check_url(s.get("url"), sat, "url"), fields=tuple(fields),
                                       quote=s.get("quote", "")))
        covered = {f for s in sources for f in s.fields}
        missing = [f for f in MODEL_FACTS if entry.get(f) is not None and f not in covered]
        if missing:
            raise HFBenchError(f"filled fact(s) {missing} have no source", where=at,
                               fix="add a sources entry (url, fields, quote) naming them, or set them to null")
        out[name] = ModelInfo(
            model=name, kind=kind, n_parameters=n, n_parameters_scope=scope,
            embedding_dim=entry.get("embedding_dim"),
            frame_rate_hz=None if entry.get("frame_rate_hz") is None else float(entry["frame_rate_hz"]),
            pretraining_data=entry.get("pretraining_data"),
            pretraining_hours=None if entry.get("pretraining_hours") is None else float(entry["pretraining_hours"]),
            release_date=entry.get("release_date"), paper_url=entry.get("paper_url"),
            model_url=entry.get("model_url"), notes=entry.get("notes") or "", sources=tuple(sources),
        )
    missing_models = sorted(expected - set(out))
    if missing_models:
        raise HFBenchError(f"no entry for published model(s) {missing_models}", where=where,
                           fix="add an entry per model of reference.csv (facts may be null)")
    return out


@lru_cache(maxsize=1)
def load_model_info() -> dict[str, ModelInfo]:
    """Metadata of every published model (``data/models.json``), by the model name used in ``reference.csv``.

    Schema of ``models.json`` (JSON has no comments, so it is documented here)::

        {"schema_version": 1,
         "models": [
           {"model": "<exact model name of reference.csv>",          # one entry per published model, required
            "kind": "ssl_encoder" | "supervised_encoder" | "asr_system" | "audio_llm" | "commercial_api"
                    | "handcrafted" | null,
            "n_parameters": <int> | null,        # total parameters; 0 only for kind "handcrafted"
            "n_parameters_scope": "encoder" | "model" | null,   # what the count covers; set iff n_parameters is
            "embedding_dim": <int> | null,       # width of the representation the probes see
            "frame_rate_hz": <number> | null,    # encoder output frames per second (wav2vec2 50, dasheng 25)
            "pretraining_data": "<corpora>" | null,   # training data for supervised systems
            "pretraining_hours": <number> | null,
            "release_date": "YYYY-MM" | "YYYY-MM-DD" | null,   # first public release of checkpoint or paper
            "paper_url": "<url>" | null, "model_url": "<HF page or repo>" | null,
            "notes": "<free text: caveats, rounding, what is unknown>",
            "sources": [{"url": "<url>", "fields": ["<fact>", ...], "quote": "<short quote or location>"}]}]}

    Every filled fact among ``n_parameters, embedding_dim, frame_rate_hz, pretraining_data, pretraining_hours,
    release_date`` is named by at least one source; a fact no source gives stays null (never guessed). Validation
    errors (:class:`HFBenchError`) name the file and the entry.
    """
    text = resources.files("hf_bench.leaderboard.data").joinpath("models.json").read_text(encoding="utf-8")
    return parse_model_info(text)


@dataclass(frozen=True)
class PublishedAverage:
    """An aggregate printed by a source (X-ARES README "Weighted Average"), kept as printed next to the W.avg that
    hf_bench recomputes from the per-task values (they need not agree)."""
    board: str
    probe: str          # as in reference.csv for that board ("mlp", "knn")
    split: str
    model: str
    aggregate: str      # "public": over the board's (public) tasks; "all": also tasks no board column has
    value_text: str
    value: float
    source: str
    label: str = ""     # the row label as printed
    note: str = ""


def parse_published_averages(text: str, *, where: str = AVERAGES_FILE) -> tuple[PublishedAverage, ...]:
    """Read and validate ``published_averages.csv`` text against the boards, the reference rows and the sources."""
    boards = {b.id: b for b in default_boards()}
    sources = load_sources()
    published: dict[str, dict[str, set[str]]] = {}   # board -> probe -> models of reference.csv
    for r in load_reference():
        published.setdefault(r.board, {}).setdefault(r.probe, set()).add(r.model)
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != _AVERAGE_COLUMNS:
        raise HFBenchError(f"columns must be {','.join(_AVERAGE_COLUMNS)}, got {reader.fieldnames}", where=where)
    out, seen = [], set()
    for i, row in enumerate(reader, start=2):
        at = f"{where}:{i}"
        if None in row or None in row.values():
            raise HFBenchError(f"expected {len(_AVERAGE_COLUMNS)} fields", where=at,
                               fix="quote a field that contains a comma")
        board = boards.get(row["board"])
        if board is None:
            raise HFBenchError(f"unknown board {row['board']!r}", where=at, fix=f"use one of {sorted(boards)}")
        probes = published.get(board.id, {})
        if row["probe"] not in probes:
            raise HFBenchError(f"probe {row['probe']!r} has no published rows on board {board.id!r}", where=at,
                               fix=f"use the probe as written in reference.csv: {sorted(probes)}")
        split = row["split"] or "test"
        if split not in board.splits:
            raise HFBenchError(f"split {split!r} is not a split of board {board.id!r}", where=at)
        if row["model"] not in probes[row["probe"]]:
            raise HFBenchError(f"model {row['model']!r} has no published {row['probe']!r} row on board {board.id!r}",
                               where=at, fix="spell the model exactly as in reference.csv")
        if row["aggregate"] not in AGGREGATES:
            raise HFBenchError(f"unknown aggregate {row['aggregate']!r}", where=at, fix=f"use one of {list(AGGREGATES)}")
        if row["source"] not in sources:
            raise HFBenchError(f"unknown source {row['source']!r}", where=at, fix="add it to sources.json")
        value = parse_printed(row["value"], where=at)
        if math.isnan(value):
            raise HFBenchError("a published average must be a number", where=at)
        key = (board.id, row["probe"], split, row["model"], row["aggregate"])
        if key in seen:
            raise HFBenchError(f"duplicate published average {key}", where=at)
        seen.add(key)
        out.append(PublishedAverage(board=board.id, probe=row["probe"], split=split, model=row["model"],
                                    aggregate=row["aggregate"], value_text=row["value"], value=value,
                                    source=row["source"], label=row["label"], note=row["note"]))
    return tuple(out)


@lru_cache(maxsize=1)
def load_published_averages() -> tuple[PublishedAverage, ...]:
    """The aggregates the sources print (``data/published_averages.csv``): only X-ARES prints one (its README's
    "Weighted Average" rows); the LeBenchmark leaderboard and the WenetSpeech-Wu tables print none."""
    text = resources.files("hf_bench.leaderboard.data").joinpath("published_averages.csv").read_text(encoding="utf-8")
    return parse_published_averages(text)


def published_average(board: str, probe: str, model: str, *, split: str = "test",
                      aggregate: str = "public") -> PublishedAverage | None:
    """The printed aggregate of ``model`` on a board view, or None. ``probe`` may be the view's probe value
    (``"mlp+xares"``): a reference row's probe is matched in the board's reference protocol."""
    protocol = _reference_protocols().get(board, DEFAULT_PROTOCOL)
    for a in load_published_averages():
        if a.board == board and a.model == model and a.split == split and a.aggregate == aggregate and (
                probe in (a.probe, protocol_probe(a.probe, protocol))):
            return a
    return None


@lru_cache(maxsize=1)
def _reference_protocols() -> dict[str, str]:
    return {b.id: b.reference_protocol for b in default_boards()}
