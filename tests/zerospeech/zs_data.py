"""Small sLM21 / ProsAudit datasets and submissions in the official layouts, with hand-computed expectations.

Every expected number below is worked out by hand in the comments (pair score: win 1, tie 0.5, loss 0; means over
voices, then the original's aggregations).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np

# ---------------------------------------------------------------------------------------------------------------
# lexical: (id, voice, frequency, word, non-word, word phones, non-word phones, length, score word, score non-word)
# ---------------------------------------------------------------------------------------------------------------
NAN = float("nan")
LEX = {
    "dev": [
        # id 1, freq 0 (oov): A win, B tie -> 0.75
        (1, "A", 0, "cat", "zat", "k a t", "z a t", 3, -1.0, -2.0),
        (1, "B", 0, "cat", "zat", "k a t", "z a t", 3, -3.5, -3.5),
        # id 2, freq 1 (band '1-5'): A loss -> 0
        (2, "A", 1, "dogs", "bogs", "d o g z", "b o g z", 4, -9.0, -2.0),
        # id 3, freq 4 (band '1-5', upper edge): non-word spelling NaN; A win, B win -> 1
        (3, "A", 4, "sun", NAN, "s a n", "f a n", 3, -1.0, -1.5),
        (3, "B", 4, "sun", NAN, "s a n", "f a n", 3, 0.5, 0.25),
        # id 4, freq 5 (band '6-20', lower edge): A loss, B tie -> 0.25
        (4, "A", 5, "house", "mouse", "h a u s e", "m a u s e", 5, -4.0, -3.0),
        (4, "B", 5, "house", "mouse", "h a u s e", "m a u s e", 5, -2.0, -2.0),
        # id 5, freq 19 (band '6-20', upper edge): A win -> 1
        (5, "A", 19, "tree", "twee", "t r i i", "t w i i", 4, -1.0, -5.0),
        # id 6, freq 20 (band '21-100', lower edge): A tie -> 0.5
        (6, "A", 20, "plant", "blant", "p l a n t", "b l a n t", 5, -7.25, -7.25),
        # id 7, freq 99 (band '21-100', upper edge): A win, B loss -> 0.5
        (7, "A", 99, "car", "kar", "k a r", "k a a", 3, -1.0, -2.0),
        (7, "B", 99, "car", "kar", "k a r", "k a a", 3, -3.0, -2.0),
        # id 10, freq 100 (band '>100'): A win -> 1 (numeric ids sort 1..7, 10)
        (10, "A", 100, "time", "tame", "t a i m", "t a m e", 4, -0.5, -0.75),
    ],
    "test": [
        # every non-word spelling is NaN -> the original shows phones for all rows; string ids sort as text
        ("b2", "A", 3, "bat", NAN, "b a t", "b o t", 2, -1.0, -2.0),  # win -> 1
        ("b10", "A", 50, "kit", NAN, "k i t", "k u t", 3, -2.0, -2.0),  # tie
        ("b10", "B", 50, "kit", NAN, "k i t", "k u t", 3, -3.0, -1.0),  # loss -> 0.25
        ("c1", "A", 0, "zip", NAN, "z i p", "z u p", 2, -5.0, -1.0),  # loss -> 0
    ],
}
# by_pair rows (word, non word, score) in output order, and the CSV text the original writes
LEX_EXPECTED = {
    "dev": {
        "by_pair": "word,non word,score\ncat,zat,0.7500\ndogs,bogs,0.0000\nsun,,1.0000\nhouse,mouse,0.2500\n"
                   "tree,twee,1.0000\nplant,blant,0.5000\ncar,kar,0.5000\ntime,tame,1.0000\n",
        # oov: id1; 1-5: ids 2, 3 (0, 1): mean .5, std sqrt(.5)=.7071; 6-20: ids 4, 5 (.25, 1): mean .625,
        # std .75/sqrt(2)=.5303; 21-100: ids 6, 7 (.5, .5): std 0; >100: id 10
        "by_frequency": "frequency,n,score,std\noov,1,0.7500,\n1-5,2,0.5000,0.7071\n6-20,2,0.6250,0.5303\n"
                        "21-100,2,0.5000,0.0000\n>100,1,1.0000,\n",
        # length 3: ids 1, 3, 7 (.75, 1, .5): mean .75, std .25; length 4: ids 2, 5, 10 (0, 1, 1): mean 2/3,
        # std sqrt(1/3)=.5774; length 5: ids 4, 6 (.25, .5): mean .375, std .25/sqrt(2)=.1768
        "by_length": "length,n,score,std\n3,3,0.7500,0.2500\n4,3,0.6667,0.5774\n5,2,0.3750,0.1768\n",
        "all": 5 / 8,  # mean over ids: (.75 + 0 + 1 + .25 + 1 + .5 + .5 + 1) / 8
        "invocab": (2 * 0.5 + 2 * 0.625 + 2 * 0.5 + 1 * 1.0) / 7,  # frequency >= 1, weighted by n
    },
    "test": {
        "by_pair": "word,non word,score\nk i t,k u t,0.2500\nb a t,b o t,1.0000\nz i p,z u p,0.0000\n",
        "by_frequency": "frequency,n,score,std\noov,1,0.0000,\n1-5,1,1.0000,\n6-20,0,,\n21-100,1,0.2500,\n>100,0,,\n",
        "by_length": "length,n,score,std\n2,2,0.5000,0.7071\n3,1,0.2500,\n",
        "all": (0.25 + 1.0 + 0.0) / 3,
        "invocab": (1 * 1.0 + 1 * 0.25) / 2,  # empty bands are skipped
    },
}

# ---------------------------------------------------------------------------------------------------------------
# syntactic: (id, voice, type, subtype, sentence, non sentence, score sentence, score non sentence)
# ---------------------------------------------------------------------------------------------------------------
SYN = {
    "dev": [
        (1, "A", "anaphor", "gender", "she saw herself", "she saw himself", -1.0, -2.0),  # win
        (1, "B", "anaphor", "gender", "she saw herself", "she saw himself", -3.0, -2.0),  # loss -> .5
        (2, "A", "anaphor", "number", "they like themselves", "they like itself", -4.0, -4.0),  # tie
        (2, "B", "anaphor", "number", "they like themselves", "they like itself", -1.0, -3.0),  # win -> .75
        (3, "A", "syntax", "agreement", "dogs bark", "dogs barks", 0.0, -1.0),  # win
        (3, "B", "syntax", "agreement", "dogs bark", "dogs barks", -0.5, -0.75),  # win -> 1
        (4, "A", "syntax", "agreement", "a cat sleeps", "a cat sleep", -8.0, -7.0),  # loss -> 0
        (5, "A", "anaphor", "gender", "he hurt himself", "he hurt herself", -2.0, -6.0),  # win -> 1
    ],
    "test": [
        (7, "A", "island", "wh", "what did you see", "what did you see it", -1.0, -1.0),  # tie -> .5
        (8, "A", "island", "wh", "who left", "who left him", -2.0, -1.0),  # loss
        (8, "B", "island", "wh", "who left", "who left him", -1.0, -2.0),  # win -> .5
    ],
}
SYN_EXPECTED = {
    "dev": {
        # sorted by (type, subtype, id): anaphor/gender/1, anaphor/gender/5, anaphor/number/2, syntax/agreement/3, 4
        "by_pair": "sentence,non sentence,score\nshe saw herself,she saw himself,0.5000\n"
                   "he hurt himself,he hurt herself,1.0000\nthey like themselves,they like itself,0.7500\n"
                   "dogs bark,dogs barks,1.0000\na cat sleeps,a cat sleep,0.0000\n",
        # anaphor (.5, 1, .75): mean .75, std .25; syntax (1, 0): mean .5, std .7071
        "by_type": "type,n,score,std\nanaphor,3,0.7500,0.2500\nsyntax,2,0.5000,0.7071\n",
        "score": (0.5 + 1 + 0.75 + 1 + 0) / 5,
    },
    "test": {
        "by_pair": "sentence,non sentence,score\nwhat did you see,what did you see it,0.5000\n"
                   "who left,who left him,0.5000\n",
        "by_type": "type,n,score,std\nisland,2,0.5000,0.0000\n",
        "score": 0.5,
    },
}

# ---------------------------------------------------------------------------------------------------------------
# ProsAudit: (id, voice, type, subtype good, subtype bad, score good, score bad)
# ---------------------------------------------------------------------------------------------------------------
PROS = {
    "dev": [
        ("p1", "A", "lexical", "pause", "pause-in-word", -1.0, -2.0),  # win
        ("p1", "B", "lexical", "pause", "pause-in-word", -1.0, -1.5),  # win -> 1
        ("p2", "A", "lexical", "pause", "pause-in-word", -3.0, -1.0),  # loss
        ("p2", "B", "lexical", "pause", "pause-in-word", -2.0, -2.0),  # tie -> .25
        ("p3", "A", "protosyntax", "boundary", "no-boundary", -5.0, -5.0),  # tie -> .5
        ("p10", "A", "protosyntax", "boundary", "no-boundary", -1.0, -2.0),  # win
        ("p10", "B", "protosyntax", "boundary", "no-boundary", -2.0, -1.0),  # loss -> .5
        ("p4", "A", "protosyntax", "boundary", "no-boundary", -0.1, -0.2),  # win -> 1
    ],
    "test": [
        ("q1", "A", "lexical", "pause", "pause-in-word", -1.0, -2.0),  # win -> 1
        ("q2", "A", "protosyntax", "boundary", "no-boundary", -1.0, -2.0),  # win
        ("q3", "A", "protosyntax", "boundary", "no-boundary", -2.0, -1.0),  # loss
    ],
}
PROS_EXPECTED = {
    "dev": {
        # sorted by type, then id as text: p10 < p3 < p4
        "by_pair": "id,type,score\np1,lexical,1.0000\np2,lexical,0.2500\np10,protosyntax,0.5000\n"
                   "p3,protosyntax,0.5000\np4,protosyntax,1.0000\n",
        # lexical (1, .25): mean .625, std .75/sqrt(2)=.5303; protosyntax (.5, .5, 1): mean 2/3, std sqrt(1/12)=.2887
        "by_type": "type,n,score,std\nlexical,2,0.6250,0.5303\nprotosyntax,3,0.6667,0.2887\n",
        "lexical": 0.625, "protosyntax": 0.6667,
    },
    "test": {
        "by_pair": "id,type,score\nq1,lexical,1.0000\nq2,protosyntax,1.0000\nq3,protosyntax,0.0000\n",
        "by_type": "type,n,score,std\nlexical,1,1.0000,\nprotosyntax,2,0.5000,0.7071\n",
        "lexical": 1.0, "protosyntax": 0.5,
    },
}

# ---------------------------------------------------------------------------------------------------------------
# semantic: tokens (type, filename, word, voice) -> frames; pairs (type, dataset, w1, w2, similarity, relatedness)
# ---------------------------------------------------------------------------------------------------------------
SEM_TOKENS = [
    # librispeech: mean pooling gives L1 [1,0], L2 [1,2], L3 [4,0], L4 [1,4], L5 [8,0]
    ("librispeech", "L1", "cat", "s1", [[0, 0], [2, 0]]),
    ("librispeech", "L2", "cat", "s2", [[1, 2]]),
    ("librispeech", "L3", "dog", "s1", [[4, 0]]),
    ("librispeech", "L4", "car", "s3", [[1, 4], [1, 4]]),
    ("librispeech", "L5", "tree", "s2", [[7, 0], [9, 0]]),
    # synthetic: S1 [0,0] A, S2 [0,1] B, S3 [3,4] A, S4 [0,3] B, S5 [1,1] A, S6 [1,3] A, S7 [4,1] B
    ("synthetic", "S1", "cat", "A", [[0, 0]]),
    ("synthetic", "S2", "cat", "B", [[0, 1]]),
    ("synthetic", "S3", "dog", "A", [[2, 4], [4, 4]]),
    ("synthetic", "S4", "dog", "B", [[0, 3]]),
    ("synthetic", "S5", "sun", "A", [[1, 1]]),
    ("synthetic", "S6", "moon", "A", [[1, 3]]),
    ("synthetic", "S7", "moon", "B", [[4, 1]]),
]
SEM_PAIRS = [
    # ls_a (relatedness): distances cat-dog (3 + sqrt13)/2, cat-car (4 + 2)/2, dog-tree 4;
    # -h ranks 1,2,3 vs d ranks 2,1,3 -> rho = 1 - 6*2/24 = .5 -> 50
    ("librispeech", "ls_a", "cat", "dog", NAN, 8.0),
    ("librispeech", "ls_a", "cat", "car", NAN, 5.0),
    ("librispeech", "ls_a", "dog", "tree", NAN, 1.0),
    # ls_b (similarity): car-tree sqrt65, cat-tree (7 + sqrt53)/2; ranks agree -> 100
    ("librispeech", "ls_b", "car", "tree", 2.0, NAN),
    ("librispeech", "ls_b", "cat", "tree", 3.0, NAN),
    # syn_a (relatedness): cat-dog voices A 5, B 2 -> 3.5; sun-moon only A: 2; cat-moon A sqrt10, B 4
    # -h = -9,-1,-4 ranks 1,3,2 vs d ranks 2,1,3 -> rho = 1 - 6*6/24 = -.5 -> -50
    ("synthetic", "syn_a", "cat", "dog", NAN, 9.0),
    ("synthetic", "syn_a", "sun", "moon", NAN, 1.0),
    ("synthetic", "syn_a", "cat", "moon", NAN, 4.0),
    # syn_b (similarity): dog-sun only A: sqrt13; dog-moon A sqrt5, B sqrt20; ranks agree -> 100
    ("synthetic", "syn_b", "dog", "sun", 1.0, NAN),
    ("synthetic", "syn_b", "dog", "moon", 2.0, NAN),
]
SEM_DISTANCES = [
    (3 + math.sqrt(13)) / 2, 3.0, 4.0, math.sqrt(65), (7 + math.sqrt(53)) / 2,
    3.5, 2.0, (math.sqrt(10) + 4) / 2, math.sqrt(13), (math.sqrt(5) + math.sqrt(20)) / 2,
]
SEM_EXPECTED = {
    "dev": {
        "correlation": "type,dataset,correlation\nlibrispeech,ls_a,50.0000\nlibrispeech,ls_b,100.0000\n"
                       "synthetic,syn_a,-50.0000\nsynthetic,syn_b,100.0000\n",
        "librispeech_normal": 75.0, "librispeech_weighted": (3 * 50 + 2 * 100) / 5,  # 70
        "synthetic_normal": 25.0, "synthetic_weighted": (3 * -50 + 2 * 100) / 5,  # 10
    },
    "test": {  # the test set has no ls_b pairs (its tokens are still listed and need features)
        "correlation": "type,dataset,correlation\nlibrispeech,ls_a,50.0000\n"
                       "synthetic,syn_a,-50.0000\nsynthetic,syn_b,100.0000\n",
        "librispeech_normal": 50.0, "librispeech_weighted": 50.0,
        "synthetic_normal": 25.0, "synthetic_weighted": 10.0,
    },
}


def sem_pairs(set_: str) -> list[tuple]:
    return [p for p in SEM_PAIRS if set_ == "dev" or p[1] != "ls_b"]


def sem_distances(set_: str) -> list[float]:
    return [d for p, d in zip(SEM_PAIRS, SEM_DISTANCES) if set_ == "dev" or p[1] != "ls_b"]


def _fmt(x: float) -> str:
    return "" if isinstance(x, float) and math.isnan(x) else (f"{x:g}" if isinstance(x, float) else str(x))


def _csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join(_fmt(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def _scores(path: Path, scores: dict[str, float], rng: random.Random | None) -> None:
    items = list(scores.items())
    if rng:
        rng.shuffle(items)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k} {v!r}\n" for k, v in items))


def lexical_rows(set_: str) -> tuple[list[list], dict[str, float]]:
    rows, scores = [], {}
    for (i, v, f, w, n, pw, pn, ln, sw, sn) in LEX[set_]:
        fw, fn = f"lw{i}{v}", f"ln{i}{v}"
        rows.append([fw, i, v, f, w, pw, ln, 1])
        rows.append([fn, i, v, f, n, pn, ln, 0])
        scores[fw], scores[fn] = sw, sn
    return rows, scores


def syntactic_rows(set_: str) -> tuple[list[list], dict[str, float]]:
    rows, scores = [], {}
    for (i, v, t, st, s, ns, ss, sns) in SYN[set_]:
        fg, fb = f"sg{i}{v}", f"sb{i}{v}"
        rows.append([fg, i, v, t, st, 1, s])
        rows.append([fb, i, v, t, st, 0, ns])
        scores[fg], scores[fb] = ss, sns
    return rows, scores


def prosody_rows(set_: str) -> tuple[list[list], dict[str, float]]:
    rows, scores = [], {}
    for (i, v, t, sg, sb, pg, pb) in PROS[set_]:
        fg, fb = f"1_{i}_{v}", f"2_{i}_{v}"
        rows.append([fg, i, v, t, sg, 1, f"good {i}"])
        rows.append([fb, i, v, t, sb, 0, f"bad {i}"])
        scores[fg], scores[fb] = pg, pb
    return rows, scores


def build_slm21_dataset(root: Path, *, index: bool = False, shuffle: bool = True, seed: int = 0,
                        wavs: bool = False) -> Path:
    """The sLM21 layout; gold rows shuffled (keeping correct/incorrect alignment for syntactic)."""
    rng = random.Random(seed)
    for set_ in ("dev", "test"):
        rows, _ = lexical_rows(set_)
        if shuffle:
            rng.shuffle(rows)
        _csv(root / f"lexical/{set_}/gold.csv",
             ["filename", "id", "voice", "frequency", "word", "phones", "length", "correct"], rows)
        rows, _ = syntactic_rows(set_)
        good, bad = rows[0::2], rows[1::2]
        if shuffle:  # shuffle pairs, keep the original's positional alignment (k-th good <-> k-th bad)
            order = list(range(len(good)))
            rng.shuffle(order)
            good, bad = [good[k] for k in order], [bad[k] for k in order]
        _csv(root / f"syntactic/{set_}/gold.csv",
             ["filename", "id", "voice", "type", "subtype", "correct", "transcription"], good + bad)
        gold = [[t, f"{set_[0]}{f}", w, v] for t, f, w, v, _ in SEM_TOKENS]
        if shuffle:
            rng.shuffle(gold)
        _csv(root / f"semantic/{set_}/gold.csv", ["type", "filename", "word", "voice"], gold)
        _csv(root / f"semantic/{set_}/pairs.csv",
             ["type", "dataset", "word_1", "word_2", "similarity", "relatedness"],
             [list(p) for p in sem_pairs(set_)])
        if wavs:
            for t, f, *_ in SEM_TOKENS:
                write_wav(root / f"semantic/{set_}/{t}/{set_[0]}{f}.wav", seed=sum(map(ord, f)))
    if index:
        write_index(root, "sLM21")
    return root


def build_prosaudit_dataset(root: Path, *, index: bool = False, seed: int = 0) -> Path:
    rng = random.Random(seed)
    for set_ in ("dev", "test"):
        rows, _ = prosody_rows(set_)
        good, bad = rows[0::2], rows[1::2]
        order = list(range(len(good)))
        rng.shuffle(order)
        _csv(root / f"english/{set_}/gold.csv",
             ["filename", "id", "voice", "type", "subtype", "correct", "transcription"],
             [good[k] for k in order] + [bad[k] for k in order])
    if index:
        write_index(root, "prosAudit")
    return root


def write_index(root: Path, benchmark: str) -> None:
    """index.json as the original toolkit ships it (relative paths, wav lists)."""
    import pandas as pd

    def file_item(rel: str) -> dict:
        return {"item_type": "file_item", "file_type": "csv", "relative_path": True, "file": rel}

    def list_item(files: list[str]) -> dict:
        return {"item_type": "filelist_item", "file_type": "wav", "relative_path": True, "files_list": files}

    subsets = {}
    for set_ in ("dev", "test"):
        tasks = ("lexical", "syntactic") if benchmark == "sLM21" else ("english",)
        for task in tasks:
            gold = pd.read_csv(root / f"{task}/{set_}/gold.csv", dtype={"filename": str})
            subsets[f"{task}_{set_}"] = {"items": {
                "gold": file_item(f"{task}/{set_}/gold.csv"),
                "wav_list": list_item([f"{task}/{set_}/{f}.wav" for f in gold["filename"]])}}
        if benchmark == "sLM21":
            gold = pd.read_csv(root / f"semantic/{set_}/gold.csv", dtype={"filename": str})
            items = {"gold": file_item(f"semantic/{set_}/gold.csv"), "pairs": file_item(f"semantic/{set_}/pairs.csv")}
            for t in ("synthetic", "librispeech"):
                names = gold.loc[gold["type"] == t, "filename"]
                items[f"{t}_wav_list"] = list_item([f"semantic/{set_}/{t}/{f}.wav" for f in names])
            subsets[f"semantic_{set_}"] = {"items": items}
    (root / "index.json").write_text(json.dumps({"subsets": subsets}, indent=1))


def write_wav(path: Path, seconds: float = 0.3, sr: int = 16000, seed: int = 0) -> None:
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    x = 0.3 * np.sin(2 * np.pi * (200 + 50 * seed % 7) * t) + 0.01 * rng.standard_normal(t.size)
    sf.write(path, x.astype(np.float32), sr)


META_FILLED = """\
benchmark_name: {benchmark}
code_url: https://example.org/code
model_info:
  model_id: tiny-model
  gpu_budget: "1"
  system_description: a tiny test system
  train_set: nothing
open_source: true
publication:
  author_label: Doe et al.
  authors: J. Doe
  institution: Test University
  paper_title: A paper
  paper_url: https://example.org/paper
  publication_year: 2024
  team: testers
username: jdoe
"""


def build_slm21_submission(root: Path, *, seed: int = 1, features: bool = True) -> Path:
    """A complete, valid sLM21 submission for ``build_slm21_dataset`` (score lines shuffled)."""
    from hf_bench.zerospeech.submission import init_submission

    init_submission("sLM21", root)
    (root / "meta.yaml").write_text(META_FILLED.format(benchmark="sLM21"))
    rng = random.Random(seed)
    for set_ in ("dev", "test"):
        _, scores = lexical_rows(set_)
        _scores(root / f"lexical/{set_}.txt", scores, rng)
        _, scores = syntactic_rows(set_)
        _scores(root / f"syntactic/{set_}.txt", scores, rng)
        if features:
            for t, f, _, _, frames in SEM_TOKENS:
                np.save(root / f"semantic/{set_}/{t}/{set_[0]}{f}.npy", np.asarray(frames, dtype=np.float64))
    return root


def build_prosaudit_submission(root: Path, *, seed: int = 1) -> Path:
    from hf_bench.zerospeech.submission import init_submission

    init_submission("prosAudit", root)
    (root / "meta.yaml").write_text(META_FILLED.format(benchmark="prosAudit"))
    rng = random.Random(seed)
    for set_ in ("dev", "test"):
        _, scores = prosody_rows(set_)
        _scores(root / f"english_{set_}.txt", scores, rng)
    return root
