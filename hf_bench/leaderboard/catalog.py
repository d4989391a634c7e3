"""What the leaderboard shows: boards (one table each), their columns, and the shipped reference rows.

A *board* is one table of the Space (X-ARES, LeBenchmark, WenetSpeech-Wu ASR, ...). Its columns are tasks, with
the metric direction that drives ranking and highlighting. Reference rows come from ``data/reference.csv`` (the
published tables, as printed); rows computed by hf_bench are added by :mod:`hf_bench.leaderboard.table`.
Boards whose tasks are not known in advance (the embedded suite, custom tasks) get their columns from results.
"""

from __future__ import annotations

import csv
import json
import math
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
