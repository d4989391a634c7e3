"""Reference data shipped with the leaderboard (published tables, transcribed as printed, with their sources).

``reference.csv``: one published value per line (``-`` = not reported), with the board, model, task, probe and the
id of its source; ``sources.json``: citation, URL and caveats of each source. Checked against the seed documents
by ``tests/leaderboard/test_leaderboard_reference.py``.
"""
