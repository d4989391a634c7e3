"""CER with wenet-style normalisation (WenetSpeech-Wu ASR) as an evaluate module; the formula lives in
``hf_bench.metrics.cer``."""

import datasets
import evaluate

from hf_bench.metrics import cer

_CITATION = """\
@inproceedings{yao2021wenet,
  title     = {WeNet: Production Oriented Streaming and Non-streaming End-to-End Speech Recognition Toolkit},
  author    = {Yao, Zhuoyuan and Wu, Di and Wang, Xiong and Zhang, Binbin and Yu, Fan and Yang, Chao and Peng,
               Zhendong and Chen, Xiaoyu and Xie, Lei and Lei, Xin},
  booktitle = {Interspeech 2021},
  year      = {2021}
}
@misc{wenetspeech_wu,
  title        = {WenetSpeech-Wu},
  howpublished = {arXiv:2601.11027},
  year         = {2026}
}
"""

_DESCRIPTION = """\
Character error rate in percent, corpus-level: 100 * (S + D + I) / N over characters, lower is better (it can
exceed 100). Normalisation follows wenet's tools/compute-cer.py, the usual scorer for Chinese ASR (WenetSpeech-Wu
does not publish its own): remove <tags> such as <unk>, whitespace and the punctuation
! , ? 、 。 ！ ， ； ？ ： 「 」 ︰ 『 』 《 》 (or all Unicode punctuation with punctuation="unicode"), then
upper-case. mode="char" (default) scores every remaining character (jiwer.cer on the normalised strings);
mode="wenet" keeps wenet's tokens: one token per CJK character, one per run of other characters (an English
word). Cross-checked against jiwer. Optionally returns a bootstrap confidence interval (resampling utterances).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `str`): one hypothesis per utterance (may be empty).
    references (`list` of `str`): one reference per utterance (at least one character after normalisation).
    mode (`str`, defaults to `"char"`): `"char"` or `"wenet"` tokenisation (see the description).
    punctuation (`str`, defaults to `"wenet"`): `"wenet"` (wenet's list) or `"unicode"` (every punctuation mark).
    return_ci (`bool`, defaults to `False`): add `cer_ci_low` / `cer_ci_high` (bootstrap over utterances).
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling.
    level (`float`, defaults to 0.95): confidence level.
Returns:
    cer (`float`): character error rate in percent.
Examples:
    >>> import evaluate
    >>> cer = evaluate.load("hf_bench/cer")
    >>> cer.compute(predictions=["今天天气很好！"], references=["今天天气真好。"])
    {'cer': 16.666666666666664}
    >>> cer.compute(predictions=["我用 iphon 打电话"], references=["我用iPhone打电话"])
    {'cer': 9.090909090909092}
    >>> cer.compute(predictions=["我用 iphon 打电话"], references=["我用iPhone打电话"], mode="wenet")
    {'cer': 16.666666666666664}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class CER(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
            codebase_urls=["https://github.com/wenet-e2e/wenet/blob/main/tools/compute-cer.py"],
            reference_urls=["https://github.com/jitsi/jiwer"],
        )

    def _compute(self, predictions, references, mode="char", punctuation="wenet", return_ci=False,
                 n_resamples=1000, seed=0, level=0.95):
        return cer(predictions, references, mode=mode, punctuation=punctuation, return_ci=return_ci,
                   n_resamples=n_resamples, seed=seed, level=level)
