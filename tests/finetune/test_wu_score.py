"""Scoring swift results.jsonl files: metrics cross-checked against jiwer / sacrebleu, answers mapped to labels by
the documented rule, and every mismatch between results and items an error."""

import json
from pathlib import Path

import numpy as np
import pytest

from hf_bench.errors import DataError
from hf_bench.wu.formats import Sample
from hf_bench.wu.prompts import PROMPTS
from hf_bench.wu.score import score_results


def _results(path: Path, rows) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def _row(kind, response, labels, audio, key=None):
    row = {"messages": [{"role": "user", "content": PROMPTS[kind]}], "response": response, "labels": labels,
           "audios": [audio]}
    if key:
        row["key"] = key
    return row


def test_hand_written_gender_results(tmp_path):
    rows = [_row("gender", "女性", "女性", "/d/a.wav"), _row("gender", "男性。", "男性", "/d/b.wav"),
            _row("gender", "我觉得是女性", "男性", "/d/c.wav"), _row("gender", "听不出来", "女性", "/d/d.wav")]
    s = score_results(_results(tmp_path / "r.jsonl", rows), n_resamples=0)
    assert s.kind == "gender" and s.metric == "accuracy"  # the kind comes from the Wu prompt of the lines
    assert s.score == pytest.approx(0.5)
    assert s.rules == {"exact": 2, "first named": 1, "none": 1}
    assert s.unmapped == [("/d/d.wav", "听不出来")]


def test_cer_and_bleu_match_jiwer_and_sacrebleu(tmp_path):
    import jiwer
    import sacrebleu

    rng = np.random.default_rng(0)
    chars = list("今天天气很好我们去公园吃饭看书")
    refs = ["".join(rng.choice(chars, rng.integers(3, 12))) for _ in range(30)]
    hyps = ["".join(c for c in r if rng.random() > 0.2) + ("，好" if rng.random() < 0.3 else "") for r in refs]
    asr = score_results(_results(tmp_path / "asr.jsonl", [_row("asr", h, r, f"/x/{i}.wav")
                                                          for i, (h, r) in enumerate(zip(hyps, refs))]),
                        n_resamples=0)
    # wenet normalisation drops the full-width comma; CER over the characters
    assert asr.score == pytest.approx(100 * jiwer.cer(refs, [h.replace("，", "") for h in hyps]))
    ast = score_results(_results(tmp_path / "ast.jsonl", [_row("ast", h, r, f"/x/{i}.wav")
                                                          for i, (h, r) in enumerate(zip(hyps, refs))]),
                        n_resamples=0)
    assert ast.score == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs], tokenize="zh").score)
    assert "bleu" in ast.values and "chrf" in ast.values


def _items(tmp_path, n=3):
    return [Sample(f"k{i}", tmp_path / f"{i}.wav", "女性" if i % 2 else "男性", prompt=PROMPTS["gender"])
            for i in range(n)]


def test_results_are_matched_to_items(tmp_path):
    items = _items(tmp_path)
    # by audio path (real swift output has no key), in any order
    rows = [_row("gender", it.answer, it.answer, str(it.audio)) for it in reversed(items)]
    s = score_results(_results(tmp_path / "r.jsonl", rows), items=items, n_resamples=0)
    assert s.score == 1.0 and s.n == 3
    # the items' references win over the lines' labels only when they agree
    rows[0]["labels"] = "男性" if rows[0]["labels"] == "女性" else "女性"
    with pytest.raises(DataError, match="differ from the task's references"):
        score_results(_results(tmp_path / "r2.jsonl", rows), items=items)


@pytest.mark.parametrize("case", ["missing", "extra", "duplicated"])
def test_mismatched_results_are_errors(tmp_path, case):
    items = _items(tmp_path)
    rows = [_row("gender", it.answer, it.answer, str(it.audio), key=it.key) for it in items]
    if case == "missing":
        rows = rows[:2]
        needle = "1 item(s) have no result line: k2"
    elif case == "extra":
        rows.append(_row("gender", "男性", "男性", str(tmp_path / "other.wav"), key="zz"))
        needle = "1 line(s) match no item or repeat one: line 4 (zz)"
    else:
        rows.append(dict(rows[0]))
        needle = "line 4 repeats item k0 (line 1)"
    with pytest.raises(DataError, match="results do not match the task's items") as e:
        score_results(_results(tmp_path / "r.jsonl", rows), items=items)
    assert needle in str(e.value)


def test_duplicates_without_items_and_bad_lines(tmp_path):
    rows = [_row("gender", "男性", "男性", "/a.wav"), _row("gender", "女性", "女性", "/a.wav")]
    with pytest.raises(DataError, match="duplicated item"):
        score_results(_results(tmp_path / "r.jsonl", rows))
    with pytest.raises(DataError, match='no text "response" field'):
        score_results(_results(tmp_path / "r2.jsonl", [{"labels": "男性"}]), kind="gender")
    with pytest.raises(DataError, match="outside the gender label set"):
        score_results(_results(tmp_path / "r3.jsonl", [_row("gender", "男性", "male", "/a.wav")]))
    with pytest.raises(DataError, match="cannot tell the task kind"):
        score_results(_results(tmp_path / "r4.jsonl", [{"response": "x", "labels": "y"}]))
