"""``hf:<hub id or local dir>``: transformers audio models, every hidden state.

Supported ``model_type``s: wav2vec2, hubert, wavlm, data2vec-audio, unispeech, unispeech-sat, wav2vec2-conformer
(raw-waveform models with a convolutional feature encoder) and whisper (its encoder only).

How a batch is run, so that an item's features never depend on what it is batched with:

* inputs are normalised as the model's feature extractor does (``do_normalize``: zero mean, unit variance), over
  each item's true samples only;
* models whose output does not depend on zero-padding once ``attention_mask`` is passed (wav2vec2 / HuBERT /
  WavLM / UniSpeech with ``feat_extract_norm == "layer"``) run as one padded batch with the mask;
* the others run without a mask and without padding, one sub-batch per distinct length: "group"-norm feature
  encoders (wav2vec2-base, HuBERT-base, WavLM-base) normalise over the whole time axis, so transformers says not to
  pass a mask, and zero padding would shift their statistics; data2vec-audio's and the conformer's stacked
  convolutions also see the padding;
* Whisper's encoder only takes 30 s windows (``max_source_positions`` frames): audio is cut into 30 s chunks,
  each padded to 30 s as Whisper's feature extractor does, and each chunk's output is trimmed back to
  ``ceil(chunk_samples / 320)`` frames (one frame per 20 ms) before the chunks are concatenated. That is the
  faithful default, and a 2 s clip then costs the encoder 15x its length. ``hf:<whisper>?window=fit`` is the fast
  mode: each chunk runs at its own length (zero-padded to a multiple of 20 ms only) with the first positional
  embeddings, batched with chunks of the same length only. Its features differ from the faithful ones (the
  attention no longer sees 30 s of padding), so its fingerprint and name differ (``<name>+fit``): it never shares
  a cache entry, a results folder or a leaderboard row with the faithful mode.

Hidden states are the model's ``output_hidden_states`` (the input of the first transformer layer, then each
layer's output), with the last one replaced by ``last_hidden_state``: for pre-LN models that is the output after
the final layer norm, as in transformers 4.x and in X-ARES's example wrappers (transformers 5 returns the
pre-norm output there).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import warnings
from pathlib import Path

import torch

from hf_bench.encoders.base import Encoder, EncoderOutput
from hf_bench.encoders.contract import check_inputs
from hf_bench.errors import EncoderError, OfflineError
from hf_bench.utils.hub import cached_snapshot, is_connection_error, sha256_cached, weight_files

# Bump when the way hidden states are computed changes (it invalidates cached features via the fingerprint).
IMPLEMENTATION_VERSION = 1

WAVEFORM_TYPES = ("wav2vec2", "hubert", "wavlm", "data2vec-audio", "unispeech", "unispeech-sat", "wav2vec2-conformer")
# padded batch + attention_mask gives the same valid frames as running each item alone (tested)
MASKABLE_TYPES = ("wav2vec2", "hubert", "wavlm", "unispeech", "unispeech-sat")
SUPPORTED_TYPES = WAVEFORM_TYPES + ("whisper",)
# parameters that exist only for pre-training; absent from fine-tuned checkpoints and unused at inference
_TRAINING_ONLY = ("masked_spec_embed",)
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_WHISPER_CHUNKS_PER_FORWARD = 8

class HFEncoder(Encoder):
    """A transformers audio model as an hf_bench ``Encoder`` (eval mode, float32)."""

    def __init__(self, target: str, *, spec: str | None = None, device: str = "cpu", trust_remote_code: bool = False,
                 revision: str | None = None, options: dict[str, str] | None = None):
        self.id = spec or f"hf:{target}"
        self.options = dict(options or {})
        self.device = torch.device(device)
        self.trust_remote_code = bool(trust_remote_code)
        self._where = f"encoder {self.id!r}"
        self._resolve(target, revision)
        self._load()
        self._apply_options()
        self._fingerprint: str | None = None

    # -- loading -----------------------------------------------------------------------------------------------

    def _apply_options(self) -> None:
        options = dict(self.options)
        self.window = options.pop("window", "30s" if self.model_type == "whisper" else None)
        if options:
            raise EncoderError(f"unknown option(s) {', '.join(sorted(options))}", where=self._where,
                               fix="the only hf: option is window=fit|30s (Whisper), e.g. hf:openai/whisper-tiny?window=fit")
        if self.window is not None and self.model_type != "whisper":
            raise EncoderError(f"window={self.window} applies to Whisper only (this is {self.model_type})",
                               where=self._where, fix="drop ?window=... from the spec")
        if self.window not in (None, "30s", "fit"):
            raise EncoderError(f"window={self.window!r} is not a choice", where=self._where,
                               fix="use window=30s (faithful, the default) or window=fit (fast: no padding to 30 s)")
        if self.window == "fit":
            self.name = f"{self.name}+fit"
            self.padding_mode = "whisper-fit-window"

    def _resolve(self, target: str, revision: str | None) -> None:
        path = Path(os.path.expanduser(target))
        self.requested_revision = revision
        if path.exists():
            if not path.is_dir():
                raise EncoderError("is a file, not a model directory", where=target,
                                   fix="give the folder that holds config.json and the weights (save_pretrained)")
            if not (path / "config.json").is_file():
                raise EncoderError("no config.json in this directory", where=path,
                                   fix="give a folder written by model.save_pretrained(...) or "
                                   "`hf download --local-dir`")
            if revision is not None:
                raise EncoderError("--revision given for a local directory", where=path,
                                   fix="drop --revision (it only applies to Hub ids)")
            self.local_dir: Path | None = path.resolve()
            self.source = str(self.local_dir)
            self.name = self.local_dir.name
            self.hub_id = None
            return
        looks_like_path = target.startswith((".", "/", "~")) or "\\" in target or target.count("/") > 1
        if looks_like_path or not _HUB_ID.match(target):
            raise EncoderError("no such directory, and not a valid Hub model id", where=f"encoder {self.id!r}",
                               fix="give an existing local model directory or a Hub id such as facebook/wav2vec2-base")
        self.local_dir = None
        self.source = target
        self.name = target
        self.hub_id = target

    def _hf_call(self, what: str, fn, *args, **kwargs):
        """Call a transformers loader and turn its failures into one readable hf_bench error."""
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - OSError, ValueError, UnpicklingError, ...: one readable error
            raise self._loading_error(what, e) from None

    def _loading_error(self, what: str, e: BaseException) -> EncoderError:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if "trust_remote_code" in str(e):
            return EncoderError(f"{what}: the model needs custom code from its repository ({msg})",
                                where=self._where, fix="pass --trust-remote-code only if you trust that code; "
                                "hf_bench never runs remote code otherwise")
        if "weights only load failed" in str(e).lower() or "Unpickling" in type(e).__name__:
            return EncoderError(f"{what}: the .bin checkpoint holds more than plain tensors, and hf_bench loads .bin "
                                f"files only with torch.load(weights_only=True) ({type(e).__name__})",
                                where=self._where, fix="use a model.safetensors checkpoint (convert the .bin on a "
                                "machine where you trust it: model.save_pretrained(folder) writes safetensors)")
        if self.hub_id is not None and is_connection_error(e):
            return OfflineError(
                f"{what}: {self.hub_id} is not in the local Hugging Face cache and the Hub cannot be reached",
                where=self._where,
                fix=f"on a connected machine run `hf download {self.hub_id}` (`huggingface-cli download` with "
                f"huggingface_hub < 1.0) with the same HF_HOME as here, or copy that cache over; or save the model "
                f"to a folder (save_pretrained) and pass hf:/path/to/folder")
        if self.hub_id is not None and ("not a valid model identifier" in str(e) or "404" in str(e)
                                        or "RepositoryNotFound" in type(e).__name__):
            return EncoderError(f"{what}: {self.hub_id} is neither a local directory nor a model on the Hub ({msg})",
                                where=self._where, fix="check the spelling (org/name), log in with `hf auth login` "
                                "for a private or gated model, or give a local directory")
        if "revision" in str(e).lower() and self.requested_revision:
            return EncoderError(f"{what}: revision {self.requested_revision!r} not found ({msg})",
                                where=self._where, fix="give a branch, tag or commit hash that exists")
        return EncoderError(f"{what} failed: {type(e).__name__}: {msg}", where=self._where,
                            fix="check that this is a transformers audio model saved with save_pretrained")

    def _load(self) -> None:
        import transformers

        common = {"revision": self.requested_revision, "trust_remote_code": self.trust_remote_code}
        config = self._hf_call("loading config.json", transformers.AutoConfig.from_pretrained, self.source, **common)
        self._set_config(config, "module (file.py:ClassName)")
        # weights_only: a pytorch_model.bin is unpickled with torch's safe loader, never arbitrary pickles
        load = {"config": config, "dtype": torch.float32, "output_loading_info": True, "weights_only": True, **common}
        if self.model_type == "whisper":
            model, info = self._hf_call("loading the weights", transformers.WhisperModel.from_pretrained,
                                        self.source, **load)
            model = model.get_encoder()
            missing = [k for k in info.get("missing_keys", ()) if k.startswith("encoder.")]
        else:
            model, info = self._hf_call("loading the weights", transformers.AutoModel.from_pretrained,
                                        self.source, **load)
            missing = [k for k in info.get("missing_keys", ()) if k.split(".")[-1] not in _TRAINING_ONLY]
        if missing:
            shown = ", ".join(sorted(missing)[:5]) + (", ..." if len(missing) > 5 else "")
            raise EncoderError(f"{len(missing)} weight(s) are missing from the checkpoint and would be random: {shown}",
                               where=self._where, fix="point at a complete checkpoint of an audio encoder")
        self._adopt(model)
        self._load_feature_extractor(transformers, common)
        self._describe_model()

    @classmethod
    def from_model(cls, model, *, feature_extractor=None, name: str | None = None, device: str | None = None,
                   options: dict[str, str] | None = None) -> "HFEncoder":
        """A transformers audio model object already in memory (a training script's checkpoint), not written to
        disk. Its fingerprint hashes its config and every weight tensor; ``feature_extractor`` defaults to the
        class defaults (as for a folder without ``preprocessor_config.json``). The model is switched to eval mode
        (and moved to ``device`` if given); ``hf_bench.evaluate`` restores its training mode afterwards."""
        import torch

        self = cls.__new__(cls)
        config = getattr(model, "config", None)
        path = str(getattr(config, "_name_or_path", "") or "")
        self.name = name or (Path(path).name if path else "") or type(model).__name__
        self.id = f"python:{type(model).__name__}:{self.name}"
        self.options = dict(options or {})
        first = next(iter(model.parameters()), None)
        self.device = torch.device(device) if device else (first.device if first is not None else torch.device("cpu"))
        self.trust_remote_code = False
        self._where = f"encoder {self.name!r} (a {type(model).__name__} in memory)"
        self.local_dir, self.hub_id, self.source, self.requested_revision = None, None, path, None
        self._set_config(config, "torch.nn.Module (sampling_rate, output_dim, hop_size_in_ms, forward)")
        if self.model_type == "whisper" and hasattr(model, "get_encoder"):
            model = model.get_encoder()
        self._adopt(model)
        import transformers

        self.feature_extractor_default = feature_extractor is None
        self.feature_extractor = feature_extractor or (
            transformers.WhisperFeatureExtractor(feature_size=config.num_mel_bins) if self.model_type == "whisper"
            else transformers.Wav2Vec2FeatureExtractor())
        self._describe_model()
        self._apply_options()
        self._fingerprint = None
        return self

    def _set_config(self, config, wrapper: str) -> None:
        self.model_type = getattr(config, "model_type", None)
        if self.model_type not in SUPPORTED_TYPES:
            raise EncoderError(f"model_type {self.model_type!r} is not supported", where=self._where,
                               fix=f"use one of: {', '.join(SUPPORTED_TYPES)}; or wrap the model in an X-ARES-style "
                                   + wrapper)
        self.config = config

    def _adopt(self, model) -> None:
        if not hasattr(model, "_get_feat_extract_output_lengths") and self.model_type != "whisper":
            raise EncoderError(f"{type(model).__name__} has no convolutional feature encoder", where=self._where,
                               fix=f"use a model of type {', '.join(SUPPORTED_TYPES)}")
        self.model = model.to(self.device).eval()
        self.n_parameters = int(sum(p.numel() for p in self.model.parameters()))

    def _describe_model(self) -> None:
        config = self.config
        self.sampling_rate = int(self.feature_extractor.sampling_rate)
        if self.model_type == "whisper":
            self.dim = int(config.d_model)
            self.num_layers = int(config.encoder_layers) + 1
            strides = self.model.conv1.stride[0] * self.model.conv2.stride[0]
            self.frame_samples = int(self.feature_extractor.hop_length) * strides
            self.chunk_samples = int(config.max_source_positions) * self.frame_samples
            self.padding_mode = "whisper-30s-chunks"
        else:
            self.dim = int(config.hidden_size)
            self.num_layers = int(config.num_hidden_layers) + 1
            self.frame_samples = int(math.prod(config.conv_stride))
            self.min_samples = 1  # shortest input that yields one frame: invert the conv arithmetic
            for kernel, stride in reversed(list(zip(config.conv_kernel, config.conv_stride))):
                self.min_samples = (self.min_samples - 1) * stride + kernel
            norm = getattr(config, "feat_extract_norm", None)
            self.padding_mode = "mask" if (self.model_type in MASKABLE_TYPES and norm == "layer") else "per-length"
            self.do_normalize = bool(getattr(self.feature_extractor, "do_normalize", False))
        self.hop_ms = 1000.0 * self.frame_samples / self.sampling_rate
        self.revision = self._resolved_revision()

    def _local_file(self, name: str) -> Path | None:
        """``name`` in the model's local folder or Hub cache snapshot, if it is there."""
        folder = Path(self.source)
        if folder.is_dir():
            return folder / name if (folder / name).is_file() else None
        if self.hub_id is not None:
            from huggingface_hub import try_to_load_from_cache

            found = try_to_load_from_cache(self.hub_id, name, revision=self.requested_revision)
            return Path(found) if isinstance(found, str) else None
        return None

    def _load_feature_extractor(self, transformers, common) -> None:
        self.feature_extractor_default = False
        try:
            fe = transformers.AutoFeatureExtractor.from_pretrained(self.source, **common)
        except (OSError, ValueError) as e:
            if self.hub_id is not None and is_connection_error(e):
                raise self._loading_error("loading preprocessor_config.json", e) from None
            present = self._local_file("preprocessor_config.json")
            if present is not None:  # there but unreadable: defaults would silently change the features
                raise EncoderError(f"preprocessor_config.json cannot be read ({str(e).strip().splitlines()[0]})",
                                   where=str(present), fix="repair or re-download the file (it must be valid JSON "
                                                           "written by save_pretrained), or delete it to use the "
                                                           "defaults") from None
            fe = None  # no preprocessor_config.json: the class defaults, recorded in the fingerprint
        if fe is None:
            self.feature_extractor_default = True
            if self.model_type == "whisper":
                fe = transformers.WhisperFeatureExtractor(feature_size=self.config.num_mel_bins)
            else:
                fe = transformers.Wav2Vec2FeatureExtractor()
        expected = "WhisperFeatureExtractor" if self.model_type == "whisper" else None
        if expected and type(fe).__name__ != expected:
            raise EncoderError(f"preprocessor_config.json gives a {type(fe).__name__}, expected {expected}",
                               where=self._where, fix="use the feature extractor saved with the model")
        if self.model_type == "whisper" and int(fe.feature_size) != int(self.config.num_mel_bins):
            raise EncoderError(f"the feature extractor makes {fe.feature_size} mel bands but the model expects "
                               f"{self.config.num_mel_bins}", where=self._where,
                               fix="save the matching WhisperFeatureExtractor next to the model")
        self.feature_extractor = fe

    def _snapshot_dir(self) -> Path | None:
        if self.local_dir is not None:
            return self.local_dir
        if self.hub_id is None:  # a model object in memory: no files
            return None
        return cached_snapshot(self.hub_id, self.requested_revision)

    def _resolved_revision(self) -> str | None:
        if self.hub_id is None:
            return None
        snap = self._snapshot_dir()
        return snap.name if snap is not None else self.requested_revision

    # -- encoding ----------------------------------------------------------------------------------------------

    def expected_frames(self, num_samples: int) -> int:
        if self.model_type == "whisper":
            return max(1, math.ceil(num_samples / self.frame_samples))
        n = torch.tensor([max(int(num_samples), self.min_samples)])
        return int(self.model._get_feat_extract_output_lengths(n)[0])

    def _normalise(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Zero mean, unit variance over each item's valid samples (Wav2Vec2FeatureExtractor); padding stays 0."""
        valid = (torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]).to(x.dtype)
        n = lengths.to(x.dtype)[:, None]
        mean = (x * valid).sum(1, keepdim=True) / n
        var = (((x - mean) * valid) ** 2).sum(1, keepdim=True) / n
        return (x - mean) / torch.sqrt(var + 1e-7) * valid

    def _run(self, x: torch.Tensor, attention_mask: torch.Tensor | None = None) -> list[torch.Tensor]:
        kwargs = {"output_hidden_states": True}
        if attention_mask is not None:
            kwargs["attention_mask"] = attention_mask
        with warnings.catch_warnings():
            # WavLM's relative-position bias + key padding mask: a torch deprecation notice, not a problem here
            warnings.filterwarnings("ignore", message="Support for mismatched key_padding_mask")
            out = self.model(x, **kwargs)
        hidden = list(out.hidden_states)
        if hidden[-1].shape == out.last_hidden_state.shape:
            hidden[-1] = out.last_hidden_state
        return hidden

    def _encode(self, wavs: torch.Tensor, lengths: torch.Tensor) -> EncoderOutput:
        check_inputs(self, wavs, lengths)
        lengths = lengths.to(torch.int64).cpu()
        if self.model_type == "whisper":
            hidden, out_lengths = self._encode_whisper(wavs.float().cpu(), lengths)
        else:
            hidden, out_lengths = self._encode_waveform(wavs.float().to(self.device), lengths)
        num_t = hidden[0].shape[1]
        valid = torch.arange(num_t)[None, :, None] < out_lengths[:, None, None]
        hidden = [h.to("cpu", torch.float32).masked_fill(~valid, 0.0).contiguous() for h in hidden]
        return EncoderOutput(hidden_states=hidden, lengths=out_lengths)

    def _encode_waveform(self, x: torch.Tensor, lengths: torch.Tensor):
        if self.do_normalize:
            x = self._normalise(x, lengths.to(x.device))
        # inputs shorter than the receptive field (25 ms for wav2vec2) are zero-padded to give one frame
        if x.shape[1] < self.min_samples:
            x = torch.nn.functional.pad(x, (0, self.min_samples - x.shape[1]))
        eff = lengths.clamp(min=self.min_samples)
        out_lengths = self.model._get_feat_extract_output_lengths(eff).to(torch.int64).cpu()
        num_t = int(self.model._get_feat_extract_output_lengths(torch.tensor([x.shape[1]]))[0])
        if self.padding_mode == "mask":
            mask = (torch.arange(x.shape[1])[None, :] < eff[:, None]).to(torch.long).to(x.device)
            return self._run(x, mask), out_lengths
        hidden = [torch.zeros(x.shape[0], num_t, self.dim, device=x.device) for _ in range(self.num_layers)]
        for n in eff.unique().tolist():
            rows = torch.nonzero(eff == n).flatten()
            for layer, h in zip(hidden, self._run(x[rows.to(x.device), :n])):
                layer[rows.to(x.device), : h.shape[1]] = h
        return hidden, out_lengths

    def _whisper_30s(self, chunks: list) -> list[list[torch.Tensor]]:
        """Each chunk padded to the full window, as Whisper's feature extractor does, trimmed back after."""
        per_chunk = []
        for s in range(0, len(chunks), _WHISPER_CHUNKS_PER_FORWARD):
            group = chunks[s:s + _WHISPER_CHUNKS_PER_FORWARD]
            feats = self.feature_extractor(group, sampling_rate=self.sampling_rate, padding="max_length",
                                           max_length=self.chunk_samples, return_tensors="pt",
                                           device="cpu")["input_features"]
            hidden = self._run(feats.to(self.device, torch.float32))
            for j, c in enumerate(group):
                keep = math.ceil(len(c) / self.frame_samples)
                per_chunk.append([h[j, :keep].cpu() for h in hidden])
        return per_chunk

    def _whisper_fit(self, chunks: list) -> list[list[torch.Tensor]]:
        """Each chunk at its own length (padded to whole 20 ms frames), chunks of one length batched together."""
        import numpy as np

        fs = self.frame_samples
        padded = [np.pad(c, (0, -len(c) % fs)) if len(c) % fs else c for c in chunks]
        out: list = [None] * len(chunks)
        by_length: dict[int, list[int]] = {}
        for j, c in enumerate(padded):
            by_length.setdefault(len(c), []).append(j)
        for n, rows in by_length.items():
            for s in range(0, len(rows), _WHISPER_CHUNKS_PER_FORWARD):
                group = rows[s:s + _WHISPER_CHUNKS_PER_FORWARD]
                feats = self.feature_extractor([padded[j] for j in group], sampling_rate=self.sampling_rate,
                                               padding="max_length", max_length=n, return_tensors="pt",
                                               device="cpu")["input_features"]
                hidden = self._run_whisper_short(feats.to(self.device, torch.float32))
                for k, j in enumerate(group):
                    keep = math.ceil(len(chunks[j]) / fs)
                    out[j] = [h[k, :keep].cpu() for h in hidden]
        return out

    def _run_whisper_short(self, feats: torch.Tensor) -> list[torch.Tensor]:
        """WhisperEncoder.forward for inputs shorter than its window (transformers refuses them): the same
        convolutions, layers and final norm, with the first T positional embeddings."""
        enc = self.model
        x = torch.nn.functional.gelu(enc.conv1(feats))
        x = torch.nn.functional.gelu(enc.conv2(x)).permute(0, 2, 1)
        h = x + enc.embed_positions.weight[: x.shape[1]]
        hidden = [h]
        for layer in enc.layers:
            h = layer(h, None)
            h = h[0] if isinstance(h, tuple) else h
            hidden.append(h)
        hidden[-1] = enc.layer_norm(h)
        return hidden

    def _encode_whisper(self, x: torch.Tensor, lengths: torch.Tensor):
        chunks, owners = [], []
        for i, n in enumerate(lengths.tolist()):
            for start in range(0, n, self.chunk_samples):
                chunks.append(x[i, start:min(n, start + self.chunk_samples)].numpy())
                owners.append(i)
        per_chunk = self._whisper_fit(chunks) if self.window == "fit" else self._whisper_30s(chunks)
        num_t = math.ceil(x.shape[1] / self.frame_samples)
        out = [torch.zeros(x.shape[0], num_t, self.dim) for _ in range(self.num_layers)]
        out_lengths = torch.zeros(x.shape[0], dtype=torch.int64)
        for i, parts in zip(owners, per_chunk):
            start, keep = int(out_lengths[i]), parts[0].shape[0]
            for layer, h in zip(out, parts):
                layer[i, start:start + keep] = h
            out_lengths[i] = start + keep
        return out, out_lengths

    # -- identity ----------------------------------------------------------------------------------------------

    def fingerprint(self) -> str:
        """Hash of config.json, preprocessor_config.json, the weight files' sha256 and the resolved revision."""
        if self._fingerprint is None:
            from hf_bench.utils.io import stable_hash

            folder = self._snapshot_dir()
            files: dict[str, str] = {}
            if folder is not None:
                for name in ("config.json", "preprocessor_config.json"):
                    if (folder / name).is_file():
                        files[name] = sha256_cached(folder / name)
                for path in weight_files(folder):
                    files[path.name] = sha256_cached(path)
            if not any(n not in ("config.json", "preprocessor_config.json") for n in files):
                # weights not found as files (unusual layout): hash the loaded tensors instead
                h = hashlib.sha256()
                for key, t in sorted(self.model.state_dict().items()):
                    t = t.detach().to("cpu").contiguous()
                    h.update(f"{key}|{t.dtype}|{tuple(t.shape)}\0".encode())
                    h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
                files["state_dict"] = h.hexdigest()
            self._fingerprint = "hf-" + stable_hash({
                "impl": IMPLEMENTATION_VERSION, "model_type": self.model_type, "files": files,
                "config": None if "config.json" in files else self.config.to_dict(),
                "feature_extractor_default": self.feature_extractor_default, "revision": self.revision,
                "padding_mode": self.padding_mode,
                **({"window": self.window} if self.window == "fit" else {}),  # the faithful fingerprint is unchanged
            })
        return self._fingerprint
