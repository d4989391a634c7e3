"""The X-ARES weighted average as an evaluate module; the formula and weights live in ``hf_bench.metrics.xares``."""

import datasets
import evaluate

from hf_bench.metrics import xares

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
The X-ARES score of an audio encoder: per-task normalised scores and their weighted average
sum(score * eval_weight) / sum(eval_weight), computed separately for the MLP and the kNN probe, with the
eval_weight of xares 0.1.3 (min(2000, test size); 10000 for LibriSpeech ASR; 5000 for the private in-house tasks).
Tasks without a kNN probe drop out of the kNN average. Every X-ARES metric is already in [0, 1] and higher is
better, so the normalised score equals the score (X-ARES's code applies no other normalisation). Recomputing the
README's kNN averages from its per-task numbers reproduces them to within 0.001; its MLP averages are about 0.005
higher than their own per-task numbers imply.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `float`): each task's main score in [0, 1] (accuracy, mAP, segment F1, R@1, iWER).
    references (`list` of `str`): the X-ARES task name of each score ("esc50", "librispeech", ...), optionally
        prefixed by the probe ("knn/esc50"); a plain name uses `probe`.
    probe (`str`, defaults to `"mlp"`): probe of the un-prefixed names, `"mlp"` or `"knn"`.
    require_all (`bool`, defaults to `False`): require every public task of each given probe.
Returns:
    `<probe>/<task>` (`float`): the task's normalised score.
    `<probe>/weighted_average` (`float`): the eval_weight-weighted average over the given tasks.
    `<probe>/weighted_average_public` (`float`): the same over the public tasks only.
    `<probe>/n_tasks`, `<probe>/weight_sum` (`float`).
Examples:
    >>> import evaluate
    >>> xares = evaluate.load("hf_bench/xares")
    >>> result = xares.compute(predictions=[0.857, 0.409, 0.618], references=["esc50", "fsd50k", "knn/esc50"])
    >>> round(result["mlp/weighted_average"], 4), result["mlp/weight_sum"], result["knn/weighted_average"]
    (0.4837, 2400.0, 0.618)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Xares(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("float64"),
                                        "references": datasets.Value("string")}),
            codebase_urls=["https://github.com/jimbozhang/xares"],
            reference_urls=["https://arxiv.org/abs/2505.16369"],
        )

    def _compute(self, predictions, references, probe="mlp", require_all=False):
        scores = {}
        for score, name in zip(predictions, references):
            task_probe, _, task = name.rpartition("/")
            bucket = scores.setdefault(task_probe or probe, {})
            if task in bucket:
                raise ValueError(f"references: task {name!r} is given twice; give each (probe, task) score once")
            bucket[task] = score
        return xares(scores, require_all=require_all)
