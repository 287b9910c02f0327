"""``ocoptrace epcis ...`` and ``ocoptrace gs1 ...``: output lines and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from epcis.cli import epcis_app, gs1_app
from tests.epcis.conftest import HASH_CASES, TESTDATA

OPENEPCIS = TESTDATA / "openepcis"

# The same shape backend/cli.py gives them: ``ocoptrace epcis ...``, ``ocoptrace gs1 ...``.
app = typer.Typer()
app.add_typer(epcis_app, name="epcis")
app.add_typer(gs1_app, name="gs1")
runner = CliRunner()


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]


# ------------------------------------------------------------------------- epcis hash


@pytest.mark.parametrize("name", ["ReferenceEventHashAlgorithm", "epcisQueryDocument"])
def test_hash_prints_one_hash_id_per_event(name: str) -> None:
    result = runner.invoke(app, ["epcis", "hash", str(HASH_CASES / f"{name}.jsonld")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == _lines(HASH_CASES / f"{name}.hashes")


def test_hash_prehash_prints_canonical_strings() -> None:
    case = HASH_CASES / "epcisDocWithSingleEvent"
    result = runner.invoke(app, ["epcis", "hash", "--prehash", str(case.with_suffix(".jsonld"))])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == _lines(case.with_suffix(".prehashes"))


def test_hash_invalid_json_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "EPCISDocument",', encoding="utf-8")
    result = runner.invoke(app, ["epcis", "hash", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"error: {bad} is not valid JSON" in result.stderr


def test_hash_missing_file_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["epcis", "hash", str(tmp_path / "none.json")])
    assert result.exit_code == 1
    assert "error: cannot read" in result.stderr


def test_hash_unknown_remote_context_exits_1(tmp_path: Path) -> None:
    doc = json.loads((HASH_CASES / "epcisDocWithSingleEvent.jsonld").read_text(encoding="utf-8"))
    doc["@context"] = "https://example.com/unknown-context.jsonld"
    path = tmp_path / "doc.jsonld"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(app, ["epcis", "hash", str(path)])
    assert result.exit_code == 1
    assert "https://example.com/unknown-context.jsonld is not in the local cache" in result.stderr


def test_hash_json_array_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")
    result = runner.invoke(app, ["epcis", "hash", str(path)])
    assert result.exit_code == 1
    assert "must be a JSON object" in result.stderr


# --------------------------------------------------------------------- epcis validate


def test_validate_valid_document_prints_event_count() -> None:
    result = runner.invoke(
        app, ["epcis", "validate", str(HASH_CASES / "epcisDocWithVariousEventTypes.jsonld")]
    )
    assert result.exit_code == 0, result.output
    events = json.loads(
        (HASH_CASES / "epcisDocWithVariousEventTypes.jsonld").read_text(encoding="utf-8")
    )["epcisBody"]["eventList"]
    assert result.stdout == f"valid: {len(events)} events\n"


def test_validate_bare_event_counts_one() -> None:
    result = runner.invoke(
        app, ["epcis", "validate", str(OPENEPCIS / "valid" / "ObjectEvent.json")]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "valid: 1 events\n"


def test_validate_invalid_document_prints_one_line_per_problem() -> None:
    path = OPENEPCIS / "invalid" / "Combination_of_events_with_missing_mandatory_fields.json"
    result = runner.invoke(app, ["epcis", "validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "event 0: action: is required in an ObjectEvent",
        "event 1: eventTimeZoneOffset: is required in an ObjectEvent",
        "event 1: action: is required in an ObjectEvent",
    ]


def test_validate_invalid_json_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json", encoding="utf-8")
    result = runner.invoke(app, ["epcis", "validate", str(bad)])
    assert result.exit_code == 1
    assert "is not valid JSON" in result.stderr


# --------------------------------------------------------------------------- gs1 parse


def _parse(value: str) -> dict[str, str]:
    result = runner.invoke(app, ["gs1", "parse", value])
    assert result.exit_code == 0, result.output
    parsed: dict[str, str] = json.loads(result.stdout)
    return parsed


def test_parse_bracketed_element_string() -> None:
    assert _parse("(01)08938501000354(10)TT2610-01(21)0001") == {
        "type": "element-string",
        "01": "08938501000354",
        "10": "TT2610-01",
        "21": "0001",
        "gtin": "08938501000354",
        "lot": "TT2610-01",
        "serial": "0001",
    }


def test_parse_fnc1_element_string() -> None:
    parsed = _parse("0108938501000354" + "10TT2610-01\x1d" + "210001")
    assert (parsed["type"], parsed["01"], parsed["10"], parsed["21"]) == (
        "element-string",
        "08938501000354",
        "TT2610-01",
        "0001",
    )


def test_parse_digital_link_with_query_ais() -> None:
    assert _parse("https://id.gs1.org/01/08938501000354/10/TT2610-01?17=261231&linkType=x") == {
        "type": "digital-link",
        "01": "08938501000354",
        "10": "TT2610-01",
        "17": "261231",
        "gtin": "08938501000354",
        "lot": "TT2610-01",
    }


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("(01)08938501000355", "error: GTIN 08938501000355: check digit must be 4"),
        ("https://id.gs1.org/01/08938501000355/21/1", "check digit must be 4"),
        ("garbage", "error: Failed to get GS1 Application Identifier from 'garbage'."),
    ],
)
def test_parse_invalid_exits_1_with_reason(value: str, reason: str) -> None:
    result = runner.invoke(app, ["gs1", "parse", value])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert reason in result.stderr
