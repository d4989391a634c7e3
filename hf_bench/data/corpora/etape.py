"""ETAPE-1,2 (ELRA-E0046): French TV and radio shows transcribed with Transcriber.

Layout. ELRA's package is licensed and its exact folder names could not be checked; what is known: one
Transcriber ``.trs`` file per show (show ids like ``BFMTV_BFMStory_2011-03-17_175900`` or
``EST2BC_FRE_FR_20100205_1000_FINTER_DEBATE``, as listed by ``pyannote/pyannote-db-etape``'s
``all.{trn,dev,tst}.lst``) and the show's audio under the same name. So the reader accepts, under ``<root>``:

- split folders named ``train``/``trn``, ``dev``, ``test``/``tst`` (at any depth up to 3, case-insensitive),
  each holding ``.trs`` files (in any sub-folder); or, with option ``lists``, a folder of show lists
  ``{train,dev,test}.lst`` or ``{trn,dev,tst}.lst`` (pyannote also names them ``all.trn.lst`` ...; one show id a
  line) that select ``.trs`` files anywhere under ``<root>``;
- the audio of each show ``<show>.{wav,flac,sph}`` next to its ``.trs`` or anywhere under ``<root>`` (e.g. a
  ``wav/`` folder beside a ``trs/`` folder); the ``audio_filename`` attribute of ``<Trans>`` is tried too.
  NIST SPHERE must be uncompressed (libsndfile does not decode "shorten" SPHERE).

Transcriber format (``trans-14.dtd``): ``Trans/Episode/Section/Turn`` with ``Sync time=`` points inside each
Turn; ``Event``, ``Comment``, ``Background`` are empty elements and ``Who nb=`` switches speakers inside a Turn
of overlapping speakers (``speaker="spk1 spk2"``). Files are ISO-8859-1 (declared in the XML header).

Utterances: each stretch of a Turn between two Sync points (the last one ends at the Turn's ``endTime``) is one
utterance, an ``AudioRef`` segment of the show's audio (``start_s``/``end_s``); id ``<show>_<start ms>_<end ms>``.
Sections of type ``nontrans`` and Turns without a speaker (music, jingles) are skipped.

Labels: the transcript with Transcriber markup removed: the Event/Comment elements themselves, bracketed noise
and event tokens written in the text (``[rire]``, ``[b]``, ``[pi]``), ``<...>`` tags, and the ``^^`` marker of
uncertain spellings (the word is kept); whitespace collapsed. Other conventions (``mot-`` truncations, ``*``
disfluency marks, parentheses) are left as found.

Overlapping speech (option ``overlap``): ``"drop"`` (default) drops a segment in which two speakers of a
multi-speaker Turn both speak (its audio mixes two voices and the order of the two transcripts is arbitrary);
``"keep"`` keeps it with the speakers' texts joined in order of appearance. Segments of a multi-speaker Turn
where only one speaker speaks are kept either way.

Filters (LeBenchmark ``ASR/ETAPE/hparams/*.yaml``: ``avoid_if_smaller_than: 0.1``, ``avoid_if_longer_than: 20.0``,
applied to train, dev and test by ``train_w2v.py``): segments shorter than ``min_seconds`` (0.1) or longer than
``max_seconds`` (20.0) are dropped, and so are segments with an empty transcript after cleanup. Counts:
``reader.dropped[split]`` (``too_short``, ``too_long``, ``empty``, ``overlap``, ``zero_length``).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from tqdm.auto import tqdm

from hf_bench.data import SplitData
from hf_bench.data.corpora import CorpusReader
from hf_bench.data.corpora._common import (
    AUDIO_EXTS,
    audio_seconds,
    check_segment_end,
    clean_text,
    index_audio,
    parse_xml,
    read_text,
    seconds,
    segment_ref,
)
from hf_bench.errors import DataError

_ALIASES = {"train": ("train", "trn"), "valid": ("dev", "devel", "valid"), "test": ("test", "tst")}
_MARKUP = re.compile(r"\[[^\]]*\]|<[^>]*>")


def clean_transcript(text: str) -> str:
    """Drop Transcriber markup written in the text (``[rire]``, ``<...>``, ``^^``), collapse whitespace."""
    return clean_text(_MARKUP.sub(" ", text).replace("^^", ""))


def parse_trs(path: Path) -> tuple[str | None, list[dict]]:
    """(``audio_filename`` of ``<Trans>``, the Sync segments that hold text): each segment is ``{"start", "end",
    "texts": [(who, text)], "speakers": n}`` (``who`` is the ``Who nb`` in force, ``speakers`` the Turn's)."""
    root = parse_xml(path)
    if root.tag != "Trans":
        raise DataError(f"not a Transcriber file (root element <{root.tag}>, expected <Trans>)", where=path,
                        fix="point the reader at the .trs files of the ETAPE distribution")
    out = []
    for s_i, section in enumerate(root.iter("Section")):
        if (section.get("type") or "").lower() == "nontrans":
            continue
        for t_i, turn in enumerate(section.iter("Turn")):
            speakers = (turn.get("speaker") or "").split()
            if not speakers:
                continue
            where = f"{path} (section {s_i + 1}, turn {t_i + 1})"
            t_start = seconds(turn.get("startTime"), where=where, what="Turn startTime")
            t_end = seconds(turn.get("endTime"), where=where, what="Turn endTime")
            cur = {"start": t_start, "texts": [], "speakers": len(speakers)}
            segs, who = [cur], "1"
            if turn.text and turn.text.strip():
                cur["texts"].append((who, turn.text))
            for child in turn:
                if child.tag == "Sync":
                    t = seconds(child.get("time"), where=where, what="Sync time")
                    cur["end"] = t
                    cur = {"start": t, "texts": [], "speakers": len(speakers)}
                    segs.append(cur)
                elif child.tag == "Who":
                    who = child.get("nb") or who
                if child.tail and child.tail.strip():
                    cur["texts"].append((who, child.tail))
            cur["end"] = t_end
            out += [seg for seg in segs if seg["texts"]]
    return root.get("audio_filename"), out


class EtapeReader(CorpusReader):
    name = "etape"
    title = "ETAPE-1,2 (ELRA-E0046)"
    licence = "licensed: ELRA-E0046, not free"
    how_to_get = "license ETAPE from ELRA (https://catalogue.elra.info/en-us/repository/browse/ELRA-E0046/)"
    layout = ("<root>/{train,dev,test}/**/<show>.trs (Transcriber XML) with <show>.{wav,flac,sph} next to it or "
              "anywhere under <root>; or option `lists` naming the shows of each split")
    defaults = {"min_seconds": 0.1, "max_seconds": 20.0, "overlap": "drop", "lists": None}
    split_map = {"train": "train", "valid": "dev", "test": "test"}

    # --------------------------------------------------------------------------------------------- discovery
    @staticmethod
    def _split_dirs(root: Path, split: str) -> list[Path]:
        names = set(_ALIASES[split])
        found, level = [], [root]
        for _ in range(3):
            nxt = []
            for d in level:
                try:
                    children = sorted(p for p in d.iterdir() if p.is_dir() and not p.name.startswith("."))
                except OSError:
                    continue
                found += [c for c in children if c.name.lower() in names]
                nxt += [c for c in children if c.name.lower() not in names]
            level = nxt
        return found

    def _list_file(self, root: Path, lists: str, split: str) -> Path | None:
        folder = Path(lists) if Path(lists).is_absolute() else Path(root) / lists
        for alias in _ALIASES[split]:
            for name in (f"{alias}.lst", f"all.{alias}.lst"):
                if (folder / name).is_file():
                    return folder / name
        return None

    def _trs_files(self, root: Path, split: str, opts: dict) -> list[Path]:
        if opts["lists"]:
            lst = self._list_file(root, opts["lists"], split)
            if lst is None:
                raise self.not_found(root, f"no show list for split {split} in {opts['lists']} (expected "
                                           f"{' or '.join(a + '.lst' for a in _ALIASES[split])})")
            shows = [s.split()[0] for s in read_text(lst, encodings=("utf-8", "iso-8859-1")).splitlines()
                     if s.strip()]
            by_stem = {p.stem: p for p in sorted(Path(root).rglob("*.trs"))}
            absent = [s for s in shows if s not in by_stem]
            if absent:
                raise DataError(f"{len(absent)} show(s) of {lst.name} have no .trs file under {root} (e.g. "
                                f"{', '.join(absent[:3])})", where=lst,
                                fix="copy the whole ETAPE distribution under the root, or fix the list")
            return [by_stem[s] for s in shows]
        dirs = self._split_dirs(Path(root), split)
        return sorted({p for d in dirs for p in d.rglob("*.trs")})

    def missing(self, root: Path, options: dict) -> str | None:
        opts = self.options(options)
        root = Path(root)
        if not root.is_dir():
            return f"{root} does not exist (expected {self.layout})"
        absent = []
        for split in self.split_map:
            if opts["lists"]:
                if self._list_file(root, opts["lists"], split) is None:
                    absent.append(f"the {split} show list")
            elif not any(next(d.rglob("*.trs"), None) for d in self._split_dirs(root, split)):
                absent.append(f"{'/'.join(_ALIASES[split])}/**/*.trs")
        if absent:
            return f"no {', no '.join(absent)} under {root} (expected {self.layout})"
        if opts["lists"] and next(root.rglob("*.trs"), None) is None:
            return f"no .trs file under {root} (expected {self.layout})"
        return None

    # --------------------------------------------------------------------------------------------- reading
    def read(self, root: Path, split: str, options: dict, *, progress: bool = False) -> SplitData:
        opts = self.options(options)
        self.corpus_split(split)
        if opts["overlap"] not in ("drop", "keep"):
            raise DataError(f"option overlap={opts['overlap']!r} is not 'drop' or 'keep'", where=f"corpus {self.name}",
                            fix="set overlap to 'drop' (default) or 'keep'")
        root = Path(root)
        if not root.is_dir():
            raise self.not_found(root, "the corpus folder does not exist")
        trs_files = self._trs_files(root, split, opts)
        if not trs_files:
            raise self.not_found(root, f"no .trs file for split {split} "
                                       f"(looked for folders named {' / '.join(_ALIASES[split])})")
        audio = index_audio(root)
        lo, hi = float(opts["min_seconds"] or 0.0), opts["max_seconds"]
        refs, labels = [], []
        dropped: Counter = Counter()
        seen: Counter = Counter()
        for trs in tqdm(trs_files, desc=f"etape {split}", unit="show", disable=not progress, leave=False):
            declared, segments = parse_trs(trs)
            wav = self._audio_for(trs, declared, audio)
            duration = audio_seconds(wav)
            for seg in segments:
                start, end = seg["start"], seg["end"]
                voices = {w for w, t in seg["texts"] if clean_transcript(t)}
                if seg["speakers"] > 1 and len(voices) > 1 and opts["overlap"] == "drop":
                    dropped["overlap"] += 1
                    continue
                text = clean_transcript(" ".join(t for _, t in seg["texts"]))
                if not text:
                    dropped["empty"] += 1
                    continue
                if end <= start:
                    dropped["zero_length"] += 1
                    continue
                end = check_segment_end(end, duration, audio=wav, where=f"{trs} (segment at {start:.2f} s)")
                length = end - start
                if length < lo:
                    dropped["too_short"] += 1
                    continue
                if hi is not None and length > float(hi):
                    dropped["too_long"] += 1
                    continue
                clip_id = f"{trs.stem}_{round(start * 1000):08d}_{round(end * 1000):08d}"
                seen[clip_id] += 1
                if seen[clip_id] > 1:  # two segments with the same bounds (never seen in ETAPE; kept apart)
                    clip_id += f"-{seen[clip_id]}"
                refs.append(segment_ref(clip_id, wav, start, end))
                labels.append(text)
        self.report_dropped(split, dropped, len(refs))
        if not refs:
            raise DataError(f"no utterance left in split {split} after the filters ({dict(dropped)})", where=root,
                            fix="check the .trs files and the options min_seconds / max_seconds / overlap")
        return SplitData(split, refs, labels)

    @staticmethod
    def _audio_for(trs: Path, declared: str | None, audio: dict[str, list[Path]]) -> Path:
        names = [trs.stem]
        if declared and declared != trs.stem:
            names.append(Path(declared).stem if Path(declared).suffix.lstrip(".").lower() in AUDIO_EXTS
                         else declared)
        for name in names:
            cands = audio.get(name, [])
            near = [p for p in cands if p.parent == trs.parent]
            if near or cands:
                return (near or cands)[0]
        raise DataError(f"no audio for this transcript (looked for {' or '.join(names)}.{{{','.join(AUDIO_EXTS)}}} "
                        "under the corpus root)", where=trs,
                        fix="copy the show's audio from the ETAPE distribution next to the .trs file (same name)")
