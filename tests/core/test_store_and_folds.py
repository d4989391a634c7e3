"""Store keys, shard plans, partial files, writer aborts, crop-aware folds, and probes that read waveforms."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import config

from hf_bench.data import AudioRef
from hf_bench.features.extract import shard_plan
from hf_bench.features.store import FeatureStore
from hf_bench.features.views import Extraction, FeatureView
from hf_bench.pipeline.folds import make_folds


def test_extraction_key_holds_what_decides_the_batches():
    assert "batch_items" not in Extraction().key()                      # masked, length-sorted: batch-independent
    assert Extraction(padding="xares", batch_items=1).key()["batch_items"] == 1
    dedup = Extraction(dedup_crops=True, batch_items=16)                 # which crops survive depends on batches
    assert dedup.data_order and dedup.key()["batch_items"] == 16
    assert Extraction(dedup_crops=True, batch_items=16).key() != Extraction(dedup_crops=True, batch_items=8).key()


def test_xares_shards_end_on_batch_boundaries():
    refs = [AudioRef(id=str(i), origin=str(i), data=b"x" * 200_000) for i in range(100)]  # ~6 s each
    plan = shard_plan(refs, seconds=60, multiple=16)
    assert all((hi - lo) % 16 == 0 for lo, hi in plan[:-1]) and plan[-1][1] == 100
    assert [hi - lo for lo, hi in shard_plan(refs, seconds=60)][:2] == [9, 9]  # without batches: by audio length


def test_carving_keeps_the_crops_of_a_clip_together():
    task = __import__("hf_bench.tasks", fromlist=["get_task"]).get_task("esc50")
    groups = np.repeat(np.arange(50), 4)                                  # 200 items: 4 crops of each of 50 clips
    ranges = {f: np.arange(40 * i, 40 * i + 40) for i, f in enumerate(task.folds)}
    for fold in make_folds(task, ranges, seed=3, groups=groups):
        assert not set(groups[fold.train]) & set(groups[fold.valid])
        assert len(set(groups[fold.valid])) == 4                          # 10 % of the 40 training clips
    plain = make_folds(task, ranges, seed=3)
    assert len(plain[0].valid) == 16                                     # without groups: 10 % of the items


def test_partial_files_of_a_killed_writer_are_cleared(tmp_path):
    view = FeatureView("frames", (0,), "float32")
    entry = FeatureStore(tmp_path).entry({"encoder_fingerprint": "e", "item_shape": [1, 2]}, view)
    writer = entry.frame_writer(0, 2, 1, 2)
    writer.add(0, 0, 160, np.ones((3, 1, 2), np.float32))
    stray = list(entry.path.glob(".shard-00000.*.tmp"))
    assert stray  # what a SIGKILL would leave behind
    writer.abort(KeyboardInterrupt())
    assert not list(entry.path.glob(".shard-00000.*")) and not entry.shard_done(0)
    (entry.path / ".shard-00001.values.bin.abc.tmp").write_bytes(b"x" * 100)
    entry.clear_partial(1)
    assert not list(entry.path.glob(".shard-00001.*"))


def test_frame_tasks_cannot_use_sequential_crops():
    from hf_bench.tasks import get_task

    task = get_task("desed")
    with pytest.raises(Exception, match="frame-level tasks cannot use sequential crops"):
        type(task).model_validate({**task.model_dump(mode="json"), "crop": {"mode": "sequential", "length_s": 2}})


def test_a_probe_that_reads_waveforms_needs_no_stored_view(tmp_path, tone_task, monkeypatch):
    """The protocol's `view() -> None`: the run hands the probe its items' AudioRefs and stores nothing."""
    from hf_bench.audio import decode
    from hf_bench.pipeline import evaluate_encoder
    from hf_bench.probes import registry
    from hf_bench.probes.base import Probe
    from hf_bench.tasks import get_task

    class Loudness(Probe):
        name, label, task_types = "loud", "Loud", frozenset({"clip_classification"})
        summary = "nearest class mean of the RMS level"

        def view(self):
            return None

        def config(self):
            return {"feature": "rms"}

        def _x(self, data):
            return np.array([np.sqrt(np.mean(decode(r, target_sr=16000) ** 2)) for r in data.refs])

        def fit(self, fold, coding, *, seed):
            self.coding = coding
            x, y = self._x(fold.train), fold.train.targets
            self.means = np.array([x[y == c].mean() for c in range(coding.out_dim)])
            return {"means": self.means.round(4).tolist()}

        def predict(self, test):
            return self.coding.votes(np.abs(self._x(test)[:, None] - self.means[None]).argmin(1))

    monkeypatch.setattr(registry, "PROBES", registry.PROBES + (Loudness,))
    out = evaluate_encoder(config(tmp_path, probes=("loud",)), [get_task(str(tone_task))], log=lambda m: None)
    result = out.tasks[0].results[("last", "loud")]
    assert result.probe.config["view"] is None and len(result.probe.selected["test"]["means"]) == 3
    assert out.timings["clips_encoded"] == 0 and not (tmp_path / "cache" / "features").exists()
