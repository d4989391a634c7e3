"""A self-contained, X-ARES-style dasheng encoder (Dasheng, Interspeech 2024; X-ARES's reference encoder).

The ``dasheng`` pip package needs torchaudio, which hf_bench's environment leaves out (``pip install dasheng``
pulls PyPI's CUDA-only torchaudio, which does not load beside CPU torch), and it loads ``.pt`` pickles. This file
needs only torch and safetensors: the same network (64-band log-mel front end, per-band batch norm, 64x4 patches,
i.e. one token every 40 ms, a ViT over at most 1008 mel frames), with the dasheng package's parameter names, so
its checkpoints convert one to one:

    python examples/dasheng_encoder.py convert dasheng_base.pt models/dasheng_base   # config.json + model.safetensors
    DASHENG_MODEL=models/dasheng_base hf-bench check-encoder examples/dasheng_encoder.py:DashengEncoder

The model folder comes from the constructor argument ``model_path``, else ``$DASHENG_MODEL``. As in X-ARES's
example, inputs longer than 10 s are encoded in 10 s chunks (a trailing chunk shorter than 1 s is zero-padded to
1 s). One difference from the dasheng package: its ``AmplitudeToDB(top_db=120)`` clamps against the loudest bin of
the whole batch; here each clip is clamped against its own loudest bin, so a clip's features do not depend on the
other clips of its batch (identical for a batch of one).
"""

import json
import math
import os
import sys
from pathlib import Path

import torch
from torch import nn

DEFAULT_CONFIG = dict(embed_dim=768, depth=12, num_heads=12, mlp_ratio=4.0, qkv_bias=True, init_values=None,
                      patch_size=(64, 4), patch_stride=(64, 4), target_length=1008, n_fft=512, win_size=512,
                      hop_size=160, n_mels=64, f_min=0.0, f_max=8000.0, top_db=120.0, sampling_rate=16000)


def _mel_filters(n_freqs: int, n_mels: int, f_min: float, f_max: float, sr: int) -> torch.Tensor:
    """HTK-scale triangular filters without normalisation, as torchaudio's ``melscale_fbanks``: [n_freqs, n_mels]."""
    freqs = torch.linspace(0, sr // 2, n_freqs, dtype=torch.float64)
    mel = torch.linspace(2595.0 * math.log10(1.0 + f_min / 700.0), 2595.0 * math.log10(1.0 + f_max / 700.0),
                         n_mels + 2, dtype=torch.float64)
    hz = 700.0 * (10.0 ** (mel / 2595.0) - 1.0)
    slopes = hz[None, :] - freqs[:, None]
    widths = hz[1:] - hz[:-1]
    down = -slopes[:, :-2] / widths[:-1]
    up = slopes[:, 2:] / widths[1:]
    return torch.clamp(torch.minimum(down, up), min=0.0).float()


class LogMel(nn.Module):
    """MelSpectrogram(power=2, center=True, reflect padding, periodic Hann) + AmplitudeToDB(top_db) per clip."""

    def __init__(self, n_fft, win_size, hop_size, n_mels, f_min, f_max, top_db, sampling_rate, **_):
        super().__init__()
        self.n_fft, self.win_size, self.hop_size, self.top_db = n_fft, win_size, hop_size, top_db
        self.register_buffer("window", torch.hann_window(win_size), persistent=False)
        self.register_buffer("fb", _mel_filters(n_fft // 2 + 1, n_mels, f_min, f_max, sampling_rate),
                             persistent=False)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:  # [B, N] -> [B, n_mels, T]
        spec = torch.stft(audio.float(), self.n_fft, self.hop_size, self.win_size, self.window, center=True,
                          pad_mode="reflect", return_complex=True).abs().pow(2)
        db = 10.0 * torch.log10(torch.clamp(torch.einsum("bft,fm->bmt", spec, self.fb), min=1e-10))
        return torch.maximum(db, db.amax(dim=(1, 2), keepdim=True) - self.top_db)


class _Transpose(nn.Module):  # stands where the dasheng package has einops' Rearrange (no parameters)
    def forward(self, x):
        return x.transpose(1, 2)


class LayerScale(nn.Module):
    def __init__(self, dim, init_values):
        super().__init__()
        self.gamma = nn.Parameter(init_values * torch.ones(dim))

    def forward(self, x):
        return x * self.gamma


class Attention(nn.Module):
    def __init__(self, dim, num_heads, qkv_bias):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.num_heads, c // self.num_heads).permute(2, 0, 3, 1, 4)
        x = nn.functional.scaled_dot_product_attention(q, k, v)
        return self.proj(x.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio, qkv_bias, init_values):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, qkv_bias)
        self.ls1 = LayerScale(dim, init_values) if init_values else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.ls2 = LayerScale(dim, init_values) if init_values else nn.Identity()

    def forward(self, x):
        x = x + self.ls1(self.attn(self.norm1(x)))
        return x + self.ls2(self.mlp(self.norm2(x)))


class PatchEmbed(nn.Module):
    def __init__(self, embed_dim, patch_size, patch_stride):
        super().__init__()
        self.proj = nn.Conv2d(1, embed_dim, kernel_size=tuple(patch_size), stride=tuple(patch_stride))

    def forward(self, x):
        return self.proj(x)


class DashengModel(nn.Module):
    """The dasheng encoder network; ``state_dict()`` keys match the dasheng package's ``Dasheng``."""

    def __init__(self, **config):
        super().__init__()
        self.config = {**DEFAULT_CONFIG, **config}
        c = self.config
        self.front_end = LogMel(**c)
        self.init_bn = nn.Sequential(_Transpose(), nn.BatchNorm2d(c["n_mels"], momentum=0.01), _Transpose())
        self.patch_embed = PatchEmbed(c["embed_dim"], c["patch_size"], c["patch_stride"])
        grid_f = c["n_mels"] // c["patch_stride"][0]
        self.chunk_patches = c["target_length"] // c["patch_stride"][1]  # 252 patches = 1008 frames
        self.time_pos_embed = nn.Parameter(torch.randn(1, c["embed_dim"], 1, self.chunk_patches) * 0.02)
        self.freq_pos_embed = nn.Parameter(torch.randn(1, c["embed_dim"], grid_f, 1) * 0.02)
        self.blocks = nn.Sequential(*[Block(c["embed_dim"], c["num_heads"], c["mlp_ratio"], c["qkv_bias"],
                                            c["init_values"]) for _ in range(c["depth"])])
        self.norm = nn.LayerNorm(c["embed_dim"], eps=1e-6)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:  # [B, N] -> [B, T // 4, D]
        x = self.init_bn(self.front_end(audio).unsqueeze(1))  # [B, 1, n_mels, T]
        x = self.patch_embed(x)                                 # [B, D, F', T']
        outputs = []
        for part in x.split(self.chunk_patches, dim=-1):        # the ViT sees at most 1008 frames at once
            part = part + self.time_pos_embed[..., : part.shape[-1]] + self.freq_pos_embed
            part = part.flatten(2).transpose(1, 2)              # [B, F' * T', D], frequency-major as dasheng
            outputs.append(self.norm(self.blocks(part)))
        return torch.cat(outputs, dim=1)

    def save_pretrained(self, folder) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(self.config, indent=2) + "\n")
        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, str(folder / "model.safetensors"))

    @classmethod
    def from_pretrained(cls, folder) -> "DashengModel":
        from safetensors.torch import load_file

        folder = Path(folder)
        model = cls(**json.loads((folder / "config.json").read_text()))
        model.load_state_dict(load_file(str(folder / "model.safetensors")), strict=True)
        return model.eval()


class DashengEncoder(nn.Module):
    def __init__(self, model_path: str | None = None):
        super().__init__()
        model_path = model_path or os.environ.get("DASHENG_MODEL")
        if not model_path:
            raise ValueError("no dasheng model: set DASHENG_MODEL to a folder with config.json and model.safetensors "
                             "(python examples/dasheng_encoder.py convert dasheng_base.pt <folder> makes one)")
        self.model = DashengModel.from_pretrained(model_path)
        self.sampling_rate = int(self.model.config["sampling_rate"])
        self.output_dim = int(self.model.config["embed_dim"])
        self.hop_size_in_ms = 1000 * self.model.config["hop_size"] * self.model.config["patch_stride"][1] \
            / self.sampling_rate  # 40 ms
        self.max_length = int(10 * self.sampling_rate)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        assert isinstance(audio, torch.Tensor)
        if audio.ndim == 1:
            audio = audio.unsqueeze(0)
        self.model.eval()
        with torch.inference_mode():
            if audio.shape[-1] <= self.max_length:
                return self.model(audio)
            output = []
            for chunk in audio.split(self.max_length, dim=-1):
                if chunk.shape[-1] < self.sampling_rate:
                    chunk = torch.nn.functional.pad(chunk, (0, self.sampling_rate - chunk.shape[-1]))
                output.append(self.model(chunk))
            return torch.cat(output, dim=1)


def convert(checkpoint: str, folder: str) -> None:
    """A dasheng package checkpoint (``{"model": state_dict, "config": {...}}``, e.g. dasheng_base.pt from
    Zenodo record 11511780) -> ``folder/config.json`` + ``folder/model.safetensors``. Read with weights_only=True."""
    dump = torch.load(checkpoint, map_location="cpu", weights_only=True)
    config = {k: v for k, v in dump.get("config", {}).items() if k in DEFAULT_CONFIG}
    state = {k: v for k, v in dump["model"].items() if not k.startswith("front_end.")}  # window, mel filters
    if "embed_dim" not in config:  # the package's dasheng_base/06B/12B pass these as arguments
        config["embed_dim"] = int(state["norm.weight"].shape[0])
        config["depth"] = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("blocks."))
        config["num_heads"] = {768: 12, 1280: 16, 1536: 24}[config["embed_dim"]]
    config["target_length"] = int(state["time_pos_embed"].shape[-1]) * DEFAULT_CONFIG["patch_stride"][1]
    model = DashengModel(**config)
    model.load_state_dict(state, strict=True)
    model.save_pretrained(folder)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "convert":
        convert(sys.argv[2], sys.argv[3])
        print(f"wrote {sys.argv[3]}/config.json and model.safetensors")
    else:
        from hf_bench.encoders.check import check_encoder

        report = check_encoder(DashengEncoder(sys.argv[1] if len(sys.argv) > 1 else None))
        print(report.render())
        raise SystemExit(0 if report.ok else 1)
