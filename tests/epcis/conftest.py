"""Shared test data locations for the epcis tests (read-only files from ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTDATA = Path(__file__).resolve().parents[3] / "shared" / "testdata"
HASH_CASES = TESTDATA / "epcis-event-hash" / "cases"
DL_VECTORS = TESTDATA / "gs1-digital-link" / "digital-link-js-vectors.json"


@pytest.fixture(scope="session")
def hash_cases_dir() -> Path:
    # Missing test data is a broken checkout, never a reason to skip.
    assert HASH_CASES.is_dir(), f"shared test data missing: {HASH_CASES}"
    return HASH_CASES
