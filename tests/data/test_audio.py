"""hf_bench.audio.decode: soundfile decoding, soxr resampling and every bad-audio error."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf
from data_testutil import audio_bytes, tone, write_audio, write_tar

from hf_bench.audio import decode
from hf_bench.data import AudioRef
from hf_bench.data.webdataset import index_tar
from hf_bench.errors import AudioError, HFBenchError


def ref_of(path):
    return AudioRef(id=path.name, origin=str(path), path=path)


def test_decode_wav_and_flac_native_rate(tmp_path):
    for ext in ("wav", "flac"):
        path = write_audio(tmp_path / f"a.{ext}", freq=300, seconds=0.5)
        wav = decode(ref_of(path), target_sr=16000, expected_sr=16000, downmix=False)
        assert wav.dtype == np.float32 and wav.ndim == 1 and wav.shape == (8000,)
        # PCM_16 round trip of the written tone
        assert np.max(np.abs(wav - tone(300, seconds=0.5))) < 1e-3


def test_decode_resamples_with_soxr(tmp_path):
    path = write_audio(tmp_path / "a.wav", freq=440, sr=44100, seconds=1.0)
    wav = decode(ref_of(path), target_sr=16000, expected_sr=None, downmix=False)
    assert wav.shape == (16000,) and wav.dtype == np.float32
    # the 440 Hz tone survives: the spectrum peaks at 440 Hz
    spectrum = np.abs(np.fft.rfft(wav))
    assert abs(np.argmax(spectrum) * 16000 / len(wav) - 440) <= 1.0


def test_stereo_rejected_without_downmix_and_averaged_with_it(tmp_path):
    path = write_audio(tmp_path / "stereo.wav", channels=2)
    with pytest.raises(AudioError) as e:
        decode(ref_of(path), target_sr=16000, expected_sr=16000, downmix=False)
    msg = str(e.value)
    assert str(path) in msg and "2 channels" in msg and "downmix: true" in msg
    wav = decode(ref_of(path), target_sr=16000, expected_sr=16000, downmix=True)
    data, _ = sf.read(path, dtype="float32")
    np.testing.assert_allclose(wav, data.mean(axis=1), atol=1e-6)


def test_8khz_file_in_16khz_task(tmp_path):
    path = write_audio(tmp_path / "narrow.wav", sr=8000)
    with pytest.raises(AudioError) as e:
        decode(ref_of(path), target_sr=16000, expected_sr=16000, downmix=False)
    msg = str(e.value)
    assert str(path) in msg and "8000 Hz" in msg and "16000 Hz" in msg and "sample_rate" in msg
    # without a declared rate the same file is simply resampled
    assert decode(ref_of(path), target_sr=16000, expected_sr=None, downmix=False).shape == (4000,)


def test_corrupt_file(tmp_path):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEthis is not audio" + bytes(range(256)))
    with pytest.raises(AudioError) as e:
        decode(ref_of(path), target_sr=16000, expected_sr=None, downmix=False)
    assert str(path) in str(e.value) and "fix:" in str(e.value)


def test_empty_file_and_zero_sample_file(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match="empty"):
        decode(ref_of(empty), target_sr=16000, expected_sr=None, downmix=False)
    silent = tmp_path / "nosamples.wav"
    sf.write(silent, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(AudioError) as e:
        decode(ref_of(silent), target_sr=16000, expected_sr=None, downmix=False)
    assert "0" in str(e.value) and str(silent) in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="cannot open"):
        decode(ref_of(tmp_path / "gone.wav"), target_sr=16000, expected_sr=None, downmix=False)


def test_nan_samples(tmp_path):
    path = tmp_path / "nan.wav"
    x = tone()
    x[10] = np.nan
    sf.write(path, x, 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN"):
        decode(ref_of(path), target_sr=16000, expected_sr=None, downmix=False)


def test_decode_bytes_and_tar_members(tmp_path):
    blob = audio_bytes("FLAC", freq=500)
    ref = AudioRef(id="x", origin="<parquet>:row 0", data=blob)
    np.testing.assert_allclose(decode(ref, target_sr=16000, downmix=False), tone(500), atol=1e-3)

    tar = write_tar(tmp_path / "shard.tar", [("a", "wav", audio_bytes("WAV", freq=300), {"label": "x"}),
                                             ("b", "flac", audio_bytes("FLAC", freq=600), {"label": "y"})])
    refs, labels = index_tar(tar, label_key="label")
    assert [r.origin for r in refs] == [f"{tar}:a.wav", f"{tar}:b.flac"] and labels == ["x", "y"]
    np.testing.assert_allclose(decode(refs[1], target_sr=16000, downmix=False), tone(600), atol=1e-3)
    # a corrupt member is reported with the tar and the member name
    bad = write_tar(tmp_path / "bad.tar", [("c", "wav", b"garbage" * 20, {"label": "x"})])
    (ref_bad,), _ = index_tar(bad, label_key="label")
    with pytest.raises(AudioError) as e:
        decode(ref_bad, target_sr=16000, downmix=False)
    assert f"{bad}:c.wav" in str(e.value)


def test_tar_member_changed_on_disk(tmp_path):
    tar = write_tar(tmp_path / "shard.tar", [("a", "wav", audio_bytes("WAV"), {"label": "x"})])
    (ref,), _ = index_tar(tar, label_key="label")
    tar.write_bytes(tar.read_bytes()[:600])  # truncated after indexing
    with pytest.raises(HFBenchError, match="truncated"):
        decode(ref, target_sr=16000, downmix=False)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_ffmpeg_fallback_for_formats_libsndfile_lacks(tmp_path):
    src = write_audio(tmp_path / "a.wav", freq=400, seconds=0.5)
    m4a = tmp_path / "a.m4a"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(src), "-c:a", "aac", str(m4a)], check=True)
    wav = decode(ref_of(m4a), target_sr=16000, expected_sr=16000, downmix=False)
    assert abs(len(wav) - 8000) < 2048  # AAC adds priming samples
    spectrum = np.abs(np.fft.rfft(wav))
    assert abs(np.argmax(spectrum) * 16000 / len(wav) - 400) < 5
    # garbage with an ffmpeg-only extension still fails cleanly
    junk = tmp_path / "junk.m4a"
    junk.write_bytes(b"\x00" * 300)
    with pytest.raises(AudioError) as e:
        decode(ref_of(junk), target_sr=16000, downmix=False)
    assert str(junk) in str(e.value)


def test_mp3_decodes_with_soundfile(tmp_path):
    if "MP3" not in sf.available_formats():
        pytest.skip("libsndfile built without MP3")
    path = tmp_path / "a.mp3"
    buf = io.BytesIO()
    sf.write(buf, tone(440, seconds=1.0), 16000, format="MP3")
    path.write_bytes(buf.getvalue())
    wav = decode(ref_of(path), target_sr=16000, downmix=False)
    assert abs(len(wav) - 16000) < 2000
