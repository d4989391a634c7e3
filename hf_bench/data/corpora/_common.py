"""Helpers shared by the corpus readers: text cleanup, XML and table parsing, segment refs, continuous curves."""

from __future__ import annotations

import csv
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from hf_bench.data import AudioRef
from hf_bench.errors import DataError

# audio containers the corpora ship (libsndfile reads them all; NIST SPHERE only uncompressed)
AUDIO_EXTS = ("wav", "flac", "sph", "mp3", "ogg", "opus")
_WS = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """Strip and collapse whitespace (the only cleanup applied to transcripts and translations)."""
    return _WS.sub(" ", text or "").strip()


def read_text(path: Path, *, encodings: tuple[str, ...] = ("utf-8",)) -> str:
    """The text of ``path`` decoded with the first encoding that works; a DataError naming the file otherwise."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read file ({e.strerror or e})", where=path,
                        fix="check that the file exists and is readable") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as e:
            last = e
    raise DataError(f"not valid {' / '.join(encodings)} text (byte {last.start})", where=path,
                    fix="re-export the file as UTF-8 (it is not the file the corpus distributes, or it is damaged)")


def parse_xml(path: Path) -> ET.Element:
    """Parse an XML annotation file. The declared encoding is honoured; files without a (correct) declaration are
    read as ISO-8859-1, the encoding of the French corpora of that era (Transcriber, MEDIA)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read file ({e.strerror or e})", where=path,
                        fix="check that the file exists and is readable") from None
    try:
        return ET.fromstring(raw)
    except ET.ParseError as first:
        try:  # an ISO-8859-1 file declared (or defaulting to) UTF-8
            return ET.fromstring(raw.decode("iso-8859-1"))
        except ET.ParseError:
            pass
        line, col = first.position
        raise DataError(f"malformed XML at line {line}, column {col} ({first})", where=path,
                        fix="restore the file from the corpus distribution (it is damaged or edited)") from None


def seconds(value: str | None, *, where: str, what: str) -> float:
    """A time attribute as float seconds; a DataError naming the element otherwise."""
    try:
        t = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"{what} is not a number ({value!r})", where=where,
                        fix="restore the file from the corpus distribution (it is damaged or edited)") from None
    if not math.isfinite(t) or t < 0:
        raise DataError(f"{what} is not a time in seconds ({value!r})", where=where,
                        fix="restore the file from the corpus distribution (it is damaged or edited)")
    return t


def segment_ref(clip_id: str, path: Path, start: float, end: float) -> AudioRef:
    """A segment [start, end) of a longer recording. The origin ends with the file name so that its extension can
    still be read from it (``hf_bench.audio`` picks a decoder that way)."""
    return AudioRef(id=clip_id, origin=f"segment {start:.3f}-{end:.3f} s of {path}", path=path,
                    start_s=round(start, 6), end_s=round(end, 6))


def audio_seconds(path: Path) -> float | None:
    from hf_bench.audio import probe_seconds

    return probe_seconds(AudioRef(id=path.stem, origin=str(path), path=path))


def check_segment_end(end: float, duration: float | None, *, audio: Path, where: str, slack: float = 0.5) -> float:
    """``end`` clipped to the audio's duration; a segment that ends well past the audio means the annotation does
    not belong to that recording."""
    if duration is None:
        return end
    if end > duration + slack:
        raise DataError(f"a segment ends at {end:.2f} s but the audio {audio.name} lasts {duration:.2f} s", where=where,
                        fix="the annotation and the audio do not match: check that the audio file is the one the "
                            "corpus distributes for this annotation (same name, complete, not re-cut)")
    return min(end, duration)


def index_audio(folder: Path, exts: tuple[str, ...] = AUDIO_EXTS) -> dict[str, list[Path]]:
    """stem -> audio files under ``folder`` (recursive), in ``exts`` order of preference."""
    out: dict[str, list[Path]] = {}
    for ext in exts:
        for pattern in (f"*.{ext}", f"*.{ext.upper()}"):
            for p in sorted(folder.rglob(pattern)):
                if p.is_file() and p not in out.get(p.stem, []):
                    out.setdefault(p.stem, []).append(p)
    return out


def first_existing(*paths: Path) -> Path | None:
    return next((p for p in paths if p.exists()), None)


# ------------------------------------------------------------------------------------------- continuous curves
def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(column names, [(line number, cells)]) of a Weka ARFF file (``@attribute`` / ``@data``) or of a CSV file
    with a header row (``,`` or ``;`` separated, sniffed from the header)."""
    text = read_text(path, encodings=("utf-8", "iso-8859-1"))
    lines = text.splitlines()
    if path.suffix.lower() == ".arff" or any(line.strip().lower().startswith("@relation") for line in lines[:5]):
        return _read_arff(path, lines)
    body = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    if not body:
        raise DataError("empty annotation file", where=path, fix="restore the file from the corpus distribution")
    header_line = body[0][1]
    delim = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [c.strip().strip('"') for c in header_line.split(delim)]
    rows = [(n, [c.strip().strip('"') for c in line.split(delim)]) for n, line in body[1:]]
    return header, rows


def _read_arff(path: Path, lines: list[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    in_data = False
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if not s or s.startswith("%"):
            continue
        low = s.lower()
        if not in_data:
            if low.startswith("@attribute"):
                parts = s.split(None, 2)
                if len(parts) < 3:
                    raise DataError(f"malformed @attribute line {n}: {s!r}", where=path,
                                    fix="restore the file from the corpus distribution")
                header.append(parts[1].strip("'\""))
            elif low.startswith("@data"):
                in_data = True
            elif not low.startswith("@relation"):
                raise DataError(f"unexpected line {n} in the ARFF header: {s!r}", where=path,
                                fix="restore the file from the corpus distribution (ARFF: @relation, @attribute "
                                    "lines, @data, then one comma-separated row per frame)")
            continue
        rows.append((n, next(csv.reader([s], quotechar="'", skipinitialspace=True))))
    if not in_data or not header:
        raise DataError("not an ARFF file (no @attribute / @data section)", where=path,
                        fix="restore the file from the corpus distribution")
    return header, rows


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    low = [h.lower() for h in header]
    for name in names:
        if name.lower() in low:
            return low.index(name.lower())
    return None


def read_curve(path: Path, *, time_columns: tuple[str, ...], value_columns: tuple[str, ...],
               time_index: int | None = None, second_of_two: bool = False) -> tuple[list[float], list[float]]:
    """(times, values) of a continuous annotation; the columns are found by name (case-insensitive), else the
    time at ``time_index`` and, with ``second_of_two``, the value in the second of exactly two columns."""
    header, rows = read_table(path)
    ti = _column(header, time_columns)
    vi = _column(header, value_columns)
    ti = time_index if ti is None else ti
    if vi is None and second_of_two and len(header) == 2:
        vi = 1
    if ti is None or vi is None or max(ti, vi) >= len(header):
        need = [f"time ({' / '.join(time_columns)})"] if ti is None else []
        need += [f"value ({' / '.join(value_columns)})"] if vi is None else []
        raise DataError(f"no {' and no '.join(need)} column; columns are {header}", where=path,
                        fix="use the annotation files as distributed (or name the columns as listed)")
    times, values = [], []
    for n, cells in rows:
        if len(cells) != len(header):
            raise DataError(f"line {n} has {len(cells)} fields, the header has {len(header)}", where=path,
                            fix="restore the file from the corpus distribution (it is truncated or edited)")
        try:
            t, v = float(cells[ti]), float(cells[vi])
        except ValueError:
            raise DataError(f"line {n}: {header[ti]}={cells[ti]!r}, {header[vi]}={cells[vi]!r} are not numbers",
                            where=path, fix="restore the file from the corpus distribution") from None
        if not (math.isfinite(t) and math.isfinite(v)):
            raise DataError(f"line {n}: non-finite value ({cells[ti]!r}, {cells[vi]!r})", where=path,
                            fix="restore the file from the corpus distribution (missing values are not allowed)")
        times.append(t)
        values.append(v)
    if len(values) < 2:
        raise DataError(f"{len(values)} annotation value(s): too few to tell the annotation rate", where=path,
                        fix="restore the file from the corpus distribution")
    return times, values


def curve_label(path: Path, times: list[float], values: list[float], *, audio: Path, duration: float | None,
                tolerance_s: float) -> dict:
    """``{"hop_s", "start_s", "values"}`` after checking that the annotation is sampled at a constant rate and
    covers the audio (to within ``tolerance_s``)."""
    steps = [b - a for a, b in zip(times, times[1:])]
    hop = sorted(steps)[len(steps) // 2]
    if hop <= 0:
        raise DataError("the time column does not increase", where=path,
                        fix="restore the file from the corpus distribution (rows must be in time order)")
    tol = max(1e-4, 0.02 * hop)
    bad = next((i for i, s in enumerate(steps) if abs(s - hop) > tol), None)
    if bad is not None:
        raise DataError(f"annotation rate is not constant: {times[bad]:.4f} s -> {times[bad + 1]:.4f} s at row "
                        f"{bad + 2} where the period is {hop:.4f} s", where=path,
                        fix="the annotation must have one value every hop (no gaps, no duplicates): restore the file "
                            "from the corpus distribution, or resample it to a constant rate")
    start = times[0]
    if start < 0:
        raise DataError(f"the first value is at {start} s (negative)", where=path,
                        fix="restore the file from the corpus distribution")
    if duration is None:
        raise DataError(f"cannot read the duration of the audio {audio.name} from its header", where=audio,
                        fix="re-encode the audio as 16-bit PCM WAV or FLAC")
    end = start + len(values) * hop
    if abs(end - duration) > tolerance_s:
        raise DataError(f"annotation covers {end:.2f} s ({len(values)} values every {hop:g} s from {start:g} s) but "
                        f"the audio {audio.name} lasts {duration:.2f} s", where=path,
                        fix="the annotation does not belong to this recording or its time column is not in "
                            "seconds: check the file names and restore both files from the corpus distribution")
    return {"hop_s": round(hop, 6), "start_s": round(start, 6), "values": values}
