"""The ``scores.json`` written by ``hf-bench zerospeech run``, as the leaderboard reads it.

The shape is fixed by the ZeroSpeech area (``kind: hf_bench.zerospeech_scores``); validating it here keeps uploads and
``leaderboard build`` from trusting unchecked fields. Every score is higher-is-better; ``null`` means "not scored"
(e.g. no test gold).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hf_bench.leaderboard.catalog import ZEROSPEECH_PROSAUDIT, ZEROSPEECH_SLM21

SCORE_NAMES = {"sLM21": ZEROSPEECH_SLM21, "prosAudit": ZEROSPEECH_PROSAUDIT}
BOARD_OF = {"sLM21": "zerospeech_slm21", "prosAudit": "zerospeech_prosaudit"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubmissionInfo(_Strict):
    model_id: str = Field(min_length=1, max_length=200)
    username: str | None = None
    system_description: str | None = None
    train_set: str | None = None
    submission_dir: str | None = None


class SplitScores(_Strict):
    dev: float | None = None
    test: float | None = None

    @field_validator("dev", "test")
    @classmethod
    def _finite(cls, v):
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number or null")
        return v


class ZeroSpeechScores(_Strict):
    kind: Literal["hf_bench.zerospeech_scores"] = "hf_bench.zerospeech_scores"
    schema_version: int = 1
    hf_bench_version: str
    created_at: str
    benchmark: Literal["sLM21", "prosAudit"]
    submission: SubmissionInfo
    params: dict[str, Any] = Field(default_factory=dict)
    scores: dict[str, SplitScores]

    @model_validator(mode="after")
    def _names(self):
        allowed = SCORE_NAMES[self.benchmark]
        unknown = sorted(set(self.scores) - set(allowed))
        if unknown:
            raise ValueError(f"unknown {self.benchmark} score names {unknown}; expected a subset of {list(allowed)}")
        if not self.scores:
            raise ValueError("scores is empty")
        return self
