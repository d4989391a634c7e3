"""frames_to_events: the conversion the frame-level probe calls, and its agreement with segment_f1."""

from __future__ import annotations

import numpy as np
import pytest

import hf_bench.metrics as M


def test_runs_of_active_frames_become_events():
    post = [[0.2, 0.9], [0.7, 0.9], [0.8, 0.1], [0.1, 0.6], [0.5, 0.6]]
    events = M.frames_to_events(post, 0.04, ["dog", "speech"])
    assert events == [
        {"onset": 0.0, "offset": 0.08, "event_label": "speech"},
        {"onset": 0.04, "offset": 0.12, "event_label": "dog"},
        {"onset": 0.12, "offset": 0.2, "event_label": "speech"},  # 0.5 is not above the 0.5 threshold
    ]
    assert all(type(e["onset"]) is float for e in events)
    per_class = M.frames_to_events(post, 0.04, ["dog", "speech"], threshold=[0.75, 0.95])
    assert per_class == [{"onset": 0.08, "offset": 0.12, "event_label": "dog"}]
    shifted = M.frames_to_events([[1.0], [1.0]], 0.5, ["x"], start_s=10.0)
    assert shifted == [{"onset": 10.0, "offset": 11.0, "event_label": "x"}]
    assert M.frames_to_events(np.zeros((0, 2)), 0.02, ["a", "b"]) == []


def _frame_segment_f1(pred: list[np.ndarray], ref: list[np.ndarray], frames_per_segment: int, average: str):
    """Segment F1 straight from frames: max-pool non-overlapping windows, count per (segment, class)."""
    tp = nref = nsys = 0
    for p, r in zip(pred, ref):
        n_seg = -(-len(p) // frames_per_segment)
        pad = n_seg * frames_per_segment - len(p)
        ps = np.pad(p, ((0, pad), (0, 0))).reshape(n_seg, frames_per_segment, -1).max(axis=1)
        rs = np.pad(r, ((0, pad), (0, 0))).reshape(n_seg, frames_per_segment, -1).max(axis=1)
        tp = tp + (ps & rs).sum(axis=0)
        nref = nref + rs.sum(axis=0)
        nsys = nsys + ps.sum(axis=0)
    if average == "micro":
        tp, nref, nsys = tp.sum(keepdims=True), nref.sum(keepdims=True), nsys.sum(keepdims=True)
    f1 = [2 * t / (s + r) for t, r, s in zip(tp, nref, nsys) if r > 0]  # classes without reference: left out
    return float(np.mean(f1))


@pytest.mark.parametrize("hop,res", [(0.02, 1.0), (0.04, 1.0), (0.01, 0.1), (0.02, 0.1), (0.04, 0.2),
                                     (0.064, 0.32), (0.16, 0.16)])
@pytest.mark.parametrize("average", ["macro", "micro"])
def test_segment_f1_of_converted_events_equals_frame_level_segment_f1(hop, res, average):
    labels = ["speech", "dog", "alarm", "music"]
    m = round(res / hop)
    rng = np.random.default_rng(int(hop * 1000) + int(res * 100))
    preds_f, refs_f, preds_e, refs_e = [], [], [], []
    for _ in range(12):
        t = int(rng.integers(5, 400))
        # smoothed noise gives runs of activity of various lengths
        post = np.clip(np.cumsum(rng.normal(0, 0.25, (t, len(labels))), axis=0) % 2 - 0.5, 0, 1)
        target = (np.cumsum(rng.normal(0, 0.3, (t, len(labels))), axis=0) % 2 > 1.2).astype(float)
        preds_f.append(post > 0.5)
        refs_f.append(target > 0.5)
        preds_e.append(M.frames_to_events(post, hop, labels))
        refs_e.append(M.frames_to_events(target, hop, labels))
    got = M.segment_f1(preds_e, refs_e, time_resolution=res, average=average, labels=labels)["f1"]
    assert got == pytest.approx(_frame_segment_f1(preds_f, refs_f, m, average), abs=1e-12)


def test_segment_f1_accepts_a_file_given_as_columns():
    """datasets may hand a file's events over as columns; both layouts give the same score."""
    rows = [[{"onset": 0.0, "offset": 1.0, "event_label": "a"}, {"onset": 2.0, "offset": 3.5, "event_label": "b"}]]
    cols = [{"onset": np.array([0.0, 2.0]), "offset": [1.0, 3.5], "event_label": ["a", "b"]}]
    refs = [[{"onset": 0.5, "offset": 3.0, "event_label": "b"}]]
    assert M.segment_f1(cols, refs) == M.segment_f1(rows, refs)
    with pytest.raises(ValueError, match="columns of different lengths"):
        M.segment_f1([{"onset": [0.0], "offset": [], "event_label": ["a"]}], refs)
