"""Tiny text models built from configs (no download): a Llama-style causal LM and a BERT encoder, each saved with
a word-level tokenizer over a given vocabulary, as ``save_pretrained`` folders the probes load by path."""

from __future__ import annotations

from pathlib import Path

SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")


def _word_tokenizer(words, specials=SPECIALS, **named):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(list(specials) + sorted(set(words)))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token=specials[3] if len(specials) > 3 else specials[0]))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces
    return PreTrainedTokenizerFast(tokenizer_object=tok, **named), vocab


def tiny_causal_lm(folder: Path, words, *, seed: int = 0, layers: int = 2, hidden: int = 32,
                   max_positions: int = 512, arch: str = "llama") -> Path:
    """A tiny ``LlamaForCausalLM`` (or ``Qwen2ForCausalLM`` with ``arch="qwen2"``) over ``words``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    folder = Path(folder)
    tok, vocab = _word_tokenizer(words, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>")
    config_cls, model_cls = {"llama": (LlamaConfig, LlamaForCausalLM), "qwen2": (Qwen2Config, Qwen2ForCausalLM)}[arch]
    config = config_cls(vocab_size=len(vocab), hidden_size=hidden, intermediate_size=2 * hidden,
                        num_hidden_layers=layers, num_attention_heads=2, num_key_value_heads=2,
                        max_position_embeddings=max_positions, bos_token_id=1, eos_token_id=2, pad_token_id=0,
                        tie_word_embeddings=True, initializer_range=0.5)
    torch.manual_seed(seed)
    model_cls(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def tiny_text_encoder(folder: Path, words, *, seed: int = 0, hidden: int = 32) -> Path:
    import torch
    from tokenizers.processors import TemplateProcessing
    from transformers import BertConfig, BertModel

    folder = Path(folder)
    specials = ("[PAD]", "[UNK]", "[CLS]", "[SEP]")
    tok, vocab = _word_tokenizer([w.lower() for w in words], specials, pad_token="[PAD]", unk_token="[UNK]",
                                 cls_token="[CLS]", sep_token="[SEP]")
    tok.backend_tokenizer.post_processor = TemplateProcessing(single="[CLS] $A [SEP]",
                                                              special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=2 * hidden, max_position_embeddings=64, pad_token_id=0)
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def asr_frames(words, store_root, name: str, rng, dim: int = 8, frames_per_word: int = 10):
    """FrameFeatures in a real store entry: item i's frames carry ``words[i]`` (feature indices), one after the
    other, ``frames_per_word`` frames each, plus noise."""
    import numpy as np

    from hf_bench.features.frames import FrameFeatures
    from hf_bench.features.store import FeatureStore
    from hf_bench.features.views import FeatureView

    entry = FeatureStore(store_root).entry({"encoder_fingerprint": "mock", "split": name, "asr": True},
                                           FeatureView("frames", (0,), "float32"))
    entry.key["item_shape"] = [1, dim]
    writer = entry.frame_writer(0, len(words), 1, dim)
    for i, ws in enumerate(words):
        x = 0.1 * rng.normal(size=(frames_per_word * len(ws), dim))
        for k, w in enumerate(ws):
            x[k * frames_per_word:(k + 1) * frames_per_word, w] += 1
        writer.add(i, i, 16000, x[:, None, :].astype(np.float32))
    writer.close()
    entry.finish(1)
    return FrameFeatures([entry.read()], np.stack([np.zeros(len(words), int), np.arange(len(words))], 1), "last", 1)
