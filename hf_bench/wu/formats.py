"""The two data formats WenetSpeech-Wu publishes, read and written exactly.

* **wenet** JSONL (Conformer-U2pp-Wu, Whisper-Medium-Wu): one utterance per line, ``{"key", "wav", "txt"}``
  (``txt`` optional at inference).
* **swift** chat JSONL (ms-swift, Step-Audio2-Wu-ASR / -Und): ``{"messages": [{"role": "user", "content":
  "<audio>PROMPT"}, {"role": "assistant", "content": ANSWER}], "audios": [path]}``; one ``<audio>`` in the user
  turns per entry of ``audios``.

Reading checks every line and reports every bad one at once (file and line number, what is wrong); audio paths
are taken as written, relative ones from the JSONL file's folder, and must exist. Writing is atomic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from hf_bench.errors import DataError
from hf_bench.utils.io import atomic_open
from hf_bench.wu.prompts import AUDIO_TAG

FORMATS = ("wenet", "swift")
MAX_LISTED = 10


@dataclass(frozen=True)
class Sample:
    """One utterance in either format: its key, the audio file, the user prompt (swift; ``<audio>`` included)
    and the reference answer (transcript, translation or label; None when the file has none)."""
    key: str
    audio: Path
    answer: str | None
    prompt: str | None = None
    extra: dict = field(default_factory=dict, compare=False)   # other fields of the line, kept on a round trip

    def messages(self, prompt: str | None = None) -> list[dict]:
        """The swift conversation: the user turn, then the assistant's answer when there is one."""
        user = prompt if prompt is not None else self.prompt
        if user is None:
            raise ValueError(f"sample {self.key}: no prompt to build a conversation from")
        out = [{"role": "user", "content": user}]
        if self.answer is not None:
            out.append({"role": "assistant", "content": self.answer})
        return out


class _Problems:
    def __init__(self, path: Path):
        self.path, self.items = path, []

    def add(self, line: int, what: str):
        self.items.append(f"line {line}: {what}")

    def raise_if_any(self, fix: str):
        if self.items:
            shown = self.items[:MAX_LISTED]
            more = f"; and {len(self.items) - MAX_LISTED} more" if len(self.items) > MAX_LISTED else ""
            raise DataError(f"{len(self.items)} bad line(s): " + "; ".join(shown) + more, where=self.path, fix=fix)


def _lines(path: Path, problems: _Problems):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError("file not found", where=path, fix="check the path") from None
    except UnicodeDecodeError as e:
        raise DataError(f"not UTF-8 text ({e.reason} at byte {e.start})", where=path,
                        fix="write the JSONL as UTF-8") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            problems.add(n, f"not JSON ({e.msg})")
            continue
        if not isinstance(obj, dict):
            problems.add(n, "not a JSON object")
            continue
        yield n, obj


def _audio_path(value, base: Path, n: int, problems: _Problems, check: bool) -> Path | None:
    if not isinstance(value, str) or not value:
        problems.add(n, f"audio path is {value!r}, not a file path")
        return None
    p = Path(value)
    p = p if p.is_absolute() else base / p
    if check and not p.is_file():
        problems.add(n, f"audio file {value} does not exist")
        return None
    return p


def read_wenet(path: str | Path, *, check_audio: bool = True) -> list[Sample]:
    """The utterances of a wenet JSONL file (``txt`` may be absent: ``answer`` is then None)."""
    path = Path(path)
    problems, out, seen = _Problems(path), [], {}
    for n, obj in _lines(path, problems):
        missing = [k for k in ("key", "wav") if k not in obj]
        if missing:
            problems.add(n, f"no {' / '.join(map(repr, missing))} field (a wenet line is "
                            '{"key": ..., "wav": ..., "txt": ...})')
            continue
        key = str(obj["key"])
        if key in seen:
            problems.add(n, f"key {key!r} repeats line {seen[key]}")
            continue
        seen[key] = n
        txt = obj.get("txt")
        if txt is not None and not isinstance(txt, str):
            problems.add(n, f"txt is {type(txt).__name__}, not text")
            continue
        audio = _audio_path(obj["wav"], path.parent, n, problems, check_audio)
        if audio is not None:
            out.append(Sample(key, audio, txt, extra={k: v for k, v in obj.items() if k not in ("key", "wav", "txt")}))
    problems.raise_if_any("fix those lines: each is one JSON object with a unique key and an existing wav file")
    return out


def _check_messages(messages, audios, n: int, problems: _Problems) -> tuple[str, str | None] | None:
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        problems.add(n, "messages is not a list of {role, content} objects")
        return None
    users = [m for m in messages if m.get("role") == "user"]
    if not users:
        problems.add(n, "no user turn in messages")
        return None
    tags = sum(str(m.get("content", "")).count(AUDIO_TAG) for m in users)
    if tags == 0:
        problems.add(n, f"no {AUDIO_TAG} in the user turn (ms-swift puts the audio where {AUDIO_TAG} stands)")
        return None
    if tags != len(audios):
        problems.add(n, f"{tags} {AUDIO_TAG} tag(s) in the user turns but {len(audios)} audio file(s)")
        return None
    answers = [m for m in messages if m.get("role") == "assistant"]
    answer = answers[-1].get("content") if answers else None
    if answer is not None and not isinstance(answer, str):
        problems.add(n, "the assistant turn's content is not text")
        return None
    return str(users[-1].get("content", "")), answer


def read_swift(path: str | Path, *, check_audio: bool = True, key_field: str = "key") -> list[Sample]:
    """The conversations of an ms-swift JSONL file, one audio each (hf_bench's tasks are single-clip).

    Keys: the line's ``key`` field where present (hf_bench's export writes one; ms-swift ignores it), else the
    audio path.
    """
    path = Path(path)
    problems, out, seen = _Problems(path), [], {}
    for n, obj in _lines(path, problems):
        audios = obj.get("audios")
        if audios is None:
            problems.add(n, 'no "audios" field (a swift line is {"messages": [...], "audios": [path]})')
            continue
        if isinstance(audios, str):
            audios = [audios]
        if not isinstance(audios, list) or len(audios) != 1:
            problems.add(n, f"audios holds {len(audios) if isinstance(audios, list) else audios!r}: hf_bench reads "
                            "one audio file per conversation")
            continue
        turn = _check_messages(obj.get("messages"), audios, n, problems)
        if turn is None:
            continue
        audio = _audio_path(audios[0], path.parent, n, problems, check_audio)
        if audio is None:
            continue
        key = str(obj.get(key_field, audios[0]))
        if key in seen:
            problems.add(n, f"key {key!r} repeats line {seen[key]}")
            continue
        seen[key] = n
        extra = {k: v for k, v in obj.items() if k not in ("messages", "audios", key_field)}
        out.append(Sample(key, audio, turn[1], prompt=turn[0], extra=extra))
    problems.raise_if_any("fix those lines: each needs messages with a user turn holding one <audio> and an "
                          "`audios` list naming one existing file")
    return out


def read_samples(path: str | Path, *, check_audio: bool = True) -> tuple[str, list[Sample]]:
    """(format, samples) of a JSONL file in either format, told apart by its first line."""
    path = Path(path)
    problems = _Problems(path)
    first = next(iter(_lines(path, problems)), (0, {}))[1]
    problems.raise_if_any("write one JSON object per line")
    fmt = "swift" if "messages" in first or "audios" in first else "wenet"
    return fmt, (read_swift if fmt == "swift" else read_wenet)(path, check_audio=check_audio)


def write_jsonl(path: str | Path, rows) -> int:
    """One JSON object per line, UTF-8, written atomically; returns the number of lines."""
    n = 0
    with atomic_open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def wenet_line(sample: Sample) -> dict:
    row = {"key": sample.key, "wav": str(sample.audio)}
    if sample.answer is not None:
        row["txt"] = sample.answer
    return row


def swift_line(sample: Sample, prompt: str | None = None) -> dict:
    # "key" is not read by ms-swift; it lets `wu score` match results to items when audio paths move
    return {"messages": sample.messages(prompt), "audios": [str(sample.audio)], "key": sample.key}


def write_samples(path: str | Path, samples, fmt: str) -> int:
    """Write ``samples`` as wenet or swift JSONL (atomically); returns the number of lines."""
    if fmt not in FORMATS:
        raise DataError(f"unknown format {fmt!r}", where="--format", fix=f"use one of: {', '.join(FORMATS)}")
    line = wenet_line if fmt == "wenet" else swift_line
    return write_jsonl(path, (line(s) for s in samples))


__all__ = ["FORMATS", "Sample", "read_wenet", "read_swift", "read_samples", "write_samples", "wenet_line",
           "swift_line", "write_jsonl"]
