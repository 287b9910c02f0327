"""EPCIS 2.0 validation: GS1's JSON Schema plus the standard's rules it cannot express."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from epcis.validation import (
    SCHEMA_PATH,
    Problem,
    validate_document,
    validate_event,
)
from tests.epcis.conftest import HASH_CASES, TESTDATA

OPENEPCIS = TESTDATA / "openepcis"
VALID = OPENEPCIS / "valid"
INVALID = OPENEPCIS / "invalid"
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

#: What each invalid openepcis file tests, as substrings of the problems it must give.
INVALID_EXPECTATIONS: dict[str, list[str]] = {
    "Combination_of_events_with_missing_mandatory_fields.json": [
        "event 0: action: is required in an ObjectEvent",
        "event 1: action: is required in an ObjectEvent",
        "event 1: eventTimeZoneOffset: is required in an ObjectEvent",
    ],
    "Combination_of_non_standard_bizStep_and_disposition.json": [
        "event 0: bizStep: must be a CBV 2.0 business step",
        "event 1: disposition: must be a CBV 2.0 disposition",
    ],
    "ObjectEvent_with_ilmd_field_without_namespace.json": [
        "event 0: ilmd.materialType: is not an EPCIS field here; extension fields must be"
        " namespaced",
    ],
    "ObjectEvent_with_invalid_certificationInfo.json": [
        "event 0: certificationInfo: must be a URI or an array of URIs",
    ],
    "ObjectEvent_with_non_standard_bizStep.json": [
        "event 0: bizStep: must be a CBV 2.0 business step (e.g. shipping) or a URI",
    ],
    "ObjectEvent_with_non_standard_disposition.json": [
        "event 0: disposition: must be a CBV 2.0 disposition (e.g. in_transit) or a URI",
    ],
    "ObjectEvent_with_unknown_field_in_quantityList.json": [
        "event 0: quantityList[0].weight: is not allowed here (allowed: epcClass, quantity, uom)",
    ],
    "ObjectEvent_without_identifier_list.json": [
        "event 0: epcList: an ObjectEvent needs epcList or quantityList",
    ],
}


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _names(folder: Path, pattern: str = "*.json") -> list[str]:
    assert folder.is_dir(), f"shared test data missing: {folder}"
    return sorted(p.name for p in folder.glob(pattern))


# ------------------------------------------------------------------------ shared files


@pytest.mark.parametrize("name", _names(VALID))
def test_validate_document_openepcis_valid_gives_no_problem(name: str) -> None:
    assert validate_document(_load(VALID / name)) == []


@pytest.mark.parametrize("name", _names(HASH_CASES, "*.jsonld"))
def test_validate_document_event_hash_cases_give_no_problem(name: str) -> None:
    assert validate_document(_load(HASH_CASES / name)) == []


@pytest.mark.parametrize("name", _names(INVALID))
def test_validate_document_openepcis_invalid_names_the_problem(name: str) -> None:
    problems = [str(p) for p in validate_document(_load(INVALID / name))]
    assert problems, f"{name} was accepted"
    for expected in INVALID_EXPECTATIONS[name]:
        assert any(expected in text for text in problems), (expected, problems)
    # Exactly the problems the file is about: no noise from anyOf alternatives.
    assert len(problems) == len(INVALID_EXPECTATIONS[name]), problems


def test_invalid_expectations_cover_every_invalid_file() -> None:
    assert set(INVALID_EXPECTATIONS) == set(_names(INVALID))


def test_schema_copy_is_gs1s_file_and_a_valid_draft7_schema() -> None:
    shipped = SCHEMA_PATH.read_bytes()
    assert shipped == (TESTDATA / "epcis-standard" / "EPCIS-JSON-Schema.json").read_bytes()
    Draft7Validator.check_schema(json.loads(shipped))


# --------------------------------------------------------------------------- factories


def object_event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": "2026-03-01T08:30:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": ["https://id.gs1.org/01/08938501000354/21/0001"],
    }
    event.update(fields)
    return event


def document(*events: dict[str, Any], **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [CONTEXT, {"ocop": "https://ns.ocoptrace.org/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T09:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }
    doc.update(fields)
    return doc


def problems_of(event: dict[str, Any]) -> list[Problem]:
    return validate_document(document(event))


# ----------------------------------------------------------------------------- Problem


def test_problem_str_names_event_field_and_rule() -> None:
    assert str(Problem(2, "bizStep", "must be a URI")) == "event 2: bizStep: must be a URI"
    assert str(Problem(None, "schemaVersion", "x")) == "document: schemaVersion: x"


def test_validate_document_factory_event_is_valid() -> None:
    assert problems_of(object_event()) == []


def test_validate_document_non_object_is_one_problem() -> None:
    assert validate_document([1, 2]) == [  # type: ignore[arg-type]
        Problem(None, "document", "must be a JSON object")
    ]


# ------------------------------------------------------------------------ schema rules


def test_validate_document_event_time_without_zone() -> None:
    assert problems_of(object_event(eventTime="2026-03-01T08:30:00")) == [
        Problem(
            0,
            "eventTime",
            "must be a date and time with a time zone, e.g. 2026-03-01T08:30:00+07:00",
        )
    ]


def test_validate_document_event_time_impossible_date() -> None:
    [problem] = problems_of(object_event(eventTime="2026-02-30T08:30:00Z"))
    assert problem.field == "eventTime"


def test_validate_document_record_time_checked_too() -> None:
    [problem] = problems_of(object_event(recordTime="yesterday"))
    assert problem.field == "recordTime"


def test_validate_document_time_zone_offset_format() -> None:
    assert problems_of(object_event(eventTimeZoneOffset="+7:00")) == [
        Problem(
            0, "eventTimeZoneOffset", "must be a time zone offset ±hh:mm between -14:00 and +14:00"
        )
    ]


def test_validate_document_transformation_event_has_no_action() -> None:
    event = object_event(type="TransformationEvent", action="ADD")
    del event["epcList"]
    event["inputEPCList"] = ["urn:epc:id:sgtin:8938501.000035.0001"]
    event["outputQuantityList"] = [
        {"epcClass": "urn:epc:class:lgtin:8938501.000036.TT2610", "quantity": 12.5, "uom": "KGM"}
    ]
    assert problems_of(event) == [
        Problem(0, "action", "a TransformationEvent has no action: remove it")
    ]


def test_validate_document_transformation_needs_inputs_and_outputs() -> None:
    event = object_event(type="TransformationEvent")
    del event["epcList"], event["action"]
    rule = (
        "a TransformationEvent needs inputs (inputEPCList/inputQuantityList) and outputs"
        " (outputEPCList/outputQuantityList); with a transformationID, inputs or outputs alone"
    )
    assert problems_of(event) == [Problem(0, "inputEPCList", rule)]
    event["inputEPCList"] = ["urn:epc:id:sgtin:8938501.000035.0001"]
    assert problems_of(event) == [Problem(0, "outputEPCList", rule)]
    event["transformationID"] = "urn:uuid:5f0c9a52-0f5e-4a55-9b0e-2d6c0d1f8a10"
    assert problems_of(event) == []


def test_validate_document_ilmd_only_with_add() -> None:
    event = object_event(ilmd={"ocop:harvestDate": "2026-02-20"})
    assert problems_of(event) == [Problem(0, "ilmd", "is only allowed when action is ADD")]
    event["action"] = "ADD"
    assert problems_of(event) == []


def test_validate_document_uom_pattern() -> None:
    event = object_event(
        quantityList=[
            {"epcClass": "urn:epc:class:lgtin:8938501.000035.TT2610", "quantity": 2.5, "uom": "kg"}
        ]
    )
    assert problems_of(event) == [
        Problem(
            0,
            "quantityList[0].uom",
            "must be a UN/CEFACT Rec 20 unit code: 2-3 uppercase letters or digits (e.g. KGM)",
        )
    ]


def test_validate_document_unnamespaced_event_field() -> None:
    [problem] = problems_of(object_event(colour="red"))
    assert problem.field == "colour"
    assert problem.rule.startswith("is not a field of an ObjectEvent; extension fields must")


# ------------------------------------------------------------------- non-schema rules


def test_validate_document_aggregation_add_needs_parent_id() -> None:
    event = object_event(type="AggregationEvent", action="ADD")
    event["childEPCs"] = event.pop("epcList")
    assert problems_of(event) == [
        Problem(0, "parentID", "an AggregationEvent with action ADD or DELETE needs it")
    ]
    event["action"] = "OBSERVE"
    assert problems_of(event) == []
    event["action"] = "ADD"
    event["parentID"] = "urn:epc:id:sscc:8938501.0000000001"
    assert problems_of(event) == []


def test_validate_document_epc_digital_link_check_digit() -> None:
    event = object_event(epcList=["https://id.gs1.org/01/08938501000355/21/0001"])
    [problem] = problems_of(event)
    assert problem.field == "epcList[0]"
    assert problem.rule == (
        "is not a valid GS1 Digital Link: GTIN 08938501000355: check digit must be 4"
    )


def test_validate_document_epc_urn_malformed() -> None:
    [problem] = problems_of(object_event(epcList=["urn:epc:id:sgtin:8938501.35.0001"]))
    assert problem == Problem(
        0,
        "epcList[0]",
        "is not a valid EPC URI: urn:epc:id:sgtin:8938501.35.0001: company prefix and item"
        " reference must total 13 digits",
    )


def test_validate_document_class_identifier_in_epc_list() -> None:
    assert problems_of(object_event(epcList=["urn:epc:class:lgtin:8938501.000035.L1"])) == [
        Problem(
            0, "epcList[0]", "is a class-level identifier: list it in a quantityList (epcClass)"
        )
    ]
    [problem] = problems_of(object_event(epcList=["https://id.gs1.org/01/08938501000354"]))
    assert problem.rule.startswith("names a class of trade items (GTIN without serial 21)")


def test_validate_document_private_uri_identifiers_accepted() -> None:
    # CBV 2.0 §8: HTTP URLs and other URIs may identify objects in a private vocabulary.
    event = object_event(epcList=["https://coop.example.vn/obj/42", "urn:uuid:0b0c3e2e-1"])
    assert problems_of(event) == []


def test_validate_document_epc_class_must_be_class_level() -> None:
    event = object_event(
        quantityList=[{"epcClass": "urn:epc:id:sgtin:8938501.000035.0001", "quantity": 1}]
    )
    assert problems_of(event) == [
        Problem(
            0,
            "quantityList[0].epcClass",
            "is an instance-level EPC: list it in epcList, or use urn:epc:class:lgtin:",
        )
    ]


def test_validate_document_uom_needs_quantity() -> None:
    event = object_event(
        quantityList=[{"epcClass": "https://id.gs1.org/01/08938501000354", "uom": "KGM"}]
    )
    assert problems_of(event) == [
        Problem(0, "quantityList[0].uom", "is only allowed together with a quantity")
    ]


def test_validate_document_count_without_uom_is_whole() -> None:
    event = object_event(
        quantityList=[{"epcClass": "https://id.gs1.org/01/08938501000354", "quantity": 2.5}]
    )
    assert problems_of(event) == [
        Problem(
            0,
            "quantityList[0].quantity",
            "without uom the quantity is a count and must be a whole number",
        )
    ]


def test_validate_document_read_point_must_be_a_location() -> None:
    event = object_event(readPoint={"id": "urn:epc:id:sscc:8938501.0000000001"})
    assert problems_of(event) == [
        Problem(
            0,
            "readPoint.id",
            "a location must be an SGLN (urn:epc:id:sgln:...), a GLN Digital Link or a URI",
        )
    ]
    event = object_event(bizLocation={"id": "https://id.gs1.org/00/089385010000000013"})
    [problem] = problems_of(event)
    assert problem.field == "bizLocation.id"
    event = object_event(bizLocation={"id": "https://id.gs1.org/414/8938501000002"})
    assert problems_of(event) == []


def test_validate_document_read_point_extension_must_be_namespaced() -> None:
    event = object_event(readPoint={"id": "urn:epc:id:sgln:8938501.00000.0", "dock": "3"})
    [problem] = problems_of(event)
    assert problem.field == "readPoint.dock"


def test_validate_document_undeclared_prefix() -> None:
    assert problems_of(object_event(**{"foo:bar": 1})) == [
        Problem(0, "foo:bar", "prefix 'foo' is not declared in @context")
    ]
    assert problems_of(object_event(**{"ocop:commune": "Bat Xat"})) == []
    assert problems_of(object_event(**{"https://ns.example.com/x": 1})) == []


def test_validate_document_event_level_context_declares_prefix() -> None:
    event = object_event(**{"@context": [{"lab": "https://lab.example.vn/"}], "lab:moisture": 9})
    assert problems_of(event) == []


def test_validate_document_unknown_remote_context() -> None:
    doc = document(object_event(), **{"@context": "https://example.com/ctx.jsonld"})
    [problem] = validate_document(doc)
    assert (problem.event_index, problem.field) == (None, "@context")
    assert "https://example.com/ctx.jsonld is not in the local cache" in problem.rule


def test_validate_document_sensor_min_above_max() -> None:
    sensors = [
        {
            "sensorMetadata": {
                "startTime": "2026-03-01T09:00:00Z",
                "endTime": "2026-03-01T08:00:00Z",
            },
            "sensorReport": [
                {"type": "Temperature", "minValue": 30, "maxValue": 4.5, "uom": "CEL"}
            ],
        }
    ]
    assert problems_of(object_event(sensorElementList=sensors)) == [
        Problem(0, "sensorElementList[0].sensorMetadata.endTime", "must not be before startTime"),
        Problem(
            0,
            "sensorElementList[0].sensorReport[0].minValue",
            "must not exceed maxValue (30 > 4.5)",
        ),
    ]


def test_validate_document_schema_version_2_0() -> None:
    assert validate_document(document(object_event(), schemaVersion="1.2")) == [
        Problem(None, "schemaVersion", 'must be "2.0" (EPCIS 2.0)')
    ]


def test_validate_document_duplicate_event_id() -> None:
    first = object_event(eventID="urn:uuid:6a9d1a5e-0000-4000-8000-000000000001")
    second = copy.deepcopy(first)
    assert validate_document(document(first, second)) == [
        Problem(1, "eventID", "repeats the eventID of event 0")
    ]
    second["errorDeclaration"] = {"declarationTime": "2026-03-02T00:00:00Z"}
    assert validate_document(document(first, second)) == []


def test_validate_document_cbv_namespace_term_must_exist() -> None:
    event = object_event(bizStep="https://ref.gs1.org/cbv/BizStep-drying")
    assert problems_of(event) == [
        Problem(
            0,
            "bizStep",
            "names no CBV 2.0 term: https://ref.gs1.org/cbv/BizStep-drying is in GS1's namespace",
        )
    ]
    assert problems_of(object_event(bizStep="https://ref.gs1.org/cbv/BizStep-shipping")) == []
    assert problems_of(object_event(bizStep="https://ns.ocoptrace.org/bizstep/drying")) == []


def test_validate_document_query_document_locates_events() -> None:
    doc = {
        "@context": CONTEXT,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T09:00:00Z",
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": [object_event(), object_event(bizStep="drying")]},
            }
        },
    }
    [problem] = validate_document(doc)
    assert (problem.event_index, problem.field) == (1, "bizStep")


# ----------------------------------------------------------------------- bare events


def test_validate_document_bare_event_needs_context() -> None:
    assert validate_document(object_event()) == [
        Problem(0, "@context", "is required in an ObjectEvent")
    ]
    assert validate_document({"@context": CONTEXT, **object_event()}) == []


def test_validate_event_numbers_problems_and_allows_missing_context() -> None:
    assert validate_event(object_event()) == []
    assert validate_event(object_event(bizStep="drying"), index=4) == [
        Problem(4, "bizStep", "must be a CBV 2.0 business step (e.g. shipping) or a URI")
    ]
