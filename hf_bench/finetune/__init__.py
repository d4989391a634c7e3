"""LoRA fine-tunes of speech models on chat-style prompts (WenetSpeech-Wu's recipe), on the transformers Trainer.

``models``: the three families (Whisper, a native audio LLM such as Qwen2-Audio, hf_bench's encoder + adapter +
LM speech LLM); ``chat``: prompt rendering and the assistant-only loss mask; ``lora``: peft LoRA training,
adapter folders, inference; ``run``: the ``hf-bench finetune`` / ``infer`` commands' work on tasks and JSONL
files.
"""
