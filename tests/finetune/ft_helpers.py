"""Tiny Whisper, Qwen2-Audio and causal-LM models built from configs (no download), with a character tokenizer
over the Wu prompts and the given texts, for the fine-tuning tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hf_bench.wu.prompts import LABELS, PROMPTS

QWEN_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
AUDIO_SPECIALS = ("<|audio_bos|>", "<|AUDIO|>", "<|audio_eos|>")


def char_tokenizer(texts, specials=("<pad>", "<s>", "</s>", "<unk>"), *, chat_template: str | None = None, **named):
    """A character-level fast tokenizer: every character of ``texts`` (and the prompts) is one token."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = set("".join(texts) + "".join(PROMPTS.values()) + "".join("".join(v) for v in LABELS.values()))
    chars |= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789 \n")
    vocab = {t: i for i, t in enumerate(list(specials) + sorted(chars))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>" if "<unk>" in vocab else specials[0]))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("[\\s\\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, **named)
    fast.add_special_tokens({"additional_special_tokens": [s for s in specials if s not in named.values()]})
    if chat_template:
        fast.chat_template = chat_template
    return fast


def save_tokenizer(tok, folder: Path) -> None:
    """Save ``tok`` so that AutoTokenizer reloads it as it is (not as the model type's own tokenizer class)."""
    import json

    tok.save_pretrained(folder)
    path = Path(folder) / "tokenizer_config.json"
    cfg = json.loads(path.read_text())
    cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    path.write_text(json.dumps(cfg))


def tiny_whisper(folder: Path, texts, *, seed: int = 0) -> Path:
    import torch
    import transformers

    folder = Path(folder)
    tok = char_tokenizer(texts, ("<pad>", "<|startoftranscript|>", "<|endoftext|>", "<unk>"), pad_token="<pad>",
                         bos_token="<|startoftranscript|>", eos_token="<|endoftext|>", unk_token="<unk>")
    cfg = transformers.WhisperConfig(vocab_size=len(tok), num_mel_bins=80, encoder_layers=1, decoder_layers=1,
                                     encoder_attention_heads=2, decoder_attention_heads=2, d_model=32,
                                     encoder_ffn_dim=64, decoder_ffn_dim=64, max_source_positions=50,
                                     max_target_positions=64, pad_token_id=0, bos_token_id=1, eos_token_id=2,
                                     decoder_start_token_id=1, begin_suppress_tokens=None, suppress_tokens=None,
                                     init_std=0.5)
    torch.manual_seed(seed)
    transformers.WhisperForConditionalGeneration(cfg).save_pretrained(folder)
    transformers.WhisperFeatureExtractor(feature_size=80, chunk_length=1).save_pretrained(folder)
    save_tokenizer(tok, folder)
    return folder


def tiny_qwen2_audio(folder: Path, texts, *, seed: int = 0) -> Path:
    import torch
    import transformers

    folder = Path(folder)
    specials = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<unk>") + AUDIO_SPECIALS
    tok = char_tokenizer(texts, specials, chat_template=QWEN_TEMPLATE, pad_token="<|endoftext|>",
                         eos_token="<|im_end|>", unk_token="<unk>")
    audio_id = tok.convert_tokens_to_ids("<|AUDIO|>")
    cfg = transformers.Qwen2AudioConfig(
        audio_config=dict(d_model=32, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=64,
                          num_mel_bins=80, max_source_positions=50),
        text_config=dict(model_type="qwen2", vocab_size=len(tok), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                         max_position_embeddings=512, eos_token_id=tok.eos_token_id,
                         pad_token_id=tok.pad_token_id, initializer_range=0.5),
        audio_token_index=audio_id, initializer_range=0.5)
    torch.manual_seed(seed)
    model = transformers.Qwen2AudioForConditionalGeneration(cfg)
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(folder)
    fe = transformers.WhisperFeatureExtractor(feature_size=80, chunk_length=1)
    transformers.Qwen2AudioProcessor(feature_extractor=fe, tokenizer=tok, chat_template=QWEN_TEMPLATE
                                     ).save_pretrained(folder)
    save_tokenizer(tok, folder)
    return folder


def tiny_lm(folder: Path, texts, *, seed: int = 0, chat: bool = True, init: float = 0.2) -> Path:
    """A tiny Llama with a character tokenizer (and by default a Qwen-style chat template). ``init`` 0.2: larger
    initial weights saturate its attention, and the answer then never looks at the audio positions."""
    import torch
    import transformers

    folder = Path(folder)
    specials = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<unk>")
    tok = char_tokenizer(texts, specials, chat_template=QWEN_TEMPLATE if chat else None,
                         pad_token="<|endoftext|>", eos_token="<|im_end|>", unk_token="<unk>")
    # Llama, not Qwen2: AutoTokenizer would rebuild a Qwen2 model's tokenizer with Qwen's byte-level pre-tokenizer
    cfg = transformers.LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                   num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
                                   bos_token_id=None, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                                   initializer_range=init)
    torch.manual_seed(seed)
    transformers.LlamaForCausalLM(cfg).save_pretrained(folder)
    save_tokenizer(tok, folder)
    return folder


def tone(freq: float, seconds: float = 0.6, sr: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def wu_bench(data_root: Path, sizes=(("train", 8), ("dev", 4), ("test", 4))) -> dict:
    """A WenetSpeech-Wu-Bench copy in the published formats under ``<data_root>/corpora/wenetspeech_wu_bench``:
    asr in wenet JSONL, ast / gender / emotion in swift JSONL, audio from the Mandarin / Cantonese generators
    (relative paths, as a copy moved between machines has them)."""
    import soundfile as sf

    from hf_bench.data.synth import GENERATORS
    from hf_bench.wu.formats import Sample, write_samples
    from hf_bench.wu.prompts import prompt_for

    root = Path(data_root) / "corpora" / "wenetspeech_wu_bench"
    texts = set()
    for kind, gen, fmt in (("asr", "zh_sentences", "wenet"), ("ast", "yue_translation", "swift"),
                           ("gender", "zh_gender", "swift"), ("emotion", "zh_emotion", "swift")):
        folder = root / kind
        (folder / "wav").mkdir(parents=True, exist_ok=True)
        for split, n in sizes:
            samples = []
            for i in range(n):
                label, audio = GENERATORS[gen](7, "test" if split == "test" else "train", i + (100 if split == "dev" else 0))
                answer = label["translation"] if isinstance(label, dict) else label
                texts.add(answer)
                name = f"{split}_{i:03d}.wav"
                sf.write(folder / "wav" / name, audio, 16000)
                samples.append(Sample(f"{kind}-{split}-{i:03d}", Path("wav") / name, answer, prompt=prompt_for(kind)))
            write_samples(folder / f"{split}.jsonl", samples, fmt)
    return {"root": Path(data_root), "bench": root, "texts": sorted(texts)}
