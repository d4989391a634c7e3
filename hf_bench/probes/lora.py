"""``lora``: a LoRA fine-tune with WenetSpeech-Wu's chat prompts, as a probe (``--probe lora``).

With ``--lora-model M`` (a Whisper or Qwen2-Audio model) the probe reads waveforms and fine-tunes that model end
to end; without it, it is hf_bench's speech LLM on the run's encoder: the cached frames through X-ARES's SwiGLU
adapter into a causal LM (``--decoder``; the task's, else SmolLM2-135M-Instruct) that gets LoRA. Either way the
training examples are the task's items in the swift chat format with the Wu prompt of its kind (ASR, AST, age,
gender, emotion; ``hf_bench.wu``), the loss is on the assistant answer only, and it trains on the whole training
pool (no epoch is selected). ASR / AST answers are generated greedily; a class is the label whose answer the
model finds most likely (the log-probability of every label is the score, so no answer is ever unmapped).
Settings (rank 8, alpha 32, dropout 0.05, lr 1e-4, 3 epochs, batch 4: ms-swift's defaults unless the task's
``probe`` sets epochs / batch size / learning rate) are in the probe config, hence in the result key.
"""

from __future__ import annotations

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.features.featurizer import layers_needed
from hf_bench.features.views import FeatureView
from hf_bench.probes.base import Fold, Probe, ProbeData

DEFAULT_DECODER = "smollm2-135m-instruct"
DEFAULT_STACK_MS = 40.0  # encoder frames per LM position of the speech LLM (a task may set probe.stack_ms)


def _kind(task) -> str | None:
    from hf_bench.wu.export import task_kind

    try:
        return task_kind(task)
    except HFBenchError:
        return None


def _frames(features, k: int) -> np.ndarray:
    """Item k's frames [T, D] (layers averaged); pooled features [L, D] are one frame."""
    if isinstance(features, np.ndarray):
        return np.asarray(features[k], dtype=np.float32).mean(axis=0, keepdims=True)
    x = np.asarray(features.item(k), dtype=np.float32)
    return x.mean(axis=1) if x.ndim == 3 else x


class LoRAFineTune(Probe):
    name, label = "lora", "LoRA"
    task_types = frozenset({"asr", "translation", "clip_classification"})
    summary = ("LoRA fine-tune with the WenetSpeech-Wu chat prompts: --lora-model (Whisper / Qwen2-Audio) end to "
               "end, else encoder frames + adapter + LoRA causal LM")
    by_default = False

    @classmethod
    def serves(cls, task) -> bool:
        return task.type in cls.task_types and _kind(task) is not None

    def __init__(self, task, settings):
        super().__init__(task, settings)
        from hf_bench.finetune.lora import LoRASettings

        o = task.probe
        base = LoRASettings()
        self.lora = LoRASettings(epochs=float(o.epochs or base.epochs), batch_size=o.batch_size or base.batch_size,
                                 learning_rate=o.learning_rate or base.learning_rate,
                                 max_new_tokens=o.max_new_tokens or base.max_new_tokens)
        self.kind = _kind(task)
        self.family = None

    def view(self):
        if self.settings.lora_model:
            return None
        return FeatureView("frames", layers_needed(self.settings.layer, self.settings.num_layers),
                           self.settings.frame_dtype)

    def _stack_ms(self) -> float:
        return float(self.task.probe.stack_ms or DEFAULT_STACK_MS)

    def _decoder(self) -> str:
        from hf_bench.probes.pretrained import default_name

        return default_name("causal_lm", self.task.probe.decoder, self.settings.decoder) or DEFAULT_DECODER

    def config(self) -> dict:
        from dataclasses import asdict

        from hf_bench.probes.pretrained import resolve
        from hf_bench.wu.prompts import prompt_for

        model = self.settings.lora_model
        ref = resolve(model, "audio_model") if model else resolve(self._decoder(), "causal_lm")
        cfg = {"family": "end_to_end" if model else "speech_llm", "model": ref.describe(), "kind": self.kind,
               "prompt": prompt_for(self.kind), "lora": asdict(self.lora), "selection": "none (whole pool)"}
        if not model:
            cfg["stack_ms"] = self._stack_ms()
        return cfg

    # ---------------------------------------------------------------------------------------------- data
    def _answers(self, data: ProbeData) -> list[str]:
        from hf_bench.wu.export import label_mapping

        if self.kind in ("asr", "ast"):
            return [str(t) for t in data.targets.raw]
        mapping = label_mapping(self.task, self.kind)
        return [mapping[self.task.labels[int(i)]] for i in data.targets]

    def _examples(self, data: ProbeData, answers: list[str] | None):
        from hf_bench.audio import decode
        from hf_bench.finetune.models import Example
        from hf_bench.wu.prompts import prompt_for

        prompt = prompt_for(self.kind)
        out = []
        for k, item in enumerate(data.ids):
            a = answers[k] if answers is not None else None
            if self.settings.lora_model:
                out.append(Example(item, prompt, a, wave=decode(data.refs[k], target_sr=16000, downmix=True)))
            else:
                out.append(Example(item, prompt, a, frames=_frames(data.features, k)))
        return out

    def _family(self, data: ProbeData):
        from hf_bench.finetune.models import SpeechLLMFamily, load_family

        if self.settings.lora_model:
            return load_family(self.settings.lora_model, device=self.settings.device)
        dim = int(data.features.shape[-1] if isinstance(data.features, np.ndarray) else data.features.dim)
        stack = max(1, int(round(self._stack_ms() / self.settings.hop_ms)))
        return SpeechLLMFamily(self._decoder(), dim=dim, stack=stack, encoder={"hop_ms": self.settings.hop_ms},
                               device=self.settings.device, cache_dir=self.settings.cache_dir)

    # ---------------------------------------------------------------------------------------------- protocol
    def fit(self, fold: Fold, coding, *, seed: int) -> dict:
        from dataclasses import replace

        from hf_bench.finetune import lora

        self.lora = replace(self.lora, seed=seed)
        self.family = self._family(fold.pool)
        self.model = lora.apply_lora(self.family, self.lora)
        history = lora.train(self.family, self.model, self._examples(fold.pool, self._answers(fold.pool)),
                             self.lora, progress=self.settings.progress, label=self.task.name)
        trainable = sum(p.numel() for p in self.model.parameters() if p.requires_grad)
        losses = history["losses"]
        return {"steps": history["steps"], "first_loss": losses[0]["loss"] if losses else None,
                "last_loss": losses[-1]["loss"] if losses else None, "trainable_parameters": int(trainable)}

    def predict(self, test: ProbeData):
        from hf_bench.finetune import lora
        from hf_bench.wu.export import label_mapping

        examples = self._examples(test, None)
        if self.kind in ("asr", "ast"):
            return lora.predict(self.family, self.model, examples, batch_size=self.lora.batch_size * 2,
                                max_new_tokens=self.lora.max_new_tokens, progress=self.settings.progress).responses
        mapping = label_mapping(self.task, self.kind)
        candidates = tuple(mapping[name] for name in self.task.labels)
        return lora.predict(self.family, self.model, examples, batch_size=self.lora.batch_size * 2,
                            candidates=candidates, progress=self.settings.progress).scores


__all__ = ["LoRAFineTune"]
