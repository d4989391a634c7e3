"""Text metrics: iWER (X-ARES), WER (LeBenchmark), CER (WenetSpeech-Wu), concept error rate (LeBenchmark SLU) and corpus BLEU/chrF.

Error rates are corpus-level: total edits (substitutions + deletions + insertions, i.e. the Levenshtein distance
between token sequences) over the total number of reference tokens. The edit distance is computed here, not by
jiwer, so the tests can cross-check it against jiwer independently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np

from hf_bench.metrics._common import (
    MetricInputError,
    Prepared,
    as_list,
    check_lengths,
    check_options,
    check_text,
    fail,
    weighted_ratio,
)
from hf_bench.metrics.bootstrap import finish

# ---------------------------------------------------------------------------------------------------------------
# edit distance

_NUMPY_MIN_CELLS = 4096  # below this a plain Python DP is faster than numpy row updates


def edit_distance(ref: Sequence[Any], hyp: Sequence[Any]) -> int:
    """Levenshtein distance between two token sequences (unit cost for substitution, deletion, insertion)."""
    n, m = len(ref), len(hyp)
    if n == 0 or m == 0:
        return n + m
    vocab: dict[Any, int] = {}
    a = [vocab.setdefault(t, len(vocab)) for t in ref]
    b = [vocab.setdefault(t, len(vocab)) for t in hyp]
    if n * m < _NUMPY_MIN_CELLS:
        prev = list(range(m + 1))
        for i in range(1, n + 1):
            ai = a[i - 1]
            cur = [i] + [0] * m
            for j in range(1, m + 1):
                cost = prev[j - 1] + (ai != b[j - 1])
                dele = prev[j] + 1
                ins = cur[j - 1] + 1
                cur[j] = cost if cost <= dele and cost <= ins else (dele if dele <= ins else ins)
            prev = cur
        return prev[m]
    # row-vectorised DP: the insertion recurrence cur[j] = min(tmp[j], cur[j-1] + 1) is a running minimum of
    # tmp[k] - k, shifted back by j
    b_arr = np.asarray(b, dtype=np.int64)
    ar = np.arange(m + 1, dtype=np.int64)
    prev_a = ar.copy()
    tmp = np.empty(m + 1, dtype=np.int64)
    for i in range(1, n + 1):
        tmp[0] = i
        np.minimum(prev_a[1:] + 1, prev_a[:-1] + (b_arr != a[i - 1]), out=tmp[1:])
        prev_a = np.minimum.accumulate(tmp - ar) + ar
    return int(prev_a[m])


# ---------------------------------------------------------------------------------------------------------------
# normalisation

# wenet tools/compute-cer.py: the only punctuation it removes
WENET_PUNCTUATION = frozenset("!,?、。！，；？：「」︰『』《》")
_WENET_SPACES = frozenset(" \t\r\n")
_TAG = re.compile(r"<[^>]*>?")  # "<unk>"; an unclosed "<" runs to the end, as in wenet's stripoff_tags


def words(text: str, *, lowercase: bool = True) -> list[str]:
    """Word tokens for iWER: optionally lower-cased, split on whitespace (X-ARES: ``str.lower`` + jiwer's split)."""
    return (text.lower() if lowercase else text).split()


def _drop_char(c: str, punctuation: str) -> bool:
    if c in _WENET_SPACES or c.isspace():
        return True
    cat = unicodedata.category(c)
    if cat in ("Zs", "Cn"):
        return True
    if punctuation == "wenet":
        return c in WENET_PUNCTUATION
    return cat.startswith("P")


def _wenet_runs(text: str, punctuation: str) -> list[str]:
    """wenet ``characterize``: letters of category Lo (CJK...) are single tokens; any other character starts a
    token that runs until a space, a non-ASCII character, or (after "<") the closing ">"."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if _drop_char(c, punctuation):
            i += 1
            continue
        if unicodedata.category(c) == "Lo":
            out.append(c)
            i += 1
            continue
        stop = ">" if c == "<" else " "
        j = i + 1
        while j < n and not (ord(text[j]) >= 128 or text[j] in _WENET_SPACES or text[j] == stop):
            j += 1
        if j < n and text[j] == ">":
            j += 1
        out.append(text[i:j])
        i = j
    return out


def cer_tokens(text: str, *, mode: str = "char", punctuation: str = "wenet") -> list[str]:
    """Tokens scored by :func:`cer` (see its docstring for the normalisation)."""
    if mode == "char":
        cleaned = _TAG.sub("", text).upper()
        return [c for c in cleaned if not _drop_char(c, punctuation)]
    tokens = []
    for tok in _wenet_runs(text, punctuation):
        tok = _TAG.sub("", tok.upper())
        if tok:
            tokens.append(tok)
    return tokens


# ---------------------------------------------------------------------------------------------------------------
# error-rate metrics


class _ErrorCounts(Prepared):
    """Per-item (edits, reference length); the metric is scale * sum(edits) / sum(lengths)."""

    def __init__(self, edits: list[int], lengths: list[int], key: str, scale: float,
                 transform=None, extra_key: str | None = None):
        self.n = len(edits)
        self.edits = np.asarray(edits, dtype=np.float64)
        self.lengths = np.asarray(lengths, dtype=np.float64)
        self.scale = scale
        self.key = key
        self.transform = transform
        self.extra_key = extra_key
        self.keys = (key,) if extra_key is None else (extra_key, key)

    def batch(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        rate = weighted_ratio(weights, self.edits, self.lengths, self.scale)
        out = {self.key: rate}
        if self.extra_key:
            out[self.extra_key] = self.transform(rate)
        return out


def _count_edits(refs: list[list], hyps: list[list]) -> list[int]:
    return [edit_distance(r, h) for r, h in zip(refs, hyps)]


def _empty_reference(i: int, what: str, raw: Any) -> MetricInputError:
    return fail(f"references[{i}] has zero {what} after normalisation (raw: {raw!r}); an error rate needs at "
                f"least one reference {what[:-1] if what.endswith('s') else what}",
                where=f"references[{i}]", fix="drop empty references from the test set")


def prepare_iwer(predictions, references, *, lowercase: bool = True) -> _ErrorCounts:
    preds = as_list(predictions, "predictions", item="transcript")
    refs = as_list(references, "references", item="transcript")
    check_lengths(preds, refs, unit="utterances")
    ref_tok, hyp_tok = [], []
    for i, (h, r) in enumerate(zip(preds, refs)):
        rt = words(check_text(r, "references", i), lowercase=lowercase)
        if not rt:
            raise _empty_reference(i, "words", r)
        ref_tok.append(rt)
        hyp_tok.append(words(check_text(h, "predictions", i), lowercase=lowercase))
    return _ErrorCounts(_count_edits(ref_tok, hyp_tok), [len(r) for r in ref_tok], "wer", 1.0,
                        transform=lambda wer: np.maximum(1.0 - wer, 0.0), extra_key="iwer")


def iwer(predictions, references, *, lowercase: bool = True, return_ci: bool = False,
         n_resamples: int = 1000, seed: int = 0, level: float = 0.95) -> dict[str, float]:
    """Inverted word error rate, X-ARES's ASR score: ``iwer = max(1 - WER, 0)``.

    WER is corpus-level (total word edits / total reference words), as a fraction (it can exceed 1).
    Normalisation, exactly as X-ARES: lower-case (``lowercase=True``), then split on whitespace; no punctuation
    removal. Returns ``{"iwer", "wer"}``.
    """
    return finish(prepare_iwer(predictions, references, lowercase=lowercase), return_ci, n_resamples, seed, level)


class _Rates(Prepared):
    """Several error rates of the same utterances, resampled together (one bootstrap, every key)."""

    def __init__(self, *parts: _ErrorCounts):
        self.n = parts[0].n
        self.parts = parts
        self.keys = tuple(k for p in parts for k in p.keys)

    def batch(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        return {k: v for p in self.parts for k, v in p.batch(weights).items()}


def prepare_wer(predictions, references) -> _Rates:
    preds = as_list(predictions, "predictions", item="transcript")
    refs = as_list(references, "references", item="transcript")
    check_lengths(preds, refs, unit="utterances")
    ref_w, hyp_w, ref_c, hyp_c = [], [], [], []
    for i, (h, r) in enumerate(zip(preds, refs)):
        rt = words(check_text(r, "references", i), lowercase=False)
        if not rt:
            raise _empty_reference(i, "words", r)
        ht = words(check_text(h, "predictions", i), lowercase=False)
        ref_w.append(rt)
        hyp_w.append(ht)
        ref_c.append(list("".join(rt)))
        hyp_c.append(list("".join(ht)))
    return _Rates(_ErrorCounts(_count_edits(ref_w, hyp_w), [len(r) for r in ref_w], "wer", 100.0),
                  _ErrorCounts(_count_edits(ref_c, hyp_c), [len(r) for r in ref_c], "cer", 100.0))


def wer(predictions, references, *, return_ci: bool = False, n_resamples: int = 1000, seed: int = 0,
        level: float = 0.95) -> dict[str, float]:
    """Word and character error rates in percent, corpus-level (LeBenchmark ASR; SpeechBrain ``ErrorRateStats``).

    Texts are compared as given (normalise them first; the ASR task type does, with the task's
    ``text_normalization``): words are whitespace-separated tokens, case-sensitive; the CER counts characters with
    whitespace removed (SpeechBrain's ``split_tokens=True``). Returns ``{"wer", "cer"}``, each possibly above 100.
    """
    return finish(prepare_wer(predictions, references), return_ci, n_resamples, seed, level)


CER_MODES = ("char", "wenet")
CER_PUNCTUATION = ("wenet", "unicode")


def prepare_cer(predictions, references, *, mode: str = "char", punctuation: str = "wenet") -> _ErrorCounts:
    check_options("mode", mode, CER_MODES)
    check_options("punctuation", punctuation, CER_PUNCTUATION)
    preds = as_list(predictions, "predictions", item="transcript")
    refs = as_list(references, "references", item="transcript")
    check_lengths(preds, refs, unit="utterances")
    ref_tok, hyp_tok = [], []
    for i, (h, r) in enumerate(zip(preds, refs)):
        rt = cer_tokens(check_text(r, "references", i), mode=mode, punctuation=punctuation)
        if not rt:
            raise _empty_reference(i, "characters", r)
        ref_tok.append(rt)
        hyp_tok.append(cer_tokens(check_text(h, "predictions", i), mode=mode, punctuation=punctuation))
    return _ErrorCounts(_count_edits(ref_tok, hyp_tok), [len(r) for r in ref_tok], "cer", 100.0)


def cer(predictions, references, *, mode: str = "char", punctuation: str = "wenet", return_ci: bool = False,
        n_resamples: int = 1000, seed: int = 0, level: float = 0.95) -> dict[str, float]:
    """Character error rate in percent (corpus-level), with wenet-style normalisation for Chinese.

    Normalisation (both sides): remove ``<tags>`` such as ``<unk>``; remove whitespace and unassigned code points;
    remove the punctuation of wenet's ``compute-cer.py`` (``! , ? 、 。 ！ ， ； ？ ： 「 」 ︰ 『 』 《 》``), or every
    Unicode punctuation character with ``punctuation="unicode"``; upper-case.

    - ``mode="char"`` (default): every remaining character is a token (jiwer.cer on the normalised strings).
    - ``mode="wenet"``: wenet's tokenisation: each CJK character (Unicode category Lo) is a token, and a run of
      other characters (an English word, a number) is one token.

    Returns ``{"cer"}`` in percent (it can exceed 100).
    """
    prepared = prepare_cer(predictions, references, mode=mode, punctuation=punctuation)
    return finish(prepared, return_ci, n_resamples, seed, level)


def _concepts(x: Any, name: str, i: int) -> list[str]:
    if isinstance(x, str):
        return x.split()
    if x is None or isinstance(x, (bytes, dict)) or not hasattr(x, "__iter__"):
        raise fail(f"{name}[{i}] must be a list of concept labels (or one whitespace-separated string)",
                   where=f"{name}[{i}]")
    seq = list(x)
    for j, t in enumerate(seq):
        if not isinstance(t, str) or not t.strip():
            raise fail(f"{name}[{i}][{j}] = {t!r} is not a non-empty concept label", where=f"{name}[{i}][{j}]",
                       fix="concept labels are non-empty strings")
    return seq


def prepare_concept_error_rate(predictions, references) -> _ErrorCounts:
    preds = as_list(predictions, "predictions", item="concept sequence")
    refs = as_list(references, "references", item="concept sequence")
    check_lengths(preds, refs, unit="utterances")
    ref_tok, hyp_tok = [], []
    for i, (h, r) in enumerate(zip(preds, refs)):
        rt = _concepts(r, "references", i)
        if not rt:
            raise _empty_reference(i, "concepts", r)
        ref_tok.append(rt)
        hyp_tok.append(_concepts(h, "predictions", i))
    return _ErrorCounts(_count_edits(ref_tok, hyp_tok), [len(r) for r in ref_tok], "concept_error_rate", 100.0)


def concept_error_rate(predictions, references, *, return_ci: bool = False, n_resamples: int = 1000,
                       seed: int = 0, level: float = 0.95) -> dict[str, float]:
    """Concept error rate (LeBenchmark SLU on MEDIA): ``100 * (S + D + I) / N`` over concept-label sequences.

    Each prediction/reference is a list of concept labels (or one whitespace-separated string). Labels are
    compared exactly (case-sensitive). Returns ``{"concept_error_rate"}`` in percent.
    """
    return finish(prepare_concept_error_rate(predictions, references), return_ci, n_resamples, seed, level)


# ---------------------------------------------------------------------------------------------------------------
# BLEU / chrF

# tokenisers that work offline; spm/flores* download a SentencePiece model at first use
BLEU_TOKENIZERS = ("13a", "none", "intl", "zh", "char", "ja-mecab", "ko-mecab")


class _SacreStats(Prepared):
    keys = ("bleu", "chrf")

    def __init__(self, bleu, chrf, bleu_stats: np.ndarray, chrf_stats: np.ndarray):
        self.n = bleu_stats.shape[0]
        self._bleu, self._chrf = bleu, chrf
        self.bleu_stats, self.chrf_stats = bleu_stats, chrf_stats

    def batch(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        # integer weights keep every summed n-gram count an exact integer, as sacrebleu expects
        bs = np.rint(weights @ self.bleu_stats).astype(np.int64)
        cs = np.rint(weights @ self.chrf_stats).astype(np.int64)
        bleu = [self._bleu._compute_score_from_stats(row.tolist()).score for row in bs]
        chrf = [self._chrf._compute_score_from_stats(row.tolist()).score for row in cs]
        return {"bleu": np.asarray(bleu, dtype=np.float64), "chrf": np.asarray(chrf, dtype=np.float64)}


def prepare_corpus_bleu(predictions, references, *, tokenize: str = "13a", lowercase: bool = False) -> _SacreStats:
    check_options("tokenize", tokenize, BLEU_TOKENIZERS)
    preds = as_list(predictions, "predictions", item="translation")
    refs = as_list(references, "references", item="reference")
    check_lengths(preds, refs, unit="segments")
    hyps: list[str] = []
    per_item: list[list[str]] = []
    for i, (h, r) in enumerate(zip(preds, refs)):
        hyps.append(check_text(h, "predictions", i))
        rs = [r] if isinstance(r, str) else r
        if rs is None or isinstance(rs, dict) or not hasattr(rs, "__iter__"):
            raise fail(f"references[{i}] must be a string or a list of strings", where=f"references[{i}]")
        rs = list(rs)
        if not rs:
            raise fail(f"references[{i}] is an empty list", where=f"references[{i}]",
                       fix="give at least one reference translation per segment")
        for j, s in enumerate(rs):
            where = f"references[{i}]" if isinstance(r, str) else f"references[{i}][{j}]"
            if not isinstance(s, str):
                raise fail(f"{where} must be a string, got {type(s).__name__}", where=where)
            if not s.split():
                raise _empty_reference(i, "words", s)
        per_item.append(rs)
    # sacrebleu wants reference *streams*; None pads segments that have fewer references
    n_streams = max(len(rs) for rs in per_item)
    streams = [[rs[k] if k < len(rs) else None for rs in per_item] for k in range(n_streams)]

    from sacrebleu.metrics import BLEU, CHRF

    try:
        bleu = BLEU(tokenize=tokenize, lowercase=lowercase)
    except (RuntimeError, ImportError) as e:
        raise fail(f"sacrebleu tokenizer {tokenize!r} is not usable here ({e})", where="tokenize",
                   fix="install its extra (e.g. pip install 'sacrebleu[ja,ko]') or pick another tokenizer") from None
    chrf = CHRF(lowercase=lowercase)
    bleu_stats = np.asarray(bleu._extract_corpus_statistics(hyps, streams), dtype=np.float64)
    chrf_stats = np.asarray(chrf._extract_corpus_statistics(hyps, streams), dtype=np.float64)
    return _SacreStats(bleu, chrf, bleu_stats, chrf_stats)


def corpus_bleu(predictions, references, *, tokenize: str = "13a", lowercase: bool = False,
                return_ci: bool = False, n_resamples: int = 1000, seed: int = 0,
                level: float = 0.95) -> dict[str, float]:
    """Corpus BLEU and chrF (sacreBLEU, 0-100).

    ``references[i]`` is one reference string or a list of reference strings for ``predictions[i]`` (the number
    may vary per segment). ``tokenize`` is sacreBLEU's BLEU tokeniser: ``"13a"`` (default, LeBenchmark AST),
    ``"zh"`` (Chinese targets, WenetSpeech-Wu AST), ``"intl"``, ``"char"``, ``"none"``, ``"ja-mecab"``,
    ``"ko-mecab"``; chrF is character-based and ignores it. sacreBLEU defaults otherwise (exp smoothing, chrF
    char order 6, beta 2). Returns ``{"bleu", "chrf"}``.
    """
    prepared = prepare_corpus_bleu(predictions, references, tokenize=tokenize, lowercase=lowercase)
    return finish(prepared, return_ci, n_resamples, seed, level)
