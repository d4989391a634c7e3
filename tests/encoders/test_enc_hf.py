"""hf: encoders on tiny random models saved to a temp dir and loaded back from disk (never the network)."""

from __future__ import annotations

import json
import math
import shutil

import pytest
import torch
from enc_helpers import WAVEFORM_MODELS, batch, build_waveform_model, noise

from hf_bench.encoders import check_encoder, load_encoder
from hf_bench.encoders.hf import HFEncoder
from hf_bench.errors import EncoderError, OfflineError


@pytest.mark.parametrize("name", list(WAVEFORM_MODELS))
def test_waveform_models(tiny_models, name):
    enc = load_encoder("hf:" + tiny_models(name))
    assert isinstance(enc, HFEncoder)
    assert (enc.num_layers, enc.dim, enc.hop_ms, enc.sampling_rate) == (3, 32, 20.0, 16000)
    assert enc.padding_mode == WAVEFORM_MODELS[name][3]
    assert enc.n_parameters == sum(p.numel() for p in enc.model.parameters()) > 0
    a, b = noise(1.0, seed=1), noise(2.3, seed=2)
    wavs, lengths = batch(a, b)
    out = enc.encode(wavs, lengths)
    expected = enc.model._get_feat_extract_output_lengths(lengths).tolist()
    assert out.lengths.tolist() == expected == [49, 114]
    assert len(out.hidden_states) == 3
    assert all(h.shape == (2, 114, 32) for h in out.hidden_states)
    assert torch.count_nonzero(out.hidden_states[-1][0, 49:]) == 0  # padded frames are zeroed
    # an item's frames do not depend on its batch: alone == zero-padded next to a longer clip
    alone = enc.encode(a[None], torch.tensor([a.shape[0]]))
    for x, y in zip(out.hidden_states, alone.hidden_states):
        torch.testing.assert_close(x[0, :49], y[0], atol=1e-4, rtol=1e-4)


def test_hidden_states_are_the_models(tiny_models):
    """Embedding output + every layer, last = last_hidden_state, on do_normalize'd input."""
    enc = load_encoder("hf:" + tiny_models("wav2vec2-layer"))
    wav = noise(1.2, seed=3) + 0.05
    out = enc.encode(wav[None], torch.tensor([wav.shape[0]]))
    x = ((wav - wav.mean()) / torch.sqrt(wav.var(unbiased=False) + 1e-7))[None]
    with torch.inference_mode():
        ref = enc.model(x, output_hidden_states=True)
    assert len(ref.hidden_states) == enc.num_layers
    for mine, theirs in zip(out.hidden_states[:-1], ref.hidden_states[:-1]):
        torch.testing.assert_close(mine, theirs, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out.hidden_states[-1], ref.last_hidden_state, atol=1e-5, rtol=1e-5)


def test_do_normalize_follows_the_feature_extractor(tmp_path):
    wav = 0.5 * noise(1.0, seed=4) + 0.2
    length = torch.tensor([wav.shape[0]])
    normalised = ((wav - wav.mean()) / torch.sqrt(wav.var(unbiased=False) + 1e-7))[None]
    for do_normalize, model_input in ((True, normalised), (False, wav[None])):
        folder = build_waveform_model("wav2vec2-layer", tmp_path / str(do_normalize), do_normalize=do_normalize)
        enc = load_encoder(f"hf:{folder}")
        assert enc.do_normalize is do_normalize
        with torch.inference_mode():
            ref = enc.model(model_input).last_hidden_state
        torch.testing.assert_close(enc.encode(wav[None], length).hidden_states[-1], ref, atol=1e-5, rtol=1e-5)


def test_normalisation_ignores_padding(tiny_models):
    """Mean/variance come from the true samples: a padded item equals the item alone, DC offset included."""
    enc = load_encoder("hf:" + tiny_models("wav2vec2-group"))
    a, b = 0.3 * noise(0.7, seed=5) + 0.5, noise(1.9, seed=6)
    wavs, lengths = batch(a, b)
    both = enc.encode(wavs, lengths).hidden_states[-1][0, :34]
    alone = enc.encode(a[None], torch.tensor([a.shape[0]])).hidden_states[-1][0]
    assert alone.shape[0] == 34
    torch.testing.assert_close(both, alone, atol=1e-5, rtol=1e-5)


def test_too_short_input_gives_one_frame(tiny_models):
    enc = load_encoder("hf:" + tiny_models("wav2vec2-layer"))
    out = enc.encode(noise(0.01)[None], torch.tensor([160]))  # shorter than the 400-sample receptive field
    assert out.hidden_states[0].shape == (1, 1, 32) and out.lengths.tolist() == [1]


def test_whisper_trims_padding_to_true_length(tiny_models):
    import transformers

    enc = load_encoder("hf:" + tiny_models("whisper"))
    assert (enc.num_layers, enc.dim, enc.hop_ms, enc.frame_samples) == (3, 32, 20.0, 320)
    assert enc.chunk_samples == 16000  # the tiny model's window: 50 positions (the real one: 1500 -> 30 s)
    sizes = [7000, 16000, 300]
    wavs, lengths = batch(*[noise(n / 16000, seed=i) for i, n in enumerate(sizes)])
    out = enc.encode(wavs, lengths)
    assert out.lengths.tolist() == [math.ceil(n / 320) for n in sizes] == [22, 50, 1]
    assert out.hidden_states[0].shape == (3, 50, 32)
    # the kept frames are exactly what Whisper gives on its own 30 s-padded window
    fe = transformers.WhisperFeatureExtractor.from_pretrained(tiny_models("whisper"))
    feats = fe([wavs[0, :7000].numpy()], sampling_rate=16000, return_tensors="pt")["input_features"]
    with torch.inference_mode():
        ref = enc.model(feats, output_hidden_states=True)
    assert ref.last_hidden_state.shape[1] == 50
    torch.testing.assert_close(out.hidden_states[-1][0, :22], ref.last_hidden_state[0, :22], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out.hidden_states[0][0, :22], ref.hidden_states[0][0, :22], atol=1e-5, rtol=1e-5)


def test_whisper_chunks_long_audio(tiny_models):
    enc = load_encoder("hf:" + tiny_models("whisper"))
    long_, short = noise(2.5, seed=7), noise(0.4, seed=8)  # 2.5 windows of the tiny model
    wavs, lengths = batch(long_, short)
    out = enc.encode(wavs, lengths)
    assert out.lengths.tolist() == [math.ceil(40000 / 320), math.ceil(6400 / 320)] == [125, 20]
    assert out.hidden_states[0].shape == (2, 125, 32)
    # each window's frames equal that window encoded alone, concatenated in order
    pieces = [long_[:16000], long_[16000:32000], long_[32000:]]
    alone = [enc.encode(p[None], torch.tensor([p.shape[0]])).hidden_states[-1][0] for p in pieces]
    torch.testing.assert_close(out.hidden_states[-1][0], torch.cat(alone), atol=1e-5, rtol=1e-5)
    short_alone = enc.encode(short[None], torch.tensor([short.shape[0]])).hidden_states[-1][0]
    torch.testing.assert_close(out.hidden_states[-1][1, :20], short_alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["wav2vec2-layer", "whisper"])
def test_check_encoder_passes(tiny_models, name):
    report = check_encoder("hf:" + tiny_models(name))
    assert report.ok, report.render()
    assert not [i for i in report.items if i.status == "warn"], report.render()


def test_fingerprint_tracks_weights_not_location(tmp_path, tiny_models):
    src = tiny_models("hubert")
    copy = tmp_path / "copy"
    shutil.copytree(src, copy)
    fp = load_encoder("hf:" + src).fingerprint()
    assert fp.startswith("hf-") and load_encoder("hf:" + str(copy)).fingerprint() == fp
    # one weight changed -> another fingerprint
    import transformers

    model = transformers.HubertModel.from_pretrained(copy)
    with torch.no_grad():
        model.encoder.layers[0].attention.q_proj.weight[0, 0] += 1.0
    model.save_pretrained(copy)
    assert load_encoder("hf:" + str(copy)).fingerprint() != fp
    # config change (same weights) -> another fingerprint
    cfg = json.loads((copy / "config.json").read_text())
    cfg["layer_norm_eps"] = 1e-6
    (copy / "config.json").write_text(json.dumps(cfg))
    assert len({fp, load_encoder("hf:" + str(copy)).fingerprint()}) == 2


def test_fine_tuned_checkpoint_loads_its_base_model(tmp_path):
    folder = build_waveform_model("wav2vec2-layer", tmp_path / "ctc", head=True)
    enc = load_encoder("hf:" + str(folder))
    assert type(enc.model).__name__ == "Wav2Vec2Model" and enc.num_layers == 3


def test_missing_weights_are_refused(tmp_path):
    from safetensors.torch import load_file, save_file

    folder = build_waveform_model("wav2vec2-layer", tmp_path / "m")
    weights = load_file(folder / "model.safetensors")
    del weights[next(k for k in weights if "q_proj.weight" in k)]
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(EncoderError, match="missing from the checkpoint") as e:
        load_encoder("hf:" + str(folder))
    assert "q_proj.weight" in str(e.value)


def test_hub_id_offline_gives_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OfflineError) as e:
        load_encoder("hf:hf-bench-tests/not-in-any-cache")
    text = str(e.value)
    assert "not in the local Hugging Face cache" in text and "hf download hf-bench-tests/not-in-any-cache" in text
    assert "hf:/path/to/folder" in text


@pytest.mark.parametrize("target,needle", [
    ("./no/such/dir", "no such directory"),
    ("bad id with spaces", "not a valid Hub model id"),
])
def test_bad_targets(target, needle):
    with pytest.raises(EncoderError, match=needle):
        load_encoder("hf:" + target)


def test_folder_without_config(tmp_path):
    with pytest.raises(EncoderError, match="no config.json"):
        load_encoder(f"hf:{tmp_path}")
    (tmp_path / "f.bin").write_bytes(b"x")
    with pytest.raises(EncoderError, match="is a file"):
        load_encoder(f"hf:{tmp_path / 'f.bin'}")


def test_unsupported_model_type(tmp_path):
    import transformers

    transformers.BertModel(transformers.BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                                   intermediate_size=16, vocab_size=20)).save_pretrained(tmp_path)
    with pytest.raises(EncoderError, match="model_type 'bert' is not supported") as e:
        load_encoder(f"hf:{tmp_path}")
    assert "wav2vec2" in e.value.fix


def test_remote_code_is_never_run_by_default(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(
        {"model_type": "my-audio", "auto_map": {"AutoConfig": "cfg.MyConfig", "AutoModel": "mod.MyModel"}}))
    (tmp_path / "cfg.py").write_text("raise SystemExit('remote code ran')\n")
    with pytest.raises(EncoderError, match="custom code") as e:
        load_encoder(f"hf:{tmp_path}")
    assert "--trust-remote-code" in e.value.fix


def test_pytorch_bin_checkpoint_is_loaded_safely_and_fingerprinted(tmp_path):
    import os
    import pickle

    import transformers

    folder = build_waveform_model("hubert", tmp_path / "bin")
    model = transformers.HubertModel.from_pretrained(folder)
    (folder / "model.safetensors").unlink()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    enc = load_encoder(f"hf:{folder}")
    assert enc.num_layers == 3
    fp = enc.fingerprint()
    with torch.no_grad():
        model.encoder.layers[0].attention.k_proj.weight[0, 0] += 1.0
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    assert load_encoder(f"hf:{folder}").fingerprint() != fp

    # a .bin that runs code when unpickled is refused, and the code does not run
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    with open(folder / "pytorch_model.bin", "wb") as f:
        pickle.dump(Payload(), f, protocol=2)
    with pytest.raises(EncoderError, match="weights_only=True"):
        load_encoder(f"hf:{folder}")
    assert not marker.exists()


def test_whisper_fit_window_is_whisper_without_the_padding(tiny_models):
    from hf_bench.errors import EncoderError

    folder = tiny_models("whisper")
    full, fit = load_encoder("hf:" + folder), load_encoder(f"hf:{folder}?window=fit")
    assert fit.name == full.name + "+fit" and fit.fingerprint() != full.fingerprint()
    assert (fit.num_layers, fit.dim, fit.hop_ms) == (full.num_layers, full.dim, full.hop_ms)
    # a clip that fills the window exactly: no padding either way, the same features
    wave = noise(1.0, seed=3)
    a = full.encode(wave[None], torch.tensor([16000]))
    b = fit.encode(wave[None], torch.tensor([16000]))
    for ha, hb in zip(a.hidden_states, b.hidden_states):
        torch.testing.assert_close(ha, hb, atol=1e-5, rtol=1e-5)
    # short clips: ceil(n / 320) frames as in the faithful mode, independent of what they are batched with,
    # close to but not equal to the faithful features (the attention no longer sees the padding)
    sizes = [7000, 16000, 300, 7000, 23000]
    waves = [noise(n / 16000, seed=10 + i) for i, n in enumerate(sizes)]
    wavs, lengths = batch(*waves)
    out = fit.encode(wavs, lengths)
    assert out.lengths.tolist() == [math.ceil(n / 320) for n in sizes]
    for i, w in enumerate(waves):
        alone = fit.encode(w[None], torch.tensor([w.shape[0]]))
        for h, ha in zip(out.hidden_states, alone.hidden_states):
            torch.testing.assert_close(h[i, : out.lengths[i]], ha[0, : out.lengths[i]], atol=1e-5, rtol=1e-5)
    faithful = full.encode(wavs, lengths)
    n0 = int(out.lengths[0])
    assert not torch.allclose(out.hidden_states[-1][0, :n0], faithful.hidden_states[-1][0, :n0], atol=1e-4)
    torch.testing.assert_close(out.hidden_states[0][0, :n0 - 1], faithful.hidden_states[0][0, :n0 - 1],
                               atol=1e-4, rtol=1e-4)  # before attention only the last frame's STFT edge differs
    with pytest.raises(EncoderError, match="Whisper only"):
        load_encoder("hf:" + tiny_models("wav2vec2-layer") + "?window=fit")
    with pytest.raises(EncoderError, match="not a choice"):
        load_encoder(f"hf:{folder}?window=10s")
    with pytest.raises(EncoderError, match="unknown option"):
        load_encoder(f"hf:{folder}?stride=2")
    with pytest.raises(EncoderError, match="key=value"):
        load_encoder(f"hf:{folder}?fit")
