"""The committed artifact is the compilation of the committed sources."""

from __future__ import annotations

import json

import pytest

from contracts.build import (
    ARTIFACT_PATH,
    artifact_from_output,
    compile_sources,
    dump_artifact,
    load_artifact,
    source_units,
    sources_digest,
)


def test_sources_digest_matches_committed_artifact() -> None:
    assert load_artifact()["sourcesSha256"] == sources_digest(), (
        "contracts/solidity changed since the artifact was built: run `ocoptrace contracts build`"
    )


def test_source_units_include_used_openzeppelin_files() -> None:
    units = source_units()
    assert "contracts/solidity/OcopLedger.sol" in units
    assert "@openzeppelin/contracts/access/AccessControl.sol" in units
    assert units == sorted(units)


def test_artifact_file_is_canonical_json() -> None:
    text = ARTIFACT_PATH.read_text(encoding="utf-8")
    assert text == dump_artifact(json.loads(text))


@pytest.mark.timeout(120)
def test_recompile_gives_identical_artifact() -> None:
    """Slower (~2 s): runs solc-js through Node and compares byte for byte."""
    rebuilt = dump_artifact(artifact_from_output(compile_sources()))
    assert rebuilt == ARTIFACT_PATH.read_text(encoding="utf-8")
