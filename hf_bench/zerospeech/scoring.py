"""sLM21 (lexical, syntactic, semantic) and ProsAudit scoring, as zerospeech-benchmarks 0.9.4 computes it.

Every function takes a checked gold table (``ZeroSpeechDataset.gold``) and returns the tables the original writes,
with the same columns, row order and values. Differences, all on purpose (docs/zerospeech.md):

* gold columns are read by name, never by position;
* correct and incorrect items are paired by ``(id, voice)``, never by row position (the original pairs the k-th
  correct row with the k-th incorrect row for syntactic and ProsAudit); on gold files whose rows are aligned the
  two agree, and ``pairing_is_positional`` tells whether they do;
* a missing score counts like a NaN score: the pair is lost (0). The original drops lexical items without a
  score instead (validation rejects both cases anyway).

Pair score: s(w, n) = 1[p_w > p_n] + 0.5 * 1[p_w == p_n].
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping

import numpy as np

from hf_bench.errors import DataError, HFBenchError
from hf_bench.zerospeech.constants import FREQUENCY_BINS, FREQUENCY_LABELS
from hf_bench.zerospeech.report import examples

if TYPE_CHECKING:
    import pandas as pd


def pair_score(good, bad) -> np.ndarray:
    """1 when the legal item scores higher, 0.5 on an exact tie, 0 otherwise (NaN on either side: 0)."""
    good = np.asarray(good, dtype=np.float64)
    bad = np.asarray(bad, dtype=np.float64)
    return 0.5 * (good == bad) + (good > bad)


def _stats(values: "pd.Series", by) -> "pd.DataFrame":
    # count / mean / sample std (ddof=1), as the original's agg(n='count', score='mean', std='std')
    return values.groupby(by, observed=False).agg(n="count", score="mean", std="std").reset_index()


def _with_scores(gold: "pd.DataFrame", scores: Mapping[str, float]) -> "pd.DataFrame":
    data = gold.copy()
    data["score"] = data["filename"].map(lambda f: scores.get(f, np.nan)).astype(np.float64)
    return data


@dataclass
class TaskScores:
    """The tables of one task and set, plus notes worth telling the user (unpaired items, misaligned gold rows)."""

    tables: dict[str, "pd.DataFrame"]
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------------------------
# lexical (sWUGGY)
# ------------------------------------------------------------------------------------------------------------------

def score_lexical(gold: "pd.DataFrame", scores: Mapping[str, float]) -> TaskScores:
    """``by_pair`` (word, non word, score; one row per id, sorted by id), ``by_frequency`` and ``by_length``.

    Words and non-words are paired on (id, voice) like the original; an id's score is the mean over every pair of
    its voices; its labels (word, non word, frequency, length) come from its first pair in gold order.
    """
    import pandas as pd

    data = _with_scores(gold, scores)
    notes = []
    nonwords = data[data["correct"] == 0]
    # the original shows phone strings for every row when no non-word has a spelling
    if nonwords["word"].isna().all():
        if "phones" not in data.columns:
            raise DataError("no non-word has a 'word' and there is no 'phones' column to show instead",
                            where="lexical gold.csv", fix="restore the official gold file (it has a phones column)")
        data["word"] = data["phones"]
        nonwords = data[data["correct"] == 0]
    words = data[data["correct"] == 1]
    keep = ["id", "voice", "frequency", "word", "length", "score"]
    pairs = words[keep].merge(nonwords[["id", "voice", "word", "score"]].rename(
        columns={"word": "non word", "score": "score non word"}), on=["id", "voice"], how="inner")
    unpaired = _unpaired(words, nonwords)
    if unpaired:
        notes.append(f"{len(unpaired)} lexical item(s) have no counterpart with the same (id, voice) and are left "
                     f"out, as in the original: {examples(unpaired)}")
    pairs["score"] = pair_score(pairs["score"], pairs["score non word"])
    first = pairs.drop_duplicates("id", keep="first").set_index("id")
    mean = pairs.groupby("id", sort=True)["score"].mean()
    by_pair = pd.DataFrame({
        "word": first.loc[mean.index, "word"].to_numpy(),
        "non word": first.loc[mean.index, "non word"].to_numpy(),
        "frequency": first.loc[mean.index, "frequency"].to_numpy(),
        "length": first.loc[mean.index, "length"].to_numpy(),
        "score": mean.to_numpy(),
    })
    by_pair["frequency"] = by_pair["frequency"].astype("Int64")
    bands = pd.cut(by_pair["frequency"].astype("float64"), list(FREQUENCY_BINS), labels=list(FREQUENCY_LABELS),
                   right=False)
    by_frequency = _stats(by_pair["score"], bands.rename("frequency"))
    by_length = _stats(by_pair["score"], by_pair["length"])
    return TaskScores({"by_pair": by_pair[["word", "non word", "score"]], "by_frequency": by_frequency,
                       "by_length": by_length, "_by_pair_full": by_pair}, notes)


def _unpaired(good: "pd.DataFrame", bad: "pd.DataFrame") -> list[str]:
    g = set(zip(good["id"], good["voice"]))
    b = set(zip(bad["id"], bad["voice"]))
    return [f"id {i} voice {v}" for i, v in sorted(g ^ b, key=str)]


# ------------------------------------------------------------------------------------------------------------------
# syntactic (sBLIMP) and ProsAudit
# ------------------------------------------------------------------------------------------------------------------

def _pair_sentences(gold: "pd.DataFrame", scores: Mapping[str, float], where: str) -> tuple["pd.DataFrame", list[str]]:
    """One row per (id, voice): the legal item's columns plus ``non sentence`` and both scores."""
    data = _with_scores(gold, scores)
    good = data[data["correct"] == 1]
    bad = data[data["correct"] == 0]
    counts = data.groupby(["id", "voice", "correct"]).size().unstack(fill_value=0)
    for c in (0, 1):
        if c not in counts.columns:
            counts[c] = 0
    wrong = counts[(counts[0] != 1) | (counts[1] != 1)]
    if len(wrong):
        desc = [f"id {i} voice {v}: {int(r[1])} correct / {int(r[0])} incorrect" for (i, v), r in wrong.iterrows()]
        raise DataError(f"items are paired by (id, voice), which needs exactly one correct and one incorrect row "
                        f"each; {len(wrong)} (id, voice) do not: {examples(desc)}", where=where,
                        fix="restore the official gold file (each id names one pair per voice)")
    cols = [c for c in ("transcription",) if c in bad.columns]
    pairs = good.merge(bad[["id", "voice", "score", *cols]].rename(
        columns={"score": "score non sentence", "transcription": "non sentence"}), on=["id", "voice"], how="inner",
        validate="one_to_one")
    pairs = pairs.rename(columns={"transcription": "sentence", "score": "score sentence"})
    pairs["score"] = pair_score(pairs["score sentence"], pairs["score non sentence"])
    notes = []
    if not pairing_is_positional(gold):
        notes.append(f"{where}: correct and incorrect rows are not aligned by position; items were paired by "
                     "(id, voice). The original toolkit pairs the k-th correct row with the k-th incorrect row and "
                     "would report different numbers for this file.")
    return pairs, notes


def pairing_is_positional(gold: "pd.DataFrame") -> bool:
    """True when the original's positional pairing gives the same (id, voice) pairs as ours."""
    good = gold[gold["correct"] == 1]
    bad = gold[gold["correct"] == 0]
    if len(good) != len(bad):
        return False
    return bool((good["id"].to_numpy() == bad["id"].to_numpy()).all()
                and (good["voice"].to_numpy() == bad["voice"].to_numpy()).all())


def score_syntactic(gold: "pd.DataFrame", scores: Mapping[str, float], where: str = "syntactic gold.csv") -> TaskScores:
    """``by_pair`` (sentence, non sentence, score; one row per (type, subtype, id), sorted) and ``by_type``."""
    pairs, notes = _pair_sentences(gold, scores, where)
    keys = ["type", "subtype", "id"]
    # labels from the group's first pair in gold order, like the original's x.iat[0, k]
    first = pairs.drop_duplicates(keys, keep="first").set_index(keys)
    mean = pairs.groupby(keys, sort=True)["score"].mean()
    by_pair = first.loc[mean.index, ["sentence", "non sentence"]].reset_index()
    by_pair["score"] = mean.to_numpy()
    by_type = _stats(by_pair["score"], by_pair["type"])
    return TaskScores({"by_pair": by_pair[["sentence", "non sentence", "score"]], "by_type": by_type,
                       "_by_pair_full": by_pair}, notes)


def score_prosody(gold: "pd.DataFrame", scores: Mapping[str, float], where: str = "english gold.csv") -> TaskScores:
    """ProsAudit ``by_pair`` (id, type, score; sorted by type then id) and ``by_type`` (n, score, std)."""
    pairs, notes = _pair_sentences(gold, scores, where)
    mean = pairs.groupby(["type", "id"], sort=True)["score"].mean().reset_index()
    by_pair = mean[["id", "type", "score"]]
    by_type = _stats(by_pair["score"], by_pair["type"])
    return TaskScores({"by_pair": by_pair, "by_type": by_type}, notes)


# ------------------------------------------------------------------------------------------------------------------
# semantic (sSIMI)
# ------------------------------------------------------------------------------------------------------------------

POOLING_FNS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "min": lambda x: np.min(x, axis=0),
    "max": lambda x: np.max(x, axis=0),
    "mean": lambda x: np.mean(x, axis=0),
    "sum": lambda x: np.sum(x, axis=0),
    "last": lambda x: x[-1],
    "lastlast": lambda x: x[-2],
}


def _kulczynski1(u: np.ndarray, v: np.ndarray) -> float:
    # scipy < 1.17 definition on boolean vectors (removed from scipy 1.17): c11 / (c10 + c01)
    u, v = u != 0, v != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64((u & v).sum()) / np.float64((u & ~v).sum() + (~u & v).sum()))


def _cdist_metric(metric: str):
    # sokalmichener was computed exactly like rogerstanimoto in scipy (the reason it was removed in 1.17)
    return {"kulczynski1": _kulczynski1, "sokalmichener": "rogerstanimoto"}.get(metric, metric)


def cdist(x: np.ndarray, y: np.ndarray, metric: str) -> np.ndarray:
    """``scipy.spatial.distance.cdist`` with the 22 metric names of the original, on any scipy version."""
    import scipy.spatial.distance

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return scipy.spatial.distance.cdist(x, y, metric=_cdist_metric(metric))
    except (ValueError, np.linalg.LinAlgError) as e:
        raise HFBenchError(f"cannot compute the {metric!r} distance ({e})", where="params.yaml: semantic.metric",
                           fix="choose another metric (mahalanobis/seuclidean need more tokens than dimensions)") from None


def semantic_distances(gold: "pd.DataFrame", pairs: "pd.DataFrame", pooled: Mapping[tuple[str, str], np.ndarray],
                       metric: str, where: str = "semantic pairs.csv") -> np.ndarray:
    """Distance of each pair of words (row of ``pairs``), from pooled token vectors keyed by (type, filename).

    librispeech: mean of the distance matrix over every token of word_1 x every token of word_2;
    synthetic: mean over the voices both words share of the distance between their two tokens.
    """
    tokens: dict[tuple[str, object], list[tuple[str, object]]] = {}
    for t, w, f, v in zip(gold["type"], gold["word"], gold["filename"], gold["voice"]):
        tokens.setdefault((t, w), []).append((f, v))

    def vec(t: str, f: str) -> np.ndarray:
        return np.atleast_2d(pooled[(t, f)])

    out = np.empty(len(pairs), dtype=np.float64)
    for k, (t, w1, w2) in enumerate(zip(pairs["type"], pairs["word_1"], pairs["word_2"])):
        tok1, tok2 = tokens.get((t, w1)), tokens.get((t, w2))
        if not tok1 or not tok2:
            missing = w1 if not tok1 else w2
            raise DataError(f"line {k + 2}: word {missing!r} has no {t} token in the semantic gold.csv", where=where,
                            fix="restore the official gold.csv / pairs.csv of this set")
        if t == "librispeech":
            x = np.vstack([vec(t, f) for f, _ in tok1])
            y = np.vstack([vec(t, f) for f, _ in tok2])
            out[k] = cdist(x, y, metric).mean()
        else:
            by_voice2: dict[object, list[str]] = {}
            for f, v in tok2:
                by_voice2.setdefault(v, []).append(f)
            dists = [cdist(vec(t, f1), vec(t, f2), metric)[0, 0]
                     for f1, v in tok1 for f2 in by_voice2.get(v, [])]
            if not dists:
                raise DataError(f"line {k + 2}: words {w1!r} and {w2!r} share no synthetic voice", where=where,
                                fix="restore the official gold.csv / pairs.csv of this set")
            out[k] = float(np.sum(dists)) / len(dists)
    return out


def semantic_correlations(pairs: "pd.DataFrame") -> "pd.DataFrame":
    """Per (type, dataset), sorted: 100 x Spearman(-human, distance); human = relatedness unless it has NaN."""
    import pandas as pd
    import scipy.stats

    rows = []
    for (t, d), df in pairs.groupby(["type", "dataset"], sort=True):
        rel = df["relatedness"] if "relatedness" in df.columns else pd.Series(np.nan, index=df.index)
        human = df["similarity"] if rel.hasnans and "similarity" in df.columns else rel
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # constant input: NaN, as in the original
            rho = scipy.stats.spearmanr(-human.to_numpy(dtype=np.float64), df["score"].to_numpy())[0]
        rows.append({"type": t, "dataset": d, "correlation": 100 * float(rho)})
    return pd.DataFrame(rows, columns=["type", "dataset", "correlation"])


def pool(array: np.ndarray, pooling: str) -> np.ndarray:
    return POOLING_FNS[pooling](array)
