"""``--compat xares`` for the decoder probes: one test per deviation of the LM-decoder ASR probe (asr_select,
asr_adapter, asr_text, asr_layout, asr_max_tokens) and of the retrieval probe (text_tower, contrastive)."""

from __future__ import annotations

import numpy as np
import pytest
from text_helpers import asr_frames, tiny_causal_lm, tiny_text_encoder

from hf_bench.data import AudioRef, SplitData
from hf_bench.pipeline import PROTOCOLS
from hf_bench.probes.base import Fold, ProbeData, ProbeSettings
from hf_bench.probes.lm_asr import LMDecoderASR
from hf_bench.probes.retrieval import TwoTowerRetrieval
from hf_bench.tasks.schema import GeneratorSource, TaskMetadata
from hf_bench.tasks.types import get_type

WORDS = ("red", "blue", "green", "cat", "dog", "fish")
XARES = PROTOCOLS["xares"]


def _task(kind: str, **probe) -> TaskMetadata:
    metric, main = {"asr": ("iwer", "iwer"), "retrieval": ("audio_text_recall", "recall@1")}[kind]
    return TaskMetadata(name=f"mock_{kind}", version=1, display_name=kind, description="mock", benchmark="custom",
                        domain="speech", type=kind, metric=metric, main_score=main, eval_weight=10,
                        source=GeneratorSource(generator="kws", generator_version=1),
                        splits=("train", "valid", "test"), probe=probe, license="none")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("compat_models")
    return {"lm": str(tiny_causal_lm(root / "lm", WORDS)),
            "qwen2": str(tiny_causal_lm(root / "qwen2", WORDS, arch="qwen2")),
            "bert": str(tiny_text_encoder(root / "bert", WORDS + ("a", "the", "sound", "of")))}


def _asr_data(task, tmp_path, name, n, seed, lengths=(2,)):
    rng = np.random.default_rng(seed)
    words = [[int(rng.integers(0, 3)) if k % 2 == 0 else 3 + int(rng.integers(0, 3))
              for k in range(int(rng.choice(lengths)))] for _ in range(n)]
    raw = [" ".join(WORDS[w] for w in ws).upper() for ws in words]
    split = SplitData(name, [AudioRef(id=f"{name}{i}", origin=f"{name}{i}") for i in range(n)], raw)
    return ProbeData([r.id for r in split.refs], get_type("asr").targets(task, split),
                     asr_frames(words, tmp_path, name, rng))


def _asr_fold(task, tmp_path, lengths=(2,)):
    train, valid, test = (_asr_data(task, tmp_path, s, n, seed, lengths)
                          for s, n, seed in (("train", 24, 1), ("valid", 8, 2), ("test", 8, 3)))
    return Fold("test", train, valid, train, test)


def _fit(task, fold, settings):
    probe = LMDecoderASR(task, settings)
    selected = probe.fit(fold, get_type("asr").coding(task, fold.train.targets), seed=0)
    return probe, selected


def _settings(models, **kw):
    return ProbeSettings(hop_ms=20.0, decoder=models["lm"], text_encoder=models["bert"], **kw)


# ------------------------------------------------------------------------------------------------- ASR
@pytest.mark.parametrize("layout,arch", [("packed", "lm"), ("xares", "lm"), ("packed", "qwen2"), ("xares", "qwen2")])
def test_asr_layout_loss_is_the_lm_own_loss_on_that_layout(tmp_path, models, layout, arch):
    """The probe's text-only loss equals the LM's own loss (labels -100 off the text, HF's shift) on the rows
    each layout builds: packed rows from position 0, or X-ARES's audio padded to the batch's longest, then
    separator + text + eos, the last audio position asked for the separator."""
    import torch

    task = _task("asr", epochs=1)
    fold = _asr_fold(task, tmp_path, lengths=(1, 2, 3))
    probe, _ = _fit(task, fold, ProbeSettings(hop_ms=20.0, decoder=models[arch], asr_layout=layout))
    assert type(probe.lm).__name__ == {"lm": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM"}[arch]
    model, lm = probe.model, probe.lm
    data = fold.test
    texts = probe._texts(data)
    ids = probe._ids(texts)
    index = list(range(len(data)))
    b = probe._batch(data.features, index, ids)
    with torch.no_grad():
        ours = model(b["features"], b["lengths"], b["texts"])["loss"]
        audio, n_audio = model.adapter(b["features"], b["lengths"])
        embed = lm.get_input_embeddings()
        t_audio = audio.shape[1]
        rows_e, rows_l, rows_m = [], [], []
        width = (t_audio + max(map(len, ids))) if layout == "xares" else max(
            int(a) + len(x) for a, x in zip(n_audio, ids))
        for i, x in enumerate(ids):
            a = int(n_audio[i])
            start = t_audio if layout == "xares" else a
            e = torch.zeros(width, audio.shape[2])
            m = torch.zeros(width, dtype=torch.long)
            lab = torch.full((width,), -100)
            e[:a], m[:a] = audio[i, :a], 1
            e[start:start + len(x)] = embed(torch.tensor(x))
            m[start:start + len(x)] = 1
            # HF shifts: label j is predicted at j - 1; packed: the separator is input only
            lab[start:start + len(x)] = torch.tensor(x)
            if layout == "packed":
                lab[start] = -100
            rows_e.append(e)
            rows_m.append(m)
            rows_l.append(lab)
        out = lm(inputs_embeds=torch.stack(rows_e), attention_mask=torch.stack(rows_m), labels=torch.stack(rows_l))
    assert float(ours) == pytest.approx(float(out.loss), rel=1e-5)
    if layout == "xares":  # separator + text + eos tokenised as one string
        sep, eos = probe.tokenizer.convert_ids_to_tokens([probe.tokens.sep, probe.tokens.eos])
        assert ids[0] == probe.tokenizer(f"{sep}{texts[0]}{eos}", add_special_tokens=False).input_ids


@pytest.mark.parametrize("rule", ["loss", "wer", "xares"])
def test_asr_select_rules(tmp_path, models, rule):
    task = _task("asr", epochs=3, learning_rate=0.02, batch_size=8)
    fold = _asr_fold(task, tmp_path)
    probe, selected = _fit(task, fold, _settings(models, asr_select=rule))
    history = [h["valid"] for h in selected["history"]]
    assert len(history) == 3
    best = (np.argmin if rule == "loss" else np.argmax)(history)
    assert selected["epoch"] == int(best) + 1
    assert selected["valid_metric"] == {"loss": "cross-entropy per text token", "wer": "iwer",
                                        "xares": "iwer (teacher-forced, truncated)"}[rule]
    if rule != "loss":
        assert all(0.0 <= v <= 1.0 for v in history)
    if rule == "xares":  # the teacher-forced argmax, cut to the reference's length, scored with iWER
        import torch

        from hf_bench.metrics import iwer

        data, texts = fold.valid, probe._texts(fold.valid)
        ids = probe._ids(texts)
        b = probe._batch(data.features, list(range(len(data))), ids)
        with torch.no_grad():
            logits, _, rows = probe.model.text_logits(b["features"], b["lengths"], b["texts"], tail=True)
        best_ids, rows = logits.argmax(-1).numpy(), np.asarray(rows)
        preds = [probe.tokenizer.decode(best_ids[rows == r], skip_special_tokens=True)[:len(texts[r])]
                 for r in range(len(data))]
        assert probe._teacher_forced_wer(probe.model, data, ids, texts) == pytest.approx(iwer(preds, texts)["iwer"])
    assert XARES.asr_select == "xares"


def test_asr_adapter_xares_is_one_frame_per_position_without_norm(tmp_path, models):
    task = _task("asr", epochs=1)
    fold = _asr_fold(task, tmp_path)
    ours, sel_ours = _fit(task, fold, _settings(models))
    theirs, sel_theirs = _fit(task, fold, _settings(models, asr_adapter="xares"))
    d, h = 8, ours.lm.config.hidden_size
    i = ours.lm.config.intermediate_size
    assert ours.stack() == 2 and theirs.stack() == 1  # 40 ms at a 20 ms hop
    assert theirs.model.adapter.norm is None and ours.model.adapter.norm is not None
    assert sel_theirs["trainable_parameters"] == 2 * (d * i + i) + i * h + h  # X-ARES's EncoderAdapter
    assert sel_ours["trainable_parameters"] == 2 * (2 * d * i + i) + i * h + h + 2 * d
    assert theirs.config()["frames_per_position"] == 1 and XARES.asr_adapter == "xares"


def test_asr_text_raw_trains_on_the_unnormalised_transcript(tmp_path, models):
    task = _task("asr", epochs=1)
    fold = _asr_fold(task, tmp_path)
    ours = LMDecoderASR(task, _settings(models))
    theirs = LMDecoderASR(task, _settings(models, asr_text="raw"))
    assert ours._texts(fold.train)[0] == ours._texts(fold.train)[0].lower()
    assert theirs._texts(fold.train)[0] == fold.train.targets.raw[0] == fold.train.targets.raw[0].upper()
    assert theirs.config()["targets"] == "raw" and XARES.asr_text == "raw"


def test_asr_max_tokens(tmp_path, models):
    task = _task("asr", epochs=1)
    fold = _asr_fold(task, tmp_path)
    _, auto = _fit(task, fold, _settings(models))
    _, fixed = _fit(task, fold, _settings(models, asr_max_tokens="200"))
    # two words + eos: twice that plus 10; X-ARES: 200
    assert auto["max_new_tokens"] == 2 * 3 + 10 and fixed["max_new_tokens"] == 200
    _, task_cap = _fit(_task("asr", epochs=1, max_new_tokens=5), fold, _settings(models))
    assert task_cap["max_new_tokens"] == 5 and XARES.asr_max_tokens == "200"


# ------------------------------------------------------------------------------------------------- retrieval
def _ret_data(task, n, seed):
    rng = np.random.default_rng(seed)
    caps, feats = [], []
    for _ in range(n):
        a, b = int(rng.integers(0, 3)), int(rng.integers(3, 6))
        caps.append([f"a {WORDS[a]} {WORDS[b]}", f"the sound of a {WORDS[b]}"])
        x = 0.3 * rng.normal(size=8)
        x[a] += 1
        x[b] += 1
        feats.append(x)
    split = SplitData("s", [AudioRef(id=f"c{seed}_{i}", origin="x") for i in range(n)], caps)
    return ProbeData([r.id for r in split.refs], get_type("retrieval").targets(task, split),
                     np.array(feats, np.float32)[:, None, :])


def test_text_tower_xares_is_a_trained_embedding_over_the_bert_uncased_vocabulary(tmp_path, models):
    task = _task("retrieval", epochs=1, batch_size=32)
    train, valid, test = _ret_data(task, 40, 1), _ret_data(task, 10, 2), _ret_data(task, 10, 3)
    probe = TwoTowerRetrieval(task, _settings(models, text_tower="xares", cache_dir=str(tmp_path / "c")))
    probe.fit(Fold("test", train, valid, train, test), get_type("retrieval").coding(task, train.targets), seed=0)
    assert probe.model.embedding.num_embeddings == 30522  # bert-base-uncased's WordPiece vocabulary
    assert probe.config()["text"]["tower"].startswith("trained nn.Embedding")
    tok = probe.tokenizer
    assert tok("a dog barks").input_ids[0] == tok.cls_token_id == 101  # [CLS] as bert-base-uncased
    assert XARES.text_tower == "xares"
    frozen = TwoTowerRetrieval(task, _settings(models, cache_dir=str(tmp_path / "c")))
    assert frozen.config()["text"]["encoder"]["id"] == models["bert"]


@pytest.mark.parametrize("mode", ["masked", "xares"])
def test_contrastive_loss(mode):
    """masked: cosine InfoNCE where another caption of the same clip is no negative; xares: raw dot products,
    every other pair a negative, plus the mean|x| / ||x||_F regulariser."""
    import torch

    from hf_bench.probes.retrieval import _towers

    torch.manual_seed(0)
    towers = _towers(6, None, 5, None, 0, "frozen", mode)
    audio, text = torch.randn(4, 6), torch.randn(4, 5)
    clip = torch.tensor([0, 0, 1, 2])
    with torch.no_grad():
        loss = float(towers(audio, text, clip)["loss"])
        a, t = towers.embed_audio(audio).numpy(), towers.embed_text(text).numpy()
        scale = float(towers.log_scale.exp())
    if mode == "masked":
        a = a / np.linalg.norm(a, axis=1, keepdims=True)
        t = t / np.linalg.norm(t, axis=1, keepdims=True)
    logits = scale * a @ t.T

    def ce(m, exclude):
        out = 0.0
        for i in range(len(m)):
            keep = [j for j in range(len(m)) if j == i or not exclude[i, j]]
            out += -(m[i, i] - np.log(np.exp(m[i, keep]).sum()))
        return out / len(m)

    same = (clip[:, None] == clip[None, :]).numpy() & ~np.eye(4, dtype=bool)
    exclude = same if mode == "masked" else np.zeros((4, 4), bool)
    expected = (ce(logits, exclude) + ce(logits.T, exclude.T)) / 2
    if mode == "xares":
        expected += np.abs(a).mean() / np.sqrt((a ** 2).sum()) + np.abs(t).mean() / np.sqrt((t ** 2).sum())
    assert loss == pytest.approx(expected, rel=1e-5)
    assert XARES.contrastive == "xares"
