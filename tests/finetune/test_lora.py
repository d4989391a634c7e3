"""LoRA fine-tunes of tiny Whisper, Qwen2-Audio and speech-LLM models: the loss falls, adapters save and load
with their metadata, inference from a reloaded folder matches, and a wrong base model is refused."""

import json

import numpy as np
import pytest
from ft_helpers import tiny_whisper, tone

from hf_bench.errors import HFBenchError
from hf_bench.finetune import lora
from hf_bench.finetune.models import Example, SpeechLLMFamily, load_family
from hf_bench.wu.prompts import PROMPTS

S = lora.LoRASettings(epochs=30, batch_size=4, learning_rate=1e-2)
LABELS = ("男性", "女性")


def _examples(n=8, frames=False):
    out = []
    for i in range(n):
        answer = LABELS[i % 2]
        if frames:
            x = np.random.default_rng(i).normal(size=(12, 4)).astype(np.float32)
            x[:, i % 2] += 3  # a direction, not an offset: the adapter's LayerNorm removes offsets
            out.append(Example(f"x{i}", PROMPTS["gender"], answer, frames=x))
        else:
            out.append(Example(f"x{i}", PROMPTS["gender"], answer, wave=tone(150 if i % 2 == 0 else 400)))
    return out


def _family(models, name):
    if name == "speech_llm":
        return SpeechLLMFamily(str(models["lm"]), dim=4, stack=2, encoder={"id": "mock", "fingerprint": "e1"})
    return load_family(str(models[name]))


@pytest.mark.parametrize("name", ["whisper", "qwen2_audio", "speech_llm"])
def test_lora_learns_saves_and_reloads(models, tmp_path, name):
    fam = _family(models, name)
    ex = _examples(frames=name == "speech_llm")
    model = lora.apply_lora(fam, S)
    base_params = {k: v.detach().clone() for k, v in model.named_parameters() if "lora_" not in k and
                   not k.startswith("adapter")}
    trainable = [k for k, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in k or k.startswith("adapter") for k in trainable)
    hist = lora.train(fam, model, ex, S)
    losses = [h["loss"] for h in hist["losses"]]
    assert losses[-1] < 0.5 * losses[0]
    # the base weights are frozen: only LoRA (and the speech LLM's adapter) moved
    for k, v in model.named_parameters():
        if k in base_params:
            assert np.array_equal(v.detach().numpy(), base_params[k].numpy()), k
    pred = lora.predict(fam, model, ex, max_new_tokens=4)
    choice = lora.predict(fam, model, ex, candidates=LABELS)
    assert pred.responses == [e.answer for e in ex]
    assert choice.responses == [e.answer for e in ex]
    assert choice.scores.shape == (len(ex), 2)
    out = lora.save_adapters(fam, model, tmp_path / "ad", settings=S, task={"name": "t", "kind": "gender"},
                             training=hist)
    meta = json.loads((out / lora.ADAPTER_META).read_text())
    assert meta["base"]["fingerprint"] == fam.describe()["fingerprint"] and meta["base"]["family"] == fam.name
    assert meta["lora"]["rank"] == 8 and meta["lora"]["alpha"] == 32 and meta["task"]["kind"] == "gender"
    fresh = _family(models, name)
    again = lora.load_adapters(fresh, out)
    assert lora.predict(fresh, again, ex, max_new_tokens=4).responses == pred.responses
    np.testing.assert_allclose(lora.predict(fresh, again, ex, candidates=LABELS).scores, choice.scores, atol=1e-5)


def test_swift_defaults():
    s = lora.LoRASettings()
    assert (s.rank, s.alpha, s.dropout, s.learning_rate) == (8, 32, 0.05, 1e-4)


def test_adapters_refuse_another_base_model(models, tmp_path, wu_data):
    fam = load_family(str(models["whisper"]))
    model = lora.apply_lora(fam, lora.LoRASettings(epochs=1))
    out = lora.save_adapters(fam, model, tmp_path / "ad", settings=lora.LoRASettings(), task={}, training={})
    other = tiny_whisper(tmp_path / "other", wu_data["texts"], seed=1)
    with pytest.raises(HFBenchError, match="the adapters were trained on whisper") as e:
        lora.load_adapters(load_family(str(other)), out)
    assert f"--model {models['whisper']}" in str(e.value)
    with pytest.raises(HFBenchError, match="the adapters were trained on whisper"):
        lora.load_adapters(load_family(str(models["qwen2_audio"])), out)
    with pytest.raises(HFBenchError, match="not an adapter folder"):
        lora.load_adapters(fam, tmp_path)


def test_unknown_lora_targets_are_an_error(models):
    fam = load_family(str(models["whisper"]))
    with pytest.raises(HFBenchError, match="LoRA cannot be applied"):
        lora.apply_lora(fam, lora.LoRASettings(targets=("nope_proj",)))


def test_not_a_fine_tunable_model(models):
    with pytest.raises(HFBenchError, match="not a model hf_bench can fine-tune end to end"):
        load_family(str(models["lm"]))
