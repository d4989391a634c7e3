"""WenetSpeech-Wu: its prompts and label sets (``prompts``), its wenet / swift JSONL formats (``formats``), the export
of hf_bench tasks into them (``export``) and the scoring of swift results (``score``)."""
