"""X-ARES-style wrappers for self-supervised speech models in transformers: wav2vec2, HuBERT and WavLM.

    hf-bench check-encoder examples/ssl_encoder.py:Wav2vec2Encoder
    WAVLM_MODEL=/path/to/local/wavlm hf-bench check-encoder examples/ssl_encoder.py:WavLMEncoder
    hf-bench run --encoder examples/ssl_encoder.py:HubertEncoder --suite embedded

The model comes from the constructor argument ``model_name``, else from the class's environment variable
(``WAV2VEC2_MODEL``, ``HUBERT_MODEL``, ``WAVLM_MODEL``), else its default Hub id (that needs the model in the
local Hugging Face cache: hf_bench runs offline). A folder or Hub id must hold the model's ``config.json``, weights
and ``preprocessor_config.json``. ``trust_remote_code`` is never used.

As in X-ARES's examples: the last hidden state, one frame every 20 ms; inputs longer than 10 s are encoded in 10 s
chunks (a trailing chunk shorter than 1 s is zero-padded to 1 s) and the frames concatenated.
"""

import math
import os

import torch
from transformers import AutoFeatureExtractor, AutoModel


class _SSLEncoder(torch.nn.Module):
    default_model = ""
    env_var = ""

    def __init__(self, model_name: str | None = None):
        super().__init__()
        self.model_name = model_name or os.environ.get(self.env_var) or self.default_model
        self.feature_extractor = AutoFeatureExtractor.from_pretrained(self.model_name)
        self.model = AutoModel.from_pretrained(self.model_name).eval()
        config = self.model.config
        self.sampling_rate = int(self.feature_extractor.sampling_rate)
        self.output_dim = int(config.hidden_size)
        # the conv feature encoder's total stride: 320 samples = 20 ms at 16 kHz
        self.hop_size_in_ms = 1000 * math.prod(config.conv_stride) / self.sampling_rate
        self.max_length = int(10 * self.sampling_rate)

    def _encode(self, audio: torch.Tensor) -> torch.Tensor:
        # the feature extractor normalises each row (if its config says so), as the model was trained
        inputs = self.feature_extractor(list(audio.cpu().numpy()), sampling_rate=self.sampling_rate,
                                        return_tensors="pt")
        input_values = inputs.input_values.to(self.model.device)
        return self.model(input_values).last_hidden_state

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        assert isinstance(audio, torch.Tensor)
        if audio.ndim == 1:
            audio = audio.unsqueeze(0)
        self.model.eval()
        with torch.inference_mode():
            if audio.shape[-1] <= self.max_length:
                return self._encode(audio)
            output = []
            for chunk in audio.split(self.max_length, dim=-1):
                if chunk.shape[-1] < self.sampling_rate:
                    chunk = torch.nn.functional.pad(chunk, (0, self.sampling_rate - chunk.shape[-1]))
                output.append(self._encode(chunk))
            return torch.cat(output, dim=1)


class Wav2vec2Encoder(_SSLEncoder):
    default_model = "facebook/wav2vec2-base"
    env_var = "WAV2VEC2_MODEL"


class HubertEncoder(_SSLEncoder):
    default_model = "facebook/hubert-base-ls960"
    env_var = "HUBERT_MODEL"


class WavLMEncoder(_SSLEncoder):
    default_model = "microsoft/wavlm-base-plus"
    env_var = "WAVLM_MODEL"


if __name__ == "__main__":
    import sys

    from hf_bench.encoders.check import check_encoder

    name = sys.argv[1] if len(sys.argv) > 1 else "Wav2vec2Encoder"
    report = check_encoder(globals()[name]())
    print(report.render())
    raise SystemExit(0 if report.ok else 1)
