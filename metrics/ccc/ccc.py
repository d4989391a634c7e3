"""Concordance correlation coefficient as an evaluate module; the formula lives in ``hf_bench.metrics.ccc``."""

import datasets
import evaluate

from hf_bench.metrics import ccc

_CITATION = """\
@article{lin1989ccc,
  title   = {A Concordance Correlation Coefficient to Evaluate Reproducibility},
  author  = {Lin, Lawrence I-Kuei},
  journal = {Biometrics},
  volume  = {45},
  number  = {1},
  pages   = {255--268},
  year    = {1989}
}
"""

_DESCRIPTION = """\
Concordance correlation coefficient (Lin, 1989) between predicted and reference values, in [-1, 1], higher is
better: the score of LeBenchmark's continuous emotion recognition (RECOLA arousal/valence, AlloSat).
ccc = 2 cov(x, y) / (var(x) + var(y) + (mean(x) - mean(y))^2) with population statistics (ddof = 0). Unlike
Pearson's r it penalises shifts and scalings. Cross-checked against audmetric.concordance_cc. Optionally returns a
bootstrap confidence interval (resampling items).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `float`): predicted values (at least 2, all finite).
    references (`list` of `float`): reference values.
    return_ci (`bool`, defaults to `False`): add `ccc_ci_low` / `ccc_ci_high` (bootstrap over items).
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling.
    level (`float`, defaults to 0.95): confidence level.
Returns:
    ccc (`float`): in [-1, 1].
Examples:
    >>> import evaluate
    >>> ccc = evaluate.load("hf_bench/ccc")
    >>> ccc.compute(predictions=[0, 1, 1], references=[0, 1, 2])
    {'ccc': 0.6666666666666666}
    >>> ccc.compute(predictions=[1.0, 2.0, 3.0, 4.0], references=[1.1, 2.1, 2.9, 4.2])
    {'ccc': 0.9931170108161257}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class CCC(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("float64"),
                                        "references": datasets.Value("float64")}),
            reference_urls=["https://audeering.github.io/audmetric/api/audmetric.concordance_cc.html"],
        )

    def _compute(self, predictions, references, return_ci=False, n_resamples=1000, seed=0, level=0.95):
        return ccc(predictions, references, return_ci=return_ci, n_resamples=n_resamples, seed=seed, level=level)
