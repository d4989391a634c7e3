"""Fixtures: small sLM21 / ProsAudit datasets and valid submissions in the official layouts (see zs_data.py)."""

from __future__ import annotations

import pytest
import zs_data


@pytest.fixture
def slm21(tmp_path):
    ds = zs_data.build_slm21_dataset(tmp_path / "sLM21-dataset")
    sub = zs_data.build_slm21_submission(tmp_path / "submission")
    return ds, sub


@pytest.fixture
def prosaudit(tmp_path):
    ds = zs_data.build_prosaudit_dataset(tmp_path / "prosaudit-dataset")
    sub = zs_data.build_prosaudit_submission(tmp_path / "prosaudit-submission")
    return ds, sub
