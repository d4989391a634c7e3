"""hf_bench: one frozen audio encoder in, one trustworthy scorecard out.

The data path reads like the pipeline:
audio -> encoder -> cached features -> probe -> predictions -> metric -> result -> leaderboard.

Heavy imports (torch, transformers, evaluate) are deferred to the functions that need them so that
``import hf_bench`` and ``hf-bench --help`` stay fast.
"""

__version__ = "0.1.0"

from hf_bench.errors import HFBenchError  # noqa: E402

__all__ = ["__version__", "HFBenchError", "evaluate", "get_tasks", "Evaluation"]


def __getattr__(name: str):
    # the API module pulls in the task registry; plain ``import hf_bench`` stays light
    if name in ("evaluate", "get_tasks", "Evaluation"):
        from hf_bench import api

        return getattr(api, name)
    raise AttributeError(f"module 'hf_bench' has no attribute {name!r}")
