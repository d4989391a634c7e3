"""Concept error rate (SLU) as an evaluate module; the formula lives in ``hf_bench.metrics.concept_error_rate``."""

import datasets
import evaluate

from hf_bench.metrics import concept_error_rate

_CITATION = """\
@inproceedings{evain2021lebenchmark,
  title     = {LeBenchmark: A Reproducible Framework for Assessing Self-Supervised Representation Learning from
               Speech},
  author    = {Evain, Sol{\\`e}ne and others},
  booktitle = {Interspeech 2021},
  year      = {2021}
}
"""

_DESCRIPTION = """\
Concept error rate in percent: 100 * (S + D + I) / N, where S, D, I are the substitutions, deletions and
insertions of the minimum edit alignment between the predicted and reference concept-label sequences and N is the
number of reference concepts; lower is better (it can exceed 100). The SLU score of LeBenchmark (MEDIA), computed
on concept sequences with the words and the concept boundaries removed. Labels are compared exactly. Cross-checked
against jiwer.wer on the space-joined concept tokens. Optionally returns a bootstrap confidence interval
(resampling utterances).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `list` of `str`): per utterance, the predicted concept labels in order.
    references (`list` of `list` of `str`): per utterance, the reference concept labels (at least one).
    return_ci (`bool`, defaults to `False`): add `concept_error_rate_ci_low` / `concept_error_rate_ci_high`.
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling.
    level (`float`, defaults to 0.95): confidence level.
Returns:
    concept_error_rate (`float`): in percent.
Examples:
    >>> import evaluate
    >>> cer = evaluate.load("hf_bench/concept_error_rate")
    >>> cer.compute(predictions=[["command-tache", "nombre"], ["lieu-ville"]],
    ...             references=[["command-tache", "nombre", "objet"], ["lieu-ville"]])
    {'concept_error_rate': 25.0}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class ConceptErrorRate(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Sequence(datasets.Value("string")),
                                        "references": datasets.Sequence(datasets.Value("string"))}),
            codebase_urls=["https://github.com/LeBenchmark/Interspeech2021"],
            reference_urls=["https://arxiv.org/abs/2104.11462"],
        )

    def _compute(self, predictions, references, return_ci=False, n_resamples=1000, seed=0, level=0.95):
        return concept_error_rate(predictions, references, return_ci=return_ci, n_resamples=n_resamples, seed=seed,
                                  level=level)
