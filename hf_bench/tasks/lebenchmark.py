"""The LeBenchmark tasks (NeurIPS 2021 Datasets & Benchmarks): French ASR, SLU, speech translation, emotion.

Each task reads its corpus as the publisher distributes it (``hf_bench.data.corpora``) and is evaluated with
LeBenchmark's own kind of downstream head on frozen frame features (``TaskMetadata.probes``): a CTC head for ASR
(Common Voice, ETAPE) and SLU (MEDIA), a speech-to-text transformer for translation (mTEDx), a GRU-32 trained with
1 - CCC for continuous emotion (RECOLA, AlloSat). Only Common Voice and mTEDx are public (mTEDx is downloaded by
``hf-bench prepare``); ETAPE, MEDIA, RECOLA and AlloSat are licensed: put your copy in
``<data dir>/corpora/<folder>`` (``--data-dir``) or write a task spec with ``source.root``. Facts and published
tables: ``docs/lebenchmark.md``. Names match the leaderboard's LeBenchmark columns (by alias).
"""

from __future__ import annotations

from hf_bench.tasks.schema import MAX_EVAL_WEIGHT, CorpusSource, ProbeOverrides, TaskMetadata

CITATION = ("Evain, S., Nguyen, H., Le, H., Boito, M. Z., Mdhaffar, S., Alisamir, S., Tong, Z., Tomashenko, N., "
            "Dinarelli, M., Parcollet, T., et al. (2021). Task Agnostic and Task Specific Self-Supervised Learning "
            "from Speech with LeBenchmark. NeurIPS Datasets and Benchmarks.")
HOMEPAGE = "https://github.com/LeBenchmark/NeurIPS2021"
SPLITS = ("train", "valid", "test")
CHANGELOG = ("v1: first version.",)
# LeBenchmark-size data on a CPU: the heads' defaults (hf_bench.probes.ctc / seq2seq / gru); only what the
# recipes set differently is given here
MTEDX_PROBE = ProbeOverrides(vocab_size=1000, beam_size=5)
CTC_PROBE = ProbeOverrides(vocab_size=500)


def _task(name: str, *, display_name: str, type: str, metric: tuple[str, str], reader: str, folder: str,
          description: str, license: str, probes: tuple[str, ...], chance: tuple[float, str],
          options: dict | None = None, homepage: str = HOMEPAGE, citation: str = CITATION,
          languages: tuple[str, ...] = ("fra",), **extra) -> TaskMetadata:
    return TaskMetadata(
        name=name, version=1, display_name=display_name, description=description, benchmark="lebenchmark",
        domain="speech", type=type, languages=languages, metric=metric[0], main_score=metric[1], eval_weight=MAX_EVAL_WEIGHT,
        source=CorpusSource(reader=reader, folder=folder, options=options or {}), splits=SPLITS,
        chance_level=chance[0], chance_predictor=chance[1], probes=probes, license=license, citation=citation,
        homepage=homepage, changelog=CHANGELOG, **extra)


_EMPTY_WER = (100.0, "an empty transcript (WER 100 %)")
_CONSTANT = (0.0, "a constant prediction")

LEBENCHMARK_TASKS: tuple[TaskMetadata, ...] = (
    _task("commonvoice_fr", display_name="Common Voice French ASR", type="asr", metric=("wer", "wer"),
          reader="commonvoice", folder="commonvoice_fr", license="CC0-1.0", probes=("ctc",), chance=_EMPTY_WER,
          text_normalization="english", probe=CTC_PROBE, homepage="https://commonvoice.mozilla.org/datasets",
          description="End-to-end ASR on the public Common Voice French release (read speech; the release used "
          "by LeBenchmark v1 is not identified: any release in Mozilla's layout works, and its digest is part of "
          "the result). Training utterances over 10 s are dropped, as the LeBenchmark recipe's train_w2v.py "
          "does. A BiGRU CTC head over 500 SentencePiece units on frozen frame features, greedy decoding; WER %, "
          "lower-cased, punctuation removed (LeBenchmark: SpeechBrain CRDNN, CTC + attention, beam 80)."),
    _task("etape", display_name="ETAPE ASR", type="asr", metric=("wer", "wer"), reader="etape", folder="etape",
          license="ELRA-E0046 (licensed, not free)", probes=("ctc",), chance=_EMPTY_WER,
          text_normalization="english", probe=CTC_PROBE,
          homepage="https://catalogue.elra.info/en-us/repository/browse/ELRA-E0046/",
          description="End-to-end ASR on ETAPE-1,2 (30 h of French radio and TV, Transcriber annotations): one "
          "utterance per Sync segment, segments under 0.1 s or over 20 s dropped (the recipe), overlapping "
          "speech dropped. A BiGRU CTC head over 500 SentencePiece units, greedy decoding; WER %, lower-cased, "
          "punctuation removed (LeBenchmark: SpeechBrain CRDNN, 1 x BiGRU-500, CTC + attention, beam 20)."),
    _task("media", display_name="MEDIA SLU", type="slu", metric=("concept_error_rate", "concept_error_rate"),
          reader="media", folder="media", license="ELRA-S0272 / ELRA-E0024 (licensed)", probes=("ctc",),
          chance=(100.0, "an empty concept sequence"), text_normalization="english", probe=CTC_PROBE,
          downmix=True, homepage="https://catalogue.elra.info/en-us/repository/browse/ELRA-S0272/",
          description="Spoken language understanding on MEDIA (French hotel-booking dialogues, 8 kHz telephone "
          "speech, resampled for the encoder; the stereo channels are averaged): one utterance per caller turn, "
          "labelled with its concept segments. A BiGRU CTC head writes the MEDIA output sequence 'SOC words "
          "[concept] EOC' (concept markers are whole units); scored with the concept error rate in % over the "
          "concepts ('null' excluded), as score_model_output.sh --slu-out (LeBenchmark: Kheops encoder + "
          "Basic / LSTM decoder, CTC)."),
    *(_task(f"mtedx_fr_{tgt}", display_name=f"mTEDx fr-{tgt} speech translation", type="translation",
            metric=("corpus_bleu", "bleu"), reader="mtedx", folder="mtedx", options={"pair": f"fr-{tgt}"},
            languages=("fra", {"en": "eng", "es": "spa", "pt": "por"}[tgt]),
            license="CC BY-NC-ND 4.0", probes=("seq2seq",), chance=(0.0, "an empty translation"),
            text_normalization="none", probe=MTEDX_PROBE, metric_args={"tokenize": "13a"},
            homepage="https://www.openslr.org/100/",
            description=f"Speech translation French to {name} on Multilingual TEDx (OpenSLR 100, public; "
            "`hf-bench prepare` downloads the release archive): one utterance per segment of the talks. A "
            "speech-to-text transformer (fairseq s2t_transformer_xs shape, as a transformers model) over 1000 "
            "SentencePiece units, beam 5; corpus BLEU with sacreBLEU's default 13a tokenisation on the "
            "detokenised, case-sensitive text (also chrF) (LeBenchmark: fairseq S2T, average of the last 10 "
            "checkpoints).")
      for tgt, name in (("en", "English"), ("es", "Spanish"), ("pt", "Portuguese"))),
    *(_task(f"recola_{dim}", display_name=f"RECOLA {dim}", type="frame_regression", metric=("ccc", "ccc"),
            reader="recola", folder="recola", options={"dimension": dim}, license="RECOLA licence (UniFR)",
            probes=("gru",), chance=_CONSTANT, target_range=(-1.0, 1.0),
            homepage="https://diuf.unifr.ch/main/diva/recola/",
            description=f"Continuous emotion recognition on RECOLA (AVEC 2016 release): the {dim} gold standard "
            "every 40 ms. A GRU-32 head trained with 1 - CCC (Adam 1e-3, at most 250 epochs, early stopping "
            "after 50 with patience 15); predictions resampled to the annotation times, one CCC over the "
            "concatenated test recordings (LeBenchmark AER, testConcated). AVEC 2016 withheld the test gold "
            "standard: a copy without it cannot score this task.")
      for dim in ("arousal", "valence")),
    _task("allosat", display_name="AlloSat satisfaction", type="frame_regression", metric=("ccc", "ccc"),
          reader="allosat", folder="allosat", license="AlloSat licence (LIUM, on request)", probes=("gru",),
          chance=_CONSTANT, homepage="https://lium.univ-lemans.fr/en/allosat/",
          description="Continuous satisfaction on AlloSat (French call-centre conversations). A GRU-32 head "
          "trained with 1 - CCC, early stopping as the LeBenchmark AER recipe; predictions resampled to the "
          "annotation times, one CCC over the concatenated test conversations."),
)

__all__ = ["LEBENCHMARK_TASKS"]
