"""Two-way audio-text retrieval recall as an evaluate module; the formula lives in
``hf_bench.metrics.audio_text_recall``."""

import datasets
import evaluate

from hf_bench.metrics import audio_text_recall

_CITATION = """\
@inproceedings{drossos2020clotho,
  title     = {Clotho: an Audio Captioning Dataset},
  author    = {Drossos, Konstantinos and Lipping, Samuel and Virtanen, Tuomas},
  booktitle = {IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)},
  pages     = {736--740},
  year      = {2020}
}
"""

_DESCRIPTION = """\
Audio-text retrieval recall in both directions, X-ARES's Clotho score: for each cut-off k, the fraction of audio
clips whose own caption ranks in their top k captions (a2t), the fraction of captions whose clip ranks in their
top k clips (t2a), and their mean (recall@k; X-ARES reports recall@1). Ties count against the query. Each
direction is recall_at_k with clips or captions as queries. Optionally returns a bootstrap confidence interval
(resampling clips; a drawn clip brings its captions along).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `list` of `float`): one row per audio clip: its similarity to every caption of the
        test set (same columns in every row).
    references (`list` of `list` of `int`): per clip, the column indices of its own captions.
    k (`int` or `list` of `int`, defaults to [1, 5, 10]): cut-offs, each at most the number of clips and of captions.
    return_ci (`bool`, defaults to `False`): add `<key>_ci_low` / `<key>_ci_high` (bootstrap over clips).
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling.
    level (`float`, defaults to 0.95): confidence level.
Returns:
    recall@k, a2t_recall@k, t2a_recall@k (`float`) for each k: in [0, 1].
Examples:
    >>> import evaluate
    >>> recall = evaluate.load("hf_bench/audio_text_recall")
    >>> scores = [[0.9, 0.8, 0.1, 0.0], [0.7, 0.2, 0.6, 0.5]]
    >>> recall.compute(predictions=scores, references=[[0, 1], [2, 3]], k=1)
    {'recall@1': 0.75, 'a2t_recall@1': 0.5, 't2a_recall@1': 1.0}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class AudioTextRecall(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Sequence(datasets.Value("float64")),
                                        "references": datasets.Sequence(datasets.Value("int64"))}),
            codebase_urls=["https://github.com/jimbozhang/xares"],
        )

    def _compute(self, predictions, references, k=(1, 5, 10), return_ci=False, n_resamples=1000, seed=0,
                 level=0.95):
        return audio_text_recall(predictions, references, k=k, return_ci=return_ci, n_resamples=n_resamples,
                                 seed=seed, level=level)
