"""Helpers for the encoder tests: tiny random transformers models saved to disk, synthetic audio."""

from __future__ import annotations

import torch

TINY = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
            conv_dim=(16, 16, 16), conv_stride=(5, 4, 16), conv_kernel=(10, 8, 16),
            num_conv_pos_embedding_groups=2, vocab_size=12)

# name -> (config class, model class, extra config, expected padding mode)
WAVEFORM_MODELS = {
    "wav2vec2-group": ("Wav2Vec2Config", "Wav2Vec2Model",
                       dict(feat_extract_norm="group", num_conv_pos_embeddings=16), "per-length"),
    "wav2vec2-layer": ("Wav2Vec2Config", "Wav2Vec2Model",
                       dict(feat_extract_norm="layer", do_stable_layer_norm=True, num_conv_pos_embeddings=16), "mask"),
    "hubert": ("HubertConfig", "HubertModel",
               dict(feat_extract_norm="group", num_conv_pos_embeddings=16), "per-length"),
    "wavlm": ("WavLMConfig", "WavLMModel",
              dict(feat_extract_norm="layer", num_conv_pos_embeddings=16, num_buckets=16, max_bucket_distance=100),
              "mask"),
    "data2vec-audio": ("Data2VecAudioConfig", "Data2VecAudioModel",
                       dict(num_conv_pos_embeddings=2, conv_pos_kernel_size=5), "per-length"),
    "wav2vec2-conformer": ("Wav2Vec2ConformerConfig", "Wav2Vec2ConformerModel",
                           dict(feat_extract_norm="layer", num_conv_pos_embeddings=16, conv_depthwise_kernel_size=7),
                           "per-length"),
}

WHISPER = dict(d_model=32, encoder_layers=2, encoder_attention_heads=2, decoder_layers=1, decoder_attention_heads=2,
               encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=80, max_source_positions=50,
               max_target_positions=16, vocab_size=64, pad_token_id=1, bos_token_id=2, eos_token_id=3,
               decoder_start_token_id=4, begin_suppress_tokens=None, suppress_tokens=None)


def build_waveform_model(name: str, folder, *, do_normalize: bool = True, seed: int = 0, head: bool = False):
    import transformers

    cfg_cls, model_cls, extra, _ = WAVEFORM_MODELS[name]
    torch.manual_seed(seed)
    config = getattr(transformers, cfg_cls)(**TINY, **extra)
    model = getattr(transformers, model_cls)(config)
    if head:  # saved as a CTC model, as fine-tuned checkpoints are
        model = transformers.Wav2Vec2ForCTC(config)
    model.save_pretrained(folder)
    transformers.Wav2Vec2FeatureExtractor(do_normalize=do_normalize).save_pretrained(folder)
    return folder


def build_whisper(folder, *, seed: int = 0):
    """A Whisper whose window is 1 s (50 positions x 2 x 160 samples) instead of 30 s, to keep tests fast."""
    import transformers

    torch.manual_seed(seed)
    transformers.WhisperForConditionalGeneration(transformers.WhisperConfig(**WHISPER)).save_pretrained(folder)
    transformers.WhisperFeatureExtractor(feature_size=80, chunk_length=1).save_pretrained(folder)
    return folder


def noise(seconds: float, sr: int = 16000, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return 0.1 * torch.randn(int(round(seconds * sr)), generator=gen)


def batch(*clips: torch.Tensor):
    lengths = torch.tensor([c.shape[0] for c in clips], dtype=torch.int64)
    wavs = torch.zeros(len(clips), int(lengths.max()))
    for i, c in enumerate(clips):
        wavs[i, : c.shape[0]] = c
    return wavs, lengths
