"""Readers for the LeBenchmark corpora exactly as their owners distribute them.

One module per corpus; each defines a ``CorpusReader`` that turns a corpus folder (``root``, laid out as the
distributor ships it) into one ``SplitData`` per task split, without decoding any audio:

=============  =======================================  =======================================================
reader         corpus                                   labels (``SplitData.labels[i]``)
=============  =======================================  =======================================================
commonvoice    Common Voice French (public, CC0)        transcript ``str``
etape          ETAPE-1,2 (ELRA-E0046, licensed)         transcript ``str`` (one utterance per Sync segment)
media          MEDIA (ELRA-S0272 + E0024, licensed)     ``[{"concept": ..., "words": ...}, ...]`` per caller turn
mtedx          Multilingual TEDx (OpenSLR 100, public)  ``{"translation": ..., "source": ...}``
recola         RECOLA, AVEC 2016 release (UniFR)        ``{"hop_s", "start_s", "values"}`` (arousal / valence)
allosat        AlloSat (LIUM, on request)               ``{"hop_s", "start_s", "values"}`` (satisfaction)
=============  =======================================  =======================================================

Task split names are always ``train`` / ``valid`` / ``test``; each reader maps them onto the corpus's own names
(``split_map``). Utterances that the LeBenchmark recipe filters out (too long, too short, empty) are dropped and
counted: ``reader.dropped[split]`` is ``{reason: count}`` after ``read`` (also logged at INFO level).

Everything a reader reports is a ``DataError`` naming the file at fault and the fix (``OfflineError`` for a
download that cannot reach its server). Only mTEDx can be downloaded (``downloadable``); the others are licensed
and ``download`` says where to get them.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from hf_bench.data import SplitData
from hf_bench.errors import DataError, HFBenchError, TaskSpecError

log = logging.getLogger(__name__)

TASK_SPLITS = ("train", "valid", "test")


class CorpusReader(ABC):
    """Reads one corpus "as distributed" into ``SplitData`` (audio refs + raw labels), one split at a time."""

    name: ClassVar[str]            # registry key, e.g. "etape"
    title: ClassVar[str]           # e.g. "ETAPE (ELRA-E0046)"
    licence: ClassVar[str]         # e.g. "licensed: ELRA-E0046, not free" / "public, CC BY-NC-ND 4.0"
    how_to_get: ClassVar[str]      # one line: where / how to obtain it
    layout: ClassVar[str]          # one line: the files expected under the root (used in messages)
    downloadable: ClassVar[bool] = False
    defaults: ClassVar[dict[str, Any]] = {}          # every option the reader accepts, with its default
    split_map: ClassVar[dict[str, str]] = {"train": "train", "valid": "dev", "test": "test"}

    def __init__(self) -> None:
        self.dropped: dict[str, dict[str, int]] = {}

    # ------------------------------------------------------------------------------------------ the interface
    @abstractmethod
    def missing(self, root: Path, options: dict) -> str | None:
        """Why the corpus under ``root`` cannot be read (naming the expected layout), or None. Cheap: stat / glob
        only, no parsing."""

    @abstractmethod
    def read(self, root: Path, split: str, options: dict, *, progress: bool = False) -> SplitData:
        """The clips and raw labels of task split ``split`` ("train" / "valid" / "test")."""

    def download(self, root: Path, options: dict, *, progress: bool = True, force: bool = False) -> Path:
        """Fetch the corpus into ``root`` and return the folder to read from. Licensed corpora cannot be fetched."""
        raise HFBenchError(f"{self.title} cannot be downloaded by hf_bench ({self.licence})", where=Path(root),
                           fix=f"{self.how_to_get}; then lay it out as {self.layout}")

    # ------------------------------------------------------------------------------------------ shared helpers
    def options(self, options: dict | None) -> dict[str, Any]:
        """``options`` merged over ``defaults``; an unknown option is an error naming the valid ones."""
        options = dict(options or {})
        unknown = sorted(set(options) - set(self.defaults))
        if unknown:
            valid = ", ".join(f"{k} (default {v!r})" for k, v in self.defaults.items()) or "none"
            raise TaskSpecError(f"unknown option(s) {', '.join(map(repr, unknown))} for corpus reader {self.name!r}",
                                where=f"corpus {self.name}", fix=f"use only: {valid}")
        return {**self.defaults, **options}

    def corpus_split(self, split: str) -> str:
        """The corpus's own name for task split ``split``."""
        if split not in self.split_map:
            raise DataError(f"unknown split {split!r} for corpus {self.name}", where=f"corpus {self.name}",
                            fix=f"use one of {', '.join(self.split_map)}")
        return self.split_map[split]

    def not_found(self, root: Path, why: str) -> DataError:
        """The error for a corpus (or part of it) that is not where it should be."""
        return DataError(f"{self.title}: {why}", where=Path(root),
                         fix=f"{self.how_to_get}; expected layout: {self.layout}")

    def report_dropped(self, split: str, counts: dict[str, int], kept: int) -> None:
        self.dropped[split] = {k: int(v) for k, v in counts.items() if v}
        if self.dropped[split]:
            detail = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(self.dropped[split].items()))
            log.info("%s %s: kept %d utterances, dropped %s", self.name, split, kept, detail)


from hf_bench.data.corpora.allosat import AlloSatReader  # noqa: E402
from hf_bench.data.corpora.commonvoice import CommonVoiceReader  # noqa: E402
from hf_bench.data.corpora.etape import EtapeReader  # noqa: E402
from hf_bench.data.corpora.media import MediaReader  # noqa: E402
from hf_bench.data.corpora.mtedx import MtedxReader  # noqa: E402
from hf_bench.data.corpora.recola import RecolaReader  # noqa: E402
from hf_bench.data.corpora.wenetspeech_wu import WenetSpeechWuReader  # noqa: E402

READERS: dict[str, CorpusReader] = {r.name: r for r in (CommonVoiceReader(), EtapeReader(), MediaReader(),
                                                         MtedxReader(), RecolaReader(), AlloSatReader(),
                                                         WenetSpeechWuReader())}


def get_reader(name: str) -> CorpusReader:
    try:
        return READERS[name]
    except KeyError:
        raise TaskSpecError(f"unknown corpus {name!r}", where="corpus reader",
                            fix=f"use one of {', '.join(sorted(READERS))}") from None


__all__ = ["CorpusReader", "READERS", "TASK_SPLITS", "get_reader", "AlloSatReader", "CommonVoiceReader",
           "EtapeReader", "MediaReader", "MtedxReader", "RecolaReader", "WenetSpeechWuReader"]
