"""Every metric against its reference implementation on hundreds of randomized inputs.

Tolerance: max abs difference <= 1e-6 for real-valued metrics, exact equality where the value is a ratio of
integers computed the same way (accuracy, recall@k).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import hf_bench.metrics as M

TOL = 1e-6
N_CASES = 200

WORDS = ["the", "a", "cat", "dog", "sat", "on", "mat", "Hello", "WORLD", "it's", "x", "y", "zebra", "running"]
CJK = list("今天天气很好真的我们你他打电话用吴语上海苏州")
WENET_PUNCT = "!,?、。！，；？：「」︰『』《》"


def _sentence(rng, vocab, lo=0, hi=12, seps=(" ", "  ", "   ")):
    n = int(rng.integers(lo, hi + 1))
    words = [vocab[i] for i in rng.integers(0, len(vocab), n)]
    out = ""
    for w in words:
        out += w + str(rng.choice(seps))
    if rng.random() < 0.3:
        out = " " + out
    return out if rng.random() < 0.5 else out.rstrip()


def _corrupt(rng, words: list[str], vocab) -> list[str]:
    out = []
    for w in words:
        r = rng.random()
        if r < 0.1:
            continue                       # deletion
        if r < 0.25:
            out.append(str(rng.choice(vocab)))  # substitution (maybe identical)
        else:
            out.append(w)
        if rng.random() < 0.1:
            out.append(str(rng.choice(vocab)))  # insertion
    return out


def test_edit_distance_matches_jiwer_on_short_and_long_sequences():
    import jiwer

    rng = np.random.default_rng(0)
    for case in range(N_CASES):
        # long sequences exercise the numpy row-vectorised path, short ones the pure-Python DP
        hi = 150 if case % 4 == 0 else 15
        ref = [str(v) for v in rng.integers(0, 6, int(rng.integers(1, hi)))]
        hyp = _corrupt(rng, ref, [str(v) for v in range(8)]) if rng.random() < 0.7 else \
            [str(v) for v in rng.integers(0, 6, int(rng.integers(0, hi)))]
        out = jiwer.process_words(" ".join(ref), " ".join(hyp) if hyp else "")
        expected = out.substitutions + out.deletions + out.insertions
        assert M.edit_distance(ref, hyp) == expected, (ref, hyp)
    assert M.edit_distance([], ["a"]) == 1 and M.edit_distance(["a", "b"], []) == 2


def test_iwer_matches_xares_formula_with_jiwer():
    import jiwer

    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(N_CASES):
        n = int(rng.integers(1, 8))
        refs = [_sentence(rng, WORDS, lo=1) for _ in range(n)]
        hyps = []
        for r in refs:
            if rng.random() < 0.1:
                hyps.append("")
            else:
                hyps.append(" ".join(_corrupt(rng, r.split(), WORDS)))
        got = M.iwer(hyps, refs)
        # X-ARES: max(0, 1 - jiwer.wer([r.lower()], [h.lower()])); jiwer needs a non-empty hypothesis list item
        wer = jiwer.wer([r.lower() for r in refs], [h.lower() for h in hyps])
        worst = max(worst, abs(got["wer"] - wer), abs(got["iwer"] - max(0.0, 1.0 - wer)))
        cased = M.iwer(hyps, refs, lowercase=False)
        worst = max(worst, abs(cased["wer"] - jiwer.wer(refs, hyps)))
    assert worst <= TOL


def _cer_reference_normalise(text: str) -> str:
    """The normalisation written independently of hf_bench: regexes instead of a character loop."""
    text = re.sub(r"<[^>]*>?", "", text).upper()
    text = re.sub(r"\s+", "", text)
    return text.translate({ord(c): None for c in WENET_PUNCT})


def _mixed_text(rng) -> str:
    pieces = []
    for _ in range(int(rng.integers(1, 10))):
        r = rng.random()
        if r < 0.55:
            pieces.append("".join(rng.choice(CJK, int(rng.integers(1, 5)))))
        elif r < 0.75:
            pieces.append(str(rng.choice(["iPhone", "ok", "AI", "wifi", "2024", "abc"])))
        elif r < 0.85:
            pieces.append(str(rng.choice(list(WENET_PUNCT))))
        elif r < 0.9:
            pieces.append(str(rng.choice(["<unk>", "<noise>"])))
        pieces.append(str(rng.choice(["", " ", "  ", "\t"])))
    return "".join(pieces)


def test_wer_and_cer_match_jiwer():
    import jiwer

    rng = np.random.default_rng(7)
    worst = 0.0
    for _ in range(N_CASES):
        n = int(rng.integers(1, 6))
        refs = [" ".join(str(rng.choice(WORDS)) for _ in range(int(rng.integers(1, 10)))) for _ in range(n)]
        hyps = [" ".join(_corrupt(rng, r.split(), WORDS)) for r in refs]
        got = M.wer(hyps, refs)
        # jiwer rejects empty hypotheses: those utterances are pure deletions, counted by hand
        pairs = [(r, h) for r, h in zip(refs, hyps) if h]
        w_edits = sum(len(r.split()) for r, h in zip(refs, hyps) if not h)
        c_edits = sum(len(r.replace(" ", "")) for r, h in zip(refs, hyps) if not h)
        if pairs:
            out = jiwer.process_words([p[0] for p in pairs], [p[1] for p in pairs])
            w_edits += out.substitutions + out.deletions + out.insertions
            chars = jiwer.process_characters([p[0].replace(" ", "") for p in pairs],
                                             [p[1].replace(" ", "") for p in pairs])
            c_edits += chars.substitutions + chars.deletions + chars.insertions
        worst = max(worst, abs(got["wer"] - 100.0 * w_edits / sum(len(r.split()) for r in refs)),
                    abs(got["cer"] - 100.0 * c_edits / sum(len(r.replace(" ", "")) for r in refs)))
    assert worst <= TOL


def test_cer_char_mode_matches_jiwer_cer_after_wenet_normalisation():
    import jiwer

    rng = np.random.default_rng(2)
    worst, checked = 0.0, 0
    for _ in range(N_CASES):
        n = int(rng.integers(1, 6))
        refs, hyps = [], []
        while len(refs) < n:
            r = _mixed_text(rng)
            if _cer_reference_normalise(r):
                refs.append(r)
                hyps.append(_mixed_text(rng) if rng.random() < 0.5 else r[::-1] if rng.random() < 0.5 else r)
        got = M.cer(hyps, refs)["cer"]
        ref_n = [_cer_reference_normalise(r) for r in refs]
        hyp_n = [_cer_reference_normalise(h) for h in hyps]
        # jiwer.cer rejects an empty hypothesis string: score those utterances as pure deletions by hand
        edits = sum(len(r) for r, h in zip(ref_n, hyp_n) if not h)
        pairs = [(r, h) for r, h in zip(ref_n, hyp_n) if h]
        if pairs:
            out = jiwer.process_characters([p[0] for p in pairs], [p[1] for p in pairs])
            edits += out.substitutions + out.deletions + out.insertions
        expected = 100.0 * edits / sum(len(r) for r in ref_n)
        worst = max(worst, abs(got - expected))
        checked += 1
    assert checked == N_CASES and worst <= TOL


def test_cer_wenet_mode_matches_jiwer_wer_on_wenet_tokens():
    import jiwer

    def tokens(text: str) -> list[str]:
        # wenet compute-cer.py --char=1, for strings of CJK, ASCII words/digits, wenet punctuation, tags, spaces
        text = re.sub(r"<[^>]*>?", "", text).upper()
        text = text.translate({ord(c): " " for c in WENET_PUNCT})
        return re.findall(r"[\u4e00-\u9fff]|[A-Z0-9]+", text)

    rng = np.random.default_rng(3)
    worst = 0.0
    for _ in range(N_CASES):
        refs = [r for r in (_mixed_text(rng) for _ in range(4)) if tokens(r)] or ["你好"]
        hyps = [_mixed_text(rng) if rng.random() < 0.5 else r for r in refs]
        got = M.cer(hyps, refs, mode="wenet")["cer"]
        ref_t = [" ".join(tokens(r)) for r in refs]
        hyp_t = [" ".join(tokens(h)) for h in hyps]
        edits = sum(len(r.split()) for r, h in zip(ref_t, hyp_t) if not h)
        pairs = [(r, h) for r, h in zip(ref_t, hyp_t) if h]
        if pairs:
            out = jiwer.process_words([p[0] for p in pairs], [p[1] for p in pairs])
            edits += out.substitutions + out.deletions + out.insertions
        expected = 100.0 * edits / sum(len(r.split()) for r in ref_t)
        worst = max(worst, abs(got - expected))
    assert worst <= TOL


def test_cer_tokenisation_examples():
    assert M.cer_tokens("我用iPhone打电话<unk>。", mode="wenet") == ["我", "用", "IPHONE", "打", "电", "话"]
    assert M.cer_tokens("你好， world!") == ["你", "好", "W", "O", "R", "L", "D"]
    # wenet keeps ASCII punctuation inside a Latin run and only drops its 17 marks at token starts
    assert M.cer_tokens("ok,go 你", mode="wenet") == ["OK,GO", "你"]
    assert M.cer_tokens("“你好”。", punctuation="wenet") == ["“", "你", "好", "”"]
    assert M.cer_tokens("“你好”。", punctuation="unicode") == ["你", "好"]


def test_concept_error_rate_matches_jiwer_on_joined_tokens():
    import jiwer

    concepts = ["command-tache", "nombre", "objet", "lieu-ville", "temps-date", "reponse", "null", "nom"]
    rng = np.random.default_rng(4)
    worst = 0.0
    for _ in range(N_CASES):
        refs = [[str(c) for c in rng.choice(concepts, int(rng.integers(1, 8)))] for _ in range(int(rng.integers(1, 6)))]
        hyps = [_corrupt(rng, r, concepts) for r in refs]
        got = M.concept_error_rate(hyps, refs)["concept_error_rate"]
        edits = sum(len(r) for r, h in zip(refs, hyps) if not h)
        pairs = [(" ".join(r), " ".join(h)) for r, h in zip(refs, hyps) if h]
        if pairs:
            out = jiwer.process_words([p[0] for p in pairs], [p[1] for p in pairs])
            edits += out.substitutions + out.deletions + out.insertions
        worst = max(worst, abs(got - 100.0 * edits / sum(len(r) for r in refs)))
        # the string form gives the same number
        as_str = M.concept_error_rate([" ".join(h) for h in hyps], [" ".join(r) for r in refs])
        worst = max(worst, abs(as_str["concept_error_rate"] - got))
    assert worst <= TOL


@pytest.mark.parametrize("tokenize", ["13a", "zh", "intl", "char"])
def test_corpus_bleu_and_chrf_match_sacrebleu(tokenize):
    import sacrebleu

    rng = np.random.default_rng({"13a": 5, "zh": 6, "intl": 7, "char": 8}[tokenize])
    vocab = WORDS + ["mat.", "dog,", "!"] if tokenize != "zh" else CJK + ["，", "ok"]
    sep = " " if tokenize != "zh" else ""
    worst = 0.0
    for case in range(N_CASES // 4):
        n = int(rng.integers(1, 8))
        n_refs = 1 + case % 3
        refs = [[sep.join(rng.choice(vocab, int(rng.integers(1, 12)))) for _ in range(n_refs)] for _ in range(n)]
        hyps = [sep.join(_corrupt(rng, list(r[0].split(sep) if sep else r[0]), vocab)) for r in refs]
        lower = bool(case % 2)
        # one segment may have fewer references: sacrebleu takes None for a missing one
        if n_refs > 1 and n > 1:
            refs[0] = refs[0][:1]
        streams = [[r[k] if k < len(r) else None for r in refs] for k in range(n_refs)]
        got = M.corpus_bleu(hyps, refs if n_refs > 1 else [r[0] for r in refs], tokenize=tokenize, lowercase=lower)
        bleu = sacrebleu.corpus_bleu(hyps, streams, tokenize=tokenize, lowercase=lower).score
        chrf = (sacrebleu.metrics.CHRF(lowercase=True).corpus_score(hyps, streams).score if lower
                else sacrebleu.corpus_chrf(hyps, streams).score)
        worst = max(worst, abs(got["bleu"] - bleu), abs(got["chrf"] - chrf))
    assert worst <= TOL


def test_ccc_matches_audmetric():
    import audmetric

    rng = np.random.default_rng(9)
    worst = 0.0
    for case in range(N_CASES):
        n = int(rng.integers(2, 2000 if case % 10 == 0 else 60))
        y = rng.normal(rng.normal(0, 3), rng.uniform(0.01, 5), n)
        kind = case % 5
        if kind == 0:
            x = y + rng.normal(0, rng.uniform(0.01, 2), n)
        elif kind == 1:
            x = 2.5 * y + 1.0                      # scaled and shifted: CCC < Pearson
        elif kind == 2:
            x = -y + rng.normal(0, 0.1, n)         # anti-correlated
        elif kind == 3:
            x = np.full(n, rng.normal())           # constant predictions
        else:
            x = rng.normal(0, 1, n) + 1e3          # large offset
        got = M.ccc(x.tolist(), y.tolist())["ccc"]
        worst = max(worst, abs(got - audmetric.concordance_cc(y, x)))
    assert worst <= TOL


def _random_multilabel(rng, n, c):
    y = (rng.random((n, c)) < rng.uniform(0.05, 0.5)).astype(int)
    y[:, rng.integers(0, c)] = 0                    # a class with no positive
    s = rng.random((n, c))
    if rng.random() < 0.5:
        s = np.round(s, 1)                          # heavy ties
    return s, y


def test_mean_average_precision_matches_sklearn():
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(10)
    worst = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # sklearn warns about classes without positives
        for _ in range(N_CASES):
            s, y = _random_multilabel(rng, int(rng.integers(2, 60)), int(rng.integers(1, 12)))
            got = M.mean_average_precision(s.tolist(), y.tolist())["map"]
            worst = max(worst, abs(got - average_precision_score(y, s, average="macro")))
    assert worst <= TOL


def test_mean_average_precision_weighted_path_matches_sklearn_sample_weight():
    """The bootstrap scores resamples as integer item weights: check that path against sklearn too."""
    from sklearn.metrics import average_precision_score

    from hf_bench.metrics.classification import prepare_mean_average_precision

    rng = np.random.default_rng(11)
    worst = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(N_CASES // 2):
            s, y = _random_multilabel(rng, int(rng.integers(3, 40)), int(rng.integers(1, 8)))
            w = rng.multinomial(len(s), np.full(len(s), 1 / len(s))).astype(float)
            got = prepare_mean_average_precision(s, y).batch(w[None])["map"][0]
            keep = w > 0
            ref = average_precision_score(y[keep], s[keep], average="macro", sample_weight=w[keep])
            worst = max(worst, abs(got - ref))
    assert worst <= TOL


def test_accuracy_matches_sklearn_exactly():
    from sklearn.metrics import accuracy_score

    rng = np.random.default_rng(12)
    for _ in range(N_CASES):
        n, c = int(rng.integers(1, 300)), int(rng.integers(2, 50))
        r = rng.integers(0, c, n)
        p = np.where(rng.random(n) < 0.6, r, rng.integers(0, c, n))
        assert M.accuracy(p.tolist(), r.tolist(), labels=list(range(c)))["accuracy"] == accuracy_score(r, p)


def _brute_force_recall(scores, relevant, k):
    hits = 0
    for s, rel in zip(scores, relevant):
        rel = set(rel)
        # relevant candidates sort after non-relevant ones of equal score (ties count against the query)
        ranked = sorted(range(len(s)), key=lambda j: (-s[j], j in rel))
        hits += any(j in rel for j in ranked[:k])
    return hits / len(scores)


def test_recall_at_k_matches_brute_force_loop():
    rng = np.random.default_rng(13)
    for case in range(N_CASES):
        q, m = int(rng.integers(1, 30)), int(rng.integers(1, 25))
        scores = rng.random((q, m))
        if case % 2:
            scores = np.round(scores * 3) / 3       # many ties
        relevant = [sorted(set(rng.integers(0, m, int(rng.integers(1, 4))).tolist())) for _ in range(q)]
        k = int(rng.integers(1, m + 1))
        got = M.recall_at_k(scores.tolist(), relevant, k=k)["recall@k"]
        assert got == _brute_force_recall(scores.tolist(), relevant, k), (case, k)
    # a constant score matrix earns no hit at k < number of candidates
    assert M.recall_at_k([[0.5] * 4] * 3, [[0], [1], [2]], k=3)["recall@k"] == 0.0


def _xares_clap_metrics(audio, text, num_caps):
    """X-ARES 0.1.3 ``xares.metrics.clap_metrics`` re-implemented in NumPy (the reference): rows of ``audio`` are
    repeated once per caption, as X-ARES's (audio, caption) pairs are; recall in %."""
    n = len(audio)
    a = audio / np.linalg.norm(audio, axis=1, keepdims=True)
    t = text / np.linalg.norm(text, axis=1, keepdims=True)
    logits_a2t = a @ t.T
    out = {}
    for name, logit in (("a2t", logits_a2t), ("t2a", logits_a2t.T)):
        if name == "a2t":
            truth = np.arange(n).reshape(-1, 1)
            logit = np.repeat(logit.reshape(n // num_caps, num_caps, -1)[:, 0, :], num_caps, axis=0)
        else:
            truth = np.repeat(np.arange(n // num_caps), num_caps).reshape(-1, 1)
            logit = logit.reshape(-1, n // num_caps, num_caps)[:, :, 0]
        ranking = np.argsort(-logit, axis=1, kind="stable")
        preds = np.nonzero(ranking == truth)[1]
        if name == "a2t":
            preds = preds.reshape(-1, num_caps).min(-1)
        out[name] = {k: np.mean(preds < k) * 100.0 for k in (1, 5, 10)}
    return out


def test_audio_text_recall_matches_xares_clap_metrics_and_recall_at_k():
    rng = np.random.default_rng(21)
    for case in range(40):
        clips, caps, dim = int(rng.integers(10, 40)), int(rng.choice([1, 5])), int(rng.integers(4, 16))
        audio = rng.normal(size=(clips, dim))
        text = np.repeat(audio, caps, axis=0) + rng.normal(scale=float(rng.uniform(0.5, 3)), size=(clips * caps, dim))
        sim = (audio / np.linalg.norm(audio, axis=1, keepdims=True)) @ (
            text / np.linalg.norm(text, axis=1, keepdims=True)).T
        refs = [list(range(i * caps, (i + 1) * caps)) for i in range(clips)]
        got = M.audio_text_recall(sim, refs, k=[1, 5, 10])
        ref = _xares_clap_metrics(np.repeat(audio, caps, axis=0), text, caps)
        for k in (1, 5, 10):
            assert got[f"a2t_recall@{k}"] == pytest.approx(ref["a2t"][k] / 100), (case, k)
            assert got[f"t2a_recall@{k}"] == pytest.approx(ref["t2a"][k] / 100), (case, k)
            assert got[f"recall@{k}"] == pytest.approx((ref["a2t"][k] + ref["t2a"][k]) / 200), (case, k)
            assert got[f"a2t_recall@{k}"] == M.recall_at_k(sim, refs, k=k)["recall@k"]
            assert got[f"t2a_recall@{k}"] == M.recall_at_k(sim.T, [[c // caps] for c in range(clips * caps)],
                                                           k=k)["recall@k"]
    # constant similarities earn nothing (ties count against the query)
    assert M.audio_text_recall([[0.5] * 4] * 2, [[0, 1], [2, 3]], k=1)["recall@1"] == 0.0


def _random_events(rng, labels, n_files, horizon=12.0):
    files = []
    for _ in range(n_files):
        events = []
        for _ in range(int(rng.integers(0, 6))):
            on = float(rng.uniform(0, horizon))
            events.append({"onset": on, "offset": on + float(rng.uniform(0.05, 4.0)),
                           "event_label": str(rng.choice(labels))})
        files.append(events)
    return files


SED_EVAL_WARNING = "ignore:pkg_resources is deprecated:UserWarning"  # dcase_util, imported by sed_eval


@pytest.mark.filterwarnings(SED_EVAL_WARNING)
@pytest.mark.parametrize("average", ["macro", "micro"])
def test_segment_f1_matches_sed_eval(average):
    import sed_eval

    labels = ["speech", "dog", "cat", "alarm", "music"]
    rng = np.random.default_rng(14 if average == "macro" else 15)
    worst, cases = 0.0, 0
    while cases < N_CASES // 2:
        res = float(rng.choice([1.0, 0.5, 0.25]))
        n_files = int(rng.integers(1, 5))
        refs = _random_events(rng, labels, n_files)
        preds = _random_events(rng, labels, n_files)
        if not any(refs):
            continue                                # segment F1 is undefined without reference events
        got = M.segment_f1(preds, refs, time_resolution=res, average=average, labels=labels)
        m = sed_eval.sound_event.SegmentBasedMetrics(event_label_list=labels, time_resolution=res)
        m.empty_system_output_handling = "zero_score"
        for r, p in zip(refs, preds):
            m.evaluate(reference_event_list=r, estimated_event_list=p)
        if average == "micro":
            ref = m.results_overall_metrics()["f_measure"]
        else:
            ref = m.results_class_wise_average_metrics()["f_measure"]
        for key, rk in (("f1", "f_measure"), ("precision", "precision"), ("recall", "recall")):
            worst = max(worst, abs(got[key] - ref[rk]))
        cases += 1
    assert worst <= TOL


@pytest.mark.filterwarnings(SED_EVAL_WARNING)
def test_segment_f1_boundary_tolerance_differs_from_sed_eval_float_error():
    """sed_eval's floor(0.3 / 0.1) is 2: it marks a 0.3-0.4 s event active in two 0.1 s segments; we count one."""
    import sed_eval

    ref = [[{"onset": 0.3, "offset": 0.4, "event_label": "a"}]]
    pred = [[{"onset": 0.3, "offset": 0.4, "event_label": "a"}]]
    m = sed_eval.sound_event.SegmentBasedMetrics(event_label_list=["a"], time_resolution=0.1)
    m.evaluate(reference_event_list=ref[0], estimated_event_list=pred[0])
    assert m.class_wise["a"]["Nref"] == 2  # the float artefact we deliberately do not reproduce
    from hf_bench.metrics.events import prepare_segment_f1

    counts = prepare_segment_f1(pred, ref, time_resolution=0.1).counts
    assert counts[0, 0].tolist() == [1, 1, 1]
    assert M.segment_f1(pred, ref, time_resolution=0.1)["f1"] == 1.0


def test_normalized_score_is_the_xares_formula_and_reproduces_iwer():
    rng = np.random.default_rng(16)
    for _ in range(N_CASES):
        worst, best = sorted(rng.normal(0, 10, 2))
        if rng.random() < 0.5:
            worst, best = best, worst
        s = rng.uniform(min(worst, best) - 5, max(worst, best) + 5)
        expected = min(1.0, max(0.0, (s - worst) / (best - worst)))
        assert abs(M.normalized_score(s, worst, best)["normalized_score"] - expected) <= TOL
    for wer in np.linspace(0, 3, 61):
        assert abs(M.normalized_score(wer, 1.0, 0.0)["normalized_score"] - max(1 - wer, 0)) <= TOL
    # every registered range normalises its worst value to 0 and its best to 1
    for info in M.METRICS.values():
        assert M.normalized_score(info.worst, info.worst, info.best)["normalized_score"] == 0.0
        assert M.normalized_score(info.best, info.worst, info.best)["normalized_score"] == 1.0
