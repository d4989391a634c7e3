"""Common Voice French, as Mozilla distributes a release (``cv-corpus-<version>/fr/``).

Layout (verified against SpeechBrain's ``recipes/CommonVoice/common_voice_prepare.py``, which LeBenchmark's
``ASR/CommonVoice`` recipe calls, and against public readers of recent releases)::

    <root>/train.tsv, dev.tsv, test.tsv   tab-separated, header row; columns client_id, path, sentence, up_votes,
                                          down_votes, age, gender, accent(s), ... (only ``path`` and ``sentence``
                                          are used; extra or reordered columns are fine)
    <root>/clips/<path>                   the MP3 of each row (``common_voice_fr_<n>.mp3``)
    <root>/clip_durations.tsv             newer releases: columns ``clip``, ``duration[ms]``

``<root>`` may also be the release folder that holds ``fr/``. Rows are split on tabs without quote processing
(sentences contain quotes), as SpeechBrain does. Task split ``valid`` is ``dev.tsv``.

Labels: the ``sentence`` as found, whitespace collapsed. Ids: the clip name without ``.mp3``.

Filters (LeBenchmark ``ASR/CommonVoice/hparams/train_w2v_fr.yaml``, ``avoid_if_longer_than: 10.0``):

- ``max_seconds`` (10.0): clips longer than this are dropped (``too_long``), in the splits listed in
  ``filter_splits`` (default ``["train"]``: the recipe's yaml comment says train/dev/test, but its
  ``train_w2v.py`` applies ``key_max_value`` to the training set only; use ``["train", "valid", "test"]`` for the
  comment's reading). Durations come from ``clip_durations.tsv`` when it lists the clip, else from the MP3 header.
  ``max_seconds: null`` disables the filter.
- ``min_words`` (1): sentences with fewer words are dropped (``empty`` / ``too_few_words``). SpeechBrain's current
  ``common_voice_prepare.py`` also drops sentences of fewer than 3 words; set ``min_words: 3`` to do the same.

Dropped counts: ``reader.dropped[split]``. A row whose clip is missing from ``clips/`` is an error (an incomplete
copy of the release), not a drop.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tqdm.auto import tqdm

from hf_bench.data import AudioRef, SplitData
from hf_bench.data.corpora import CorpusReader
from hf_bench.data.corpora._common import audio_seconds, clean_text, read_text
from hf_bench.errors import DataError

_SPLIT_FILES = {"train": "train", "valid": "dev", "test": "test"}


def read_tsv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    lines = read_text(path).splitlines()
    if not lines or not lines[0].strip():
        raise DataError("empty TSV file (no header row)", where=path,
                        fix="restore the file from the Common Voice release")
    header = [c.strip() for c in lines[0].split("\t")]
    rows = []
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        cells = line.rstrip("\r\n").split("\t")
        if len(cells) < len(header):  # trailing empty columns are sometimes stripped by editors
            cells += [""] * (len(header) - len(cells))
        if len(cells) != len(header):
            raise DataError(f"line {n} has {len(cells)} tab-separated fields, the header has {len(header)}",
                            where=path, fix="restore the file from the Common Voice release (it was edited or "
                                            "re-saved with a different separator)")
        rows.append((n, cells))
    return header, rows


class CommonVoiceReader(CorpusReader):
    name = "commonvoice"
    title = "Common Voice French (Mozilla)"
    licence = "public, CC0 1.0"
    how_to_get = ("download the French dataset from https://commonvoice.mozilla.org/datasets (Mozilla Data "
                  "Collective) and extract it")
    layout = "<root>/{train,dev,test}.tsv and <root>/clips/*.mp3 (optional <root>/clip_durations.tsv)"
    defaults = {"max_seconds": 10.0, "filter_splits": ("train",), "min_words": 1}
    split_map = _SPLIT_FILES

    def _root(self, root: Path) -> Path:
        root = Path(root)
        if not (root / "train.tsv").exists() and (root / "fr" / "train.tsv").exists():
            return root / "fr"
        return root

    def missing(self, root: Path, options: dict) -> str | None:
        self.options(options)
        root = self._root(root)
        if not root.is_dir():
            return f"{root} does not exist (expected {self.layout})"
        absent = [f"{n}.tsv" for n in _SPLIT_FILES.values() if not (root / f"{n}.tsv").is_file()]
        if not (root / "clips").is_dir():
            absent.append("clips/")
        if absent:
            return f"{', '.join(absent)} missing in {root} (expected {self.layout})"
        return None

    def read(self, root: Path, split: str, options: dict, *, progress: bool = False) -> SplitData:
        opts = self.options(options)
        name = self.corpus_split(split)
        root = self._root(root)
        tsv, clips = root / f"{name}.tsv", root / "clips"
        if not tsv.is_file():
            raise self.not_found(root, f"{tsv.name} is missing")
        if not clips.is_dir():
            raise self.not_found(root, "the clips/ folder is missing")
        header, rows = read_tsv(tsv)
        absent = [c for c in ("path", "sentence") if c not in header]
        if absent:
            raise DataError(f"no {' / '.join(absent)} column (columns: {', '.join(header)})", where=tsv,
                            fix="use the TSV files of a Common Voice release (columns client_id, path, sentence, ...)")
        if not rows:
            raise DataError("the TSV has a header but no rows", where=tsv,
                            fix="restore the file from the Common Voice release")
        ip, isent = header.index("path"), header.index("sentence")
        max_s = opts["max_seconds"]
        only = opts["filter_splits"] or ()
        only = (only,) if isinstance(only, str) else tuple(only)
        if not set(only) <= set(_SPLIT_FILES):
            raise DataError(f"option filter_splits={opts['filter_splits']!r} names unknown splits",
                            where=f"corpus {self.name}", fix="list task splits: train, valid, test")
        filtering = max_s is not None and split in only
        durations = self._durations(root) if filtering else {}
        min_words = int(opts["min_words"] or 0)

        refs, labels, seen, missing = [], [], {}, []
        dropped: Counter = Counter()
        for n, cells in tqdm(rows, desc=f"commonvoice {name}", unit="clip", disable=not progress, leave=False):
            clip = cells[ip].strip()
            if not clip:
                raise DataError(f"line {n} has an empty path", where=tsv,
                                fix="restore the file from the Common Voice release")
            path = clips / clip
            if not path.is_file():
                missing.append(clip)
                continue
            clip_id = Path(clip).stem
            if clip_id in seen:
                raise DataError(f"clip {clip} is listed twice (lines {seen[clip_id]} and {n})", where=tsv,
                                fix="restore the file from the Common Voice release")
            seen[clip_id] = n
            sentence = clean_text(cells[isent])
            words = len(sentence.split())
            if not words:
                dropped["empty"] += 1
                continue
            if words < min_words:
                dropped["too_few_words"] += 1
                continue
            if filtering:
                dur = durations.get(clip)
                if dur is None:
                    dur = audio_seconds(path)
                if dur is None:
                    dropped["unknown_duration"] += 1
                    continue
                if dur > max_s:
                    dropped["too_long"] += 1
                    continue
            refs.append(AudioRef(id=clip_id, origin=str(path), path=path))
            labels.append(sentence)
        if missing:
            raise DataError(f"{len(missing)} clip(s) listed in {tsv.name} are not in clips/ (e.g. "
                            f"{', '.join(missing[:3])})", where=clips,
                            fix="the copy of the release is incomplete: extract the whole archive again")
        self.report_dropped(split, dropped, len(refs))
        if not refs:
            raise DataError(f"no utterance left in {tsv.name} after the filters ({dict(dropped)})", where=tsv,
                            fix="check the options max_seconds / min_words / filter_splits")
        return SplitData(split, refs, labels)

    @staticmethod
    def _durations(root: Path) -> dict[str, float]:
        """clip -> seconds from clip_durations.tsv (newer releases), or {} when the file is absent."""
        path = root / "clip_durations.tsv"
        if not path.is_file():
            return {}
        header, rows = read_tsv(path)
        if "clip" not in header:
            raise DataError(f"no clip column (columns: {', '.join(header)})", where=path,
                            fix="restore the file from the Common Voice release (columns clip, duration[ms])")
        ic = header.index("clip")
        ims = next((header.index(c) for c in ("duration[ms]", "duration_ms", "duration") if c in header), None)
        if ims is None:
            raise DataError(f"no duration[ms] column (columns: {', '.join(header)})", where=path,
                            fix="restore the file from the Common Voice release (columns clip, duration[ms])")
        out = {}
        for n, cells in rows:
            try:
                out[cells[ic].strip()] = float(cells[ims]) / 1000.0
            except ValueError:
                raise DataError(f"line {n}: duration {cells[ims]!r} is not a number of milliseconds", where=path,
                                fix="restore the file from the Common Voice release") from None
        return out
