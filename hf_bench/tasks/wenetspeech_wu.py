"""The WenetSpeech-Wu-Bench tasks (arXiv 2601.11027): Wu ASR, Wu-to-Mandarin AST, gender, age, emotion.

Each is evaluated as the benchmark's authors did: a LoRA fine-tune with the Wu chat prompts (``--probe lora``,
``hf-bench finetune`` / ``infer``), or by scoring a ``swift infer`` results file (``hf-bench wu score``). The data
is read by ``hf_bench.data.corpora.wenetspeech_wu`` (the HF dataset, or the published JSONL formats). Names are
the leaderboard's WenetSpeech-Wu columns. The in-house Dialogue / Reading ASR sets are not public: the leaderboard
shows their published rows only.
"""

from __future__ import annotations

from hf_bench.tasks.schema import MAX_EVAL_WEIGHT, CorpusSource, TaskMetadata
from hf_bench.wu.prompts import LABELS

CITATION = ("WenetSpeech-Wu: a Wu-dialect speech corpus and benchmark (ASLP-lab, arXiv 2601.11027), "
            "https://github.com/ASLP-lab/WenetSpeech-Wu-Repo")
HOMEPAGE = "https://huggingface.co/datasets/ASLP-lab/WenetSpeech-Wu-Bench"
LICENSE = "see the dataset card (not released at the time of writing)"
CHANGELOG = ("v1: first version.",)


def _task(kind: str, *, display_name: str, type: str, metric: tuple[str, str], description: str,
          chance: tuple[float, str], **extra) -> TaskMetadata:
    return TaskMetadata(
        name=f"wu_bench_{kind}", version=1, display_name=display_name, description=description,
        benchmark="wenetspeech_wu", domain="speech", type=type, metric=metric[0], main_score=metric[1],
        languages=("wuu", "cmn") if kind == "ast" else ("wuu",),
        eval_weight=MAX_EVAL_WEIGHT, source=CorpusSource(reader="wenetspeech_wu", folder="wenetspeech_wu_bench",
                                                         options={"task": kind}),
        splits=("train", "valid", "test"), chance_level=chance[0], chance_predictor=chance[1], probes=("lora",),
        license=LICENSE, citation=CITATION, homepage=HOMEPAGE, changelog=CHANGELOG, **extra)


def _class(kind: str, title: str, what: str) -> TaskMetadata:
    labels = LABELS[kind]
    return _task(kind, display_name=f"WenetSpeech-Wu {title}", type="clip_classification",
                 metric=("accuracy", "accuracy"), labels=labels, chance=(1.0 / len(labels), "a uniform guess"),
                 description=f"{what} from Wu speech, one of {'、'.join(labels)} (the Wu prompt's label set); "
                 "accuracy. A free-text answer is mapped to a label by hf_bench.wu.prompts.answer_label; the LoRA "
                 "probe picks the label the model finds most likely.")


WU_TASKS: tuple[TaskMetadata, ...] = (
    _task("asr", display_name="WenetSpeech-Wu ASR", type="asr", metric=("cer", "cer"), text_normalization="none",
          chance=(100.0, "an empty transcript"),
          description="Wu-dialect ASR on WenetSpeech-Wu-Bench (9.75 h; Shanghainese, Suzhounese and Mandarin "
          "code-mixed speech); CER % after wenet compute-cer.py normalisation (punctuation and spaces dropped, "
          "upper-cased)."),
    _task("ast", display_name="WenetSpeech-Wu AST (Wu to Mandarin)", type="translation",
          metric=("corpus_bleu", "bleu"), text_normalization="none", metric_args={"tokenize": "zh"},
          chance=(0.0, "an empty translation"),
          description="Wu-to-Mandarin speech translation (3k utterances, 4.4 h); corpus BLEU with sacreBLEU's zh "
          "tokeniser."),
    _class("gender", "speaker gender", "The speaker's gender"),
    _class("age", "speaker age", "The speaker's age group"),
    _class("emotion", "emotion", "The emotion of the utterance"),
)

__all__ = ["WU_TASKS"]
