"""EPCIS 2.0 pydantic model: lossless round trip of every shared test file, typed access,
clear refusals; our border-trade extensions: context file, validators, typed reading."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

import epcis.model as model_module
from epcis import ocop_extensions as ocop
from epcis.errors import InvalidInput
from epcis.event_hash import ContextCache, document_event_hash_ids
from epcis.model import (
    AggregationEvent,
    EPCISDocument,
    EPCISQueryDocument,
    GS1Model,
    ObjectEvent,
    QuantityElement,
    ReadPoint,
    TransformationEvent,
    as_datetime,
    events_of,
    parse_document,
    parse_event,
)

from .conftest import HASH_CASES, TESTDATA

REPO = Path(__file__).resolve().parents[2]
OPENEPCIS_VALID = TESTDATA / "openepcis" / "valid"
OPENEPCIS_INVALID = TESTDATA / "openepcis" / "invalid"
SCHEMA = TESTDATA / "epcis-standard" / "EPCIS-JSON-Schema.json"
DOC = REPO / "docs" / "epcis-extensions.md"


def _valid_files() -> list[Path]:
    return sorted(
        p
        for folder in (OPENEPCIS_VALID, HASH_CASES)
        for p in folder.glob("*")
        if p.suffix in (".json", ".jsonld")
    )


VALID_FILES = _valid_files()


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _parse(data: dict[str, Any]) -> BaseModel:
    if data["type"] in ("EPCISDocument", "EPCISQueryDocument"):
        return parse_document(data)
    event: BaseModel = parse_event(data)
    return event


def _hashes(data: dict[str, Any]) -> list[str] | str:
    """The Event Hash IDs, or the refusal message where our hash code refuses the file."""
    try:
        return document_event_hash_ids(data)
    except InvalidInput as exc:
        return f"refused: {exc}"


def _ocop_event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "@context": ocop.event_context(),
        "type": "ObjectEvent",
        "eventTime": "2026-10-05T16:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "epcList": [],
        "quantityList": [
            {"epcClass": "https://id.gs1.org/01/08938501001009/10/YT2610-01", "quantity": 500}
        ],
        "ilmd": {
            "ocop:plantingAreaCode": "LC-PUC-SAMPLE-0001",
            "ocop:practice": "GACP",
            "ocop:harvestDate": "2026-10-05",
            "ocop:ocopStars": 4,
        },
    }
    event.update(changes)
    return event


def _doc_example() -> dict[str, Any]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 1, "docs/epcis-extensions.md must hold exactly one JSON example"
    example: dict[str, Any] = json.loads(blocks[0])
    return example


# ------------------------------------------------------------------------- round trip


def test_valid_files_are_all_found() -> None:
    assert OPENEPCIS_VALID.is_dir(), f"shared test data missing: {OPENEPCIS_VALID}"
    assert len(VALID_FILES) >= 35


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_parse_then_dump_gives_back_the_input(path: Path) -> None:
    original = _load(path)
    model = _parse(copy.deepcopy(original))
    assert model.model_dump(by_alias=True, exclude_none=True) == original
    assert isinstance(model, GS1Model)
    assert model.to_jsonld() == original
    # Numbers keep their JSON type: 200 stays int, 26.0 would stay float.
    assert json.dumps(model.model_dump(by_alias=True, exclude_none=True), sort_keys=True) == (
        json.dumps(original, sort_keys=True)
    )


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_dumped_document_has_the_same_event_hash_ids(path: Path) -> None:
    original = _load(path)
    dumped = _parse(copy.deepcopy(original)).model_dump(by_alias=True, exclude_none=True)
    assert _hashes(dumped) == _hashes(original)


@pytest.mark.parametrize("name", sorted(p.stem for p in HASH_CASES.glob("*.jsonld")))
def test_dumped_hash_case_matches_published_hashes(name: str) -> None:
    dumped = parse_document(_load(HASH_CASES / f"{name}.jsonld")).to_jsonld()
    expected = (HASH_CASES / f"{name}.hashes").read_text("utf-8").split()
    assert document_event_hash_ids(dumped) == expected


def test_parse_document_accepts_json_text() -> None:
    path = OPENEPCIS_VALID / "doc_ObjectEvent_all_possible_fields.json"
    from_text = parse_document(path.read_bytes())
    assert from_text == parse_document(_load(path))


# ---------------------------------------------------------------------- typed access


def test_typed_access_to_standard_fields() -> None:
    document = parse_document(_load(OPENEPCIS_VALID / "doc_ObjectEvent_all_possible_fields.json"))
    assert isinstance(document, EPCISDocument)
    [event] = events_of(document)
    assert isinstance(event, ObjectEvent)
    assert event.quantity_list is not None
    assert event.quantity_list[0].epc_class == "urn:epc:class:lgtin:4012345.012345.998877"
    assert event.quantity_list[0].quantity == 200
    assert type(event.quantity_list[0].quantity) is int
    assert event.biz_step == "receiving"
    assert event.read_point is not None
    assert event.read_point.id == "urn:epc:id:sgln:0012345.11111.400"
    assert event.persistent_disposition is not None
    assert event.persistent_disposition.set == ["completeness_verified"]
    assert event.error_declaration is not None
    assert event.error_declaration.reason == "incorrect_data"
    assert event.error_declaration.corrective_event_ids is not None
    assert event.sensor_element_list is not None
    report = event.sensor_element_list[0].sensor_report[0]
    assert (report.type, report.s_dev, report.boolean_value) == ("Temperature", 0.1, True)
    assert report.extensions == {"ext1:someFurtherReportData": "someText"}
    assert event.ilmd is not None
    assert event.ilmd.extensions["cbvmda:lotNumber"] == "ABC123"
    assert list(event.extensions)[:3] == ["ext1:float", "ext1:time", "ext1:array"]
    assert event.event_time == "2005-04-05T02:33:31.116Z"
    assert as_datetime(event.event_time).isoformat() == "2005-04-05T02:33:31.116000+00:00"


def test_events_of_query_document() -> None:
    document = parse_document(_load(HASH_CASES / "epcisQueryDocument.jsonld"))
    assert isinstance(document, EPCISQueryDocument)
    events = events_of(document)
    assert events
    assert events == document.epcis_body.query_results.results_body.event_list


def test_each_event_type_is_dispatched_on_type() -> None:
    names = {
        type(parse_event(_load(OPENEPCIS_VALID / f"{kind}.json"))).__name__
        for kind in (
            "ObjectEvent",
            "AggregationEvent",
            "TransactionEvent",
            "TransformationEvent",
            "AssociationEvent",
        )
    }
    assert names == {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }


def test_construct_with_snake_case_names_and_dump_gs1_names() -> None:
    event = TransformationEvent(
        event_time="2026-10-08T08:00:00+07:00",
        event_time_zone_offset="+07:00",
        input_quantity_list=[QuantityElement(epc_class="urn:epc:class:lgtin:1.2.3", quantity=5)],
        output_epc_list=["urn:epc:id:sgtin:1.2.3"],
        read_point=ReadPoint(id="urn:epc:id:sgln:1.2.3"),
        biz_step="commissioning",
    )
    assert event.to_jsonld() == {
        "type": "TransformationEvent",
        "eventTime": "2026-10-08T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "bizStep": "commissioning",
        "readPoint": {"id": "urn:epc:id:sgln:1.2.3"},
        "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:1.2.3", "quantity": 5}],
        "outputEPCList": ["urn:epc:id:sgtin:1.2.3"],
    }


def test_every_alias_is_a_name_of_the_official_schema() -> None:
    names = set(re.findall(r'"([@A-Za-z]+)"', SCHEMA.read_text(encoding="utf-8")))
    models = [
        cls
        for cls in vars(model_module).values()
        if isinstance(cls, type) and issubclass(cls, GS1Model)
    ]
    aliases = {
        field.serialization_alias or to_camel(name)
        for cls in models
        for name, field in cls.model_fields.items()
    }
    assert len(models) >= 25
    assert {"@context", "eventID", "childEPCs", "sDev", "correctiveEventIDs"} <= aliases
    assert aliases - names == set()


# ---------------------------------------------------------------------- numbers, nulls


def test_number_types_are_kept() -> None:
    event = parse_event(
        _ocop_event(quantityList=[{"epcClass": "urn:epc:class:x:1", "quantity": 2.0}])
    )
    assert isinstance(event, ObjectEvent)
    assert event.quantity_list is not None
    assert type(event.quantity_list[0].quantity) is float
    assert event.to_jsonld()["quantityList"][0]["quantity"] == 2.0


def test_decimal_quantity_becomes_the_json_number_of_its_text() -> None:
    def quantity(value: Decimal) -> object:
        element = {"epcClass": "urn:epc:class:x:1", "quantity": value}
        return QuantityElement.model_validate(element).quantity

    assert quantity(Decimal("200")) == 200
    assert type(quantity(Decimal("200"))) is int
    assert quantity(Decimal("2.50")) == 2.5
    assert type(quantity(Decimal("2.50"))) is float
    with pytest.raises(ValidationError, match="finite"):
        quantity(Decimal("NaN"))


def test_null_extension_value_survives_exclude_none() -> None:
    data = _ocop_event(**{"ocop:note": None})
    assert parse_event(data).model_dump(by_alias=True, exclude_none=True) == data


# ------------------------------------------------------------------------- refusals


INVALID_EXPECTED = {
    "Combination_of_events_with_missing_mandatory_fields.json": "action",
    "Combination_of_non_standard_bizStep_and_disposition.json": "bizStep",
    "ObjectEvent_with_ilmd_field_without_namespace.json": "materialType",
    "ObjectEvent_with_invalid_certificationInfo.json": "certificationInfo",
    "ObjectEvent_with_non_standard_bizStep.json": "transforming",
    "ObjectEvent_with_non_standard_disposition.json": "in_transport",
    "ObjectEvent_with_unknown_field_in_quantityList.json": "weight",
    "ObjectEvent_without_identifier_list.json": "epcList or quantityList",
}


def test_invalid_folder_is_covered() -> None:
    assert {p.name for p in OPENEPCIS_INVALID.glob("*.json")} == set(INVALID_EXPECTED)


@pytest.mark.parametrize("name", sorted(INVALID_EXPECTED))
def test_invalid_document_is_refused_naming_the_field(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_document(_load(OPENEPCIS_INVALID / name))
    assert INVALID_EXPECTED[name] in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"eventTime": "2026-10-05 16:00"}, "eventTime"),
        ({"eventTime": "2026-02-30T16:00:00Z"}, "eventTime"),
        ({"eventTimeZoneOffset": "+7:00"}, "eventTimeZoneOffset"),
        ({"action": "UPDATE"}, "action"),
        ({"biz_step": "shipping"}, "biz_step"),
        ({"quantityList": [{"epcClass": "urn:epc:class:x:1", "quantity": "5"}]}, "quantity"),
        ({"quantityList": [{"epcClass": "urn:epc:class:x:1", "quantity": True}]}, "quantity"),
        ({"quantityList": [{"epcClass": "urn:epc:class:x:1", "uom": "kg"}]}, "uom"),
        ({"readPoint": {"id": "warehouse 1"}}, "readPoint.id"),
        ({"persistentDisposition": {}}, "persistentDisposition"),
        ({"action": "OBSERVE"}, "ilmd is only allowed when action is ADD"),
        ({"type": "SensorEvent"}, "SensorEvent"),
    ],
)
def test_invalid_event_is_refused_naming_the_field(changes: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_event(_ocop_event(**changes))
    assert named in str(caught.value)


def test_aggregation_without_children_is_refused() -> None:
    with pytest.raises(ValidationError, match="childEPCs or childQuantityList"):
        AggregationEvent(
            event_time="2026-10-08T08:00:00+07:00",
            event_time_zone_offset="+07:00",
            action="ADD",
            parent_id="urn:epc:id:sscc:0614141.1234567890",
        )


# ------------------------------------------------------------------- our extensions


def test_committed_context_file_equals_generated() -> None:
    assert ocop.CONTEXT_FILE.read_text(encoding="utf-8") == ocop.jsonld_context_text()


def test_context_defines_every_term_with_its_type() -> None:
    context = ocop.jsonld_context()["@context"]
    assert context["ocop"] == ocop.OCOP_NAMESPACE
    assert context["ocop:harvestDate"] == {"@id": "ocop:harvestDate", "@type": "xsd:date"}
    assert context["ocop:ocopStars"]["@type"] == "xsd:integer"
    assert context["ocop:latitude"]["@type"] == "xsd:decimal"
    assert context["ocop:plantingAreaCode"] == {"@id": "ocop:plantingAreaCode"}
    assert {k.removeprefix("ocop:") for k in context if k.startswith("ocop:")} == set(
        ocop.OCOP_TERMS
    )


def test_context_is_registered_for_offline_resolution() -> None:
    index = json.loads((ocop.CONTEXT_FILE.parent / "index.json").read_text("utf-8"))
    assert index[ocop.OCOP_CONTEXT_URL] == ocop.CONTEXT_FILE.name
    assert ContextCache().prefixes(ocop.OCOP_CONTEXT_URL)["ocop"] == ocop.OCOP_NAMESPACE


def test_context_url_and_inline_prefix_give_the_same_hash() -> None:
    by_url = _doc_example()
    inline = copy.deepcopy(by_url)
    inline["@context"] = ocop.event_context()
    assert document_event_hash_ids(by_url) == document_event_hash_ids(inline)


def test_json_ld_processor_applies_our_types() -> None:
    jsonld = pytest.importorskip("pyld.jsonld")
    files = {
        ocop.EPCIS_CONTEXT_URL: REPO / "epcis" / "contexts" / "epcis-context-2.0.0.jsonld",
        ocop.OCOP_CONTEXT_URL: ocop.CONTEXT_FILE,
    }

    def loader(url: str, _options: Any = None) -> dict[str, Any]:
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": json.loads(files[url].read_text("utf-8")),
        }

    [expanded] = jsonld.expand(_doc_example(), {"documentLoader": loader})
    [ilmd] = expanded["https://ref.gs1.org/epcis/ilmd"]
    assert ilmd[ocop.iri("harvestDate")] == [
        {"@value": "2026-10-05", "@type": "http://www.w3.org/2001/XMLSchema#date"}
    ]
    assert ilmd[ocop.iri("ocopStars")] == [
        {"@value": 4, "@type": "http://www.w3.org/2001/XMLSchema#integer"}
    ]


def test_terms_keep_the_backend_api() -> None:
    assert ocop.term("plantingAreaCode") == "ocop:plantingAreaCode"
    assert ocop.event_context() == [ocop.EPCIS_CONTEXT_URL, {"ocop": ocop.OCOP_NAMESPACE}]
    assert list(ocop.OCOP_TERMS) == [t.name for t in ocop.TERMS]
    with pytest.raises(KeyError):
        ocop.term("gacpCode")


def test_doc_documents_every_term() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in ocop.OCOP_TERMS if f"| `ocop:{name}` |" not in text]
    assert missing == []


def test_doc_example_parses_and_reads() -> None:
    event = parse_event(_doc_example())
    assert isinstance(event, ObjectEvent)
    assert ocop.border_trade_fields(event) == ocop.BorderTradeFields(
        planting_area_code="LC-PUC-SAMPLE-0001",
        packing_house_code="LC-PHC-SAMPLE-0001",
        ocop_stars=4,
        gacc_registration_number="CVNM0000000000",
        phytosanitary_certificate_number="VN-PC-2026-000123",
        practice="GACP",
        harvest_date=date(2026, 10, 5),
    )


@pytest.mark.parametrize("stars", [3, 4, 5, "5"])
def test_validate_ocop_stars_accepts(stars: object) -> None:
    assert ocop.validate_ocop_stars(stars) == int(str(stars))


@pytest.mark.parametrize("stars", [0, 1, 2, 6, True, 4.0, "four", None])
def test_validate_ocop_stars_refuses(stars: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        ocop.validate_ocop_stars(stars)
    assert caught.value.field == "ocop:ocopStars"


@pytest.mark.parametrize("practice", ["GACP", "VietGAP", "organic", "conventional"])
def test_validate_practice_accepts(practice: str) -> None:
    assert ocop.validate_practice(practice) == practice


@pytest.mark.parametrize("practice", ["gacp", "GlobalGAP", "", 1])
def test_validate_practice_refuses(practice: object) -> None:
    with pytest.raises(InvalidInput, match="GACP, VietGAP, conventional, organic"):
        ocop.validate_practice(practice)


@pytest.mark.parametrize("code", ["LC-PUC-SAMPLE-0001", "a", "x" * 64, "5300/2024.01_A"])
def test_validate_registration_code_accepts_opaque_codes(code: str) -> None:
    assert ocop.validate_registration_code(code) == code


@pytest.mark.parametrize("code", ["", "x" * 65, "LC PUC 1", "mã-vùng", 12])
def test_validate_registration_code_refuses(code: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        ocop.validate_registration_code(code, "packingHouseCode")
    assert caught.value.field == "ocop:packingHouseCode"


def test_validate_registration_code_pattern_is_configurable() -> None:
    assert ocop.validate_registration_code("530000-1", pattern=r"\d{6}-\d") == "530000-1"
    with pytest.raises(InvalidInput, match="pattern"):
        ocop.validate_registration_code("LC-1", pattern=r"\d{6}-\d")


def test_border_trade_fields_reads_full_iris_and_other_prefixes() -> None:
    event = parse_event(
        _ocop_event(
            **{
                "@context": [ocop.EPCIS_CONTEXT_URL, {"oc": ocop.OCOP_NAMESPACE}],
                "ilmd": {"oc:practice": "VietGAP"},
                ocop.iri("borderGate"): "8938501009005",
            }
        )
    )
    fields = ocop.border_trade_fields(event)
    assert (fields.practice, fields.border_gate) == ("VietGAP", "8938501009005")


def test_border_trade_fields_uses_the_document_context() -> None:
    event = parse_event(_ocop_event(**{"@context": None, "ilmd": {"oc:ocopStars": 5}}))
    document_context = [ocop.EPCIS_CONTEXT_URL, {"oc": ocop.OCOP_NAMESPACE}]
    assert ocop.border_trade_fields(event, document_context).ocop_stars == 5
    assert ocop.border_trade_fields(event).ocop_stars is None


def test_border_trade_fields_refuses_conflicting_values() -> None:
    event = parse_event(_ocop_event(**{"ocop:plantingAreaCode": "LC-PUC-OTHER"}))
    with pytest.raises(InvalidInput, match="conflicting"):
        ocop.border_trade_fields(event)


@pytest.mark.parametrize(
    ("ilmd", "field"),
    [
        ({"ocop:ocopStars": 2}, "ocop:ocopStars"),
        ({"ocop:practice": "GlobalGAP"}, "ocop:practice"),
        ({"ocop:harvestDate": "05/10/2026"}, "ocop:harvestDate"),
        ({"ocop:plantingAreaCode": "LC PUC"}, "ocop:plantingAreaCode"),
    ],
)
def test_border_trade_fields_refuses_bad_values(ilmd: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ocop.border_trade_fields(parse_event(_ocop_event(ilmd=ilmd)))
    assert caught.value.field == field


def test_backend_harvest_event_parses_and_round_trips() -> None:
    from datetime import datetime, timedelta, timezone

    from backend.traceability import epcis_events as ev

    event = ev.harvest_event(
        ev.LotQuantity("08938501001009", "YT2610-01", 500_250),
        datetime(2026, 10, 5, 16, tzinfo=timezone(timedelta(hours=7))),
        "8938501000101",
        {"plantingAreaCode": "LC-PUC-SAMPLE-0001", "practice": "GACP", "latitude": 22.6284},
    )
    parsed = parse_event(event)
    assert parsed.to_jsonld() == event
    assert ocop.border_trade_fields(parsed).practice == "GACP"
