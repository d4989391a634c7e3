"""LoRA fine-tuning on the transformers ``Trainer`` (peft), adapter folders, and inference from them.

``LoRASettings`` defaults are ms-swift's (``--lora_rank 8 --lora_alpha 32 --lora_dropout 0.05``, lr 1e-4, cosine
decay, 5 % warm-up, weight decay 0.1, gradient clipping at 1.0). An adapter folder holds peft's
``adapter_config.json`` + ``adapter_model.safetensors`` (for the speech LLM: the LM's LoRA in ``lm/`` and the
trained audio adapter in ``speech_adapter.safetensors``) and ``hf_bench_adapter.json``: the base model's id,
revision and fingerprint, the family, the LoRA and training settings, the task name, version and kind, the
prompt, and the training loss per logged step. Loading checks the base model's fingerprint against it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import math
import os
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from hf_bench.errors import HFBenchError
from hf_bench.finetune.models import Example, Family, SpeechLLMFamily
from hf_bench.probes.mlp import quiet_trainer, step_bar
from hf_bench.utils.io import atomic_write_json, ensure_dir

log = logging.getLogger("hf_bench")
ADAPTER_META = "hf_bench_adapter.json"
SPEECH_ADAPTER = "speech_adapter.safetensors"
ADAPTER_FORMAT = 1


@dataclass(frozen=True)
class LoRASettings:
    rank: int = 8
    alpha: int = 32
    dropout: float = 0.05
    targets: tuple[str, ...] | str | None = None     # None: the family's default set
    epochs: float = 3.0
    batch_size: int = 4
    learning_rate: float = 1e-4
    warmup_ratio: float = 0.05
    weight_decay: float = 0.1
    max_grad_norm: float = 1.0
    seed: int = 0
    max_new_tokens: int = 128

    def resolved(self, family: Family) -> dict:
        d = asdict(self)
        t = self.targets if self.targets is not None else family.targets
        d["targets"] = list(t) if isinstance(t, (tuple, list)) else t
        return d


def _peft_config(settings: LoRASettings, family: Family):
    import peft

    t = settings.resolved(family)["targets"]
    return peft.LoraConfig(r=settings.rank, lora_alpha=settings.alpha, lora_dropout=settings.dropout,
                           target_modules=t, bias="none")


@contextlib.contextmanager
def _quiet():
    """peft and the Trainer read transformers' deprecated ``is_gradient_checkpointing``: not the user's warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        yield


def apply_lora(family: Family, settings: LoRASettings):
    """The trainable module: the base with LoRA layers (the speech LLM: LoRA on its LM, the adapter trained)."""
    import peft

    try:
        with _quiet():
            if isinstance(family, SpeechLLMFamily):
                family.model.lm.requires_grad_(False)
                family.model.lm = peft.get_peft_model(family.model.lm, _peft_config(settings, family))
                return family.model
            family.model.requires_grad_(False)
            return peft.get_peft_model(family.model, _peft_config(settings, family))
    except ValueError as e:  # peft: "Target modules {...} not found in the base model"
        raise HFBenchError(f"LoRA cannot be applied ({e})", where=f"--lora-targets for {family.spec}",
                           fix="name linear modules that exist in the model (e.g. q_proj,v_proj)") from None


class _Dataset:
    def __init__(self, examples):
        self.examples = examples

    def __len__(self):
        return len(self.examples)

    def __getitem__(self, i):
        return self.examples[i]


def train(family: Family, model, examples: list[Example], settings: LoRASettings, *, progress: bool = False,
          output_dir: str | None = None, label: str = "LoRA") -> dict:
    """Fine-tune ``model`` (from ``apply_lora``) on ``examples`` with the Trainer; returns the loss history."""
    import torch
    from transformers import Trainer, TrainerCallback, TrainingArguments

    if not examples:
        raise HFBenchError("no training examples", where="finetune", fix="give a task or data with training items")
    history: list[dict] = []

    class Losses(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kw):
            if logs and "loss" in logs:
                history.append({"step": int(state.global_step), "loss": float(logs["loss"])})

    steps = max(1, math.ceil(len(examples) / settings.batch_size)) * settings.epochs
    bar = step_bar(f"{label} fine-tune", int(math.ceil(steps)), progress)
    with tempfile.TemporaryDirectory(prefix="hf_bench_lora_") as tmp:
        args = TrainingArguments(
            output_dir=output_dir or tmp, per_device_train_batch_size=settings.batch_size,
            num_train_epochs=settings.epochs, learning_rate=settings.learning_rate, lr_scheduler_type="cosine",
            warmup_steps=int(round(settings.warmup_ratio * steps)), weight_decay=settings.weight_decay,
            max_grad_norm=settings.max_grad_norm, logging_steps=max(1, int(steps // 20)), save_strategy="no",
            report_to=[], seed=settings.seed, data_seed=settings.seed, remove_unused_columns=False,
            dataloader_num_workers=0, disable_tqdm=True, use_cpu=not torch.cuda.is_available())
        with _quiet():
            trainer = Trainer(model=model, args=args, train_dataset=_Dataset(examples),
                              data_collator=family.batch, callbacks=[Losses()] + ([bar] if bar else []))
            quiet_trainer(trainer)
            trainer.train()
    return {"losses": history, "steps": int(trainer.state.global_step), "processes": int(args.world_size),
            "world_process_zero": bool(trainer.is_world_process_zero())}


def fingerprint_of(family: Family) -> str:
    return family.describe()["fingerprint"]


def save_adapters(family: Family, model, out_dir: str | os.PathLike, *, settings: LoRASettings, task: dict,
                  training: dict) -> Path:
    """Write the adapter folder (peft files + ``hf_bench_adapter.json``); returns it."""
    from safetensors.torch import save_file

    out = ensure_dir(out_dir)
    if isinstance(family, SpeechLLMFamily):
        model.lm.save_pretrained(out / "lm")
        save_file({k: v.detach().cpu().contiguous() for k, v in model.adapter.state_dict().items()},
                  str(out / SPEECH_ADAPTER))
    else:
        model.save_pretrained(out)
    meta = {"kind": "hf_bench.lora_adapter", "format": ADAPTER_FORMAT, "base": family.describe(),
            "lora": settings.resolved(family), "task": task, "training": training,
            "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    atomic_write_json(out / ADAPTER_META, meta)
    return out


def read_adapter_meta(folder: str | os.PathLike) -> dict:
    path = Path(folder) / ADAPTER_META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HFBenchError(f"no {ADAPTER_META}: not an adapter folder written by hf_bench", where=Path(folder),
                           fix="give the -o folder of `hf-bench finetune` (or of a `--probe lora` run)") from None
    except (OSError, ValueError) as e:
        raise HFBenchError(f"unreadable adapter metadata ({e})", where=path, fix="fine-tune again") from None
    if meta.get("kind") != "hf_bench.lora_adapter":
        raise HFBenchError("not an hf_bench adapter description", where=path, fix="fine-tune again")
    return meta


def load_adapters(family: Family, folder: str | os.PathLike):
    """``family``'s base with the adapters of ``folder``; the base must be the one they were trained on."""
    import peft
    from safetensors.torch import load_file

    folder = Path(folder)
    meta = read_adapter_meta(folder)
    base = meta["base"]
    mine = family.describe()
    if base.get("family") != mine["family"] or base.get("fingerprint") != mine["fingerprint"]:
        raise HFBenchError(
            f"the adapters were trained on {base.get('family')} {base.get('id')!r} (fingerprint "
            f"{str(base.get('fingerprint'))[:12]}), not on {mine['family']} {mine['id']!r} (fingerprint "
            f"{mine['fingerprint'][:12]})", where=folder,
            fix=f"pass --model {base.get('id')} (the base model they were trained on)")
    if isinstance(family, SpeechLLMFamily):
        if base.get("encoder", {}).get("fingerprint") != mine["encoder"].get("fingerprint"):
            raise HFBenchError(f"the adapters were trained on encoder {base.get('encoder', {}).get('id')!r}, not "
                               f"{mine['encoder'].get('id')!r}", where=folder,
                               fix=f"pass --encoder {base.get('encoder', {}).get('id')}")
        model = family.model
        with _quiet():
            model.lm = peft.PeftModel.from_pretrained(model.lm, folder / "lm")
        model.adapter.load_state_dict(load_file(str(folder / SPEECH_ADAPTER)))
        return model.eval()
    with _quiet():
        return peft.PeftModel.from_pretrained(family.model, folder).eval()


@dataclass
class Predictions:
    ids: list[str]
    responses: list[str]
    scores: np.ndarray | None = field(default=None, repr=False)   # [N, C] for closed label sets


def predict(family: Family, model, examples: list[Example], *, batch_size: int = 8, max_new_tokens: int = 128,
            candidates: tuple[str, ...] | None = None, progress: bool = False) -> Predictions:
    """Greedy answers (and, with ``candidates``, each candidate's log-probability) for ``examples``."""
    from tqdm.auto import tqdm

    model.eval()
    out, scores = [], []
    with tqdm(total=len(examples), desc="infer", unit="item", disable=not progress, leave=False) as bar:
        for lo in range(0, len(examples), batch_size):
            chunk = examples[lo:lo + batch_size]
            if candidates:
                s = family.choice_scores(model, chunk, candidates)
                scores.append(s)
                out += [candidates[int(i)] for i in s.argmax(1)]
            else:
                out += family.generate(model, chunk, max_new_tokens)
            bar.update(len(chunk))
    return Predictions([e.id for e in examples], out, np.concatenate(scores) if scores else None)


__all__ = ["LoRASettings", "apply_lora", "train", "save_adapters", "load_adapters", "read_adapter_meta", "predict",
           "Predictions", "ADAPTER_META"]
