"""The fast paths of the feature stage give what the plain ones gave: tar members read in one pass per file,
soxr resamplers reused, decoding beside encoding, thread plans from the free cores."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest
import soundfile as sf
import soxr

from hf_bench.audio import decode, resample
from hf_bench.data import AudioRef
from hf_bench.errors import AudioError
from hf_bench.features.extract import _decode_all, _decoded_ahead, _read_members
from hf_bench.features.views import AudioPolicy
from hf_bench.utils import threads


def test_reused_resampler_gives_soxr_resample_sample_for_sample():
    rng = np.random.default_rng(0)
    for n in (1, 7, 441, 44100, 123457):  # the stream is cleared between clips: no tail leaks into the next
        for sr, target in ((44100, 16000), (8000, 16000), (48000, 16000)):
            x = rng.normal(size=n).astype(np.float32)
            np.testing.assert_array_equal(resample(x, sr, target), soxr.resample(x, sr, target, quality="HQ"))


def _tar(tmp_path, n=12):
    rng = np.random.default_rng(1)
    path, waves = tmp_path / "clips.tar", []
    with tarfile.open(path, "w") as tar:
        for i in range(n):
            wave = (0.1 * rng.normal(size=2000 + 500 * i)).astype(np.float32)
            buf = io.BytesIO()
            sf.write(buf, wave, 22050, format="WAV", subtype="FLOAT")
            info = tarfile.TarInfo(f"c{i}.wav")
            info.size = len(buf.getvalue())
            tar.addfile(info, io.BytesIO(buf.getvalue()))
            waves.append(wave)
    refs = []
    with tarfile.open(path) as tar:
        for m in tar:
            refs.append(AudioRef(id=m.name, origin=f"{path}:{m.name}", path=path, tar_offset=m.offset_data,
                                 tar_size=m.size))
    return path, refs, waves


def test_tar_members_read_in_one_pass_decode_as_when_read_one_by_one(tmp_path):
    _, refs, _ = _tar(tmp_path)
    shuffled = [refs[i] for i in np.random.default_rng(2).permutation(len(refs))]
    read = _read_members(shuffled)
    assert [r.id for r in read] == [r.id for r in shuffled]  # the order asked for, whatever the tar order
    assert all(r.data == r2.read_bytes() for r, r2 in zip(read, shuffled))
    one = [decode(r, target_sr=16000) for r in shuffled]
    for workers in (1, 3):
        both = _decode_all(shuffled, AudioPolicy(), 16000, "soxr", workers)
        assert all(np.array_equal(a, b) for a, b in zip(one, both))


def test_a_truncated_tar_still_names_the_member(tmp_path):
    path, refs, _ = _tar(tmp_path)
    path.write_bytes(path.read_bytes()[: refs[5].tar_offset + 10])  # cut inside member 5
    with pytest.raises(Exception) as err:
        _decode_all(refs, AudioPolicy(), 16000, "soxr", 2)
    assert "c5.wav" in str(err.value) and "truncated" in str(err.value)


def test_decoding_ahead_keeps_order_and_raises_at_the_failing_shard():
    def job(s):
        def run():
            if s == 3:
                raise AudioError("bad clip", where=f"shard {s}", fix="none")
            return [s]
        return run

    got = []
    with pytest.raises(AudioError, match="shard 3"):
        for s, waves, seconds in _decoded_ahead([(s, job(s)) for s in range(6)]):
            got.append((s, waves))
            assert seconds >= 0
    assert got == [(0, [0]), (1, [1]), (2, [2])]
    # the consumer stopping early (an encoder error) ends the decoding thread too
    gen = _decoded_ahead([(s, job(s)) for s in range(2)])
    assert next(gen)[0] == 0
    gen.close()


def test_thread_plan_from_free_cores_and_from_the_flag(monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    monkeypatch.setattr(threads, "usable_cores", lambda: 16)
    monkeypatch.setattr(threads, "free_cores", lambda sample_s=0.1: 2.2)  # a busy 16-core box
    plan = threads.plan_threads()
    assert (plan.torch, plan.decode, plan.total) == (1, 1, 2) and "2.2 of 16" in plan.why
    monkeypatch.setattr(threads, "free_cores", lambda sample_s=0.1: 16.0)
    plan = threads.plan_threads()
    assert (plan.torch, plan.decode, plan.total) == (12, 4, 16)
    assert (threads.plan_threads(1).torch, threads.plan_threads(1).decode) == (1, 1)
    monkeypatch.setenv(threads.ENV, "6")
    plan = threads.plan_threads()
    assert (plan.torch, plan.decode) == (5, 1) and plan.why == "--threads 6"
    monkeypatch.setenv(threads.ENV, "lots")
    with pytest.raises(Exception, match="HF_BENCH_THREADS"):
        threads.plan_threads()


def test_free_cores_is_measured_and_bounded():
    free = threads.free_cores(0.05)
    assert 0.0 <= free <= threads.usable_cores()
