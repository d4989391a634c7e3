"""WenetSpeech-Wu-Bench (ASLP-lab): Wu-dialect ASR, Wu-to-Mandarin AST, speaker gender / age, emotion.

Two layouts are read (option ``task``: ``asr``, ``ast``, ``gender``, ``age`` or ``emotion``):

* the published JSONL formats, one folder per task::

      <root>/<task>/{train,dev,test}.jsonl   (asr: wenet {"key", "wav", "txt"}; the others: ms-swift chat lines
                                              whose assistant turn is the translation or the label)

  audio paths relative to the JSONL file's folder; only ``test.jsonl`` is needed to evaluate a fine-tuned model
  (``hf-bench infer``), ``train`` / ``dev`` to fine-tune one (``--probe lora``);
* the Hugging Face dataset ``ASLP-lab/WenetSpeech-Wu-Bench`` (``hf-bench prepare`` downloads it at
  ``REVISION`` into the root): ``data/<split>-*.parquet`` with an ``audio`` column and one column per task
  (``text``, ``translation``, ``gender``, ``age``, ``emotion``), checked on read.

As of the reference's last check the data is announced but not released (HF discussions "Data release?" and "No
Data Release"), so no commit can be pinned yet: ``REVISION`` is the branch until one is published.
"""

from __future__ import annotations

from pathlib import Path

from hf_bench.data import AudioRef, SplitData
from hf_bench.data.corpora import CorpusReader
from hf_bench.errors import DataError, OfflineError

REPO_ID = "ASLP-lab/WenetSpeech-Wu-Bench"
REVISION = "main"  # no data commit exists yet (see the module docstring); pin it when the release lands
HOMEPAGE = "https://huggingface.co/datasets/ASLP-lab/WenetSpeech-Wu-Bench"
COLUMN = {"asr": "text", "ast": "translation", "gender": "gender", "age": "age", "emotion": "emotion"}


class WenetSpeechWuReader(CorpusReader):
    name = "wenetspeech_wu"
    title = "WenetSpeech-Wu-Bench (ASLP-lab)"
    licence = "announced on the Hugging Face Hub; not released at the time of writing"
    how_to_get = (f"`hf-bench prepare --task wu_bench_<task>` downloads {REPO_ID} once it is public; or export "
                  "your copy as <root>/<task>/test.jsonl (wenet or swift format)")
    layout = "<root>/<task>/{train,dev,test}.jsonl or <root>/data/<split>-*.parquet"
    downloadable = True
    defaults = {"task": "asr"}

    def _jsonl(self, root: Path, task: str, split: str) -> Path:
        return Path(root) / task / f"{self.corpus_split(split)}.jsonl"

    def _parquet(self, root: Path, split: str) -> list[Path]:
        return sorted((Path(root) / "data").glob(f"{self.corpus_split(split)}-*.parquet"))

    def missing(self, root, options):
        task = self.options(options)["task"]
        if self._jsonl(root, task, "test").is_file() or self._parquet(root, "test"):
            return None
        return f"neither {task}/test.jsonl nor data/test-*.parquet under {root}"

    def read(self, root, split, options, *, progress=False):
        from hf_bench.wu.formats import read_samples

        task = self.options(options)["task"]
        path = self._jsonl(root, task, split)
        if path.is_file():
            _, samples = read_samples(path)
            bad = [s.key for s in samples if not s.answer]
            if bad:
                raise DataError(f"{len(bad)} item(s) without a reference ({', '.join(bad[:5])})", where=path,
                                fix="every line needs its transcript (txt) or assistant answer")
            refs = [AudioRef(id=s.key, origin=f"{path}:{s.key}", path=s.audio) for s in samples]
            return SplitData(split, refs, [s.answer for s in samples])
        files = self._parquet(root, split)
        if not files:
            raise self.not_found(root, f"no {path.relative_to(root)} and no data/{self.corpus_split(split)}-*.parquet")
        return self._read_parquet(files, task, split)

    def _read_parquet(self, files: list[Path], task: str, split: str) -> SplitData:
        import pyarrow.parquet as pq

        col = COLUMN[task]
        refs, labels = [], []
        for f in files:
            table = pq.read_table(f)
            cols = table.column_names
            for need in ("audio", col):
                if need not in cols:
                    raise DataError(f"no {need!r} column (columns: {', '.join(cols)})", where=f,
                                    fix=f"the {task} task reads `audio` and `{col}`")
            ids = table.column("id").to_pylist() if "id" in cols else None
            for i, (audio, label) in enumerate(zip(table.column("audio").to_pylist(), table.column(col).to_pylist())):
                origin = f"{f}:row {i}"
                if not isinstance(audio, dict) or not (audio.get("bytes") or audio.get("path")):
                    raise DataError("row has no audio bytes or path", where=origin, fix="check the audio column")
                if not isinstance(label, str) or not label.strip():
                    raise DataError(f"row has no {col}", where=origin, fix=f"every row needs its {col}")
                path = Path(audio["path"]) if audio.get("path") and not audio.get("bytes") else None
                if path is not None and not path.is_absolute():
                    path = f.parent.parent / path
                refs.append(AudioRef(id=str(ids[i]) if ids else f"{split}/{len(refs)}", origin=origin, path=path,
                                     data=audio.get("bytes")))
                labels.append(label.strip())
        return SplitData(split, refs, labels)

    def download(self, root, options, *, progress=True, force=False):
        from huggingface_hub import snapshot_download

        from hf_bench.utils.hub import is_connection_error

        try:
            snapshot_download(REPO_ID, repo_type="dataset", revision=REVISION, local_dir=str(root))
        except Exception as e:  # noqa: BLE001
            if is_connection_error(e):
                raise OfflineError(f"cannot reach the Hub for {REPO_ID}", where=root,
                                   fix=f"connect to the internet (unset HF_HUB_OFFLINE), or put your copy there: "
                                       f"{self.layout}") from None
            raise DataError(f"{REPO_ID}@{REVISION} cannot be downloaded ({type(e).__name__}: {e}); the data may "
                            "not be released yet", where=HOMEPAGE, fix=self.how_to_get) from None
        return Path(root)


__all__ = ["WenetSpeechWuReader", "REPO_ID", "REVISION", "COLUMN"]
