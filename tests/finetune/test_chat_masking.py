"""Prompt rendering and the assistant-only loss mask, checked token by token on tiny character tokenizers."""

import numpy as np
import pytest

from hf_bench.errors import HFBenchError
from hf_bench.finetune import chat
from hf_bench.finetune.models import QWEN2_AUDIO_PLACEHOLDER, AudioLLMFamily, Example, SpeechLLMFamily, WhisperFamily
from hf_bench.wu.prompts import PROMPTS


def _tok(folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)


def test_chat_template_prompt_and_answer(models):
    tok = _tok(models["lm"])
    r = chat.render(tok, PROMPTS["gender"], audio_text="ab")
    assert r.prompt == ("<|im_start|>user\nab请根据语音的声学特征，判断说话人的性别，从男性、女性中选一个标签。<|im_end|>\n"
                        "<|im_start|>assistant\n")
    assert r.end == "<|im_end|>\n" and not r.eos_after  # the template closes the turn: no extra EOS
    ids, labels = chat.masked(chat.prompt_ids(tok, r.prompt), chat.answer_ids(tok, r, "女性"))
    n_prompt = len(chat.prompt_ids(tok, r.prompt))
    assert labels[:n_prompt] == [chat.IGNORE] * n_prompt
    assert tok.convert_ids_to_tokens(labels[n_prompt:]) == ["女", "性", "<|im_end|>", "\n"]
    assert ids[n_prompt:] == labels[n_prompt:]
    # decoding the prompt tokens gives back the rendered prompt exactly (no token straddles the boundary)
    assert tok.decode(ids[:n_prompt]) == r.prompt


def test_fallback_template_without_chat_template(models):
    tok = _tok(models["lm_plain"])
    r = chat.render(tok, PROMPTS["asr"], audio_text="")
    assert r.prompt.endswith("assistant: ") and r.prompt.startswith("user: ")
    assert r.eos_after
    assert chat.answer_ids(tok, r, "你好")[-1] == tok.eos_token_id


def test_one_audio_tag_per_prompt(models):
    with pytest.raises(HFBenchError, match="0 <audio> tags"):
        chat.render(_tok(models["lm"]), "no audio here", audio_text="")


def test_qwen2_audio_masks_prompt_and_audio_positions(models):
    fam = AudioLLMFamily(str(models["qwen2_audio"]))
    wave = np.zeros(8000, dtype=np.float32)
    b = fam.batch([Example("a", PROMPTS["emotion"], "高兴", wave=wave)])
    ids, labels = b["input_ids"][0].tolist(), b["labels"][0].tolist()
    tok = fam.tokenizer
    audio_id = tok.convert_tokens_to_ids("<|AUDIO|>")
    n_audio = ids.count(audio_id)
    # 0.5 s = 50 mel frames -> 25 after the first conv -> 13 after pooling: one token per encoder output
    assert n_audio == ((50 - 1) // 2 + 1 - 2) // 2 + 1
    first_answer = next(i for i, y in enumerate(labels) if y != chat.IGNORE)
    assert all(y == chat.IGNORE for y in labels[:first_answer])
    assert max(i for i, t in enumerate(ids) if t == audio_id) < first_answer
    assert tok.convert_ids_to_tokens(labels[first_answer:]) == ["高", "兴", "<|im_end|>", "\n"]
    text = tok.decode(ids[:first_answer])
    assert text.startswith("<|im_start|>user\n" + QWEN2_AUDIO_PLACEHOLDER.split("<|AUDIO|>")[0])
    assert text.endswith("<|im_start|>assistant\n")


def test_whisper_masks_the_task_prefix(models):
    fam = WhisperFamily(str(models["whisper"]))
    b = fam.batch([Example("a", PROMPTS["asr"], "女性", wave=np.zeros(8000, dtype=np.float32)),
                   Example("b", PROMPTS["asr"], "中立高兴", wave=np.zeros(8000, dtype=np.float32))])
    dec, labels = b["decoder_input_ids"].tolist(), b["labels"].tolist()
    assert dec[0][0] == fam.prefix[0]
    # labels[t] is the token after decoder input t: the answer then end-of-text; padding ignored
    assert fam.tokenizer.convert_ids_to_tokens(labels[0][:3]) == ["女", "性", "<|endoftext|>"]
    assert labels[0][3:] == [chat.IGNORE] * 2
    assert dec[1][1:] == labels[1][:-1]


def test_speech_llm_puts_the_audio_where_the_tag_is(models):
    fam = SpeechLLMFamily(str(models["lm"]), dim=4, stack=2, encoder={"id": "mock"})
    e = Example("a", PROMPTS["gender"], "男性", frames=np.ones((10, 4), dtype=np.float32))
    b = fam.batch([e])
    embeds, mask, labels = fam.model.assemble(b)
    n_before, n_after, n_answer = (int(b[k][0]) for k in ("before_lengths", "after_lengths", "answer_lengths"))
    assert embeds.shape[1] == n_before + 5 + n_after + n_answer  # 10 frames stacked by 2
    assert (labels[0, :n_before + 5 + n_after] == chat.IGNORE).all()
    assert fam.tokenizer.convert_ids_to_tokens(labels[0, -n_answer:].tolist()) == ["男", "性", "<|im_end|>", "\n"]
    assert fam.tokenizer.decode(b["before"][0, :n_before]) == "<|im_start|>user\n"
