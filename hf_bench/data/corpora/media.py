"""MEDIA (ELRA): French hotel-booking dialogues with semantic concept annotation.

Layout, verified against SpeechBrain's ``recipes/MEDIA/media_prepare.py`` (Laperrière et al., LREC 2022), which
needs both ELRA packages side by side under ``<root>``::

    <root>/E0024/MEDIA1FR_00/MEDIA1FR/DATA/media_lot{1,2,3,4}.xml   train   (ELRA-E0024: SLU annotation)
    <root>/E0024/MEDIA1FR_00/MEDIA1FR/DATA/media_testHC_a_blanc.xml dev
    <root>/E0024/MEDIA1FR_00/MEDIA1FR/DATA/media_testHC.xml         test
    <root>/S0272/**/<dialogue id>.wav                               audio   (ELRA-S0272: speech)

Options ``xml_dir`` / ``audio_dir`` (relative to ``<root>`` or absolute) override the two folders; without them
the XML folder is also looked for as ``<root>/MEDIA1FR_00/MEDIA1FR/DATA``, ``<root>/MEDIA1FR/DATA``,
``<root>/DATA`` or ``<root>``, and the audio under ``<root>/S0272`` else ``<root>``.

XML (as parsed by SpeechBrain; ISO-8859-1): ``<dialogue id=... nameSpk=...>`` elements hold ``<turn
speaker=... startTime=... endTime=...>``; the caller's turns have ``speaker="spk"`` (the other side is the
Wizard of Oz). Each turn has ``<semAnnotation withContext="false">`` (the context-free "HC" annotation used for
the benchmark) holding, in order, ``<sem concept=... specif=... mode=... value=...>`` elements whose
``<transcription>`` carries the words (with ``<Sync time=.../>`` points inside). Words outside any concept are in
``concept="null"`` sems.

Utterances: one per caller turn (option ``speaker``, default ``"spk"``; ``null`` keeps every annotated turn),
the segment ``[startTime, endTime)`` of the dialogue's WAV; id ``<dialogue>_<turn number>``. The recipe's finer
cut at Sync points (SpeechBrain splits turns where no concept is open) is not applied: a turn is one utterance,
like LeBenchmark's per-turn files.

Labels: ``[{"concept": "nombre-chambre", "words": "deux chambres"}, {"concept": "null", "words": "euh"}, ...]``,
the sems of the turn in order with their words whitespace-collapsed (no other normalisation). Option ``concepts``:
``"relax"`` (default) uses the ``concept`` attribute alone; ``"full"`` appends the ``specif`` attribute when it
is not ``null`` (SpeechBrain's "full" method). Turns without a context-free annotation (``no_annotation``) or
without any words (``empty``) are dropped and counted in ``reader.dropped[split]``.

Audio: 8 kHz telephone speech, left to the encoder stage to resample. The S0272 WAV files are stereo with the
caller on one channel (SpeechBrain keeps it with a channel list it distributes separately, ``channels.csv``);
an ``AudioRef`` cannot select a channel, so a task over these files needs ``downmix: true`` (the other channel
carries the operator, mostly silent during the caller's turns).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tqdm.auto import tqdm

from hf_bench.data import SplitData
from hf_bench.data.corpora import CorpusReader
from hf_bench.data.corpora._common import (
    audio_seconds,
    check_segment_end,
    clean_text,
    index_audio,
    parse_xml,
    seconds,
    segment_ref,
)
from hf_bench.errors import DataError

XML_FILES = {"train": ("media_lot1.xml", "media_lot2.xml", "media_lot3.xml", "media_lot4.xml"),
             "valid": ("media_testHC_a_blanc.xml",), "test": ("media_testHC.xml",)}
_XML_DIRS = ("E0024/MEDIA1FR_00/MEDIA1FR/DATA", "MEDIA1FR_00/MEDIA1FR/DATA", "MEDIA1FR/DATA", "DATA", ".")


def _words(elem) -> str:
    """The text of ``elem`` with a space at every child element (a ``<Sync/>`` between two words separates them)."""
    parts = [elem.text or ""]
    for child in elem:
        parts += [_words(child), child.tail or ""]
    return " ".join(parts)


def parse_media(path: Path, *, speaker: str | None, full: bool) -> tuple[list[dict], Counter]:
    """The turns of a MEDIA XML file: ``{"dialogue", "turn", "start", "end", "segments"}``, plus drop counts."""
    root = parse_xml(path)
    dialogues = list(root.iter("dialogue"))
    if not dialogues:
        raise DataError("no <dialogue> element", where=path,
                        fix="point the reader at the MEDIA XML files of ELRA-E0024 (media_lot*.xml, media_testHC*.xml)")
    turns, dropped = [], Counter()
    for d_i, dialogue in enumerate(dialogues):
        did = (dialogue.get("id") or "").strip()
        if not did:
            raise DataError(f"dialogue {d_i + 1} has no id attribute", where=path,
                            fix="restore the file from the ELRA-E0024 distribution")
        for t_i, turn in enumerate(dialogue.iter("turn")):
            if speaker is not None and turn.get("speaker") != speaker:
                continue
            where = f"{path} (dialogue {did}, turn {t_i + 1})"
            ann = next((a for a in turn.iter("semAnnotation") if a.get("withContext") == "false"), None)
            if ann is None:
                dropped["no_annotation"] += 1
                continue
            segments = []
            for sem in ann.iter("sem"):
                concept = (sem.get("concept") or "null").strip() or "null"
                specif = (sem.get("specif") or "null").strip()
                if full and specif and specif != "null":
                    concept += specif
                words = clean_text(" ".join(_words(tr) for tr in sem.iter("transcription")))
                if words:
                    segments.append({"concept": concept, "words": words})
            if not segments:
                dropped["empty"] += 1
                continue
            start = seconds(turn.get("startTime"), where=where, what="turn startTime")
            end = seconds(turn.get("endTime"), where=where, what="turn endTime")
            if end <= start:
                dropped["zero_length"] += 1
                continue
            turns.append({"dialogue": did, "turn": (turn.get("id") or str(t_i + 1)).strip(), "start": start,
                          "end": end, "segments": segments, "where": where})
    return turns, dropped


class MediaReader(CorpusReader):
    name = "media"
    title = "MEDIA (ELRA-S0272 speech + ELRA-E0024 annotation)"
    licence = "licensed: ELRA-S0272 / ELRA-E0024, not free"
    how_to_get = ("license MEDIA from ELRA (https://catalogue.elra.info/en-us/repository/browse/ELRA-S0272/ and "
                  ".../ELRA-E0024/) and extract both packages under the root")
    layout = ("<root>/E0024/MEDIA1FR_00/MEDIA1FR/DATA/{media_lot1..4,media_testHC_a_blanc,media_testHC}.xml and "
              "<root>/S0272/**/<dialogue id>.wav")
    defaults = {"speaker": "spk", "concepts": "relax", "xml_dir": None, "audio_dir": None}

    def _xml_dir(self, root: Path, opts: dict) -> Path | None:
        if opts["xml_dir"]:
            d = Path(opts["xml_dir"])
            return d if d.is_absolute() else root / d
        names = [f for files in XML_FILES.values() for f in files]
        return next((root / d for d in _XML_DIRS if any((root / d / f).is_file() for f in names)), None)

    def _audio_dir(self, root: Path, opts: dict) -> Path:
        if opts["audio_dir"]:
            d = Path(opts["audio_dir"])
            return d if d.is_absolute() else root / d
        return root / "S0272" if (root / "S0272").is_dir() else root

    def missing(self, root: Path, options: dict) -> str | None:
        opts = self.options(options)
        root = Path(root)
        if not root.is_dir():
            return f"{root} does not exist (expected {self.layout})"
        xml_dir = self._xml_dir(root, opts)
        if xml_dir is None:
            return f"no MEDIA XML file (media_lot1.xml, media_testHC.xml, ...) under {root} (expected {self.layout})"
        absent = [f for files in XML_FILES.values() for f in files if not (xml_dir / f).is_file()]
        if absent:
            return f"{', '.join(absent)} missing in {xml_dir} (expected {self.layout})"
        audio_dir = self._audio_dir(root, opts)
        if not audio_dir.is_dir() or next(audio_dir.rglob("*.wav"), None) is None:
            return f"no .wav file under {audio_dir} (expected {self.layout})"
        return None

    def read(self, root: Path, split: str, options: dict, *, progress: bool = False) -> SplitData:
        opts = self.options(options)
        self.corpus_split(split)
        if opts["concepts"] not in ("relax", "full"):
            raise DataError(f"option concepts={opts['concepts']!r} is not 'relax' or 'full'",
                            where=f"corpus {self.name}", fix="set concepts to 'relax' (default) or 'full'")
        root = Path(root)
        xml_dir = self._xml_dir(root, opts)
        if xml_dir is None:
            raise self.not_found(root, "no MEDIA XML file (media_lot1.xml, media_testHC.xml, ...) under the root")
        absent = [f for f in XML_FILES[split] if not (xml_dir / f).is_file()]
        if absent:
            raise self.not_found(root, f"{', '.join(absent)} missing in {xml_dir}")
        audio = index_audio(self._audio_dir(root, opts), ("wav",))
        if not audio:
            raise self.not_found(root, f"no .wav file under {self._audio_dir(root, opts)}")
        refs, labels, dropped, durations, seen = [], [], Counter(), {}, set()
        for xml in XML_FILES[split]:
            turns, d = parse_media(xml_dir / xml, speaker=opts["speaker"], full=opts["concepts"] == "full")
            dropped.update(d)
            for t in tqdm(turns, desc=f"media {xml}", unit="turn", disable=not progress, leave=False):
                wavs = audio.get(t["dialogue"])
                if not wavs:
                    raise DataError(f"no audio for dialogue {t['dialogue']} (no {t['dialogue']}.wav under "
                                    f"{self._audio_dir(root, opts)})", where=xml_dir / xml,
                                    fix="extract the whole ELRA-S0272 package under the root (or set audio_dir)")
                wav = wavs[0]
                if wav not in durations:
                    durations[wav] = audio_seconds(wav)
                end = check_segment_end(t["end"], durations[wav], audio=wav, where=t["where"])
                clip_id = f"{t['dialogue']}_{t['turn']}".replace(" ", "_")
                if clip_id in seen:
                    raise DataError(f"turn id {clip_id} appears twice", where=xml_dir / xml,
                                    fix="restore the file from the ELRA-E0024 distribution")
                seen.add(clip_id)
                refs.append(segment_ref(clip_id, wav, t["start"], end))
                labels.append(t["segments"])
        self.report_dropped(split, dropped, len(refs))
        if not refs:
            raise DataError(f"no annotated turn in {', '.join(XML_FILES[split])} ({dict(dropped)})", where=xml_dir,
                            fix="check the XML files and the option speaker (the caller's turns are "
                                "speaker=\"spk\")")
        return SplitData(split, refs, labels)
