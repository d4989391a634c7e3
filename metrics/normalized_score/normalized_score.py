"""X-ARES metric normalisation as an evaluate module; the formula lives in ``hf_bench.metrics.normalized_score``."""

import datasets
import evaluate

from hf_bench.metrics import normalized_score

_CITATION = """\
@article{xares2025,
  title   = {X-ARES: A Comprehensive Framework for Assessing Audio Encoder Performance},
  author  = {Zhang and Dinkel and Niu and Liu and Cheng and Zhao and Luan},
  journal = {arXiv preprint arXiv:2505.16369},
  note    = {Interspeech 2025},
  year    = {2025}
}
"""

_DESCRIPTION = """\
The X-ARES metric normalisation (paper, eq. 1): (score - worst) / (best - worst), where worst and best are the
worst and best possible values of the metric, clipped to [0, 1]. For a lower-is-better metric worst > best (e.g.
CER: worst 100, best 0) and the same formula applies; clipping follows X-ARES's iWER = max(1 - WER, 0). The worst
and best values of every hf_bench metric are listed by `hf-bench metrics list`.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `float`): raw metric values.
    worst (`float`): worst possible value of the metric.
    best (`float`): best possible value of the metric.
Returns:
    normalized_score (`float`, or `list` of `float` when several values are given): in [0, 1].
Examples:
    >>> import evaluate
    >>> normalized = evaluate.load("hf_bench/normalized_score")
    >>> normalized.compute(predictions=[30.0], worst=100.0, best=0.0)
    {'normalized_score': 0.7}
    >>> normalized.compute(predictions=[0.5, -1.0, 1.5], worst=-1.0, best=1.0)
    {'normalized_score': [0.75, 0.0, 1.0]}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class NormalizedScore(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("float64")}),
            reference_urls=["https://arxiv.org/abs/2505.16369"],
        )

    def _compute(self, predictions, worst=None, best=None):
        if worst is None or best is None:
            raise ValueError("normalized_score needs worst= and best= (the metric's worst and best possible values)")
        if not predictions:
            raise ValueError("normalized_score got no predictions (raw scores) to normalise")
        values = [normalized_score(p, worst, best)["normalized_score"] for p in predictions]
        return {"normalized_score": values[0] if len(values) == 1 else values}
