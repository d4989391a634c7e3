"""Corpus BLEU and chrF (sacreBLEU) as an evaluate module; the formula lives in ``hf_bench.metrics.corpus_bleu``."""

import datasets
import evaluate

from hf_bench.metrics import corpus_bleu

_CITATION = """\
@inproceedings{post-2018-call,
  title     = {A Call for Clarity in Reporting {BLEU} Scores},
  author    = {Post, Matt},
  booktitle = {Proceedings of the Third Conference on Machine Translation: Research Papers},
  pages     = {186--191},
  year      = {2018}
}
@inproceedings{papineni-etal-2002-bleu,
  title     = {{BLEU}: a Method for Automatic Evaluation of Machine Translation},
  author    = {Papineni, Kishore and Roukos, Salim and Ward, Todd and Zhu, Wei-Jing},
  booktitle = {Proceedings of the 40th Annual Meeting of the Association for Computational Linguistics},
  pages     = {311--318},
  year      = {2002}
}
@inproceedings{popovic-2015-chrf,
  title     = {chr{F}: character n-gram F-score for automatic {MT} evaluation},
  author    = {Popovi{\\'c}, Maja},
  booktitle = {Proceedings of the Tenth Workshop on Statistical Machine Translation},
  pages     = {392--395},
  year      = {2015}
}
"""

_DESCRIPTION = """\
Corpus-level BLEU and chrF from sacreBLEU, both 0-100, higher is better: the speech-translation scores of
LeBenchmark (mTEDx, tokenize="13a") and WenetSpeech-Wu (Wu -> Mandarin, tokenize="zh"). Each prediction has one
reference or a list of references (the number may vary). sacreBLEU defaults otherwise (exp smoothing; chrF
character order 6, beta 2, no word n-grams; chrF ignores `tokenize`). Cross-checked against sacrebleu.corpus_bleu
and sacrebleu.corpus_chrf. Optionally returns bootstrap confidence intervals (resampling segments and recomputing
corpus BLEU from the resampled n-gram statistics).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `str`): one translation per segment (may be empty).
    references (`list` of `str`, or `list` of `list` of `str`): the reference(s) of each segment.
    tokenize (`str`, defaults to `"13a"`): sacreBLEU BLEU tokeniser: "13a", "zh", "intl", "char", "none",
        "ja-mecab", "ko-mecab" (the last two need sacrebleu[ja,ko]).
    lowercase (`bool`, defaults to `False`): case-insensitive BLEU and chrF.
    return_ci (`bool`, defaults to `False`): add `<key>_ci_low` / `<key>_ci_high` for bleu and chrf.
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling.
    level (`float`, defaults to 0.95): confidence level.
Returns:
    bleu (`float`): corpus BLEU, 0-100.
    chrf (`float`): corpus chrF, 0-100.
Examples:
    >>> import evaluate
    >>> bleu = evaluate.load("hf_bench/corpus_bleu")
    >>> bleu.compute(predictions=["the cat is on the mat", "there is a dog"],
    ...              references=[["the cat sat on the mat"], ["there is a dog here", "a dog is there"]])
    {'bleu': 53.89561679446264, 'chrf': 66.38177782534791}
    >>> bleu.compute(predictions=["今天天气很好"], references=["今天天气真好"], tokenize="zh")
    {'bleu': 53.7284965911771, 'chrf': 37.77777777777778}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class CorpusBLEU(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            # several references per segment, or exactly one
            features=[
                datasets.Features({"predictions": datasets.Value("string"),
                                   "references": datasets.Sequence(datasets.Value("string"))}),
                datasets.Features({"predictions": datasets.Value("string"),
                                   "references": datasets.Value("string")}),
            ],
            codebase_urls=["https://github.com/mjpost/sacrebleu"],
            reference_urls=["https://aclanthology.org/W18-6319/"],
        )

    def _compute(self, predictions, references, tokenize="13a", lowercase=False, return_ci=False,
                 n_resamples=1000, seed=0, level=0.95):
        return corpus_bleu(predictions, references, tokenize=tokenize, lowercase=lowercase, return_ci=return_ci,
                           n_resamples=n_resamples, seed=seed, level=level)
