"""A plain X-ARES-style log-mel encoder built on ``torchaudio.transforms.MelSpectrogram``.

It needs torchaudio, which hf_bench's environment leaves out (PyPI has only CUDA builds of it). Install its
pure-Python parts first:

    bash setup.sh torchaudio
    hf-bench check-encoder examples/torchaudio_mel_encoder.py:TorchaudioMelEncoder

No weights: 64 mel bands (HTK scale, 0-8 kHz), 25 ms Hann window, one frame every 10 ms, log(power + 1e-6).
"""

import torch
import torchaudio


class TorchaudioMelEncoder(torch.nn.Module):
    def __init__(self, n_mels: int = 64):
        super().__init__()
        self.sampling_rate = 16000
        self.output_dim = n_mels
        self.hop_size_in_ms = 10
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=self.sampling_rate, n_fft=400, win_length=400, hop_length=160, f_min=0.0, f_max=8000.0,
            n_mels=n_mels, power=2.0, center=True, pad_mode="reflect", norm=None, mel_scale="htk")

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        assert isinstance(audio, torch.Tensor)
        if audio.ndim == 1:
            audio = audio.unsqueeze(0)
        with torch.inference_mode():
            mel = self.mel(audio.float())          # [B, n_mels, T]
            return torch.log(mel + 1e-6).transpose(1, 2)  # [B, T, n_mels]


if __name__ == "__main__":
    from hf_bench.encoders.check import check_encoder

    report = check_encoder(TorchaudioMelEncoder())
    print(report.render())
    raise SystemExit(0 if report.ok else 1)
