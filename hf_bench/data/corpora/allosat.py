"""AlloSat (LIUM, Le Mans Université): French call-centre conversations with a continuous satisfaction
annotation (a frustration <-> satisfaction axis, Macary et al., LREC 2020).

Layout. The corpus is distributed on request and its documentation could not be read; what LeBenchmark's
``AER/DatasetsRunner/AlloSat.py`` reads from "the AlloSat_corpus provided as is" fixes this much::

    <root>/audio/**/<conversation>.wav                     (``-w .../AlloSat_corpus/audio``, searched recursively)
    <root>/annotations/labels/**/<conversation>.csv        (``-a .../AlloSat_corpus/annotations/labels``)
    <root>/{train,dev,test}.txt                            (``-p .../AlloSat_corpus/``: partition files)

- label files: ``;``-separated with a header row; LeBenchmark drops the first column (the time) and reads the
  column ``satisfaction``. Assumed: the first column is the time in seconds at a constant period. A label file
  mirrors its audio's path under ``labels/`` (``audio/a/x.wav`` -> ``labels/a/x.csv``), else is found by name.
  ``,``-separated files are accepted; with exactly two columns the second is the value whatever its name.
- partition files: one conversation per line (first tab-separated field, no header), as LeBenchmark reads them
  with ``pd.read_csv(..., delimiter="\\t", header=None)``. Entries are matched to the audio file names (an
  extension is ignored); LeBenchmark matches by substring (``id in name``), which is used only when no file has
  exactly that name, and must then match one file only.

Options: ``column`` (``"satisfaction"``), ``tolerance_s`` (1.0: the largest allowed difference between the
annotation's extent, ``start_s + len(values) * hop_s``, and the audio's duration; a larger one usually means a time
column not in seconds). Labels: ``{"hop_s", "start_s", "values"}``; the period must be constant.
"""

from __future__ import annotations

from pathlib import Path

from tqdm.auto import tqdm

from hf_bench.data import AudioRef, SplitData
from hf_bench.data.corpora import CorpusReader
from hf_bench.data.corpora._common import audio_seconds, curve_label, index_audio, read_curve, read_text
from hf_bench.errors import DataError


class AlloSatReader(CorpusReader):
    name = "allosat"
    title = "AlloSat (LIUM)"
    licence = "licensed: LIUM, on request for research"
    how_to_get = "request AlloSat from LIUM (https://lium.univ-lemans.fr/en/allosat/)"
    layout = ("<root>/audio/**/<id>.wav, <root>/annotations/labels/**/<id>.csv (time;satisfaction) and "
              "<root>/{train,dev,test}.txt (one id a line)")
    defaults = {"column": "satisfaction", "tolerance_s": 1.0}

    def missing(self, root: Path, options: dict) -> str | None:
        self.options(options)
        root = Path(root)
        absent = [p for p in ("audio", "annotations/labels") if not (root / p).is_dir()]
        absent += [f"{n}.txt" for n in self.split_map.values() if not (root / f"{n}.txt").is_file()]
        if absent:
            return f"{', '.join(absent)} missing in {root} (expected {self.layout})"
        if next((root / "audio").rglob("*.wav"), None) is None:
            return f"no .wav file under {root / 'audio'} (expected {self.layout})"
        return None

    def read(self, root: Path, split: str, options: dict, *, progress: bool = False) -> SplitData:
        opts = self.options(options)
        name = self.corpus_split(split)
        root = Path(root)
        part = root / f"{name}.txt"
        absent = [p for p in ("audio", "annotations/labels") if not (root / p).is_dir()]
        absent += [part.name] if not part.is_file() else []
        if absent:
            raise self.not_found(root, f"{', '.join(absent)} missing")
        entries = [line.split("\t")[0].strip() for line in read_text(part, encodings=("utf-8", "iso-8859-1"))
                   .splitlines() if line.strip()]
        if not entries:
            raise DataError("empty partition file", where=part, fix="restore the file from the AlloSat corpus")
        audio_dir, label_dir = root / "audio", root / "annotations" / "labels"
        audio = index_audio(audio_dir, ("wav", "flac"))
        labels_by_stem: dict[str, list[Path]] = {}
        for p in sorted(label_dir.rglob("*.csv")):
            labels_by_stem.setdefault(p.stem, []).append(p)
        refs, labels, seen = [], [], set()
        for entry in tqdm(entries, desc=f"allosat {name}", unit="file", disable=not progress, leave=False):
            wav = self._match(entry, audio, part)
            if wav.stem in seen:
                raise DataError(f"{wav.stem} is listed twice", where=part, fix="remove the duplicate line")
            seen.add(wav.stem)
            ann = label_dir / wav.relative_to(audio_dir).with_suffix(".csv")
            if not ann.is_file():
                cands = labels_by_stem.get(wav.stem, [])
                if len(cands) != 1:
                    raise DataError(f"no annotation for {wav.name} (expected {ann.relative_to(root)})"
                                    if not cands else f"several annotations named {wav.stem}.csv: {cands[:3]}",
                                    where=label_dir, fix="copy annotations/labels/ from the AlloSat corpus")
                ann = cands[0]
            times, values = read_curve(ann, time_columns=("time", "frameTime", "timestamp", "temps"),
                                       value_columns=(opts["column"],), time_index=0, second_of_two=True)
            labels.append(curve_label(ann, times, values, audio=wav, duration=audio_seconds(wav),
                                      tolerance_s=float(opts["tolerance_s"])))
            refs.append(AudioRef(id=wav.stem, origin=str(wav), path=wav))
        self.report_dropped(split, {}, len(refs))
        return SplitData(split, refs, labels)

    @staticmethod
    def _match(entry: str, audio: dict[str, list[Path]], part: Path) -> Path:
        stem = Path(entry).stem if Path(entry).suffix.lower() in (".wav", ".flac") else entry
        stem = Path(stem).name
        if stem in audio:
            return audio[stem][0]
        hits = sorted({p for s, ps in audio.items() if stem and stem in s for p in ps})
        if len(hits) == 1:
            return hits[0]
        raise DataError(f"partition entry {entry!r} matches {'no audio file' if not hits else f'{len(hits)} audio files'}"
                        f"{'' if not hits else ' (' + ', '.join(p.name for p in hits[:3]) + ')'}", where=part,
                        fix="each line must name one conversation of audio/ (its file name without .wav)")
