"""Segment-based F1 of sound events as an evaluate module; the formula lives in ``hf_bench.metrics.segment_f1``."""

import datasets
import evaluate

from hf_bench.metrics import segment_f1

_CITATION = """\
@article{mesaros2016metrics,
  title   = {Metrics for Polyphonic Sound Event Detection},
  author  = {Mesaros, Annamaria and Heittola, Toni and Virtanen, Tuomas},
  journal = {Applied Sciences},
  volume  = {6},
  number  = {6},
  pages   = {162},
  year    = {2016}
}
"""

_DESCRIPTION = """\
Segment-based F1, precision and recall of sound events, in [0, 1], higher is better: X-ARES's DESED (macro, 1 s
segments) and MAESTRO (micro, 0.1 s segments) scores. Each file is cut into segments of `time_resolution`
seconds; a class is active in a segment when one of its events overlaps it; true/false positives and false
negatives are counted per (segment, class) and summed over files. average="micro" scores the summed counts;
average="macro" averages class-wise F1 over the classes that have reference activity (sed_eval's class-wise
average). A class the system never predicts has precision 0, not NaN (sed_eval's "zero_score" handling), so
silence is not rewarded. Cross-checked against sed_eval.sound_event.SegmentBasedMetrics. Optionally returns
bootstrap confidence intervals (resampling files).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `list` of `dict`): per file, the predicted events
        `{"onset": seconds, "offset": seconds, "event_label": str}` (`[]` for none).
    references (`list` of `list` of `dict`): per file, the reference events.
    time_resolution (`float`, defaults to 1.0): segment length in seconds.
    average (`str`, defaults to `"macro"`): `"macro"` or `"micro"`.
    labels (`list` of `str`, optional): the class set; an event label outside it raises ValueError.
    return_ci (`bool`, defaults to `False`): add `<key>_ci_low` / `<key>_ci_high` for f1, precision and recall.
    n_resamples (`int`, defaults to 1000): bootstrap resamples.
    seed (`int`, defaults to 0): seed of the resampling.
    level (`float`, defaults to 0.95): confidence level.
Returns:
    f1 (`float`), precision (`float`), recall (`float`): in [0, 1].
Examples:
    >>> import evaluate
    >>> seg_f1 = evaluate.load("hf_bench/segment_f1")
    >>> references = [[{"onset": 0.5, "offset": 2.2, "event_label": "speech"}],
    ...               [{"onset": 1.0, "offset": 3.0, "event_label": "dog"}]]
    >>> predictions = [[{"onset": 0.6, "offset": 1.8, "event_label": "speech"}],
    ...                [{"onset": 1.2, "offset": 4.5, "event_label": "dog"}]]
    >>> seg_f1.compute(predictions=predictions, references=references)
    {'f1': 0.7333333333333334, 'precision': 0.75, 'recall': 0.8333333333333333}
    >>> seg_f1.compute(predictions=predictions, references=references, average="micro")
    {'f1': 0.7272727272727272, 'precision': 0.6666666666666666, 'recall': 0.8}
"""

_EVENT = {"onset": datasets.Value("float64"), "offset": datasets.Value("float64"),
          "event_label": datasets.Value("string")}


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SegmentF1(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.List(_EVENT), "references": datasets.List(_EVENT)}),
            codebase_urls=["https://github.com/TUT-ARG/sed_eval"],
            reference_urls=["https://doi.org/10.3390/app6060162"],
        )

    def _compute(self, predictions, references, time_resolution=1.0, average="macro", labels=None,
                 return_ci=False, n_resamples=1000, seed=0, level=0.95):
        return segment_f1(predictions, references, time_resolution=time_resolution, average=average, labels=labels,
                          return_ci=return_ci, n_resamples=n_resamples, seed=seed, level=level)
