"""Multilingual TEDx (OpenSLR 100): French TEDx talks with English, Spanish and Portuguese translations.

Layout of a language-pair release, verified against the release's ``docs/README.txt`` (v1.0, 02/01/2021: one
archive per pair, "data/ docs/"; each split "organized in ... txt/ ... wav/"), fairseq's
``examples/speech_to_text/prep_mtedx_data.py`` (``<root>/<pair>/data/<split>/{wav,txt}``, splits ``train``,
``valid``, ``test``, talks ``wav/<talk>.flac``) and public readers of ``txt/segments``::

    <root>/<pair>/data/{train,valid,test}/txt/segments         "<segment id> <talk id> <start s> <end s>" a line
    <root>/<pair>/data/{train,valid,test}/txt/<split>.fr       French transcript, one line per segment line
    <root>/<pair>/data/{train,valid,test}/txt/<split>.<tgt>    translation (en / es / pt), one line per segment
    <root>/<pair>/data/{train,valid,test}/wav/<talk id>.flac   the whole talk

(``<root>/mtedx_<pair>/`` is accepted as well as ``<root>/<pair>/``.) The release also ships ``<split>.yaml``
(the same segmentation) and ``.vtt`` subtitles, which are not read.

Options: ``pair`` ("fr-en" default, "fr-es", "fr-pt"); ``base_url`` (download mirror; else environment variable
``HF_BENCH_MTEDX_URL``, else ``https://www.openslr.org/resources/100``; ``https://openslr.elda.org/resources/100``
is the European mirror); ``sha256`` (expected checksum of the archive, checked when given).

Utterances: each segment of ``txt/segments`` is an ``AudioRef`` segment of its talk's FLAC, id = the segment id
(``<talk>_<n>``). Labels: ``{"translation": <target line>, "source": <French line>}``, whitespace collapsed.
Segments with an empty transcript or translation (``empty``) or no duration (``zero_length``) are dropped and
counted in ``reader.dropped[split]``. A segment file whose line count differs from the text files is an error.

Download (``download``): ``<base_url>/mtedx_<pair>.tgz`` (e.g. https://www.openslr.org/resources/100/mtedx_fr-en.tgz,
several GB), resumable over HTTP (``Range``) into ``<root>/mtedx_<pair>.tgz.part``, then extracted with
``tarfile``'s ``"data"`` filter (no absolute paths, no ``..``, no links out of the folder) into a staging folder,
moved into place as ``<root>/<pair>`` in one rename, and a done marker
``<root>/<pair>/.hf_bench_download.json`` written last. OpenSLR publishes no checksum for these archives (none
could be found on the resource page, in the release README or in the recipes that download them), so the marker
records the sha256 of the archive as downloaded; pass ``sha256`` to pin it. The archive is deleted after a
successful extraction.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tarfile
import time
import zlib
from collections import Counter
from pathlib import Path, PurePosixPath

from tqdm.auto import tqdm

from hf_bench.data import SplitData
from hf_bench.data.corpora import CorpusReader
from hf_bench.data.corpora._common import audio_seconds, check_segment_end, clean_text, read_text, segment_ref
from hf_bench.errors import DataError, OfflineError
from hf_bench.utils.io import atomic_write_json, ensure_dir, file_lock, sha256_file

DEFAULT_URL = "https://www.openslr.org/resources/100"
URL_ENV = "HF_BENCH_MTEDX_URL"
PAIRS = ("fr-en", "fr-es", "fr-pt")
DONE_MARKER = ".hf_bench_download.json"
_SPLITS = {"train": "train", "valid": "valid", "test": "test"}


def archive_url(pair: str, base_url: str | None = None) -> str:
    base = base_url or os.environ.get(URL_ENV) or DEFAULT_URL
    return f"{base.rstrip('/')}/mtedx_{pair}.tgz"


class _FilterError(Exception):
    pass


_FILTER_ERRORS = (_FilterError, getattr(tarfile, "FilterError", _FilterError))


def _unsafe(member: tarfile.TarInfo) -> bool:
    """A member that could write outside the extraction folder (checked before ``tarfile``'s own "data" filter)."""
    p = PurePosixPath(member.name.replace("\\", "/"))
    return (p.is_absolute() or ".." in p.parts or member.issym() or member.islnk() or member.isdev()
            or member.isfifo())


class MtedxReader(CorpusReader):
    name = "mtedx"
    title = "Multilingual TEDx (OpenSLR 100)"
    licence = "public, CC BY-NC-ND 4.0"
    how_to_get = ("download https://www.openslr.org/resources/100/mtedx_<pair>.tgz and extract it under the root "
                  "(or let hf_bench download it)")
    layout = ("<root>/<pair>/data/{train,valid,test}/txt/{segments,<split>.fr,<split>.<tgt>} and "
              "<root>/<pair>/data/<split>/wav/<talk>.flac")
    downloadable = True
    defaults = {"pair": "fr-en", "base_url": None, "sha256": None}
    split_map = _SPLITS

    @staticmethod
    def _pair(opts: dict) -> tuple[str, str]:
        pair = opts["pair"]
        if pair not in PAIRS:
            raise DataError(f"option pair={pair!r} is not a French-source pair of mTEDx", where="corpus mtedx",
                            fix=f"use one of {', '.join(PAIRS)}")
        return pair, pair.split("-")[1]

    @staticmethod
    def _pair_dir(root: Path, pair: str) -> Path:
        for d in (root / pair, root / f"mtedx_{pair}"):
            if (d / "data").is_dir():
                return d
        return root / pair

    def _files(self, root: Path, pair: str, tgt: str, name: str) -> dict[str, Path]:
        base = self._pair_dir(root, pair) / "data" / name
        return {"segments": base / "txt" / "segments", "source": base / "txt" / f"{name}.fr",
                "target": base / "txt" / f"{name}.{tgt}", "wav": base / "wav"}

    def missing(self, root: Path, options: dict) -> str | None:
        opts = self.options(options)
        pair, tgt = self._pair(opts)
        root = Path(root)
        if not self._pair_dir(root, pair).is_dir():
            return (f"{root / pair} does not exist (not downloaded: run the download, or extract "
                    f"{archive_url(pair, opts['base_url'])} under {root}; expected {self.layout})")
        absent = []
        for name in _SPLITS.values():
            files = self._files(root, pair, tgt, name)
            absent += [str(p.relative_to(root)) for p in files.values() if not p.exists()]
        if absent:
            return f"{', '.join(absent[:4])}{' ...' if len(absent) > 4 else ''} missing (expected {self.layout})"
        return None

    # ------------------------------------------------------------------------------------------------ read
    def read(self, root: Path, split: str, options: dict, *, progress: bool = False) -> SplitData:
        opts = self.options(options)
        pair, tgt = self._pair(opts)
        name = self.corpus_split(split)
        root = Path(root)
        if not self._pair_dir(root, pair).is_dir():
            raise self.not_found(root, f"{root / pair} does not exist (not downloaded: run the download, or extract "
                                       f"{archive_url(pair, opts['base_url'])} under {root})")
        files = self._files(root, pair, tgt, name)
        absent = [p for p in files.values() if not p.exists()]
        if absent:
            raise self.not_found(root, f"{', '.join(str(p) for p in absent)} missing")
        seg_lines = [s for s in read_text(files["segments"]).splitlines() if s.strip()]
        src_lines = read_text(files["source"]).splitlines()
        tgt_lines = read_text(files["target"]).splitlines()
        # a final newline or trailing blank lines must not count as segments
        while src_lines and not src_lines[-1].strip() and len(src_lines) > len(seg_lines):
            src_lines.pop()
        while tgt_lines and not tgt_lines[-1].strip() and len(tgt_lines) > len(seg_lines):
            tgt_lines.pop()
        for key, lines in (("source", src_lines), ("target", tgt_lines)):
            if len(lines) != len(seg_lines):
                raise DataError(f"{len(lines)} lines but {files['segments'].name} has {len(seg_lines)} segments",
                                where=files[key], fix="the text files and the segment list must be aligned line by "
                                                      "line: restore the split from the mTEDx archive")
        refs, labels, dropped, durations, seen = [], [], Counter(), {}, set()
        for n, (seg, src, trg) in enumerate(tqdm(list(zip(seg_lines, src_lines, tgt_lines)),
                                                 desc=f"mtedx {pair} {name}", unit="segment", disable=not progress,
                                                 leave=False), 1):
            fields = seg.split()
            where = f"{files['segments']}:{n}"
            if len(fields) != 4:
                raise DataError(f"line {n} has {len(fields)} fields, expected 4 (segment id, talk id, start, end)",
                                where=files["segments"], fix="restore the file from the mTEDx archive")
            seg_id, talk = fields[0], fields[1]
            try:
                start, end = float(fields[2]), float(fields[3])
            except ValueError:
                raise DataError(f"line {n}: start/end {fields[2]!r} {fields[3]!r} are not seconds",
                                where=files["segments"], fix="restore the file from the mTEDx archive") from None
            if seg_id in seen:
                raise DataError(f"segment id {seg_id} appears twice", where=files["segments"],
                                fix="restore the file from the mTEDx archive")
            seen.add(seg_id)
            source, translation = clean_text(src), clean_text(trg)
            if not source or not translation:
                dropped["empty"] += 1
                continue
            if end <= start:
                dropped["zero_length"] += 1
                continue
            wav = files["wav"] / f"{talk}.flac"
            if talk not in durations:
                if not wav.is_file():
                    raise DataError(f"talk {talk} has no audio ({wav.name} is missing)", where=files["wav"],
                                    fix="extract the whole mTEDx archive again (the copy is incomplete)")
                durations[talk] = audio_seconds(wav)
            end = check_segment_end(end, durations[talk], audio=wav, where=where)
            refs.append(segment_ref(seg_id, wav, start, end))
            labels.append({"translation": translation, "source": source})
        self.report_dropped(split, dropped, len(refs))
        if not refs:
            raise DataError(f"no segment left in split {name} ({dict(dropped)})", where=files["segments"],
                            fix="restore the split from the mTEDx archive")
        return SplitData(split, refs, labels)

    # -------------------------------------------------------------------------------------------- download
    def download(self, root: Path, options: dict, *, progress: bool = True, force: bool = False,
                 timeout: float = 60.0) -> Path:
        """Fetch and extract ``mtedx_<pair>.tgz`` into ``<root>/<pair>``; returns ``root`` (the folder to read).

        Idempotent: a done marker for the same archive URL, or a readable copy extracted by hand, is kept unless
        ``force``. An interrupted download resumes from its ``.part`` file.
        """
        from hf_bench.data.zenodo import _fetch

        opts = self.options(options)
        pair, _ = self._pair(opts)
        root = ensure_dir(root)
        url = archive_url(pair, opts["base_url"])
        dest = root / pair
        marker = dest / DONE_MARKER
        with file_lock(root / f".mtedx_{pair}"):
            if not force:
                with contextlib.suppress(ValueError, OSError):
                    if json.loads(marker.read_text(encoding="utf-8")).get("archive") == Path(url).name:
                        return root
                if not marker.exists() and self.missing(root, opts) is None:
                    return root  # extracted by hand: leave it alone
            archive = root / f"mtedx_{pair}.tgz"
            part = root / f"mtedx_{pair}.tgz.part"
            if force:
                part.unlink(missing_ok=True)
                archive.unlink(missing_ok=True)
            if not archive.is_file():
                try:
                    _fetch(url, part, progress=progress, timeout=timeout)
                except OfflineError as e:  # _fetch's advice speaks of Zenodo: say it for OpenSLR
                    manual = f"download {url} yourself and extract it under {root} (so that {dest}/data/train exists)"
                    first = ("check the mirror (option base_url or HF_BENCH_MTEDX_URL)"
                             if e.problem.startswith("download failed: HTTP") else
                             f"connect to the internet and rerun (the download resumes from {part.name})")
                    raise OfflineError(e.problem, where=e.where, fix=f"{first}, or {manual}") from None
                os.replace(part, archive)
            digest = sha256_file(archive)
            if opts["sha256"] and digest.lower() != str(opts["sha256"]).lower():
                archive.unlink(missing_ok=True)
                raise DataError(f"sha256 mismatch: expected {opts['sha256']}, got {digest}; the archive was deleted",
                                where=url, fix="rerun the download; if it keeps failing the archive changed "
                                               "upstream and the sha256 option must be updated")
            count = self._extract(archive, root, pair, dest, progress=progress)
            atomic_write_json(marker, {"pair": pair, "archive": archive.name, "url": url, "sha256": digest,
                                       "checksum_published": False, "size": archive.stat().st_size,
                                       "files": count, "completed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
            archive.unlink(missing_ok=True)
        return root

    @staticmethod
    def _extract(archive: Path, root: Path, pair: str, dest: Path, *, progress: bool) -> int:
        staging = root / f".mtedx_{pair}.extracting"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            try:
                with tarfile.open(archive, "r:*") as tf:
                    members = tf.getmembers()
                    bad = [m.name for m in members if _unsafe(m)]
                    if bad:
                        raise _FilterError(f"{bad[0]!r} is absolute, leaves the folder, or is a link/device")
                    kw = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python >= 3.10.12
                    for m in tqdm(members, desc=f"extract {archive.name}", unit="file", disable=not progress,
                                  leave=False):
                        tf.extract(m, staging, **kw)
            except _FILTER_ERRORS as e:
                raise DataError(f"archive has an unsafe member ({e}); nothing was extracted", where=archive,
                                fix="do not use this archive: it tries to write outside its folder (delete it and "
                                    "download again from OpenSLR)") from None
            except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
                archive.unlink(missing_ok=True)
                raise DataError(f"the archive is corrupt or truncated ({e}); it was deleted", where=archive,
                                fix="rerun to download it again") from None
            top = next((d for d in (staging / pair, staging / f"mtedx_{pair}", staging) if (d / "data").is_dir()),
                       None)
            if top is None:
                raise DataError(f"the archive has no {pair}/data folder", where=archive,
                                fix=f"this is not an mTEDx {pair} release archive: delete it and download again")
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(top, dest)
            return sum(1 for m in members if m.isfile())
        finally:
            shutil.rmtree(staging, ignore_errors=True)

