"""Score a ``results.jsonl`` as ``swift infer --result_path`` (or ``hf-bench infer``) writes it.

Each line holds the input ``messages``, the model's ``response``, the reference ``labels`` and the ``audios``.
The task kind (asr / ast / age / gender / emotion) comes from ``--kind``, the task, or the Wu prompt of the
lines. Metrics: CER % for ASR (``hf_bench.metrics.cer``: wenet compute-cer.py normalisation), corpus BLEU with
sacreBLEU's ``zh`` tokeniser for AST, accuracy for the classes. A free-text class answer becomes a label by one
rule (``hf_bench.wu.prompts.answer_label``): the normalised answer is a label; else the label named first in it;
else it is wrong, counted and listed (``unmapped``).

With reference items (a task's test split or a Wu JSONL file), every line must match exactly one item (by the
``key`` field hf_bench writes, else by the audio path): a missing, extra or duplicated line is an error listing
them, never a silent score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hf_bench.errors import DataError
from hf_bench.wu.formats import MAX_LISTED, Sample, _lines, _Problems
from hf_bench.wu.prompts import CLASS_KINDS, KINDS, LABELS, answer_label, kind_of_prompt

METRIC_OF = {"asr": ("cer", "cer"), "ast": ("corpus_bleu", "bleu"), **{k: ("accuracy", "accuracy") for k in CLASS_KINDS}}


@dataclass(frozen=True)
class ResultLine:
    line: int
    key: str
    audio: str | None
    response: str
    labels: str | None
    prompt: str | None


@dataclass
class WuScore:
    kind: str
    metric: str
    main_score: str
    values: dict
    n: int
    predictions: list = field(repr=False)   # what was scored (labels after mapping for classes; None = unmapped)
    references: list = field(repr=False)
    keys: list = field(repr=False)
    unmapped: list = field(default_factory=list)   # (key, answer) of class answers no rule maps to a label
    rules: dict = field(default_factory=dict)      # rule -> count ("exact", "first named", "none")

    @property
    def score(self) -> float:
        return float(self.values[self.main_score])

    def summary(self) -> str:
        unit = {"cer": "CER %", "corpus_bleu": "BLEU", "accuracy": "accuracy"}[self.metric]
        text = f"{self.kind}: {unit} {self.score:.4g} over {self.n} items"
        if self.rules:
            text += " (answers: " + ", ".join(f"{v} {k}" for k, v in self.rules.items() if v) + ")"
        return text


def _user_turn(messages) -> str | None:
    if isinstance(messages, list):
        users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        if users:
            return str(users[-1].get("content", ""))
    return None


def read_results(path: str | Path) -> list[ResultLine]:
    """Every line of a results.jsonl; a line without a text ``response`` is an error (listed with the others)."""
    path = Path(path)
    problems, out = _Problems(path), []
    for n, obj in _lines(path, problems):
        response = obj.get("response")
        if not isinstance(response, str):
            problems.add(n, 'no text "response" field (swift infer --result_path writes one per line)')
            continue
        labels = obj.get("labels")
        if isinstance(labels, list):  # some swift versions write the reference turn(s) as a list
            labels = labels[-1] if labels else None
            labels = labels.get("content") if isinstance(labels, dict) else labels
        audios = obj.get("audios")
        audio = audios[0] if isinstance(audios, list) and audios else audios if isinstance(audios, str) else None
        if isinstance(audio, dict):  # {"path": ...} in newer swift
            audio = audio.get("path")
        key = str(obj.get("key", audio if audio is not None else f"line {n}"))
        out.append(ResultLine(n, key, str(audio) if audio is not None else None, response,
                              None if labels is None else str(labels), _user_turn(obj.get("messages"))))
    problems.raise_if_any("each line must be a JSON object with at least `response` (and `labels` or a task)")
    if not out:
        raise DataError("no results in the file", where=path, fix="point at the file swift infer wrote")
    return out


def _kind(lines: list[ResultLine], kind: str | None, where: Path) -> str:
    if kind is not None:
        if kind not in KINDS:
            raise DataError(f"unknown kind {kind!r}", where="--kind", fix=f"use one of: {', '.join(KINDS)}")
        return kind
    found = {kind_of_prompt(line.prompt) for line in lines if line.prompt is not None}
    found.discard(None)
    if len(found) == 1:
        return found.pop()
    raise DataError("cannot tell the task kind from the prompts" + (f" (found {sorted(found)})" if found else ""),
                    where=where, fix=f"pass --kind ({', '.join(KINDS)}) or --task")


def _listed(items) -> str:
    items = list(items)
    more = f", ... ({len(items)} in all)" if len(items) > MAX_LISTED else ""
    return ", ".join(map(str, items[:MAX_LISTED])) + more


def match(lines: list[ResultLine], items: list[Sample], where: Path) -> list[tuple[ResultLine, Sample]]:
    """Pair each result line with its item: by key, else by resolved audio path, else by audio file name."""
    by = [{s.key: s for s in items}, {str(Path(s.audio).resolve()): s for s in items}]
    names = {}
    for s in items:
        names.setdefault(Path(s.audio).name, []).append(s)
    by.append({k: v[0] for k, v in names.items() if len(v) == 1})
    pairs, extra, taken = [], [], {}
    for line in lines:
        cands = [line.key] + ([str(Path(line.audio).resolve()), Path(line.audio).name] if line.audio else [])
        item = by[0].get(cands[0]) or (by[1].get(cands[1]) if line.audio else None) or \
            (by[2].get(cands[2]) if line.audio else None)
        if item is None:
            extra.append(f"line {line.line} ({line.key})")
            continue
        if item.key in taken:
            extra.append(f"line {line.line} repeats item {item.key} (line {taken[item.key]})")
            continue
        taken[item.key] = line.line
        pairs.append((line, item))
    missing = [s.key for s in items if s.key not in taken]
    if extra or missing:
        parts = []
        if missing:
            parts.append(f"{len(missing)} item(s) have no result line: {_listed(missing)}")
        if extra:
            parts.append(f"{len(extra)} line(s) match no item or repeat one: {_listed(extra)}")
        raise DataError("results do not match the task's items: " + "; ".join(parts), where=where,
                        fix="run inference on exactly the exported items (hf-bench wu export) and score that file")
    return pairs


def score_lines(pairs: list[tuple[ResultLine, str]], kind: str, *, n_resamples: int = 1000,
                seed: int = 0) -> WuScore:
    """Score (line, reference) pairs for ``kind`` with the Wu metric (CI from the bootstrap over items)."""
    from hf_bench import metrics

    name, main = METRIC_OF[kind]
    refs = [ref for _, ref in pairs]
    keys = [line.key for line, _ in pairs]
    unmapped, rules = [], {}
    if kind in CLASS_KINDS:
        labels = LABELS[kind]
        bad = sorted({r for r in refs if r not in labels})
        if bad:
            raise DataError(f"reference label(s) {bad} outside the {kind} label set {list(labels)}",
                            where=f"--kind {kind}", fix="score against the matching task kind")
        preds = []
        for line, _ in pairs:
            label, rule = answer_label(line.response, labels)
            rules[rule] = rules.get(rule, 0) + 1
            if label is None:
                unmapped.append((line.key, line.response))
            preds.append(label)
        index = {label: i for i, label in enumerate(labels)}
        # an unmapped answer is its own wrong class (-1), never a lucky label
        p = [index[x] if x is not None else -1 for x in preds]
        r = [index[x] for x in refs]
        values = metrics.compute(name, p, r, return_ci=n_resamples > 0, n_resamples=max(n_resamples, 1),
                                                  seed=seed)
    else:
        preds = [line.response for line, _ in pairs]
        kwargs = {"tokenize": "zh"} if kind == "ast" else {}
        values = metrics.compute(name, preds, refs, return_ci=n_resamples > 0,
                                                  n_resamples=max(n_resamples, 1), seed=seed, **kwargs)
    return WuScore(kind, name, main, dict(values), len(pairs), preds, refs, keys, unmapped, rules)


def score_results(path: str | Path, *, kind: str | None = None, items: list[Sample] | None = None,
                  n_resamples: int = 1000, seed: int = 0) -> WuScore:
    """Score a results.jsonl: against ``items`` (their answers are the references) or its own ``labels``."""
    path = Path(path)
    lines = read_results(path)
    kind = _kind(lines, kind, path)
    if items is not None:
        pairs = [(line, item.answer) for line, item in match(lines, items, path)]
        bad = [f"{line.key} ({line.labels!r} vs {ref!r})" for line, ref in pairs
               if line.labels is not None and ref is not None and line.labels.strip() != ref.strip()]
        if bad:
            raise DataError(f"{len(bad)} line(s) carry labels that differ from the task's references: {_listed(bad)}",
                            where=path, fix="the results come from other data: export the task again and rerun")
    else:
        seen, dup, pairs = {}, [], []
        for line in lines:
            if line.labels is None:
                raise DataError(f"line {line.line} has no `labels` and no task gives its reference", where=path,
                                fix="pass --task (or --data) to score against the task's items")
            if line.key in seen:
                dup.append(f"line {line.line} repeats line {seen[line.key]} ({line.key})")
            seen[line.key] = line.line
            pairs.append((line, line.labels))
        if dup:
            raise DataError(f"{len(dup)} duplicated item(s): {_listed(dup)}", where=path,
                            fix="keep one result per item")
    return score_lines(pairs, kind, n_resamples=n_resamples, seed=seed)


__all__ = ["METRIC_OF", "ResultLine", "WuScore", "read_results", "match", "score_lines", "score_results"]
