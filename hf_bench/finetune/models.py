"""The three kinds of model a LoRA fine-tune trains, behind one interface (``Family``).

* ``whisper``: any ``WhisperForConditionalGeneration``. The decoder is fed Whisper's task prefix
  (``<|startoftranscript|><|zh|><|transcribe|><|notimestamps|>`` with a Whisper tokenizer) then the answer; the
  loss is on the answer and the end-of-text token. The Wu prompt is not used (Whisper has no chat turn), as in
  wenet's Whisper-Medium-Wu.
* ``audio_llm``: an audio LLM that transformers supports natively (Qwen2-Audio, ``Qwen2AudioForConditionalGeneration``):
  the swift prompt's ``<audio>`` becomes the model's audio placeholder (``Audio 1: <|audio_bos|><|AUDIO|>
  <|audio_eos|>``, expanded by its processor to one token per audio frame), the turn is rendered with the model's
  chat template and only the assistant answer carries a loss (``hf_bench.finetune.chat``).
* ``speech_llm``: hf_bench's own speech LLM: any hf_bench encoder's frames, X-ARES's SwiGLU adapter
  (``hf_bench.probes.lm_asr``) and any causal LM; the adapter's outputs stand where ``<audio>`` is in the chat
  prompt. The adapter trains fully; the LM gets LoRA.

Every family exposes ``batch`` (training inputs with labels), ``generate`` (greedy answers) and ``choice_scores``
(the log-probability of each candidate answer, for closed label sets).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.finetune import chat
from hf_bench.probes.pretrained import resolve

SAMPLE_RATE = 16000
FAMILIES = ("whisper", "audio_llm", "speech_llm")
# LoRA target modules per family (peft ``target_modules``; a regex for the audio LLM keeps the audio tower frozen)
WHISPER_TARGETS = ("q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2")
LLM_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
AUDIO_LLM_TARGETS = r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"
QWEN2_AUDIO_PLACEHOLDER = "Audio 1: <|audio_bos|><|AUDIO|><|audio_eos|>\n"
_SPEECH = "\u0000AUDIO\u0000"   # where the speech LLM's audio embeddings go (never reaches the tokenizer)


@dataclass
class Example:
    """One item: the swift user prompt (with ``<audio>``), the answer (None at inference) and the audio as the
    family needs it: a 16 kHz waveform, or encoder frames [T, D] for the speech LLM."""
    id: str
    prompt: str
    answer: str | None
    wave: np.ndarray | None = None
    frames: np.ndarray | None = None


def _torch():
    import torch

    return torch


def _pad(rows: list[list[int]], value: int, left: bool = False):
    torch = _torch()
    n = max(len(r) for r in rows)
    out = torch.full((len(rows), n), value, dtype=torch.long)
    mask = torch.zeros((len(rows), n), dtype=torch.long)
    for i, r in enumerate(rows):
        if left:
            out[i, n - len(r):] = torch.tensor(r, dtype=torch.long)
            mask[i, n - len(r):] = 1
        else:
            out[i, :len(r)] = torch.tensor(r, dtype=torch.long)
            mask[i, :len(r)] = 1
    return out, mask


def sequence_logprob(logits, labels, shift: bool):
    """Sum over the labelled positions of log p(label) per row ([B]); ``shift`` for causal LMs."""
    torch = _torch()
    if shift:
        logits, labels = logits[:, :-1], labels[:, 1:]
    logp = torch.log_softmax(logits.float(), dim=-1)
    keep = labels != chat.IGNORE
    picked = logp.gather(-1, labels.clamp(min=0)[..., None])[..., 0]
    return (picked * keep).sum(-1)


class Family:
    """A loaded base model (``self.model``), how to feed it and how to read answers out of it."""

    name: str
    targets: tuple[str, ...] | str
    needs = "wave"          # "wave" (16 kHz) or "frames"
    shift = True            # logits at t predict the label at t + 1 (causal LMs)

    model = None
    tokenizer = None

    def __init__(self, spec: str, *, device: str = "cpu"):
        self.spec, self.device = spec, device

    # -------------------------------------------------------------------------------------------- interface
    def describe(self) -> dict:
        raise NotImplementedError

    def batch(self, examples: list[Example]) -> dict:
        """Training inputs (answers included) with ``labels``."""
        raise NotImplementedError

    def generate(self, model, examples: list[Example], max_new_tokens: int) -> list[str]:
        raise NotImplementedError

    def logits(self, model, batch: dict):
        """(logits, labels aligned with them) of a training batch, without computing the loss."""
        return model(**{k: v for k, v in batch.items() if k != "labels"}).logits, batch["labels"]

    # -------------------------------------------------------------------------------------------- shared
    def choice_scores(self, model, examples: list[Example], candidates: tuple[str, ...]) -> np.ndarray:
        """[N, C] log-probability of each candidate as the answer (closed-set classification)."""
        torch = _torch()
        out = np.zeros((len(examples), len(candidates)), dtype=np.float32)
        with torch.no_grad():
            for j, cand in enumerate(candidates):
                batch = self.to_device(self.batch([Example(e.id, e.prompt, cand, e.wave, e.frames) for e in examples]))
                out[:, j] = sequence_logprob(*self.logits(model, batch), self.shift).cpu().numpy()
        return out

    def to_device(self, batch: dict) -> dict:
        return {k: v.to(self.device) if hasattr(v, "to") else v for k, v in batch.items()}

    def decode(self, ids) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()


def _model_type(folder: Path) -> str:
    import json

    try:
        return str(json.loads((folder / "config.json").read_text()).get("model_type", ""))
    except (OSError, ValueError):
        return ""


# ------------------------------------------------------------------------------------------------ Whisper
class WhisperFamily(Family):
    name, targets, shift = "whisper", WHISPER_TARGETS, False

    def __init__(self, spec: str, *, device: str = "cpu", language: str = "zh"):
        import torch
        import transformers

        super().__init__(spec, device=device)
        self.ref = resolve(spec, "audio_model")
        try:
            self.model = transformers.WhisperForConditionalGeneration.from_pretrained(self.ref.folder,
                                                                                       dtype=torch.float32)
            self.features = transformers.WhisperFeatureExtractor.from_pretrained(self.ref.folder)
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(self.ref.folder)
        except Exception as e:  # noqa: BLE001
            raise HFBenchError(f"cannot load it as a Whisper model ({type(e).__name__}: {e})", where=self.ref.where,
                               fix="give a folder with a Whisper model, its feature extractor and tokenizer") from None
        self.model.to(device)
        self.language = language
        if hasattr(self.tokenizer, "set_prefix_tokens"):  # a Whisper tokenizer: the task prefix
            self.tokenizer.set_prefix_tokens(language=language, task="transcribe", predict_timestamps=False)
            self.prefix = [int(t) for t in self.tokenizer.prefix_tokens]
        else:
            self.prefix = [int(self.model.config.decoder_start_token_id)]
        self.eos = int(self.tokenizer.eos_token_id if self.tokenizer.eos_token_id is not None
                       else self.model.config.eos_token_id)
        self.pad = int(self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.eos)

    def describe(self) -> dict:
        return {"family": self.name, "language": self.language, "prefix": self.prefix, **self.ref.describe()}

    def _features(self, examples):
        return self.features([e.wave for e in examples], sampling_rate=SAMPLE_RATE,
                             return_tensors="pt").input_features

    def batch(self, examples):
        torch = _torch()
        dec, lab = [], []
        for e in examples:
            ans = list(self.tokenizer(e.answer, add_special_tokens=False)["input_ids"]) + [self.eos]
            dec.append(self.prefix + ans[:-1])
            lab.append([chat.IGNORE] * (len(self.prefix) - 1) + ans)
        ids, mask = _pad(dec, self.pad)
        labels, _ = _pad(lab, chat.IGNORE)
        return {"input_features": self._features(examples), "decoder_input_ids": ids,
                "decoder_attention_mask": mask, "labels": labels.to(torch.long)}

    def generate(self, model, examples, max_new_tokens):
        torch = _torch()
        feats = self._features(examples).to(self.device)
        # the decoder has max_target_positions positions, the task prefix included
        max_new_tokens = min(max_new_tokens, int(self.model.config.max_target_positions) - len(self.prefix))
        with torch.no_grad():
            enc = model.get_encoder()(feats)
            ids = torch.tensor([self.prefix] * len(examples), dtype=torch.long, device=self.device)
            done = torch.zeros(len(examples), dtype=torch.bool, device=self.device)
            past, step_in = None, ids
            for _ in range(max_new_tokens):
                out = model(encoder_outputs=enc, decoder_input_ids=step_in, past_key_values=past, use_cache=True)
                past = out.past_key_values
                nxt = out.logits[:, -1].argmax(-1)
                nxt = torch.where(done, torch.full_like(nxt, self.eos), nxt)
                ids = torch.cat([ids, nxt[:, None]], 1)
                done |= nxt == self.eos
                step_in = nxt[:, None]
                if bool(done.all()):
                    break
        new = ids[:, len(self.prefix):].tolist()
        return [self.decode(row[:row.index(self.eos)] if self.eos in row else row) for row in new]


# ------------------------------------------------------------------------------------------------ Qwen2-Audio
class AudioLLMFamily(Family):
    name, targets = "audio_llm", AUDIO_LLM_TARGETS
    placeholder = QWEN2_AUDIO_PLACEHOLDER

    def __init__(self, spec: str, *, device: str = "cpu"):
        import torch
        import transformers

        super().__init__(spec, device=device)
        self.ref = resolve(spec, "audio_model")
        try:
            self.model = transformers.Qwen2AudioForConditionalGeneration.from_pretrained(self.ref.folder,
                                                                                         dtype=torch.float32)
            self.processor = transformers.AutoProcessor.from_pretrained(self.ref.folder)
        except Exception as e:  # noqa: BLE001
            raise HFBenchError(f"cannot load it as a Qwen2-Audio model ({type(e).__name__}: {e})",
                               where=self.ref.where, fix="give a folder with a Qwen2-Audio model and its processor "
                                                         "(Qwen2AudioProcessor)") from None
        self.model.to(device)
        self.tokenizer = self.processor.tokenizer
        self.pad = int(self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None
                       else self.tokenizer.eos_token_id)

    def describe(self) -> dict:
        return {"family": self.name, "placeholder": self.placeholder, **self.ref.describe()}

    def _prompt(self, e: Example):
        r = chat.render(self.tokenizer, e.prompt, audio_text=self.placeholder)
        enc = self.processor(text=[r.prompt], audio=[e.wave], sampling_rate=SAMPLE_RATE, return_tensors="pt")
        return r, enc["input_ids"][0].tolist(), enc["input_features"], enc["feature_attention_mask"]

    def batch(self, examples):
        torch = _torch()
        ids, labels, feats, fmask = [], [], [], []
        for e in examples:
            r, p, f, m = self._prompt(e)
            x, y = chat.masked(p, chat.answer_ids(self.tokenizer, r, e.answer))
            ids.append(x)
            labels.append(y)
            feats.append(f)
            fmask.append(m)
        input_ids, mask = _pad(ids, self.pad)
        lab, _ = _pad(labels, chat.IGNORE)
        return {"input_ids": input_ids, "attention_mask": mask, "labels": lab,
                "input_features": torch.cat(feats), "feature_attention_mask": torch.cat(fmask)}

    def generate(self, model, examples, max_new_tokens):
        torch = _torch()
        parts = [self._prompt(e) for e in examples]
        ids, mask = _pad([p[1] for p in parts], self.pad, left=True)
        with torch.no_grad():
            out = model.generate(input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                                 input_features=torch.cat([p[2] for p in parts]).to(self.device),
                                 feature_attention_mask=torch.cat([p[3] for p in parts]).to(self.device),
                                 max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                                 pad_token_id=self.pad)
        return [self.decode(row[ids.shape[1]:]) for row in out.tolist()]


# ------------------------------------------------------------------------------------------------ speech LLM
class SpeechLLMFamily(Family):
    """hf_bench encoder frames -> SwiGLU adapter -> causal LM (LoRA), the chat prompt around the audio."""

    name, targets, needs = "speech_llm", LLM_TARGETS, "frames"

    def __init__(self, decoder: str, *, dim: int, stack: int, encoder: dict, device: str = "cpu",
                 cache_dir: Path | None = None, seed: int = 0):
        import torch
        import transformers

        from hf_bench.probes.lm_asr import _adapter
        from hf_bench.probes.pretrained import _converted

        super().__init__(decoder, device=device)
        self.ref = resolve(decoder, "causal_lm")
        src = _converted(self.ref, cache_dir) if self.ref.gguf_file is not None else self.ref
        try:
            gguf = {"gguf_file": src.gguf_file} if src.gguf_file else {}  # no cache to convert it into
            lm = transformers.AutoModelForCausalLM.from_pretrained(src.folder, dtype=torch.float32, **gguf)
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(src.folder, **gguf)
        except Exception as e:  # noqa: BLE001
            raise HFBenchError(f"cannot load the causal LM ({type(e).__name__}: {e})", where=self.ref.where,
                               fix="give a decoder-only LM folder, .gguf file or Hub id") from None
        cfg = lm.config
        torch.manual_seed(seed)
        adapter = _adapter(dim, stack, None, int(getattr(cfg, "intermediate_size", 4 * cfg.hidden_size)),
                           int(cfg.hidden_size), True)
        self.model = SpeechLLM(adapter, lm).to(device)
        self.encoder_info, self.dim, self.stack = encoder, dim, stack
        self.pad = int(self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None
                       else self.tokenizer.eos_token_id)

    def describe(self) -> dict:
        return {"family": self.name, "encoder": self.encoder_info, "adapter": {"dim": self.dim, "stack": self.stack},
                **self.ref.describe()}

    def _parts(self, e: Example) -> tuple[chat.Rendered, list[int], list[int]]:
        r = chat.render(self.tokenizer, e.prompt, audio_text=_SPEECH)
        before, _, after = r.prompt.partition(_SPEECH)
        return r, chat.prompt_ids(self.tokenizer, before), chat.prompt_ids(self.tokenizer, after)

    def _frames(self, examples):
        torch = _torch()
        n = max(len(e.frames) for e in examples)
        x = torch.zeros((len(examples), n, self.dim), dtype=torch.float32)
        for i, e in enumerate(examples):
            x[i, :len(e.frames)] = torch.from_numpy(np.array(e.frames, dtype=np.float32).reshape(len(e.frames), -1))
        return x, torch.tensor([len(e.frames) for e in examples], dtype=torch.long)

    def _batch(self, examples, with_answer: bool):
        torch = _torch()
        before, after, answer = [], [], []
        for e in examples:
            r, b, a = self._parts(e)
            before.append(b)
            after.append(a)
            answer.append(chat.answer_ids(self.tokenizer, r, e.answer) if with_answer else [])
        frames, lengths = self._frames(examples)
        out = {"frames": frames, "frame_lengths": lengths}
        for name, rows in (("before", before), ("after", after), ("answer", answer)):
            ids, mask = _pad([r or [self.pad] for r in rows], self.pad)
            out[name], out[name + "_lengths"] = ids, torch.tensor([len(r) for r in rows], dtype=torch.long)
        if with_answer:
            out["labels"] = out["answer"]
        return out

    def batch(self, examples):
        return self._batch(examples, True)

    def logits(self, model, batch):
        return model(**batch, return_logits=True)  # the labels of the assembled rows come with the logits

    def generate(self, model, examples, max_new_tokens):
        torch = _torch()
        batch = self.to_device(self._batch(examples, False))
        with torch.no_grad():
            embeds, mask, _ = model.assemble(batch, left=True)
            out = model.lm.generate(inputs_embeds=embeds, attention_mask=mask, max_new_tokens=max_new_tokens,
                                    do_sample=False, num_beams=1, pad_token_id=self.pad,
                                    eos_token_id=self.tokenizer.eos_token_id)
        return [self.decode(row) for row in out.tolist()]


def _speech_llm_module():
    import torch
    from torch import nn

    class _SpeechLLM(nn.Module):
        """Adapter + LM; rows are [prompt before audio; adapted audio; prompt after; answer], padded per batch."""

        def __init__(self, adapter, lm):
            super().__init__()
            self.adapter, self.lm = adapter, lm

        def assemble(self, b, left: bool = False):
            audio, n_audio = self.adapter(b["frames"], b["frame_lengths"])
            embed = self.lm.get_input_embeddings()
            rows, labels = [], []
            for i in range(audio.shape[0]):
                nb, na, nt = int(b["before_lengths"][i]), int(b["after_lengths"][i]), int(b["answer_lengths"][i])
                ans = b["answer"][i, :nt]
                rows.append(torch.cat([embed(b["before"][i, :nb]), audio[i, :int(n_audio[i])],
                                       embed(b["after"][i, :na]), embed(ans)]))
                labels.append(torch.cat([torch.full((rows[-1].shape[0] - nt,), chat.IGNORE, dtype=torch.long,
                                                    device=ans.device), ans]))
            n = max(r.shape[0] for r in rows)
            x = audio.new_zeros((len(rows), n, rows[0].shape[1]))
            mask = torch.zeros((len(rows), n), dtype=torch.long, device=audio.device)
            y = torch.full((len(rows), n), chat.IGNORE, dtype=torch.long, device=audio.device)
            for i, (r, lab) in enumerate(zip(rows, labels)):
                sl = slice(n - r.shape[0], n) if left else slice(0, r.shape[0])
                x[i, sl], mask[i, sl], y[i, sl] = r, 1, lab
            return x, mask, y

        def forward(self, return_logits: bool = False, labels=None, **b):
            x, mask, y = self.assemble(b)
            out = self.lm(inputs_embeds=x, attention_mask=mask, labels=None if return_logits else y)
            return (out.logits, y) if return_logits else {"loss": out.loss}

    return _SpeechLLM


def SpeechLLM(adapter, lm):  # noqa: N802 - a class built lazily (torch is imported on use)
    return _speech_llm_module()(adapter, lm)


def family_of(spec: str) -> str:
    """Which family a --model is: read from its config's model_type (whisper, qwen2_audio)."""
    ref = resolve(spec, "audio_model")
    mt = _model_type(ref.folder)
    if mt == "whisper":
        return "whisper"
    if mt == "qwen2_audio":
        return "audio_llm"
    raise HFBenchError(f"model_type {mt!r} is not a model hf_bench can fine-tune end to end", where=ref.where,
                       fix="give a Whisper or Qwen2-Audio model; for any other encoder use the speech LLM "
                           "(--encoder E --decoder LM)")


def load_family(spec: str, *, device: str = "cpu", **kwargs) -> Family:
    kind = family_of(spec)
    return WhisperFamily(spec, device=device, **kwargs) if kind == "whisper" else AudioLLMFamily(spec, device=device)


__all__ = ["FAMILIES", "Example", "Family", "WhisperFamily", "AudioLLMFamily", "SpeechLLMFamily", "family_of",
           "load_family", "sequence_logprob", "WHISPER_TARGETS", "LLM_TARGETS", "AUDIO_LLM_TARGETS"]
