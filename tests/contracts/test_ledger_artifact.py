"""The committed artifact is the compilation of the committed sources."""

from __future__ import annotations

import json

import pytest

from contracts.build import (
    ARTIFACT_PATH,
    CONTRACT_NAMES,
    artifact_from_output,
    artifact_path,
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
    assert "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol" in units
    assert "contracts/solidity/OcopLedgerRegistry.sol" in units
    assert units == sorted(units)


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_artifact_file_is_canonical_json(name: str) -> None:
    text = artifact_path(name).read_text(encoding="utf-8")
    assert text == dump_artifact(json.loads(text))
    assert json.loads(text)["sourcesSha256"] == sources_digest()


@pytest.mark.timeout(180)
def test_recompile_gives_identical_artifacts() -> None:
    """Slower (~5 s): runs solc-js through Node and compares byte for byte."""
    output = compile_sources()
    for name in CONTRACT_NAMES:
        rebuilt = dump_artifact(artifact_from_output(output, name))
        assert rebuilt == artifact_path(name).read_text(encoding="utf-8"), name
    assert artifact_path(CONTRACT_NAMES[0]) == ARTIFACT_PATH
