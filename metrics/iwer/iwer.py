"""iWER (X-ARES's ASR score) as an evaluate module; the formula lives in ``hf_bench.metrics.iwer``."""

import datasets
import evaluate

from hf_bench.metrics import iwer

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
Inverted word error rate, the ASR score of X-ARES (task LibriSpeech-100h): iwer = max(1 - WER, 0), in [0, 1],
higher is better. WER is corpus-level (total substitutions + deletions + insertions over total reference words)
and is returned too, as a fraction (it can exceed 1). Normalisation, as in X-ARES: lower-case both sides, split on
whitespace, nothing else (punctuation counts). Cross-checked against jiwer.wer. Optionally returns bootstrap
confidence intervals (resampling utterances, recomputing corpus WER on each resample).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `str`): one hypothesis transcript per utterance (may be empty).
    references (`list` of `str`): one reference transcript per utterance (at least one word each).
    lowercase (`bool`, defaults to `True`): lower-case before scoring (X-ARES does).
    return_ci (`bool`, defaults to `False`): add `<key>_ci_low` / `<key>_ci_high` for iwer and wer, a percentile
        bootstrap confidence interval over utterances.
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling.
    level (`float`, defaults to 0.95): confidence level.
Returns:
    iwer (`float`): max(1 - WER, 0), in [0, 1].
    wer (`float`): corpus word error rate as a fraction.
Examples:
    >>> import evaluate
    >>> iwer = evaluate.load("hf_bench/iwer")
    >>> iwer.compute(predictions=["the cat sat", "Hello World"], references=["the cat sat down", "hello world"])
    {'iwer': 0.8333333333333334, 'wer': 0.16666666666666666}
    >>> iwer.compute(predictions=["completely wrong words here"], references=["hi"])
    {'iwer': 0.0, 'wer': 4.0}
    >>> for preds, refs in [(["a b"], ["a b"]), (["a c"], ["a b"])]:
    ...     iwer.add_batch(predictions=preds, references=refs)
    >>> iwer.compute()
    {'iwer': 0.75, 'wer': 0.25}
    >>> result = iwer.compute(predictions=["a b c", "a b", "x y"] * 10, references=["a b c", "a c", "x y z"] * 10,
    ...                       return_ci=True, n_resamples=200)
    >>> sorted(result)
    ['iwer', 'iwer_ci_high', 'iwer_ci_low', 'wer', 'wer_ci_high', 'wer_ci_low']
    >>> result["iwer_ci_low"] < result["iwer"] < result["iwer_ci_high"]
    True
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class IWER(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
            codebase_urls=["https://github.com/jimbozhang/xares"],
            reference_urls=["https://arxiv.org/abs/2505.16369", "https://github.com/jitsi/jiwer"],
        )

    def _compute(self, predictions, references, lowercase=True, return_ci=False, n_resamples=1000, seed=0,
                 level=0.95):
        return iwer(predictions, references, lowercase=lowercase, return_ci=return_ci, n_resamples=n_resamples,
                    seed=seed, level=level)
