"""Macro mean average precision as an evaluate module; the formula lives in
``hf_bench.metrics.mean_average_precision``."""

import datasets
import evaluate

from hf_bench.metrics import mean_average_precision

_CITATION = """\
@article{scikit-learn,
  title   = {Scikit-learn: Machine Learning in {P}ython},
  author  = {Pedregosa, F. and Varoquaux, G. and Gramfort, A. and Michel, V. and Thirion, B. and Grisel, O. and
             Blondel, M. and Prettenhofer, P. and Weiss, R. and Dubourg, V. and Vanderplas, J. and Passos, A. and
             Cournapeau, D. and Brucher, M. and Perrot, M. and Duchesnay, E.},
  journal = {Journal of Machine Learning Research},
  volume  = {12},
  pages   = {2825--2830},
  year    = {2011}
}
"""

_DESCRIPTION = """\
Macro mean average precision for multi-label clip tagging, in [0, 1], higher is better: the score of X-ARES's
FSD50k task. For each class, AP = sum over score thresholds (descending) of (recall gain) x (precision), tied
scores forming one threshold, exactly as sklearn.metrics.average_precision_score; the result is the mean over
classes. A class without any positive clip gets AP = 0 and still counts in the mean (scikit-learn's behaviour,
hence X-ARES's); the result is never NaN. Only the order of the scores matters (logits or probabilities).
Optionally returns a bootstrap confidence interval (resampling clips).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `list` of `float`): per-clip class scores, shape [N, C].
    references (`list` of `list` of `int`): per-clip multi-hot targets (0/1), shape [N, C], same class order.
    return_ci (`bool`, defaults to `False`): add `map_ci_low` / `map_ci_high` (bootstrap over clips).
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling.
    level (`float`, defaults to 0.95): confidence level.
Returns:
    map (`float`): macro mean average precision, in [0, 1].
Examples:
    >>> import evaluate
    >>> mean_ap = evaluate.load("hf_bench/mean_average_precision")
    >>> mean_ap.compute(predictions=[[0.9, 0.1, 0.4], [0.2, 0.8, 0.7], [0.6, 0.3, 0.2]],
    ...                 references=[[1, 0, 1], [0, 1, 1], [1, 0, 0]])
    {'map': 1.0}
    >>> mean_ap.compute(predictions=[[0.9, 0.1], [0.2, 0.8], [0.6, 0.3]], references=[[1, 0], [0, 0], [0, 0]])
    {'map': 0.5}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class MeanAveragePrecision(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Sequence(datasets.Value("float64")),
                                        "references": datasets.Sequence(datasets.Value("int64"))}),
            reference_urls=[
                "https://scikit-learn.org/stable/modules/generated/sklearn.metrics.average_precision_score.html"],
        )

    def _compute(self, predictions, references, return_ci=False, n_resamples=1000, seed=0, level=0.95):
        return mean_average_precision(predictions, references, return_ci=return_ci, n_resamples=n_resamples,
                                      seed=seed, level=level)
