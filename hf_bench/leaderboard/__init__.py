"""The leaderboard: precomputed table, published reference rows, Gradio app (the HF Space), eval-results export.

- :mod:`~hf_bench.leaderboard.catalog`: boards (one table each), their columns and metric directions, and the
  shipped published rows (``data/reference.csv`` + ``data/sources.json``).
- :mod:`~hf_bench.leaderboard.table`: result JSONs + ZeroSpeech ``scores.json`` -> one long parquet table.
- :mod:`~hf_bench.leaderboard.views`: filter / rank / highlight / average (pure pandas).
- :mod:`~hf_bench.leaderboard.render`: HTML of tables, heatmap and model cards.
- :mod:`~hf_bench.leaderboard.submit`: upload validation and the pending queue.
- :mod:`~hf_bench.leaderboard.export`: Hub ``.eval_results/*.yaml``.
- :mod:`~hf_bench.leaderboard.app`: ``create_app`` / ``launch`` (gradio 6).
- :mod:`~hf_bench.leaderboard.cli`: ``hf-bench leaderboard build|serve|export``.

Nothing here imports torch, transformers, datasets or evaluate: the Space installs only gradio, pandas, pyarrow,
pydantic, pyyaml and huggingface_hub.
"""
