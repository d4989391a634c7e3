"""Bad input gets one clear ValueError naming the problem; no metric ever returns NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest

import hf_bench.metrics as M
from hf_bench.errors import HFBenchError

EV = {"onset": 0.0, "offset": 1.0, "event_label": "dog"}

# one valid (predictions, references, kwargs) per item-level metric, to derive the bad variants from
VALID = {
    "iwer": (["a b"], ["a b"], {}),
    "wer": (["a b"], ["a b"], {}),
    "cer": (["你好"], ["你好"], {}),
    "corpus_bleu": (["a cat"], ["a cat"], {}),
    "ccc": ([0.1, 0.5, 0.9], [0.0, 0.5, 1.0], {}),
    "mean_average_precision": ([[0.2, 0.8]], [[0, 1]], {}),
    "segment_f1": ([[EV]], [[EV]], {}),
    "recall_at_k": ([[0.1, 0.9]], [[1]], {}),
    "audio_text_recall": ([[0.1, 0.9]], [[0, 1]], {"k": 1}),
    "concept_error_rate": ([["a"]], [["a"]], {}),
    "accuracy": ([1], [1], {}),
}
ITEM_METRICS = sorted(VALID)


def _raises(match: str, fn, *args, **kwargs):
    with pytest.raises(ValueError, match=match) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, HFBenchError)  # one error type: the CLI prints it without a traceback
    return info.value


@pytest.mark.parametrize("name", ITEM_METRICS)
def test_valid_inputs_give_finite_values(name):
    preds, refs, kw = VALID[name]
    if name == "ccc":
        out = M.compute(name, preds, refs, **kw)
    else:
        out = M.compute(name, preds * 3, refs * 3, **kw)
    assert out and all(isinstance(v, float) and math.isfinite(v) for v in out.values())


@pytest.mark.parametrize("name", ITEM_METRICS)
def test_length_mismatch(name):
    preds, refs, kw = VALID[name]
    _raises(r"length mismatch: \d+ predictions but \d+ references", M.compute, name, preds, refs * 2, **kw)


@pytest.mark.parametrize("name", ITEM_METRICS)
def test_empty_inputs(name):
    _raises("empty inputs", M.compute, name, [], [], **VALID[name][2])


@pytest.mark.parametrize("name", ITEM_METRICS)
def test_missing_inputs(name):
    _raises("missing", M.compute, name, None, VALID[name][1])


@pytest.mark.parametrize("name", ["iwer", "cer", "corpus_bleu"])
def test_a_bare_string_instead_of_a_list(name):
    _raises("single string", M.compute, name, "a b", ["a b"])


@pytest.mark.parametrize("name,preds,refs,where", [
    ("ccc", [0.1, float("nan"), 0.3], [0.1, 0.2, 0.3], r"predictions\[1\] is NaN"),
    ("ccc", [0.1, 0.2, 0.3], [0.1, 0.2, float("inf")], r"references\[2\] is an infinite value"),
    ("mean_average_precision", [[0.1, float("nan")]], [[0, 1]], r"predictions\[0\]\[1\] is NaN"),
    ("recall_at_k", [[0.1, float("nan")]], [[1]], r"predictions\[0\]\[1\] is NaN"),
    ("audio_text_recall", [[0.1, float("nan")]], [[0, 1]], r"predictions\[0\]\[1\] is NaN"),
    ("accuracy", [1, float("nan")], [1, 2], r"predictions\[1\] is NaN"),
    ("segment_f1", [[{"onset": float("nan"), "offset": 1.0, "event_label": "dog"}]], [[EV]], "NaN"),
])
def test_nan(name, preds, refs, where):
    _raises(where, M.compute, name, preds, refs)


@pytest.mark.parametrize("name,refs,what", [
    ("iwer", ["a b", "   "], r"references\[1\] has zero words"),
    ("iwer", ["a b", ""], r"references\[1\] has zero words"),
    ("cer", ["你好", "，。 <unk>"], r"references\[1\] has zero characters"),
    ("concept_error_rate", [["a"], []], r"references\[1\] has zero concepts"),
    ("corpus_bleu", ["a b", " "], r"references\[1\] has zero words"),
])
def test_reference_with_zero_words(name, refs, what):
    preds = ["a b", "x"] if name != "concept_error_rate" else [["a"], ["x"]]
    if name == "cer":
        preds = ["你好", "x"]
    _raises(what, M.compute, name, preds, refs)


def test_labels_outside_the_class_set():
    _raises(r"references\[1\] = 7 is not in the class set", M.accuracy, [0, 1], [0, 7], labels=[0, 1, 2])
    _raises(r"predictions\[0\] = -1 is not in the class set", M.accuracy, [-1, 1], [0, 1], labels=[0, 1, 2])
    _raises(r"^references\[0\]\[1\] = 2 is not 0 or 1", M.mean_average_precision, [[0.1, 0.2]], [[0, 2]])
    _raises(r"candidate index 5, outside 0..1", M.recall_at_k, [[0.1, 0.2]], [[5]])
    _raises(r"candidate index -1", M.recall_at_k, [[0.1, 0.2]], [[-1]])
    _raises(r"references\[0\]\[0\] has event_label 'cat', which is not in labels", M.segment_f1,
            [[EV]], [[{"onset": 0.0, "offset": 1.0, "event_label": "cat"}]], labels=["dog"])
    _raises(r"'esc5O' is not an X-ARES task\n  fix: did you mean 'esc50'", M.xares, {"mlp": {"esc5O": 0.5}})
    # X-ARES's formal names, as its README prints them, are the tasks themselves; each task once
    assert M.xares({"mlp": {"ESC-50": 0.5, "LibriSpeech-MF": 0.9}}) == M.xares(
        {"mlp": {"esc50": 0.5, "librispeechmalefemale": 0.9}})
    _raises(r"'ESC-50' and 'esc50' are both task 'esc50'", M.xares, {"mlp": {"ESC-50": 0.5, "esc50": 0.6}})


def test_labels_that_are_not_integers():
    _raises(r"predictions\[1\] = 1.5 is not an integer class label", M.accuracy, [0, 1.5], [0, 1])
    _raises(r"references\[0\] = 'dog' is not an integer class label", M.accuracy, [0], ["dog"])
    _raises("labels contains duplicates", M.accuracy, [0], [0], labels=[0, 0, 1])


@pytest.mark.parametrize("event,what", [
    ({"onset": 2.0, "offset": 2.0, "event_label": "dog"}, r"offset <= onset \(2.0 <= 2.0\)"),
    ({"onset": 3.0, "offset": 1.0, "event_label": "dog"}, r"offset <= onset"),
    ({"onset": -1.0, "offset": 1.0, "event_label": "dog"}, "negative onset"),
    ({"onset": 0.0, "event_label": "dog"}, "lacks offset"),
    ({"onset": 0.0, "offset": 1.0}, "lacks event_label"),
    ({"onset": "a", "offset": 1.0, "event_label": "dog"}, "must be numbers"),
])
def test_bad_events(event, what):
    err = _raises(what, M.segment_f1, [[EV]], [[EV, event]])
    assert err.where == "references[0][1]"
    _raises(what, M.segment_f1, [[event]], [[EV]])


def test_segment_f1_without_any_reference_event_is_an_error_not_nan():
    _raises("the references contain no event at all", M.segment_f1, [[EV]], [[]])
    _raises("no events at all", M.segment_f1, [[]], [[]])
    _raises("the references contain no event", M.segment_f1, [[EV]], [[]], labels=["dog"])
    _raises("the references contain no event", M.segment_f1, [[EV]], [[]], average="micro", labels=["dog"])


def test_undefined_values_raise_instead_of_nan():
    _raises("CCC is undefined", M.ccc, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    _raises("at least 2 items", M.ccc, [0.5], [0.4])
    # CCC of constant predictions against varying references is defined (0), not an error
    assert M.ccc([0.5, 0.5, 0.5], [0.1, 0.5, 0.9])["ccc"] == 0.0


def test_bad_options():
    _raises("average='weighted' is not supported", M.segment_f1, [[EV]], [[EV]], average="weighted")
    _raises("time_resolution must be a finite number > 0", M.segment_f1, [[EV]], [[EV]], time_resolution=0)
    _raises("k=3 is larger than the number of candidates", M.recall_at_k, [[0.1, 0.2]], [[1]], k=3)
    _raises("k must be an integer >= 1", M.recall_at_k, [[0.1, 0.2]], [[1]], k=0)
    _raises("mode='word' is not supported", M.cer, ["a"], ["a"], mode="word")
    _raises("tokenize='flores200' is not supported", M.corpus_bleu, ["a"], ["a"], tokenize="flores200")
    _raises("references\\[0\\] lists no relevant candidate", M.recall_at_k, [[0.1, 0.2]], [[]])
    _raises(r"predictions have shape \(1, 2\) but references have shape \(1, 3\)", M.mean_average_precision,
            [[0.1, 0.2]], [[0, 1, 0]])
    _raises("predictions has 1 dimension", M.mean_average_precision, [0.1, 0.2], [[0, 1], [1, 0]])
    _raises("regular shape", M.recall_at_k, [[0.1, 0.2], [0.3]], [[0], [0]])
    _raises("k=5 is larger than the number of candidates \\(2\\)", M.audio_text_recall,
            [[0.1, 0.2, 0.3], [0.3, 0.4, 0.5]], [[0, 1], [2]], k=[1, 5])
    _raises("k is empty", M.audio_text_recall, [[0.1, 0.2]], [[0, 1]], k=[])
    _raises("caption 2 is relevant to no audio clip", M.audio_text_recall, [[0.1, 0.2, 0.3]], [[0, 1]], k=1)
    _raises(r"references\[1\] contains candidate index 3, outside 0..2", M.audio_text_recall,
            [[0.1, 0.2, 0.3], [0.3, 0.4, 0.5]], [[0, 1], [3]], k=1)
    _raises("unknown metric 'bleu'", M.compute, "bleu", ["a"], ["a"])


def test_normalized_score_and_xares_bad_input():
    _raises("worst and best are both 1.0", M.normalized_score, 0.5, 1.0, 1.0)
    _raises("score is NaN", M.normalized_score, float("nan"), 0, 1)
    _raises("X-ARES runs no kNN probe on 'fsd50k'", M.xares, {"knn": {"fsd50k": 0.3}})
    _raises("outside the range", M.xares, {"mlp": {"esc50": 85.7}})
    _raises(r"scores\['mlp'\]\['esc50'\] is NaN", M.xares, {"mlp": {"esc50": float("nan")}})
    _raises("unknown probe 'linear'", M.xares, {"linear": {"esc50": 0.5}})
    _raises("non-empty dict", M.xares, {})
    _raises("21 public X-ARES task", M.xares, {"mlp": {"esc50": 0.5}}, require_all=True)
    _raises("takes no references", M.compute, "xares", {"mlp": {"esc50": 0.5}}, ["esc50"])


def test_frames_to_events_bad_input():
    post = np.zeros((4, 2))
    _raises("posteriors have 2 classes .* labels has 1", M.frames_to_events, post, 0.02, ["a"])
    _raises("hop_s must be a finite number > 0", M.frames_to_events, post, 0.0, ["a", "b"])
    _raises("posteriors has 1 dimension", M.frames_to_events, np.zeros(4), 0.02, ["a"])
    _raises(r"posteriors\[1\]\[0\] is NaN", M.frames_to_events, [[0, 0], [float("nan"), 0]], 0.02, ["a", "b"])
    _raises("threshold must be one number or 2 numbers", M.frames_to_events, post, 0.02, ["a", "b"],
            threshold=[0.5, 0.5, 0.5])
    _raises("distinct", M.frames_to_events, post, 0.02, ["a", "a"])


def test_bootstrap_bad_input():
    _raises("at least 2 items", M.accuracy, [1], [1], return_ci=True)
    _raises("n_resamples must be an integer >= 10", M.accuracy, [1, 0], [1, 1], return_ci=True, n_resamples=5)
    _raises(r"level must be in \(0, 1\)", M.bootstrap_ci, "accuracy", [1, 0], [1, 1], level=95)
    _raises("no items to resample", M.bootstrap_ci, "xares", {"mlp": {"esc50": 0.5}}, None)
    _raises("has no key 'f1'", M.bootstrap_ci, "accuracy", [1, 0], [1, 1], key="f1")
    _raises("seed must be an integer >= 0", M.accuracy, [1, 0], [1, 1], return_ci=True, seed=None)
    # CCC of 2 perfect items: half the resamples draw one item twice (x = y = constant: undefined), so the CI is
    # refused rather than made up
    _raises("undefined on .* bootstrap resamples", M.ccc, [0.1, 0.2], [0.1, 0.2], return_ci=True)
