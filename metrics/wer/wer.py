"""WER and CER in percent (LeBenchmark ASR) as an evaluate module; the formula lives in ``hf_bench.metrics.wer``."""

import datasets
import evaluate

from hf_bench.metrics import wer

_CITATION = """\
@inproceedings{evain2021lebenchmark,
  title     = {Task Agnostic and Task Specific Self-Supervised Learning from Speech with LeBenchmark},
  author    = {Evain, Sol{\\`e}ne and Nguyen, Ha and Le, Hang and Boito, Marcely Zanon and Mdhaffar, Salima and
               Alisamir, Sina and Tong, Ziyi and Tomashenko, Natalia and Dinarelli, Marco and Parcollet, Titouan
               and others},
  booktitle = {NeurIPS Datasets and Benchmarks},
  year      = {2021}
}
"""

_DESCRIPTION = """\
Word error rate in percent, corpus-level: 100 * (S + D + I) / N over whitespace-separated words, lower is better
(it can exceed 100), and the character error rate over the same texts with whitespace removed (SpeechBrain's
ErrorRateStats with split_tokens=True, as LeBenchmark's end-to-end ASR recipes report). Texts are compared as
given: case-sensitive, punctuation kept; normalise both sides first. Cross-checked against jiwer. Optionally
returns bootstrap confidence intervals (resampling utterances, both rates together).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `str`): one hypothesis per utterance (may be empty).
    references (`list` of `str`): one reference per utterance (at least one word).
    return_ci (`bool`, defaults to `False`): add `wer_ci_low` / `wer_ci_high` and `cer_ci_low` / `cer_ci_high`.
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling.
    level (`float`, defaults to 0.95): confidence level.
Returns:
    wer (`float`): word error rate in percent.
    cer (`float`): character error rate in percent (whitespace removed).
Examples:
    >>> import evaluate
    >>> wer = evaluate.load("hf_bench/wer")
    >>> wer.compute(predictions=["le chat dort"], references=["le chat noir dort"])
    {'wer': 25.0, 'cer': 28.57142857142857}
    >>> wer.compute(predictions=["deux chambres", ""], references=["deux chambres", "à paris"])
    {'wer': 50.0, 'cer': 33.33333333333333}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class WER(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
            codebase_urls=["https://github.com/speechbrain/speechbrain/blob/develop/speechbrain/utils/metric_stats.py"],
            reference_urls=["https://github.com/jitsi/jiwer"],
        )

    def _compute(self, predictions, references, return_ci=False, n_resamples=1000, seed=0, level=0.95):
        return wer(predictions, references, return_ci=return_ci, n_resamples=n_resamples, seed=seed, level=level)
