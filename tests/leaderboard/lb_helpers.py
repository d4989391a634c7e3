"""Helpers for the leaderboard tests: result JSONs as `hf-bench run` writes them, ZeroSpeech scores.json."""

from __future__ import annotations

import json
from pathlib import Path

from hf_bench.results.schema import (
    ConfidenceInterval,
    DatasetInfo,
    EncoderInfo,
    ProbeInfo,
    Scores,
    TaskInfo,
    TaskResult,
)

XARES_DOMAIN = {"esc50": "sound", "cremad": "speech", "gtzan_genre": "music", "librispeech": "speech",
                "fsd50k": "sound", "vocalsound": "speech"}


def make_result(*, task="esc50", benchmark="xares", probe="mlp", score=0.5, encoder="tiny-wavlm",
                encoder_id=None, layer="weighted", fingerprint="fp0001", n_parameters=94_000_000,
                domain=None, metric="accuracy", higher_is_better=True, eval_weight=400, created_at="2026-08-01T10:00:00Z",
                ci=None, task_type="clip_classification", display_name=None, revision=None,
                protocol="default") -> dict:
    """A TaskResult payload (validated by constructing the pydantic model)."""
    r = TaskResult(
        hf_bench_version="0.1.0", created_at=created_at, libraries={"torch": "2.13.0"}, protocol=protocol,
        task=TaskInfo(name=task, version=1, benchmark=benchmark, domain=domain or XARES_DOMAIN.get(task, "speech"),
                      type=task_type, metric=metric, main_score=metric, higher_is_better=higher_is_better,
                      eval_weight=eval_weight, metadata={"display_name": display_name or task}),
        dataset=DatasetInfo(fingerprint="ds01", source={"kind": "hub", "revision": revision} if revision else {}),
        encoder=EncoderInfo(id=encoder_id or f"hf:org/{encoder}", name=encoder, fingerprint=fingerprint, layer=layer,
                            num_layers=4, dim=32, hop_ms=20.0, sampling_rate=16000, n_parameters=n_parameters),
        probe=ProbeInfo(name=probe, config={"lr": 1e-3}, seed=0),
        scores=Scores(metric=metric, main_score=score, values={metric: score},
                      ci=ConfidenceInterval(low=ci[0], high=ci[1], n_resamples=200) if ci else None),
        n_samples={"test": 40},
    )
    return r.model_dump(mode="json")


def make_zerospeech(*, model="cpc-small", benchmark="sLM21", scores=None, created_at="2026-08-02T00:00:00Z") -> dict:
    if scores is None:
        scores = {"lexical_all": {"dev": 0.61, "test": None}, "syntactic": {"dev": 0.53, "test": None},
                  "semantic_synthetic_normal": {"dev": 4.2, "test": None}} if benchmark == "sLM21" else \
                 {"prosaudit_lexical": {"dev": 0.72, "test": None}, "prosaudit_protosyntax": {"dev": 0.55, "test": None}}
    return {"kind": "hf_bench.zerospeech_scores", "schema_version": 1, "hf_bench_version": "0.1.0",
            "created_at": created_at, "benchmark": benchmark,
            "submission": {"model_id": model, "username": "tester", "system_description": "CPC + LSTM",
                           "train_set": "librispeech-100", "submission_dir": "/tmp/sub"},
            "params": {"semantic": {"metric": "cosine", "pooling": "max"}}, "scores": scores}


def write_json(path: Path, payload: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return path


def write_run(root: Path, results: list[dict]) -> Path:
    """Lay results out like `hf-bench run`: <encoder>[+protocol]/<probe>/<task>.json."""
    for r in results:
        mode = "" if r["protocol"] == "default" else f"+{r['protocol']}"
        write_json(root / (r["encoder"]["name"] + mode) / r["probe"]["name"] / f"{r['task']['name']}.json", r)
    return root


def populate_results(root: Path) -> Path:
    """Two hf_bench encoders on a few X-ARES tasks (MLP + kNN), one of them also with ``--compat xares``, one
    embedded task, one WS-Wu task, ZeroSpeech, plus a scorecard and an unrelated JSON that the build must skip."""
    rs = []
    for enc, base, n in (("tiny-wavlm", 0.60, 94_000_000), ("mini-hubert", 0.45, 1_200_000_000)):
        for i, task in enumerate(("esc50", "cremad", "gtzan_genre")):
            rs.append(make_result(task=task, probe="mlp", score=base + 0.05 * i, encoder=enc, n_parameters=n,
                                  ci=(base + 0.05 * i - 0.02, base + 0.05 * i + 0.02)))
            rs.append(make_result(task=task, probe="knn", score=base - 0.1 + 0.03 * i, encoder=enc, n_parameters=n))
            if enc == "tiny-wavlm":  # the same encoder under the X-ARES protocol, beside the published rows
                rs.append(make_result(task=task, probe="mlp", score=base + 0.02 + 0.05 * i, encoder=enc,
                                      n_parameters=n, protocol="xares"))
        rs.append(make_result(task="tones", benchmark="embedded", probe="mlp", score=base + 0.2, encoder=enc,
                              n_parameters=n, domain="sound", eval_weight=100, display_name="Synth tones"))
    rs.append(make_result(task="wu_bench_asr", benchmark="wenetspeech_wu", probe="asr_llm", score=11.5,
                          encoder="tiny-wavlm", metric="cer", higher_is_better=False, task_type="asr",
                          eval_weight=0))
    write_run(root, rs)
    write_json(root / "tiny-wavlm" / "scorecard.json", {"kind": "hf_bench.scorecard", "whatever": 1})
    write_json(root / "tiny-wavlm" / "config.json", {"hidden_size": 32})
    write_json(root / "zs" / "cpc-small" / "scores.json", make_zerospeech())
    write_json(root / "zs" / "cpc-small-pros" / "scores.json", make_zerospeech(benchmark="prosAudit"))
    return root
