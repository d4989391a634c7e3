"""Recall@k for retrieval as an evaluate module; the formula lives in ``hf_bench.metrics.recall_at_k``."""

import datasets
import evaluate

from hf_bench.metrics import recall_at_k

_CITATION = """\
@inproceedings{drossos2020clotho,
  title     = {Clotho: an Audio Captioning Dataset},
  author    = {Drossos, Konstantinos and Lipping, Samuel and Virtanen, Tuomas},
  booktitle = {IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)},
  pages     = {736--740},
  year      = {2020}
}
"""

_DESCRIPTION = """\
Recall@k: the fraction of queries with at least one relevant candidate among the k best-scored candidates, in
[0, 1], higher is better. X-ARES's Clotho score is the mean of audio-to-text and text-to-audio R@1, as a
fraction. Ties are broken against the query (a non-relevant candidate with a score equal to the best relevant
one ranks above it), so constant scores earn nothing. Cross-checked against a brute-force ranking loop. Optionally
returns a bootstrap confidence interval (resampling queries).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `list` of `float`): per query, the score of every candidate (same length for all).
    references (`list` of `list` of `int`): per query, the 0-based indices of its relevant candidates.
    k (`int`, defaults to 1): cut-off, 1 <= k <= number of candidates.
    return_ci (`bool`, defaults to `False`): add `recall@k_ci_low` / `recall@k_ci_high` (bootstrap over queries).
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling.
    level (`float`, defaults to 0.95): confidence level.
Returns:
    recall@k (`float`): in [0, 1].
Examples:
    >>> import evaluate
    >>> recall = evaluate.load("hf_bench/recall_at_k")
    >>> scores = [[0.9, 0.1, 0.3], [0.2, 0.5, 0.4], [0.1, 0.2, 0.7]]
    >>> recall.compute(predictions=scores, references=[[0], [2], [0, 1]], k=1)
    {'recall@k': 0.3333333333333333}
    >>> recall.compute(predictions=scores, references=[[0], [2], [0, 1]], k=2)
    {'recall@k': 1.0}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class RecallAtK(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Sequence(datasets.Value("float64")),
                                        "references": datasets.Sequence(datasets.Value("int64"))}),
            codebase_urls=["https://github.com/jimbozhang/xares"],
        )

    def _compute(self, predictions, references, k=1, return_ci=False, n_resamples=1000, seed=0, level=0.95):
        return recall_at_k(predictions, references, k=k, return_ci=return_ci, n_resamples=n_resamples, seed=seed,
                           level=level)
