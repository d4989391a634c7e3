"""The official ZeroSpeech dataset layouts (sLM21, ProsAudit), with or without the toolkit's ``index.json``.

Without ``index.json`` the gold files sit at their archive paths (``lexical/dev/gold.csv``,
``semantic/dev/pairs.csv``, ``english/test/gold.csv``...) and the expected submission ids are the ``filename``
column of each gold file. With ``index.json`` (as written by ``zrc datasets:pull``) every path and wav list comes
from it, exactly as the original toolkit reads it. Gold columns are always read by name, never by position.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from hf_bench.errors import DataError
from hf_bench.zerospeech.constants import (
    GOLD_COLUMNS,
    GOLD_FILES,
    HUMAN_COLUMNS,
    PAIRS_COLUMNS,
    PAIRS_FILES,
    SEMANTIC_TYPES,
    SETS,
    TASKS,
    check_benchmark,
)
from hf_bench.zerospeech.report import examples

if TYPE_CHECKING:
    import pandas as pd

INDEX_FILE = "index.json"
_GOLD_FIX = ("the dataset needs the gold CSVs of the official layout (the public zip has none, see docs/zerospeech.md); "
             "point --dataset at the directory that holds them")


def _line(row_position: int) -> int:
    """1-based line number of a data row in a CSV with one header line."""
    return int(row_position) + 2


class ZeroSpeechDataset:
    """Read-only access to one benchmark's gold files and expected ids."""

    def __init__(self, benchmark: str, root: str | os.PathLike):
        self.benchmark = check_benchmark(benchmark)
        self.root = Path(root).expanduser()
        if not self.root.is_dir():
            raise DataError("dataset directory not found", where=self.root,
                            fix=f"pass the {self.benchmark} dataset directory with --dataset "
                                f"(get it with `hf-bench zerospeech download {self.benchmark} DEST`)")
        self.index_file = self.root / INDEX_FILE
        self.index = self._load_index() if self.index_file.is_file() else None
        expected = {t.split("_")[0] for t in TASKS[self.benchmark]}
        if self.index is None and not any((self.root / t).is_dir() for t in expected):
            raise DataError(f"does not look like the {self.benchmark} dataset: no index.json and none of "
                            f"{', '.join(sorted(expected))}/ inside", where=self.root,
                            fix=f"pass the directory that holds {', '.join(sorted(expected))}/ (or index.json)")
        self._gold: dict = {}

    # ---- index.json -------------------------------------------------------------------------------------------
    def _load_index(self) -> dict:
        try:
            index = json.loads(self.index_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise DataError(f"cannot read index.json ({e})", where=self.index_file,
                            fix="restore the file, or delete it to use the archive's default layout") from None
        if not isinstance(index, dict) or not isinstance(index.get("subsets"), dict):
            raise DataError("index.json has no 'subsets' mapping", where=self.index_file,
                            fix="restore the file, or delete it to use the archive's default layout")
        return index

    def _index_item(self, subset: str, item: str) -> dict:
        assert self.index is not None
        sub = self.index["subsets"].get(subset)
        items = sub.get("items") if isinstance(sub, dict) else None
        entry = items.get(item) if isinstance(items, dict) else None
        if not isinstance(entry, dict):
            raise DataError(f"index.json has no item subsets.{subset}.items.{item}", where=self.index_file,
                            fix="restore the file, or delete it to use the archive's default layout")
        return entry

    def _index_path(self, name: str, relative: bool) -> Path:
        p = Path(name)
        return self.root / p if relative and not p.is_absolute() else p

    def _index_file(self, subset: str, item: str) -> Path:
        entry = self._index_item(subset, item)
        if not isinstance(entry.get("file"), str):
            raise DataError(f"subsets.{subset}.items.{item} has no 'file'", where=self.index_file,
                            fix="restore the file, or delete it to use the archive's default layout")
        return self._index_path(entry["file"], entry.get("relative_path", True))

    def _index_list(self, subset: str, item: str) -> list[Path]:
        entry = self._index_item(subset, item)
        files = entry.get("files_list")
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise DataError(f"subsets.{subset}.items.{item} has no 'files_list' of paths", where=self.index_file,
                            fix="restore the file, or delete it to use the archive's default layout")
        rel = entry.get("relative_path", True)
        return [self._index_path(f, rel) for f in files]

    # ---- paths ------------------------------------------------------------------------------------------------
    def _check(self, task: str, set_: str) -> None:
        if task not in TASKS[self.benchmark] or set_ not in SETS:
            raise DataError(f"{self.benchmark} has no task/set {task}/{set_}", where="--tasks/--sets",
                            fix=f"tasks: {', '.join(TASKS[self.benchmark])}; sets: {', '.join(SETS)}")

    def gold_file(self, task: str, set_: str) -> Path:
        self._check(task, set_)
        if self.index is not None:
            return self._index_file(f"{task}_{set_}", "gold")
        return self.root / GOLD_FILES[(task, set_)]

    def pairs_file(self, set_: str) -> Path:
        self._check("semantic", set_)
        if self.index is not None:
            return self._index_file(f"semantic_{set_}", "pairs")
        return self.root / PAIRS_FILES[set_]

    def wav_files(self, task: str, set_: str, kind: str | None = None) -> list[Path]:
        """The dataset's wav files for a task/set (semantic: ``kind`` = synthetic or librispeech), in list order."""
        self._check(task, set_)
        if task == "semantic" and kind not in SEMANTIC_TYPES:
            raise ValueError(f"semantic needs kind in {SEMANTIC_TYPES}")
        if self.index is not None:
            item = f"{kind}_wav_list" if task == "semantic" else "wav_list"
            return self._index_list(f"{task}_{set_}", item)
        gold = self.gold(task, set_)
        if task == "semantic":
            names = gold.loc[gold["type"] == kind, "filename"].tolist()
            return [self.root / "semantic" / set_ / kind / f"{n}.wav" for n in names]
        return [self.root / task / set_ / f"{n}.wav" for n in gold["filename"].tolist()]

    def expected_ids(self, task: str, set_: str, kind: str | None = None) -> list[str]:
        """Ids a submission must provide (file stems), as the original toolkit derives them from the wav lists."""
        if self.index is None:  # no wav list: the gold file is the list; keeps ids like 'a.b' intact
            gold = self.gold(task, set_)
            if task == "semantic":
                return gold.loc[gold["type"] == kind, "filename"].tolist()
            return gold["filename"].tolist()
        return [p.stem for p in self.wav_files(task, set_, kind)]

    # ---- gold files -------------------------------------------------------------------------------------------
    def gold(self, task: str, set_: str) -> "pd.DataFrame":
        """The gold CSV of a task/set, checked: required columns present (by name), filenames unique, labels valid."""
        key = ("gold", task, set_)
        if key not in self._gold:
            path = self.gold_file(task, set_)
            df = _read_csv(path)
            _require_columns(df, GOLD_COLUMNS[task], path)
            # semantic filenames only need to be unique within a type: features live in semantic/<set>/<type>/
            _check_unique(df, "filename", path, within="type" if task == "semantic" else None)
            df["filename"] = df["filename"].astype(str)
            if task == "semantic":
                _check_values(df, "type", set(SEMANTIC_TYPES), path)
            else:
                _check_correct(df, path)
            if task == "lexical":
                df["frequency"] = _to_int64(df, "frequency", path)
            self._gold[key] = df
        return self._gold[key]

    def pairs(self, set_: str) -> "pd.DataFrame":
        """``semantic/<set>/pairs.csv``: type, dataset, word_1, word_2 and similarity and/or relatedness."""
        key = ("pairs", "semantic", set_)
        if key not in self._gold:
            path = self.pairs_file(set_)
            df = _read_csv(path)
            _require_columns(df, PAIRS_COLUMNS, path)
            if not any(c in df.columns for c in HUMAN_COLUMNS):
                raise DataError("pairs file has neither a 'similarity' nor a 'relatedness' column", where=path,
                                fix="restore the official pairs.csv (columns type,dataset,word_1,word_2,similarity,"
                                    "relatedness)")
            _check_values(df, "type", set(SEMANTIC_TYPES), path)
            self._gold[key] = df
        return self._gold[key]

    @cached_property
    def name(self) -> str:
        return self.root.name


def load_dataset(benchmark: str, root: str | os.PathLike) -> ZeroSpeechDataset:
    return ZeroSpeechDataset(benchmark, root)


def _read_csv(path: Path) -> "pd.DataFrame":
    import pandas as pd

    if not path.is_file():
        raise DataError("gold file not found", where=path, fix=_GOLD_FIX)
    try:
        # filename is an id (leading zeros and 'a.b' must survive); everything else keeps pandas' inference, like the
        # original, so that ids sort the same way in the outputs
        return pd.read_csv(path, header=0, dtype={"filename": str})
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise DataError(f"cannot parse CSV ({type(e).__name__}: {e})", where=path, fix=_GOLD_FIX) from None


def _require_columns(df: "pd.DataFrame", required: tuple[str, ...], path: Path) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}",
                        where=path, fix=f"the header must name at least: {','.join(required)} (any order)")


def _check_unique(df: "pd.DataFrame", column: str, path: Path, within: str | None = None) -> None:
    null = df[column].isna()
    if null.any():
        rows = [f"line {_line(i)}" for i in df.index[null]]
        raise DataError(f"empty {column} on {examples(rows)}", where=path, fix=f"every row needs a {column}")
    dup = df.duplicated([within, column] if within else [column], keep=False)
    if dup.any():
        vals = sorted(set(df.loc[dup, column].astype(str)))
        raise DataError(f"{len(vals)} duplicated {column} value(s): {examples(vals)}", where=path,
                        fix=f"each {column} must appear on one row only")


def _check_values(df: "pd.DataFrame", column: str, allowed: set, path: Path) -> None:
    bad = ~df[column].isin(allowed)
    if bad.any():
        rows = [f"line {_line(i)} ({df.at[i, column]!r})" for i in df.index[bad]]
        raise DataError(f"unexpected {column} on {examples(rows)}", where=path,
                        fix=f"{column} must be one of: {', '.join(sorted(allowed))}")


def _check_correct(df: "pd.DataFrame", path: Path) -> None:
    import pandas as pd

    values = pd.to_numeric(df["correct"], errors="coerce")
    bad = ~values.isin([0, 1])
    if bad.any():
        rows = [f"line {_line(i)} ({df.at[i, 'correct']!r})" for i in df.index[bad]]
        raise DataError(f"'correct' must be 1 (legal item) or 0 (illegal item); bad values on {examples(rows)}",
                        where=path, fix="restore the official gold file")
    df["correct"] = values.astype("int64")


def _to_int64(df: "pd.DataFrame", column: str, path: Path):
    try:
        return df[column].astype("Int64")
    except (TypeError, ValueError):
        import pandas as pd

        num = pd.to_numeric(df[column], errors="coerce")
        bad = (num.isna() & df[column].notna()) | (num.notna() & (num % 1 != 0))
        rows = [f"line {_line(i)} ({df.at[i, column]!r})" for i in df.index[bad]]
        raise DataError(f"{column} must be a whole number; bad values on {examples(rows)}", where=path,
                        fix="restore the official gold file") from None


__all__ = ["ZeroSpeechDataset", "load_dataset", "INDEX_FILE"]
