"""X-ARES LibriSpeech (LM-decoder ASR) and Clotho (audio-text retrieval) from local tars laid out as the Zenodo
records are, through the run pipeline with tiny decoders built from configs; bring-your-own asr / retrieval specs;
the decoder probes' bad input."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
from core_helpers import config
from frame_helpers import SR, write_tar
from text_helpers import tiny_causal_lm, tiny_text_encoder

from hf_bench.errors import HFBenchError
from hf_bench.pipeline import evaluate_encoder
from hf_bench.results.schema import load_result
from hf_bench.tasks import get_task

WORDS = ("red", "blue", "green", "cat", "dog", "fish")
FREQ = {w: 300.0 * 1.5 ** i for i, w in enumerate(WORDS)}
CAPTION_WORDS = WORDS + ("a", "the", "sound", "of", "and", "long", "short")


def spoken(words, seed: int, word_s: float = 0.3) -> np.ndarray:
    """One tone per word, in order: mfb frames carry the words."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(word_s * SR)) / SR
    parts = [0.2 * np.sin(2 * np.pi * FREQ[w] * t) for w in words]
    return (np.concatenate(parts) + 0.005 * rng.normal(size=len(parts) * len(t))).astype(np.float32)


def sentence(rng) -> list[str]:
    return [WORDS[int(rng.integers(0, 3))], WORDS[3 + int(rng.integers(0, 3))]]


def librispeech_tars(root, sizes=(("train-clean-100", 40), ("dev-clean", 10), ("test-clean", 12)), seed=0,
                     transcript_of=None):
    """``root/xares/librispeech/{train-clean-100,dev-clean,test-clean}-000000.tar``, JSON as the X-ARES tool writes:
    ``{"trans": "UPPERCASE TEXT", "speaker": int, "gender": "M"|"F"}``."""
    folder = root / "xares" / "librispeech"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for split, n in sizes:
        samples = []
        for i in range(n):
            words = sentence(rng)
            trans = transcript_of(split, i, words) if transcript_of else " ".join(words).upper()
            samples.append((f"{19 + i}-198-{i:04d}", spoken(words, seed * 1000 + i),
                            {"trans": trans, "speaker": 19 + i, "gender": "MF"[i % 2]}))
        write_tar(folder / f"{split}-000000.tar", samples)
    return folder


def clotho_tars(root, sizes=(("clotho_development", 30), ("clotho_evaluation", 8), ("clotho_validation", 10)),
                long_clip: bool = True):
    """``root/xares/clotho/clotho_{development,evaluation,validation}-000000.tar``, JSON an object whose values are
    the 5 captions; one test clip is longer than the 30 s crop."""
    folder = root / "xares" / "clotho"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    for split, n in sizes:
        samples = []
        for i in range(n):
            a, b = sentence(rng)
            caps = [f"a {a} {b}", f"the sound of a {b} {a}", f"{a} and {b}", f"a long {a} {b}",
                    f"the {b} {a} sound"]
            wave = spoken([a, b], i, word_s=0.6)
            if long_clip and split == "clotho_validation" and i == 0:
                wave = np.tile(wave, int(31 / 1.2) + 1)  # 31+ s: two sequential crops, one clip
            samples.append((f"clip_{split}_{i}", wave, {f"caption_{k + 1}": c for k, c in enumerate(caps)}))
        write_tar(folder / f"{split}-000000.tar", samples)
    return folder


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("decoders")
    return {"lm": tiny_causal_lm(root / "lm", WORDS), "lm2": tiny_causal_lm(root / "lm2", WORDS, seed=1),
            "bert": tiny_text_encoder(root / "bert", CAPTION_WORDS)}


def test_librispeech_and_clotho_run_from_xares_layout_tars(tmp_path, models):
    data = tmp_path / "data"
    librispeech_tars(data)
    clotho_tars(data)
    tasks = [get_task("librispeech"), get_task("clotho")]
    cfg = config(tmp_path, data_dir=data, decoder=str(models["lm"]), text_encoder=str(models["bert"]))
    out = evaluate_encoder(cfg, tasks, log=lambda m: None)
    folder = tmp_path / "out" / "mfb" / "mlp"
    asr = load_result(folder / "librispeech.json")
    assert asr.task.version == 2 and asr.task.type == "asr" and asr.scores.metric == "iwer"
    assert 0.0 <= asr.scores.values["iwer"] <= 1.0
    dec = asr.probe.config["decoder"]
    assert dec["id"] == str(models["lm"]) and dec["fingerprint"] and asr.probe.config["frames_per_position"] == 4
    assert asr.probe.config["text_normalization"] == "lower" and asr.probe.config["epochs"] == 10  # X-ARES's
    lines = [json.loads(x) for x in (folder / asr.predictions_file).read_text().splitlines()]
    assert len(lines) == 12 and all({"id", "target", "prediction", "wer"} <= set(x) for x in lines)
    assert all(x["target"] == x["target"].lower() and len(x["target"].split()) == 2 for x in lines)
    ret = load_result(folder / "clotho.json")
    assert ret.task.type == "retrieval" and ret.n_samples["clotho_validation"] == 10  # crops of a clip are one clip
    assert {"recall@1", "recall@5", "recall@10", "a2t_recall@1", "t2a_recall@1"} <= set(ret.scores.values)
    text = ret.probe.config["text"]
    assert text["tower"].startswith("frozen") and text["encoder"]["id"] == str(models["bert"])
    recs = [json.loads(x) for x in (folder / ret.predictions_file).read_text().splitlines()]
    assert len(recs[0]["target"]) == 5 and 1 <= recs[0]["rank"] <= 50 and len(recs[0]["top5"]) == 5
    card = out.scorecards["last"]
    assert set(card.scores) == {"librispeech", "clotho"}
    assert card.weights == {"librispeech": 10000, "clotho": 1045}  # X-ARES's weights
    # the leaderboard puts both on the X-ARES board, in X-ARES's columns
    from hf_bench.leaderboard.table import build_table

    table = build_table([tmp_path / "out"], progress=False)
    ours = table.df[(table.df["source_kind"] == "hf_bench") & (table.df["board"] == "xares")]
    assert set(ours["task"]) == {"librispeech", "clotho"}
    assert float(ours[ours["task"] == "clotho"]["value"].iloc[0]) == pytest.approx(ret.scores.main_score)
    assert table.boards["xares"].column("librispeech").weight == 10000
    # another decoder is another result; the same one is reused and nothing is encoded again
    again = evaluate_encoder(cfg, tasks, log=lambda m: None)
    assert all(o.reused[("last", "mlp")] for o in again.tasks) and again.timings["clips_encoded"] == 0
    other = evaluate_encoder(config(tmp_path, data_dir=data, decoder=str(models["lm2"]),
                                    text_encoder=str(models["bert"])), tasks[:1], log=lambda m: None)
    assert not other.tasks[0].reused[("last", "mlp")] and other.timings["clips_encoded"] == 0


def test_bring_your_own_asr_and_retrieval_specs(tmp_path, models):
    """Manifest tasks of type asr (a transcript field, normalisation named) and retrieval (several caption fields)."""
    import soundfile as sf

    rng = np.random.default_rng(3)
    for k, (split, n) in enumerate((("train", 40), ("valid", 10), ("test", 10))):
        (tmp_path / split).mkdir()
        rows = []
        for i in range(n):
            words = sentence(rng)
            sf.write(tmp_path / split / f"{i}.wav", spoken(words, 1000 * k + i), SR)  # distinct clips
            rows.append({"audio": f"{i}.wav", "text": f"{words[0].title()}, {words[1]}!",
                         "caps": {"short": f"a {words[0]} {words[1]}", "long": [f"the {words[1]} {words[0]}",
                                                                               f"{words[0]} and {words[1]}"]}})
        (tmp_path / split / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    common = """
        domain: speech
        data: {{format: manifest, label_key: {key}, train: train/manifest.jsonl, valid: valid/manifest.jsonl,
                test: test/manifest.jsonl}}
    """
    (tmp_path / "asr.yaml").write_text(textwrap.dedent(common.format(key="text") + """
        name: my_asr
        type: asr
        text_normalization: english
        metric: iwer
        probe: {{epochs: 3, decoder: {lm}}}
    """.format(lm=models["lm"])))
    (tmp_path / "ret.yaml").write_text(textwrap.dedent(common.format(key="caps") + """
        name: my_retrieval
        type: retrieval
        caption_keys: [short, long]
        metric: audio_text_recall
        probe: {{epochs: 3, batch_size: 16, text_encoder: {bert}}}
    """.format(bert=models["bert"])))
    tasks = [get_task(str(tmp_path / "asr.yaml")), get_task(str(tmp_path / "ret.yaml"))]
    evaluate_encoder(config(tmp_path), tasks, log=lambda m: None)
    folder = tmp_path / "out" / "mfb" / "mlp"
    asr = load_result(folder / "my_asr.json")
    first = json.loads((folder / asr.predictions_file).read_text().splitlines()[0])
    assert "," not in first["target"] and first["target"] == first["target"].lower()  # "english" normalisation
    ret = load_result(folder / "my_retrieval.json")
    first = json.loads((folder / ret.predictions_file).read_text().splitlines()[0])
    assert len(first["target"]) == 3  # one short + two long captions


# ------------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("bad,match", [
    ("", "empty transcript"),
    ("!!! ...", "empty once normalised"),
])
def test_bad_transcripts_name_the_item(tmp_path, models, bad, match):
    data = tmp_path / "data"
    librispeech_tars(data, sizes=(("train-clean-100", 6), ("dev-clean", 2), ("test-clean", 2)),
                     transcript_of=lambda split, i, words: bad if (split, i) == ("train-clean-100", 3) else
                     " ".join(words))
    task = get_task("librispeech").model_copy(update={"text_normalization": "english"})
    with pytest.raises(HFBenchError, match=match) as e:
        evaluate_encoder(config(tmp_path, data_dir=data, decoder=str(models["lm"])), [task], log=lambda m: None)
    assert "22-198-0003" in str(e.value)


def test_missing_transcript_and_caption_fields(tmp_path, models):
    data = tmp_path / "data"
    folder = librispeech_tars(data, sizes=(("train-clean-100", 4), ("dev-clean", 2), ("test-clean", 2)))
    write_tar(folder / "dev-clean-000000.tar", [("84-1-0000", spoken(["red", "cat"], 0), {"speaker": 84})])
    with pytest.raises(HFBenchError, match="84-1-0000") as e:
        evaluate_encoder(config(tmp_path, data_dir=data, decoder=str(models["lm"])), [get_task("librispeech")],
                         log=lambda m: None)
    assert "trans" in str(e.value)
    spec = get_task("clotho").model_copy(update={"caption_keys": ("caption_1", "caption_9"), "label_key": "."})
    clotho_tars(data, sizes=(("clotho_development", 4), ("clotho_evaluation", 2), ("clotho_validation", 2)),
                long_clip=False)
    with pytest.raises(HFBenchError, match="caption field 'caption_9' is missing") as e:
        evaluate_encoder(config(tmp_path, data_dir=data, text_encoder=str(models["bert"])), [spec],
                         log=lambda m: None)
    assert "clip_clotho_development_0" in str(e.value)


def test_audio_longer_than_the_decoder_context(tmp_path):
    lm = tiny_causal_lm(tmp_path / "short_lm", WORDS, max_positions=16)
    data = tmp_path / "data"
    librispeech_tars(data, sizes=(("train-clean-100", 4), ("dev-clean", 2), ("test-clean", 2)))
    with pytest.raises(HFBenchError, match="more than the decoder's context of 16 positions") as e:
        evaluate_encoder(config(tmp_path, data_dir=data, decoder=str(lm)), [get_task("librispeech")],
                         log=lambda m: None)
    assert "encoder frames" in e.value.fix and "stack_ms" in e.value.fix


def test_decoder_not_available_offline_and_not_a_causal_lm(tmp_path, models, monkeypatch):
    from hf_bench.probes.pretrained import load_causal_lm, resolve

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty_hub"))
    with pytest.raises(HFBenchError, match="not in the local Hugging Face cache") as e:
        resolve("Qwen/Qwen2.5-0.5B", "causal_lm")
    assert "hf download Qwen/Qwen2.5-0.5B" in e.value.fix and "--decoder /path/to/folder" in e.value.fix
    with pytest.raises(HFBenchError, match="not a causal LM|not a causal language model"):
        load_causal_lm(resolve(str(models["bert"]), "causal_lm"))
    gguf = tmp_path / "bad.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 60)
    with pytest.raises(HFBenchError, match="bad.gguf"):
        load_causal_lm(resolve(str(gguf), "causal_lm"), cache_dir=tmp_path / "cache")
