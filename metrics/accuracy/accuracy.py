"""Accuracy as an evaluate module; the formula lives in ``hf_bench.metrics.accuracy``."""

import datasets
import evaluate

from hf_bench.metrics import accuracy

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
Accuracy: the fraction of items whose predicted class id equals the reference class id, in [0, 1], higher is
better. The main score of most X-ARES clip tasks and of the LeBenchmark / WenetSpeech-Wu classification tasks.
Cross-checked against sklearn.metrics.accuracy_score. Optionally returns a bootstrap confidence interval
(resampling clips).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `int`): predicted class id per item.
    references (`list` of `int`): reference class id per item.
    labels (`list` of `int`, optional): the class set; a prediction or reference outside it raises ValueError.
    return_ci (`bool`, defaults to `False`): add `accuracy_ci_low` / `accuracy_ci_high`, a percentile bootstrap
        confidence interval over items.
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling (same seed + same number of items = same resamples).
    level (`float`, defaults to 0.95): confidence level.
Returns:
    accuracy (`float`): in [0, 1].
Examples:
    >>> import evaluate
    >>> accuracy = evaluate.load("hf_bench/accuracy")
    >>> accuracy.compute(predictions=[0, 1, 2, 2], references=[0, 1, 1, 2])
    {'accuracy': 0.75}
    >>> for preds, refs in [([0, 1], [0, 1]), ([2, 2], [1, 2])]:
    ...     accuracy.add_batch(predictions=preds, references=refs)
    >>> accuracy.compute(labels=[0, 1, 2])
    {'accuracy': 0.75}
    >>> result = accuracy.compute(predictions=[0, 1, 2, 2] * 10, references=[0, 1, 1, 2] * 10, return_ci=True)
    >>> result["accuracy_ci_low"] < result["accuracy"] < result["accuracy_ci_high"]
    True
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Accuracy(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("int64"),
                                        "references": datasets.Value("int64")}),
            reference_urls=["https://scikit-learn.org/stable/modules/generated/sklearn.metrics.accuracy_score.html"],
        )

    def _compute(self, predictions, references, labels=None, return_ci=False, n_resamples=1000, seed=0,
                 level=0.95):
        return accuracy(predictions, references, labels=labels, return_ci=return_ci, n_resamples=n_resamples,
                        seed=seed, level=level)
