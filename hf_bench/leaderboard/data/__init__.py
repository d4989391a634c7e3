"""Reference data shipped with the leaderboard (published tables, transcribed as printed, with their sources).

``reference.csv``: one published value per line (``-`` = not reported), with the board, model, task, probe and the
id of its source; ``sources.json``: citation, URL of the table (pinned blob URL with the section anchor, the
leaderboard page) and caveats of each source; ``models.json``: metadata of each published model, every fact with its
source (schema in ``catalog.load_model_info``); ``published_averages.csv``: aggregates a source prints itself
(X-ARES "Weighted Average" rows), as printed. Checked against the seed documents
by ``tests/leaderboard/test_leaderboard_reference.py``.
"""
