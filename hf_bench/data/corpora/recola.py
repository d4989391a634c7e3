"""RECOLA, the AVEC 2016 release (University of Fribourg): continuous arousal / valence of French dyadic
interactions.

Layout, verified against LeBenchmark's ``AER/DatasetsRunner/RECOLA_2016.py`` (which reads
``<RECOLA_2016>/recordings_audio/{train,dev,test}_*.wav`` and converts
``<RECOLA_2016>/ratings_gold_standard/**/*.arff`` into CSVs read by the column ``GoldStandard``; the annotation of
``Wavs/train_1.wav`` is ``Annots/arousal/train_1.csv``)::

    <root>/recordings_audio/{train,dev,test}_<n>.wav                  (9 recordings of 5 min per split)
    <root>/ratings_gold_standard/{arousal,valence}/<recording>.arff   (or .csv)

Gold standard format (AVEC 2016): Weka ARFF with ``@attribute Instance_name string``, ``@attribute frameTime
numeric``, ``@attribute GoldStandard numeric``, then one row per 40 ms frame (``'train_1',0.040000,0.0123``).
A CSV with a header row naming ``frameTime`` and ``GoldStandard`` (``,`` or ``;`` separated, as LeBenchmark's
conversion writes it) is read too. Option ``dimension``: ``"arousal"`` (default) or ``"valence"``.

Labels: ``{"hop_s": 0.04, "start_s": <first frameTime>, "values": [GoldStandard ...]}``. Checked: the frame times
advance by a constant period (a gap or a duplicate row is an error), and the annotation's extent
(``start_s + len(values) * hop_s``) agrees with the audio's duration to within ``tolerance_s`` (1.0 s).

The test split: the AVEC 2016 challenge release withholds the test gold standard (participants sent predictions
to the organisers), so ``ratings_gold_standard/<dimension>/test_*`` is often absent; ``missing`` and
``read("test")`` then say so. LeBenchmark reports RECOLA test scores, so their copy had the test labels.
"""

from __future__ import annotations

import re
from pathlib import Path

from tqdm.auto import tqdm

from hf_bench.data import AudioRef, SplitData
from hf_bench.data.corpora import CorpusReader
from hf_bench.data.corpora._common import audio_seconds, curve_label, read_curve
from hf_bench.errors import DataError

DIMENSIONS = ("arousal", "valence")


def _natural(p: Path):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.stem)]


class RecolaReader(CorpusReader):
    name = "recola"
    title = "RECOLA (AVEC 2016 release)"
    licence = "licensed: RECOLA end-user licence agreement (University of Fribourg), not free"
    how_to_get = "request RECOLA from https://diuf.unifr.ch/main/diva/recola/download.html (AVEC 2016 version)"
    layout = ("<root>/recordings_audio/{train,dev,test}_<n>.wav and "
              "<root>/ratings_gold_standard/{arousal,valence}/{train,dev,test}_<n>.arff (or .csv)")
    defaults = {"dimension": "arousal", "tolerance_s": 1.0}

    def _dimension(self, opts: dict) -> str:
        if opts["dimension"] not in DIMENSIONS:
            raise DataError(f"option dimension={opts['dimension']!r} is not one of {', '.join(DIMENSIONS)}",
                            where=f"corpus {self.name}", fix="set dimension to 'arousal' or 'valence'")
        return opts["dimension"]

    @staticmethod
    def _recordings(root: Path, name: str) -> list[Path]:
        folder = root / "recordings_audio"
        return sorted((p for p in folder.glob(f"{name}_*") if p.suffix.lower() in (".wav", ".flac")), key=_natural)

    @staticmethod
    def _annotation(root: Path, dim: str, stem: str) -> Path | None:
        folder = root / "ratings_gold_standard" / dim
        return next((folder / f"{stem}{ext}" for ext in (".arff", ".csv", ".ARFF", ".CSV")
                     if (folder / f"{stem}{ext}").is_file()), None)

    def _test_fix(self, dim: str) -> str:
        return ("the AVEC 2016 release withholds the test gold standard: obtain it from the RECOLA distributors "
                f"(UniFR) and put it as ratings_gold_standard/{dim}/test_<n>.arff, or evaluate on the dev split")

    def missing(self, root: Path, options: dict) -> str | None:
        opts = self.options(options)
        dim = self._dimension(opts)
        root = Path(root)
        if not (root / "recordings_audio").is_dir():
            return f"{root / 'recordings_audio'} does not exist (expected {self.layout})"
        if not (root / "ratings_gold_standard" / dim).is_dir():
            return f"{root / 'ratings_gold_standard' / dim} does not exist (expected {self.layout})"
        problems = []
        for name in self.split_map.values():
            wavs = self._recordings(root, name)
            if not wavs:
                problems.append(f"no recordings_audio/{name}_*.wav")
                continue
            unlabeled = [w.stem for w in wavs if self._annotation(root, dim, w.stem) is None]
            if unlabeled and name == "test" and len(unlabeled) == len(wavs):
                problems.append(f"no {dim} gold standard for the test recordings ({self._test_fix(dim)})")
            elif unlabeled:
                problems.append(f"no {dim} gold standard for {', '.join(unlabeled[:3])}"
                                f"{' ...' if len(unlabeled) > 3 else ''}")
        if problems:
            return f"{'; '.join(problems)} (expected {self.layout})"
        return None

    def read(self, root: Path, split: str, options: dict, *, progress: bool = False) -> SplitData:
        opts = self.options(options)
        dim = self._dimension(opts)
        name = self.corpus_split(split)
        root = Path(root)
        wavs = self._recordings(root, name)
        if not wavs:
            raise self.not_found(root, f"no recordings_audio/{name}_*.wav")
        anns = {w: self._annotation(root, dim, w.stem) for w in wavs}
        unlabeled = [w.stem for w, a in anns.items() if a is None]
        if unlabeled:
            folder = root / "ratings_gold_standard" / dim
            if name == "test" and len(unlabeled) == len(wavs):
                raise DataError(f"no {dim} gold standard for the test recordings ({', '.join(unlabeled[:3])} ...)",
                                where=folder, fix=self._test_fix(dim))
            raise DataError(f"no {dim} gold standard (.arff / .csv) for {', '.join(unlabeled)}", where=folder,
                            fix=f"copy ratings_gold_standard/{dim}/ from the RECOLA AVEC 2016 release")
        refs, labels = [], []
        for wav, ann in tqdm(anns.items(), desc=f"recola {dim} {name}", unit="file", disable=not progress,
                             leave=False):
            times, values = read_curve(ann, time_columns=("frameTime", "time"),
                                       value_columns=("GoldStandard", dim))
            labels.append(curve_label(ann, times, values, audio=wav, duration=audio_seconds(wav),
                                      tolerance_s=float(opts["tolerance_s"])))
            refs.append(AudioRef(id=wav.stem, origin=str(wav), path=wav))
        self.report_dropped(split, {}, len(refs))
        return SplitData(split, refs, labels)
