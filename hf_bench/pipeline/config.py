"""What a run is asked to do: ``RunConfig``, the evaluation ``Protocol`` (hf_bench's or X-ARES's) and layer variants.

A protocol is every switch on which hf_bench and xares 0.1.3 disagree, each one a documented setting
(README, "Differences from X-ARES"). ``--compat xares`` selects X-ARES's value of all of them; ``--protocol
KEY=VALUE`` changes one. Results record the protocol, live in their own folder, and the leaderboard keeps each
protocol in its own columns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from hf_bench.errors import HFBenchError


@dataclass(frozen=True)
class Protocol:
    """How a run differs from xares 0.1.3, one switch per behaviour (the X-ARES value in brackets).

    - ``padding``: "masked": clips of similar length are batched and padded frames are never stored or pooled
      ["xares": batches of the task's ``batch_size_encode`` clips (16, or 1) in data order, zero-padded to the
      longest, every output frame kept and mean-pooled];
    - ``resampler``: "soxr" (HQ) ["torchaudio": torchaudio's windowed-sinc ``resample``, ported];
    - ``knn_normalization``: "per_sample" cosine similarity ["per_dimension": each embedding dimension of the
      training matrix L2-normalised];
    - ``select_on_test``: False: the best epoch is chosen on a validation split, a seeded 10 % of the training
      data where the task has none [True: on the test fold / the test split where valid = test];
    - ``crops``: "all": every sequential crop is encoded and a clip is the frame-weighted mean of its crops
      ["xares": of the crops of one clip in one encoder batch only the first survives (duplicate WebDataset
      keys), each survivor an item of its own, and a clip shorter than one crop is zero-padded to it];
    - ``label_raster``: "center": a frame carries an event when its centre lies inside it ["xares":
      frames ceil(onset / hop) .. ceil(offset / hop) - 1];
    - ``asr_select``: "loss": the ASR probe keeps the epoch with the lowest validation loss ("wer": the best
      generated validation WER) ["xares": the best WER of a teacher-forced argmax, truncated to the reference's
      length in characters];
    - ``asr_adapter``: "stacked": the ASR adapter layer-normalises each frame and stacks frames into one LM
      position per ``stack_ms`` of the task (40 ms) ["xares": X-ARES's adapter on every raw frame];
    - ``asr_text``: "normalized": the LM learns the normalised transcript (what is scored) ["raw": the transcript
      as found in the data, e.g. upper-case LibriSpeech];
    - ``asr_layout``: "packed": each row is [audio; separator; text], positions from 0 ["xares": every row's audio
      padded to the batch's longest, then the text];
    - ``asr_max_tokens``: "auto": generation stops at twice the longest training transcript in tokens, plus 10
      (at most 200) ["200"];
    - ``text_tower``: "frozen": retrieval captions go through a frozen sentence encoder (all-MiniLM-L6-v2, or
      ``--text-encoder``) and a trained projection ["xares": a trained embedding table over the bert-base-uncased
      vocabulary, an MLP and a masked mean];
    - ``contrastive``: "masked": InfoNCE on L2-normalised embeddings, captions of the same clip are not negatives
      ["xares": raw dot products, every other pair of the batch a negative, plus X-ARES's mean|x| / ||x||
      regulariser].
    """
    padding: str = "masked"
    resampler: str = "soxr"
    knn_normalization: str = "per_sample"
    select_on_test: bool = False
    crops: str = "all"
    label_raster: str = "center"
    asr_select: str = "loss"
    asr_adapter: str = "stacked"
    asr_text: str = "normalized"
    asr_layout: str = "packed"
    asr_max_tokens: str = "auto"
    text_tower: str = "frozen"
    contrastive: str = "masked"

    CHOICES = {"padding": ("masked", "xares"), "resampler": ("soxr", "torchaudio"),
               "knn_normalization": ("per_sample", "per_dimension"), "select_on_test": (False, True),
               "crops": ("all", "xares"), "label_raster": ("center", "xares"),
               "asr_select": ("loss", "wer", "xares"), "asr_adapter": ("stacked", "xares"),
               "asr_text": ("normalized", "raw"), "asr_layout": ("packed", "xares"),
               "asr_max_tokens": ("auto", "200"), "text_tower": ("frozen", "xares"),
               "contrastive": ("masked", "xares")}

    @property
    def name(self) -> str:
        for name, proto in PROTOCOLS.items():
            if proto == self:
                return name
        from hf_bench.utils.io import stable_hash

        return "custom-" + stable_hash(asdict(self), length=6)

    def to_dict(self) -> dict:
        return asdict(self)

    def with_settings(self, settings: list[str]) -> "Protocol":
        """Apply ``KEY=VALUE`` overrides (``--protocol``), each checked against its choices."""
        out = self
        names = [f.name for f in fields(self)]
        for item in settings:
            key, eq, raw = item.partition("=")
            key = key.strip().replace("-", "_")
            if not eq or key not in names:
                raise HFBenchError(f"bad protocol setting {item!r}", where="--protocol",
                                   fix="write KEY=VALUE with KEY one of: " + ", ".join(names))
            choices = self.CHOICES[key]
            value: Any = raw.strip()
            if isinstance(choices[0], bool):
                value = {"true": True, "false": False, "1": True, "0": False}.get(value.lower(), value)
            if value not in choices:
                raise HFBenchError(f"{key}={raw!r} is not a choice", where="--protocol",
                                   fix=f"use {key}=" + " or ".join(str(c).lower() for c in choices))
            out = replace(out, **{key: value})
        return out


PROTOCOLS = {"default": Protocol(),
             "xares": Protocol(padding="xares", resampler="torchaudio", knn_normalization="per_dimension",
                               select_on_test=True, crops="xares", label_raster="xares", asr_select="xares",
                               asr_adapter="xares", asr_text="raw", asr_layout="xares", asr_max_tokens="200",
                               text_tower="xares", contrastive="xares")}


@dataclass
class RunConfig:
    encoder: str
    layer: str = "last"
    probes: tuple[str, ...] | None = None        # None: every registered probe that serves each task
    output_dir: Path = Path("results")
    cache_dir: Path | None = None
    data_dir: Path | None = None
    seed: int = 42
    bootstrap: int = 1000
    rerun: bool = False
    progress: bool = True
    device: str = "cpu"
    trust_remote_code: bool = False
    max_batch_items: int = 16
    max_batch_seconds: float = 160.0
    threads: int | None = None         # decode + encode threads in total (None: HF_BENCH_THREADS, else free cores)
    suite: str | None = None  # the suite(s) the scorecard covers, when the selection is exactly suites
    protocol: Protocol = field(default_factory=Protocol)
    frame_dtype: str = "float32"
    max_cache_gb: float = 50.0
    max_frames: int = 65536
    decoder: str | None = None         # asr probes: the frozen causal LM (None: each task's own)
    text_encoder: str | None = None    # retrieval probes: the frozen text encoder (None: each task's own)
    lora_model: str | None = None      # lora probe: a Whisper / Qwen2-Audio model (None: the speech LLM)
    skip_missing: bool = False         # score the tasks whose data is here; list the others in the scorecard
    scorecard_panels: tuple[str, ...] = ("normalized",)  # the figure's panels, top to bottom: raw / normalized

    def resolved(self) -> "RunConfig":
        from hf_bench.features.store import default_cache_dir

        cache = Path(self.cache_dir) if self.cache_dir else default_cache_dir()
        return replace(self, output_dir=Path(self.output_dir), cache_dir=cache,
                       data_dir=Path(self.data_dir) if self.data_dir else cache / "data")

    def to_dict(self) -> dict:
        out = {}
        for k, v in asdict(self).items():
            out[k] = str(v) if isinstance(v, Path) else (list(v) if isinstance(v, tuple) else v)
        out["protocol"] = {"name": self.protocol.name, **self.protocol.to_dict()}
        return out


@dataclass
class Variant:
    """One way of reading the encoder's layers; each variant gets its own results and scorecard."""
    layer: str          # last | weighted | mean | <index>

    @property
    def suffix(self) -> str:
        return "" if self.layer == "last" else ("@weighted" if self.layer == "weighted" else f"@layer{self.layer}")


def variants_for(layer: str, num_layers: int) -> list[Variant]:
    from hf_bench.features.featurizer import layer_index

    # one layer, one result: -1, N-1 and "last" are the same variant (one folder, one probe run, one board row)
    if layer == "all":
        return [Variant(str(i)) for i in range(num_layers - 1)] + [Variant("last")]
    index = layer_index(layer, num_layers)  # a clear error for an unknown or missing layer
    if layer.lstrip("-").isdigit():
        return [Variant("last" if index == num_layers - 1 else str(index))]
    return [Variant(layer)]


def result_folder(encoder_name: str, variant: Variant, protocol: Protocol) -> str:
    from hf_bench.utils.io import slugify

    mode = "" if protocol.name == "default" else f"+{protocol.name}"
    return f"{slugify(encoder_name)}{variant.suffix}{mode}"


__all__ = ["RunConfig", "Protocol", "PROTOCOLS", "Variant", "variants_for", "result_folder"]
