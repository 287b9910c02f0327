"""The CBV 2.0 Event Hash ID against every published case, plus normalisation rules."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from epcis.errors import InvalidInput, UnknownJsonLdContext
from epcis.event_hash import (
    ContextCache,
    JsonLdContext,
    document_event_hash_ids,
    document_prehash_strings,
    event_digest,
    event_hash_id,
    normalise_number,
    normalise_timestamp,
    prehash_string,
)

from .conftest import HASH_CASES, TESTDATA

CASES = sorted(p.stem for p in HASH_CASES.glob("*.jsonld")) if HASH_CASES.is_dir() else []


def _lines(name: str, suffix: str) -> list[str]:
    text = (HASH_CASES / f"{name}{suffix}").read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line]


def _document(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((HASH_CASES / f"{name}.jsonld").read_text("utf-8"))
    return result


def _ni(text: str) -> str:
    return f"ni:///sha-256;{hashlib.sha256(text.encode()).hexdigest()}?ver=CBV2.0"


def test_cases_folder_is_not_empty() -> None:
    assert len(CASES) >= 11


@pytest.mark.parametrize("name", CASES)
def test_document_event_hash_ids_match_expected(name: str) -> None:
    assert document_event_hash_ids(_document(name)) == _lines(name, ".hashes")


@pytest.mark.parametrize("name", CASES)
def test_document_prehash_strings_match_expected(name: str) -> None:
    expected = _lines(name, ".prehashes")
    hashes = _lines(name, ".hashes")
    got = document_prehash_strings(_document(name))
    assert len(got) == len(expected) == len(hashes)
    stale = [i for i, line in enumerate(expected) if _ni(line) != hashes[i]]
    for i, line in enumerate(expected):
        if i not in stale:
            assert got[i] == line
    if stale:
        # The shared .prehashes file disagrees with its own .hashes file on these lines
        # (stale or garbled debugging output); the .hashes are checked above.
        pytest.skip(f"{name}.prehashes lines {stale} do not hash to {name}.hashes")


def test_event_hash_id_and_digest_agree() -> None:
    event = _document("epcisDocWithSingleEvent")["epcisBody"]["eventList"][0]
    digest = event_digest(event)
    assert len(digest) == 32
    assert event_hash_id(event) == f"ni:///sha-256;{digest.hex()}?ver=CBV2.0"


def _single_event() -> dict[str, Any]:
    event: dict[str, Any] = _document("epcisDocWithSingleEvent")["epcisBody"]["eventList"][0]
    return event


def test_prehash_string_ignores_key_order_list_order_and_event_id() -> None:
    event = _single_event()
    shuffled = dict(reversed(list(copy.deepcopy(event).items())))
    shuffled["epcList"].reverse()
    shuffled["eventID"] = "urn:uuid:3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    shuffled["recordTime"] = "2030-01-01T00:00:00Z"
    assert prehash_string(shuffled) == prehash_string(event)


def test_prehash_string_equal_for_epc_urn_and_custom_domain_digital_link() -> None:
    event = _single_event()
    other = copy.deepcopy(event)
    other["epcList"] = [
        "https://id.example.org/01/10614141073464/10/LOT9/21/2017?17=300101",
        "https://id.gs1.org/01/10614141073464/21/2018",
    ]
    assert prehash_string(other) == prehash_string(event)


def test_prehash_string_changes_with_any_value() -> None:
    event = _single_event()
    changed = copy.deepcopy(event)
    changed["disposition"] = "in_progress"
    assert prehash_string(changed) != prehash_string(event)


def test_prehash_string_expands_bizstep_short_name_and_urn_alike() -> None:
    event = _single_event()
    urn = copy.deepcopy(event)
    urn["bizStep"] = "urn:epcglobal:cbv:bizstep:shipping"
    web = copy.deepcopy(event)
    web["bizStep"] = "https://ref.gs1.org/cbv/BizStep-shipping"
    assert prehash_string(urn) == prehash_string(web) == prehash_string(event)


def test_prehash_string_error_declaration_is_not_hashed() -> None:
    event = _single_event()
    declared = copy.deepcopy(event)
    declared["errorDeclaration"] = {
        "declarationTime": "2030-01-01T00:00:00Z",
        "reason": "incorrect_data",
    }
    assert event_hash_id(declared) == event_hash_id(event)


def test_prehash_string_certification_info_follows_time_zone_offset() -> None:
    event = _single_event()
    event["certificationInfo"] = "https://cert.example.org/c/1"
    text = prehash_string(event)
    assert "eventTimeZoneOffset=-06:00certificationInfo=https://cert.example.org/c/1epcList" in text


def test_prehash_string_unprefixed_extension_is_refused() -> None:
    event = _single_event()
    event["myField"] = "x"
    with pytest.raises(InvalidInput, match="namespaced extension"):
        prehash_string(event)


def test_prehash_string_full_iri_extension_key() -> None:
    event = _single_event()
    event["https://ns.example.com/epcis/harvestArea"] = {"https://ns.example.com/epcis/ha": 1.50}
    assert prehash_string(event).endswith(
        "{https://ns.example.com/epcis/}harvestArea{https://ns.example.com/epcis/}ha=1.5"
    )


def test_prehash_string_not_an_event_is_refused() -> None:
    with pytest.raises(InvalidInput, match="event type"):
        prehash_string({"type": "EPCISDocument"})


def test_document_event_hash_ids_unknown_remote_context() -> None:
    document = _document("epcisDocWithSingleEvent")
    document["@context"] = ["https://example.org/unknown-context.jsonld"]
    with pytest.raises(UnknownJsonLdContext, match="not in the local cache"):
        document_event_hash_ids(document)


def test_document_event_hash_ids_bare_event() -> None:
    document = _document("epcisDocWithSingleEvent")
    event = document["epcisBody"]["eventList"][0]
    assert document_event_hash_ids(event) == document_event_hash_ids(document)


def test_context_cache_reads_shared_contexts_dir(tmp_path: Any) -> None:
    shared = HASH_CASES.parent / "contexts"
    name = next(shared.glob("*.jsonld")).name
    (tmp_path / name).write_bytes((shared / name).read_bytes())
    url = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    (tmp_path / "index.json").write_text(json.dumps({url: name}))
    cache = ContextCache(tmp_path)
    assert cache.prefixes(url)["cbvmda"] == "urn:epcglobal:cbv:mda:"
    document = _document("epcisDocWithVariousEventTypes")
    assert document_event_hash_ids(document, cache) == _lines(
        "epcisDocWithVariousEventTypes", ".hashes"
    )


def test_json_ld_context_expand_key_with_declared_prefix() -> None:
    ctx = JsonLdContext.from_jsonld(
        [
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            {"ocop": "https://ocop.example.vn/ns/"},
        ]
    )
    assert ctx.expand_key("ocop:stars") == "{https://ocop.example.vn/ns/}stars"
    assert ctx.expand_curie("gs1:Temperature") == "https://gs1.org/voc/Temperature"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"),
        ("2023-02-02T11:04:03.1414Z", "2023-02-02T11:04:03.141Z"),
        ("2023-12-31T23:59:59.9995Z", "2024-01-01T00:00:00.000Z"),
        ("2020-04-01T15:00:00+01:00", "2020-04-01T14:00:00.000Z"),
        ("2005-04-03T20:33:31.116000-06:00", "2005-04-04T02:33:31.116Z"),
        ("2023-03-27T11:30:00.0Z", "2023-03-27T11:30:00.000Z"),
    ],
)
def test_normalise_timestamp(given: str, expected: str) -> None:
    assert normalise_timestamp(given) == expected


def test_normalise_timestamp_without_offset_is_refused() -> None:
    with pytest.raises(InvalidInput, match="xsd:dateTimeStamp"):
        normalise_timestamp("2023-02-02T11:04:03")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (1, "1"),
        (1.0, "1"),
        (0.3430, "0.343"),
        ("600.00", "600"),
        (1e-7, "0.0000001"),
        (True, "true"),
    ],
)
def test_normalise_number(given: object, expected: str) -> None:
    assert normalise_number(given) == expected


OPENEPCIS_VALID = TESTDATA / "openepcis" / "valid"


@pytest.mark.parametrize("path", sorted(OPENEPCIS_VALID.glob("*.json")), ids=lambda p: p.stem)
def test_every_valid_openepcis_document_hashes(path: Path) -> None:
    hashes = document_event_hash_ids(json.loads(path.read_text()))
    assert hashes
    assert all(h.startswith("ni:///sha-256;") and h.endswith("?ver=CBV2.0") for h in hashes)


def test_nested_bare_extension_keys_inherit_the_namespace_and_are_hashed() -> None:
    document = json.loads(
        (OPENEPCIS_VALID / "doc_AssociationEvent_with_userExtensions.json").read_text()
    )
    event = document["epcisBody"]["eventList"][0]
    prehash = prehash_string(event, JsonLdContext.from_jsonld(document["@context"]))
    assert "{http://ns.example.com/epcis}tag1=1" in prehash
    original = document_event_hash_ids(document)
    event["example:extension"]["moreExtensions"]["futureExtension"]["tag1"] = "9"
    assert document_event_hash_ids(document) != original
