"""Task metadata: what is evaluated, never how.

A task is pure, validated data (MTEB style): unknown fields are rejected, vocabularies are closed, and the
integer ``version`` is bumped (with a line in ``changelog``) whenever a change can move a score
(lm-evaluation-harness style). Behaviour lives elsewhere, keyed on ``type``: the task-type adapter
(``hf_bench.tasks.types``) turns labels into targets and probe outputs into metric inputs, and the probe registry
(``hf_bench.probes``) says which probes serve the type.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

Benchmark = Literal["embedded", "xares", "lebenchmark", "zerospeech", "wenetspeech_wu", "custom"]
Domain = Literal["speech", "sound", "music"]
# Every type is declared here; which probes serve it is the probe registry's business (``hf-bench tasks`` says
# which types have one). asr / retrieval / translation are declared so their probes can be added without a
# schema change.
TaskType = Literal[
    "clip_classification",   # one label per clip; accuracy
    "clip_multilabel",       # a set of labels per clip; mAP
    "clip_regression",       # one float per clip; CCC
    "frame_multilabel",      # events with onset/offset, scored per time segment; segment-F1
    "frame_regression",      # a value curve over time (e.g. continuous emotion), scored per frame; CCC
    "asr",                   # transcript; iWER / WER / CER
    "retrieval",             # audio <-> caption; Recall@k
    "translation",           # speech -> text in another language; BLEU
    "slu",                   # spoken language understanding: a concept sequence per utterance; concept error rate
]
CLIP_TYPES = ("clip_classification", "clip_multilabel", "clip_regression")
MAX_EVAL_WEIGHT = 2000  # X-ARES: eval_weight = min(2000, test size)
FRAME_TYPES = ("frame_multilabel", "frame_regression")
LABELLED_TYPES = ("clip_classification", "clip_multilabel", "frame_multilabel")
TEXT_TYPES = ("asr", "translation", "slu")  # targets are transcripts / translations / concept sequences
# How transcripts are normalised before training and scoring (hf_bench.tasks.types.text.normalize_text):
# "none": whitespace collapsed only; "lower": also lower-cased (X-ARES scores LibriSpeech lower-cased);
# "english": also punctuation other than word-internal apostrophes removed (any alphabetic script: the French
# LeBenchmark tasks use it too; accents are kept).
TextNormalization = Literal["none", "lower", "english"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGE_CODE = re.compile(r"^[a-z]{3}$")  # ISO 639-3: tasks' languages and the --language filter


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- data sources
class GeneratorSource(_Strict):
    """Audio generated locally and deterministically (the embedded suite)."""
    kind: Literal["generator"] = "generator"
    generator: str = Field(description="name in hf_bench.data.synth.GENERATORS")
    generator_version: int = Field(ge=1, description="bump to invalidate generated audio and cached features")
    seed: int = 0


class HubSource(_Strict):
    """An HF dataset, pinned to a revision."""
    kind: Literal["hub"] = "hub"
    repo_id: str
    revision: str = Field(description="commit sha (or tag) the task is defined against")
    config: str | None = None
    audio_column: str = "audio"


class ZenodoFile(_Strict):
    name: str
    md5: str | None = None
    sha256: str | None = None


class ZenodoSource(_Strict):
    """A Zenodo record holding WebDataset tars (the X-ARES layout)."""
    kind: Literal["zenodo"] = "zenodo"
    record_id: str
    archive_url: str
    files: tuple[ZenodoFile, ...] = Field(default=(), description="files with checksums; empty = not yet recorded")
    tar_globs: dict[str, str] = Field(description="split or fold name -> tar glob inside the record")


LocalFormat = Literal["audiofolder", "manifest", "parquet", "webdataset"]


class LocalSource(_Strict):
    """Data already on disk, from a task spec file (bring your own task)."""
    kind: Literal["local"] = "local"
    format: LocalFormat
    root: str = Field(description="absolute directory the split paths are relative to")
    split_paths: dict[str, str] = Field(description="split or fold -> file, directory or glob under root")
    audio_key: str = Field(default="audio", description="manifest column / parquet column holding audio")


class CorpusSource(_Strict):
    """A corpus as its publisher distributes it (a Common Voice release, ETAPE, MEDIA, mTEDx, RECOLA, AlloSat),
    read in place by one of ``hf_bench.data.corpora.READERS``. Licensed corpora cannot be downloaded: point
    hf_bench at a local copy (``root`` here, or ``<--data-dir>/corpora/<folder>``)."""
    kind: Literal["corpus"] = "corpus"
    reader: str = Field(description="name in hf_bench.data.corpora.READERS")
    folder: str = Field(description="default location: <data dir>/corpora/<folder>")
    root: str | None = Field(default=None, description="absolute path of the corpus copy (overrides the default)")
    options: dict[str, Any] = Field(default_factory=dict, description="reader options (language pair, duration "
                                    "filters, emotion dimension...)")


DataSource = Annotated[Union[GeneratorSource, HubSource, ZenodoSource, LocalSource, CorpusSource],
                       Field(discriminator="kind")]


class Crop(_Strict):
    """How long clips are cut before encoding (X-ARES ``crop_length``)."""
    mode: Literal["none", "truncate", "sequential"] = "none"
    length_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _check(self):
        if (self.mode == "none") != (self.length_s is None):
            raise ValueError("crop.length_s is required for mode 'truncate'/'sequential' and forbidden for 'none'")
        return self


class ProbeOverrides(_Strict):
    """Per-task deviations from the default probe settings (X-ARES sets these per task)."""
    epochs: int | None = Field(default=None, ge=1)
    batch_size: int | None = Field(default=None, ge=1)
    learning_rate: float | None = Field(default=None, gt=0)
    pos_weight: float | None = Field(default=None, gt=0, description="BCE weight of positive targets (X-ARES "
                                     "MAESTRO: 10); multi-label types only")
    decoder: str | None = Field(default=None, description="asr: the frozen causal LM (Hub id, local folder, .gguf "
                                "file or built-in name; --decoder overrides it)")
    stack_ms: float | None = Field(default=None, gt=0, description="asr / slu: encoder frames stacked into one LM "
                                   "input position or CTC step, as a duration (default 40 ms; X-ARES: no stacking)")
    max_new_tokens: int | None = Field(default=None, ge=1, description="asr: generation cap (default: twice the "
                                       "longest training transcript in tokens, plus 10, at most 200; X-ARES: 200)")
    text_encoder: str | None = Field(default=None, description="retrieval: the frozen text encoder (Hub id, local "
                                     "folder or built-in name; --text-encoder overrides it)")
    vocab_size: int | None = Field(default=None, ge=8, description="ctc / seq2seq heads: SentencePiece unigram "
                                   "units trained on the train split (default 500 / 1000 as the LeBenchmark "
                                   "recipes, fewer when the train text cannot fill them)")
    beam_size: int | None = Field(default=None, ge=1, description="ctc / seq2seq heads: beam width at test time "
                                  "(ctc default 1 = greedy; seq2seq default 5)")
    slu_output: Literal["sequence", "concepts"] | None = Field(default=None, description="slu heads: write the "
                                                               "MEDIA sequence 'SOC words [concept] EOC' (default) "
                                                               "or the concepts alone")
    hidden_size: int | None = Field(default=None, ge=4, description="ctc / seq2seq / gru heads: width of the "
                                    "recurrent layers or of the transformer (default 256 / 256 / 32)")
    patience: int | None = Field(default=None, ge=1, description="gru head: epochs without a better validation "
                                 "score before training stops (LeBenchmark AER: 15)")
    min_epochs: int | None = Field(default=None, ge=1, description="gru head: epochs always trained before early "
                                   "stopping may stop (LeBenchmark AER: 50)")


class EventFields(_Strict):
    """The keys of one event in a frame-level label: a list of events, found under the task's ``label_key``
    (or the whole JSON member when that is a list, as in X-ARES's tars)."""
    onset: str = Field(default="onset", description="key of the start time in seconds (MAESTRO: 'start')")
    offset: str = Field(default="offset", description="key of the end time in seconds (MAESTRO: 'end')")
    label: str = Field(default="label", description="key of the class, or of several joined by ',' / ';' "
                                                     "(MAESTRO: 'note')")


class TaskMetadata(_Strict):
    name: str = Field(description="unique snake_case id; CLI argument and Hub task_id")
    version: int = Field(ge=1)
    display_name: str
    description: str
    benchmark: Benchmark
    domain: Domain
    type: TaskType
    languages: tuple[str, ...] = Field(default=(), description="ISO 639-3 codes of the languages spoken in the "
                                       "audio, then of any text the task outputs (transcripts, translations, "
                                       "captions); 'zxx' for audio without speech, 'mul' for many languages; "
                                       "empty: not stated")
    labels: tuple[str, ...] | None = Field(default=None, description="class names; required for classification types")
    label_key: str = Field(default="label", description="field / column holding the target")
    label_aliases: dict[str, str] = Field(default_factory=dict, description="raw label value -> class name")
    target_range: tuple[float, float] | None = Field(default=None, description="regression: plausible (min, max) of targets")
    metric: str = Field(description="name of a function in hf_bench.metrics")
    main_score: str = Field(description="key of the metric's output used for ranking")
    metric_args: dict[str, Any] = Field(default_factory=dict)
    eval_weight: int = Field(ge=0, description="weight in the test-size-weighted average (X-ARES: min(2000, test size))")
    source: DataSource
    splits: tuple[str, str, str] | None = Field(default=None, description="(train, valid, test) split names")
    folds: tuple[str, ...] | None = Field(default=None, description="k-fold: fold names; each fold is test once")
    sizes: dict[str, int] = Field(default_factory=dict, description="documented number of clips per split/fold")
    sample_rate: int | None = Field(default=None, gt=0, description="native rate every file must have; None accepts any rate")
    downmix: bool = Field(default=False, description="average multi-channel files to mono instead of rejecting them")
    crop: Crop = Crop()
    chance_level: float | None = Field(default=None, description="main score of a trivial predictor")
    chance_predictor: str | None = Field(default=None, description="which trivial predictor chance_level is, e.g. "
                                         "'majority class' or 'every frame active for every class'")
    events: EventFields | None = Field(default=None, description="frame_multilabel: the event time keys")
    text_normalization: TextNormalization = Field(default="lower", description="asr: how transcripts are "
                                                  "normalised before training and scoring (both sides)")
    caption_keys: tuple[str, ...] | None = Field(default=None, description="retrieval: the keys of the caption "
                                                 "fields inside the label; None: the label is the captions (a "
                                                 "string, a list of strings, or an object whose values are them)")
    allow_shared_audio: bool = Field(default=False, description="custom tasks: byte-identical audio in two splits "
                                     "is allowed (else an error: test data leaking into training)")
    do_knn: bool = True
    probes: tuple[str, ...] | None = Field(default=None, description="the probes a run uses for this task when "
                                           "--probe is not given (None: every probe that serves its type)")
    probe: ProbeOverrides = ProbeOverrides()
    license: str
    citation: str = ""
    homepage: str = ""
    changelog: tuple[str, ...] = Field(default=(), description="one line per version: 'v2: ...'")

    @model_validator(mode="after")
    def _check(self):
        bad = [code for code in self.languages if not LANGUAGE_CODE.match(code)]
        if bad:
            raise ValueError(f"languages {bad} must be ISO 639-3 codes (three lower-case letters: eng, fra, cmn, "
                             "zxx for no speech, mul for many)")
        if not _NAME.match(self.name):
            raise ValueError(f"name {self.name!r} must be snake_case ([a-z][a-z0-9_]*)")
        if (self.splits is None) == (self.folds is None):
            raise ValueError("give exactly one of 'splits' (train, valid, test) or 'folds'")
        if self.folds is not None and len(self.folds) < 2:
            raise ValueError("k-fold tasks need at least 2 folds")
        if self.type in LABELLED_TYPES:
            if not self.labels or len(self.labels) < 2:
                raise ValueError(f"type {self.type!r} needs 'labels' with at least 2 classes")
            if len(set(self.labels)) != len(self.labels):
                raise ValueError("'labels' contains duplicates")
            unknown = {v for v in self.label_aliases.values() if v not in self.labels}
            if unknown:
                raise ValueError(f"label_aliases map to unknown classes {sorted(unknown)}")
        if self.type in ("clip_regression", "frame_regression") and self.labels:
            raise ValueError("regression tasks have no 'labels'")
        if self.type in FRAME_TYPES and self.crop.mode == "sequential":
            raise ValueError("frame-level tasks cannot use sequential crops (each crop's frame count rounds on its "
                             "own, so labels would drift); use crop mode 'truncate' or 'none'")
        if self.events is not None and self.type != "frame_multilabel":
            raise ValueError("'events' only applies to frame_multilabel tasks")
        if self.probe.pos_weight is not None and self.type not in ("clip_multilabel", "frame_multilabel"):
            raise ValueError("probe.pos_weight only applies to multi-label types")
        if self.probes is not None and (not self.probes or len(set(self.probes)) != len(self.probes)):
            raise ValueError("'probes' lists at least one probe name, each once")
        heads = [k for k in ("vocab_size", "beam_size") if getattr(self.probe, k) is not None]
        if heads and self.type not in TEXT_TYPES:
            raise ValueError(f"probe.{heads[0]} only applies to asr / translation / slu tasks")
        if self.probe.slu_output is not None and self.type != "slu":
            raise ValueError("probe.slu_output only applies to slu tasks")
        if self.probe.hidden_size is not None and self.type not in TEXT_TYPES + ("frame_regression",):
            raise ValueError("probe.hidden_size only applies to asr / translation / slu / frame_regression tasks")
        gru = [k for k in ("patience", "min_epochs") if getattr(self.probe, k) is not None]
        if gru and self.type != "frame_regression":
            raise ValueError(f"probe.{gru[0]} only applies to frame_regression tasks")
        if self.probe.stack_ms is not None and self.type not in TEXT_TYPES and "lora" not in (self.probes or ()):
            raise ValueError("probe.stack_ms only applies to asr / translation / slu tasks and to tasks fine-tuned "
                             "by the lora probe")
        asr_only = [k for k in ("decoder", "max_new_tokens") if getattr(self.probe, k) is not None]
        if asr_only and self.type != "asr" and "lora" not in (self.probes or ()):
            raise ValueError(f"probe.{asr_only[0]} only applies to asr tasks and to tasks fine-tuned by the lora "
                             "probe")
        if self.probe.text_encoder is not None and self.type != "retrieval":
            raise ValueError("probe.text_encoder only applies to retrieval tasks")
        if self.caption_keys is not None and (self.type != "retrieval" or not self.caption_keys):
            raise ValueError("caption_keys only applies to retrieval tasks and lists at least one key")
        if self.type in TEXT_TYPES and self.crop.mode != "none":
            raise ValueError("transcripts cover whole utterances: asr / translation / slu tasks cannot crop audio "
                             "(crop mode must be 'none'; cut long recordings into utterances beforehand)")
        if self.source.kind == "local" or self.source.kind == "zenodo":
            names = set(self.split_names)
            keys = set(self.source.split_paths if self.source.kind == "local" else self.source.tar_globs)
            if keys != names:
                raise ValueError(f"source lists splits {sorted(keys)} but the task uses {sorted(names)}")
        return self

    @property
    def split_names(self) -> tuple[str, ...]:
        """Every split or fold the task reads, de-duplicated, in order."""
        names = self.folds if self.folds is not None else self.splits
        return tuple(dict.fromkeys(names))

    @property
    def num_classes(self) -> int | None:
        return len(self.labels) if self.labels else None

    @property
    def is_clip_level(self) -> bool:
        return self.type in CLIP_TYPES

    @property
    def is_frame_level(self) -> bool:
        return self.type in FRAME_TYPES

    @property
    def event_fields(self) -> EventFields:
        return self.events or EventFields()
