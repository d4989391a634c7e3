"""An X-ARES-style wrapper for the encoder of a Whisper model (transformers), without its decoder.

    hf-bench check-encoder examples/whisper_encoder.py:WhisperEncoder
    WHISPER_MODEL=/path/to/local/whisper-base hf-bench run --encoder examples/whisper_encoder.py:WhisperEncoder

The model comes from the constructor argument ``model_name``, else ``$WHISPER_MODEL``, else
``openai/whisper-base`` (from the local Hugging Face cache: hf_bench runs offline). ``trust_remote_code`` is never
used; only the encoder's weights are kept.

Whisper's encoder only accepts its full window (30 s: 3000 log-mel frames of 10 ms, 1500 output frames of 20 ms).
As in X-ARES's example, the feature extractor pads every window to 30 s. Three differences from it: longer inputs
are cut into whole 30 s windows (X-ARES cuts 10 s pieces and pads each to 30 s); ``hop_size_in_ms`` is 20, the
encoder's frame rate (X-ARES declares the 10 ms mel hop); and the frames that cover only the padding are cut off,
so a 5 s clip gives 250 frames rather than 1500 (X-ARES keeps them, which skews mean pooling and frame labels).
"""

import math
import os

import torch
from transformers import WhisperFeatureExtractor, WhisperModel


class WhisperEncoder(torch.nn.Module):
    def __init__(self, model_name: str | None = None):
        super().__init__()
        self.model_name = model_name or os.environ.get("WHISPER_MODEL") or "openai/whisper-base"
        self.feature_extractor = WhisperFeatureExtractor.from_pretrained(self.model_name)
        self.model = WhisperModel.from_pretrained(self.model_name).get_encoder().eval()
        fe = self.feature_extractor
        self.sampling_rate = int(fe.sampling_rate)
        self.output_dim = int(self.model.config.d_model)
        self.samples_per_frame = 2 * fe.hop_length  # conv2 has stride 2 over the 10 ms mel frames
        self.hop_size_in_ms = 1000 * self.samples_per_frame / self.sampling_rate
        # the encoder's window: max_source_positions frames (1500 -> 30 s); the feature extractor pads to it
        self.max_length = int(self.model.config.max_source_positions * self.samples_per_frame)
        if fe.n_samples != self.max_length:
            raise ValueError(f"{self.model_name}: the feature extractor pads to {fe.n_samples} samples but the "
                             f"encoder's window is {self.max_length} samples")

    def _encode(self, audio: torch.Tensor) -> torch.Tensor:
        features = self.feature_extractor(list(audio.cpu().numpy()), sampling_rate=self.sampling_rate,
                                          return_tensors="pt")
        hidden = self.model(features.input_features.to(self.model.device)).last_hidden_state
        frames = min(hidden.shape[1], math.ceil(audio.shape[-1] / self.samples_per_frame))
        return hidden[:, :frames]  # drop the frames that cover only the padding to 30 s

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        assert isinstance(audio, torch.Tensor)
        if audio.ndim == 1:
            audio = audio.unsqueeze(0)
        self.model.eval()
        with torch.inference_mode():
            output = []
            for chunk in audio.split(self.max_length, dim=-1):
                output.append(self._encode(chunk))
            return torch.cat(output, dim=1)


if __name__ == "__main__":
    from hf_bench.encoders.check import check_encoder

    report = check_encoder(WhisperEncoder())
    print(report.render())
    raise SystemExit(0 if report.ok else 1)
