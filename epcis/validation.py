"""Validate EPCIS 2.0 JSON/JSON-LD documents and events: the GS1 JSON Schema, then the
rules of the standard that the schema cannot express.

``validate_document`` takes an ``EPCISDocument``, an ``EPCISQueryDocument`` or a bare event
and returns a list of ``Problem`` (empty = valid). Nothing is raised for bad input: capture
answers 4xx with every problem at once, each naming the event, the field and the rule.

Step 1 is GS1's official schema (``epcis/schemas/EPCIS-JSON-Schema.json``, draft-07),
compiled once, with the two formats it relies on checked by us (``uri`` per RFC 3986,
``date-time`` per RFC 3339 with a mandatory time zone): without them the schema would let
``"bizStep": "transforming"`` or an ``ilmd`` key without a namespace through. Its cryptic
``anyOf`` errors are turned into the one rule that was broken.

Step 2 checks what the schema cannot (EPCIS 2.0 and CBV 2.0):

* GS1 identifiers: EPC URIs (TDS) and GS1 Digital Link URIs must carry valid keys (check
  digits, lengths, character sets); instance-level identifiers in EPC lists and parentID,
  class-level ones in ``epcClass``, a location (SGLN / DL ``/414/``) in readPoint and
  bizLocation. Other URIs are private identifiers (CBV 2.0 §8) and are accepted as is;
* an AggregationEvent with action ADD or DELETE names its parentID;
* ``schemaVersion`` is ``2.0``; ``uom`` is only given with a ``quantity``, and a quantity
  without ``uom`` is a count (a whole number);
* extension fields are namespaced with a prefix declared in ``@context`` (or are absolute
  IRIs), wherever the standard allows extensions;
* sensor data: ``minValue <= maxValue``, ``startTime <= endTime``;
* bizStep / disposition URIs in GS1's CBV namespace name real CBV 2.0 terms;
* no two events of a document share an ``eventID`` (except an error declaration, which
  repeats the eventID of the event it retracts).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from jsonschema import Draft7Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match

from epcis import cbv, gs1
from epcis.errors import InvalidGS1Key, InvalidInput
from epcis.event_hash import EPCIS_CONTEXT_URL, JsonLdContext
from epcis.gs1 import (
    canonical_gs1_path,
    epc_urn_to_element_strings,
    parse_digital_link,
    validate_ai_value,
)

SCHEMA_PATH: Final = Path(__file__).with_name("schemas") / "EPCIS-JSON-Schema.json"
DOCUMENT_TYPES: Final = frozenset(["EPCISDocument", "EPCISQueryDocument"])


@dataclass(frozen=True)
class Problem:
    """One broken rule: which event (``None`` = the document itself), which field (a
    dotted path inside the event or document, list positions in brackets), which rule."""

    event_index: int | None
    field: str
    rule: str

    def __str__(self) -> str:
        where = "document" if self.event_index is None else f"event {self.event_index}"
        return f"{where}: {self.field}: {self.rule}"


# ------------------------------------------------------------------------------ formats

_URI: Final = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
)
_DATE_TIME: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))"
)


def is_uri(value: str) -> bool:
    """An absolute URI per RFC 3986 (scheme, then only URI characters or %-escapes)."""
    return _URI.fullmatch(value) is not None


def parse_timestamp(value: str) -> dt.datetime | None:
    """An RFC 3339 date-time with a time zone (``Z`` or ``±hh:mm``), else ``None``.

    EPCIS 2.0 timestamps are absolute instants: a local time without a zone is refused.
    """
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    zone_h, zone_m = match.group(7), match.group(8)
    if zone_h is not None and (int(zone_h) > 23 or int(zone_m) > 59):
        return None
    try:
        # RFC 3339 allows a leap second 60; datetime does not.
        moment = dt.datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return None
    text = value.upper().replace("Z", "+00:00")
    offset = dt.timedelta(hours=int(text[-5:-3]), minutes=int(text[-2:]))
    return moment.replace(tzinfo=dt.timezone(-offset if text[-6] == "-" else offset))


_FORMATS: Final = FormatChecker(formats=())


def _check_uri(instance: object) -> bool:
    return not isinstance(instance, str) or is_uri(instance)


def _check_date_time(instance: object) -> bool:
    return not isinstance(instance, str) or parse_timestamp(instance) is not None


_FORMATS.checks("uri")(_check_uri)
_FORMATS.checks("date-time")(_check_date_time)


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every local ``#/definitions/...`` ``$ref`` replaced by its target.

    Same meaning (draft-07 ignores a ``$ref``'s siblings; the schema has no cycles), but
    validation no longer resolves references at run time (faster on every capture).
    """
    definitions = schema.get("definitions", {})

    def inline(node: Any, seen: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [inline(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            name = unquote(ref.removeprefix("#/definitions/"))
            if name in definitions and name not in seen:
                return inline(definitions[name], seen | {name})
            return node
        return {key: inline(value, seen) for key, value in node.items()}

    return {
        key: value if key == "definitions" else inline(value, frozenset())
        for key, value in schema.items()
    }


def _property_names(
    validator: Any, names_schema: Any, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    """``propertyNames`` with a memo: events repeat the same few keys, and checking each
    against the schema's ``anyOf`` of names and URIs was 40% of validation time."""
    if not isinstance(instance, dict):
        return
    for name in instance:
        memo_key = (id(names_schema), name)
        valid = _NAME_MEMO.get(memo_key)
        if valid is None:
            valid = validator.evolve(schema=names_schema).is_valid(name)
            if len(_NAME_MEMO) < _NAME_MEMO_LIMIT:  # keys are user input: stay bounded
                _NAME_MEMO[memo_key] = valid
        if not valid:
            yield from validator.descend(instance=name, schema=names_schema)


_NAME_MEMO: dict[tuple[int, str], bool] = {}
_NAME_MEMO_LIMIT: Final = 20_000
_Validator: Final = validators.extend(Draft7Validator, {"propertyNames": _property_names})
_VALIDATOR: Any = None


def schema_validator() -> Draft7Validator:
    """GS1's EPCIS 2.0 JSON Schema, compiled once per process (capture calls this a lot)."""
    global _VALIDATOR
    if _VALIDATOR is None:
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        _VALIDATOR = _Validator(_inline_refs(schema), format_checker=_FORMATS)
    validator: Draft7Validator = _VALIDATOR
    return validator


# --------------------------------------------------------------------- field vocabulary

_COMMON_FIELDS: Final = frozenset(
    [
        "@context",
        "type",
        "eventTime",
        "recordTime",
        "eventTimeZoneOffset",
        "eventID",
        "certificationInfo",
        "errorDeclaration",
    ]
)
_WHERE_WHY: Final = frozenset(
    [
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "bizTransactionList",
        "sourceList",
        "destinationList",
        "sensorElementList",
    ]
)
#: The standard fields of each event type (EPCIS 2.0 §7.4; the schema's propertyNames).
EVENT_FIELDS: Final[dict[str, frozenset[str]]] = {
    "ObjectEvent": _COMMON_FIELDS
    | _WHERE_WHY
    | {"action", "epcList", "quantityList", "persistentDisposition", "ilmd"},
    "AggregationEvent": _COMMON_FIELDS
    | _WHERE_WHY
    | {"action", "parentID", "childEPCs", "childQuantityList"},
    "AssociationEvent": _COMMON_FIELDS
    | _WHERE_WHY
    | {"action", "parentID", "childEPCs", "childQuantityList"},
    "TransactionEvent": _COMMON_FIELDS
    | _WHERE_WHY
    | {"action", "parentID", "epcList", "quantityList"},
    "TransformationEvent": _COMMON_FIELDS
    | _WHERE_WHY
    | {
        "inputEPCList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "transformationID",
        "persistentDisposition",
        "ilmd",
    },
}
_DOCUMENT_FIELDS: Final = frozenset(
    [
        "@context",
        "id",
        "type",
        "schemaVersion",
        "creationDate",
        "instanceIdentifier",
        "sender",
        "receiver",
        "epcisHeader",
        "epcisBody",
    ]
)
_ERROR_DECLARATION_FIELDS: Final = frozenset(["declarationTime", "reason", "correctiveEventIDs"])
_SENSOR_ELEMENT_FIELDS: Final = frozenset(["sensorMetadata", "sensorReport"])
_SENSOR_METADATA_FIELDS: Final = frozenset(
    [
        "time",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "startTime",
        "endTime",
        "dataProcessingMethod",
        "bizRules",
    ]
)
_SENSOR_REPORT_FIELDS: Final = frozenset(
    [
        "type",
        "exception",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "bizRules",
        "time",
        "microorganism",
        "chemicalSubstance",
        "coordinateReferenceSystem",
        "value",
        "component",
        "stringValue",
        "booleanValue",
        "hexBinaryValue",
        "uriValue",
        "minValue",
        "maxValue",
        "meanValue",
        "sDev",
        "percRank",
        "percValue",
        "uom",
    ]
)
_LOCATION_FIELDS: Final = frozenset(["id"])

_TRANSFORMATION_RULE: Final = (
    "a TransformationEvent needs inputs (inputEPCList/inputQuantityList) and outputs"
    " (outputEPCList/outputQuantityList); with a transformationID, inputs or outputs alone"
)
_INPUTS: Final = ("inputEPCList", "inputQuantityList")
_OUTPUTS: Final = ("outputEPCList", "outputQuantityList")

#: Where the schema reports an event's list of identifiers missing, the field to name and
#: the rule (EPCIS 2.0 §7.4.2-7.4.6).
_WHAT_RULES: Final[dict[str, tuple[str, str, frozenset[str]]]] = {
    "ObjectEvent": (
        "epcList",
        "an ObjectEvent needs epcList or quantityList (or sensorElementList with a readPoint)",
        frozenset(["epcList", "quantityList", "sensorElementList"]),
    ),
    "AggregationEvent": (
        "childEPCs",
        "an AggregationEvent needs childEPCs or childQuantityList unless action is DELETE",
        frozenset(["childEPCs", "childQuantityList"]),
    ),
    "AssociationEvent": (
        "childEPCs",
        "an AssociationEvent needs childEPCs or childQuantityList unless action is DELETE",
        frozenset(["childEPCs", "childQuantityList"]),
    ),
    "TransactionEvent": (
        "epcList",
        "a TransactionEvent needs epcList or quantityList unless action is DELETE",
        frozenset(["epcList", "quantityList"]),
    ),
    "TransformationEvent": (
        "inputEPCList",
        _TRANSFORMATION_RULE,
        frozenset(),  # always this rule: the schema's alternatives read badly here
    ),
}

#: Readable rules for the schema's vocabulary ``anyOf`` (standard short name or a URI),
#: keyed by (parent field, field).
_VOCABULARY_RULES: Final[dict[tuple[str, str], str]] = {
    ("", "bizStep"): "must be a CBV 2.0 business step (e.g. shipping) or a URI",
    ("", "disposition"): "must be a CBV 2.0 disposition (e.g. in_transit) or a URI",
    ("bizTransactionList", "type"): "must be a CBV 2.0 business transaction type"
    " (e.g. po, inv, desadv) or a URI",
    ("sourceList", "type"): "must be a CBV 2.0 source/destination type"
    " (owning_party, possessing_party, location) or a URI",
    ("destinationList", "type"): "must be a CBV 2.0 source/destination type"
    " (owning_party, possessing_party, location) or a URI",
    ("errorDeclaration", "reason"): "must be a CBV 2.0 error reason"
    " (did_not_occur, incorrect_data) or a URI",
    ("sensorReport", "type"): "must be a GS1 measurement type (e.g. Temperature) or a URI"
    " outside the GS1 Web Vocabulary",
    ("sensorReport", "exception"): "must be ALARM_CONDITION, ERROR_CONDITION or a URI"
    " outside the GS1 Web Vocabulary",
    ("sensorReport", "component"): "must be a CBV 2.0 component (e.g. x, latitude) or a URI",
    ("set", ""): "must be a CBV 2.0 disposition or a URI",
    ("unset", ""): "must be a CBV 2.0 disposition or a URI",
}
_PATTERN_RULES: Final[dict[str, str]] = {
    "eventTimeZoneOffset": "must be a time zone offset ±hh:mm between -14:00 and +14:00",
    "uom": "must be a UN/CEFACT Rec 20 unit code: 2-3 uppercase letters or digits (e.g. KGM)",
    "schemaVersion": "must be a version number such as 2.0",
    "hexBinaryValue": "must be hexadecimal digits",
}
_EXTENSION_RULE: Final = (
    "extension fields must be namespaced: write prefix:name with the prefix declared in"
    " @context, or an absolute IRI"
)


# ------------------------------------------------------------------------ event lookup

_EVENT_LIST_PATHS: Final = (
    ("epcisBody", "eventList"),
    ("epcisBody", "queryResults", "resultsBody", "eventList"),
)


def _is_bare_event(document: Mapping[str, Any]) -> bool:
    return document.get("type") not in DOCUMENT_TYPES


def events_of(document: Mapping[str, Any]) -> list[Any]:
    """The event list (items unchecked); ``[]`` when the document has none."""
    if _is_bare_event(document):
        return [document]
    for path in _EVENT_LIST_PATHS:
        node: Any = document
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, list):
            return node
    return []


def _locate(path: list[str | int], bare: bool) -> tuple[int | None, list[str | int]]:
    """Split an error path into (event index, path inside the event)."""
    if bare:
        return 0, path
    for prefix in _EVENT_LIST_PATHS:
        n = len(prefix)
        position = path[n] if len(path) > n else None
        if isinstance(position, int) and tuple(path[:n]) == prefix:
            return position, path[n + 1 :]
    return None, path


def _dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _named(kind: object) -> str:
    text = str(kind)
    return ("an " if text[:1] in "AEIOU" else "a ") + text


# ------------------------------------------------------------------- schema -> Problem


def _schema_problems(
    error: ValidationError, document: Mapping[str, Any], events: list[Any]
) -> Iterator[Problem]:
    index, inner = _locate(list(error.absolute_path), _is_bare_event(document))
    event = events[index] if index is not None and index < len(events) else None
    kind = event.get("type") if isinstance(event, Mapping) else None
    names = [p for p in inner if isinstance(p, str)]
    leaf = names[-1] if names else ""
    parent = names[-2] if len(names) > 1 else ""
    if inner and isinstance(inner[-1], int):  # an item of a list: name it by the list
        parent, leaf = leaf, ""

    def problem(field_path: Iterable[str | int], rule: str) -> Problem:
        return Problem(
            index, _dotted(field_path) or ("event" if index is not None else "type"), rule
        )

    if "propertyNames" in error.absolute_schema_path:
        key = str(error.instance)
        if kind == "TransformationEvent" and not inner and key == "action":
            rule = "a TransformationEvent has no action: remove it"
        elif not inner and index is not None and kind in EVENT_FIELDS:
            rule = f"is not a field of {_named(kind)}; {_EXTENSION_RULE}"
        else:
            rule = f"is not an EPCIS field here; {_EXTENSION_RULE}"
        yield problem([*inner, key], rule)
        return

    validator = error.validator
    if validator == "required":
        rule_end = f" in {_named(kind)}" if not inner and kind in EVENT_FIELDS else ""
        for name in error.validator_value:
            if isinstance(error.instance, Mapping) and name not in error.instance:
                yield problem([*inner, name], "is required" + rule_end)
        return
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        for name in error.instance:
            if name not in allowed:
                yield problem(
                    [*inner, name], f"is not allowed here (allowed: {', '.join(allowed)})"
                )
        return
    if validator in ("anyOf", "oneOf"):
        yield from _alternative_problems(error, document, events, index, inner, kind, problem)
        return
    if validator == "format":
        if error.validator_value == "date-time":
            rule = "must be a date and time with a time zone, e.g. 2026-03-01T08:30:00+07:00"
        elif leaf == "type" and not parent:
            rule = "must be an EPCIS 2.0 event type (ObjectEvent, ...) or the URI of an extension"
        else:
            rule = "must be a URI (e.g. urn:epc:id:sgtin:... or https://...)"
        yield problem(inner, rule)
        return
    if validator == "pattern":
        yield problem(inner, _PATTERN_RULES.get(leaf, f"must match {error.validator_value}"))
        return
    if validator == "enum":
        yield problem(inner, "must be one of " + ", ".join(map(str, error.validator_value)))
        return
    if validator == "type":
        yield problem(inner, f"must be {_named(error.validator_value)}")
        return
    if validator == "minItems":
        count = error.validator_value
        yield problem(inner, "must not be empty" if count == 1 else f"needs {count}+ items")
        return
    if validator == "uniqueItems":
        yield problem(inner, "must not list the same value twice")
        return
    yield problem(inner, error.message)


def _alternative_problems(
    error: ValidationError,
    document: Mapping[str, Any],
    events: list[Any],
    index: int | None,
    inner: list[str | int],
    kind: object,
    problem: Any,
) -> Iterator[Problem]:
    """An ``anyOf`` failed: name the one rule that was broken, not every alternative."""
    names = [p for p in inner if isinstance(p, str)]
    leaf = names[-1] if names else ""
    parent = names[-2] if len(names) > 1 else ""
    if inner and isinstance(inner[-1], int):
        parent, leaf = leaf, ""
    branches = error.validator_value
    instance = error.instance
    if not inner and isinstance(instance, Mapping) and isinstance(kind, str):
        if any("ilmd" in b.get("properties", {}) for b in branches if isinstance(b, Mapping)):
            yield problem(["ilmd"], "is only allowed when action is ADD")
            return
        what = _WHAT_RULES.get(kind)
        if kind == "TransformationEvent":
            has_input = any(instance.get(key) for key in _INPUTS)
            missing = "outputEPCList" if has_input else "inputEPCList"
            yield problem([missing], _TRANSFORMATION_RULE)
            return
        if what is not None and not any(key in instance for key in what[2]):
            yield problem([what[0]], what[1])
            return
    vocabulary = _VOCABULARY_RULES.get((parent, leaf))
    if vocabulary is not None and isinstance(instance, str):
        yield problem(inner, vocabulary)
        return
    if leaf == "certificationInfo":
        yield problem(inner, "must be a URI or an array of URIs")
        return
    if leaf == "@context":
        yield problem(inner, "must be a URL, an object or an array of them")
        return
    best = best_match(error.context or [])
    if best is None:
        yield problem(inner, error.message)
        return
    yield from _schema_problems(best, document, events)


# -------------------------------------------------------------------- GS1 identifiers

#: EPC schemes of TDS 2.x that are not GS1 keys (no check digit to verify here).
_OTHER_EPC_ID_SCHEMES: Final = frozenset(["gid", "usdod", "adi", "bic", "imovn"])
_INSTANCE_QUALIFIERS: Final = frozenset(["21", "235"])


def _epc_rule(urn: str) -> str | None:
    """``None`` if ``urn`` (any ``urn:epc:`` URI) is well formed with valid GS1 keys."""
    try:
        for ai, value in epc_urn_to_element_strings(urn):
            validate_ai_value(ai, value)
    except InvalidGS1Key as exc:
        return f"is not a valid EPC URI: {exc.message}"
    return None


def _digital_link(value: str) -> tuple[str | None, str | None, frozenset[str]]:
    """(primary AI, rule broken, key qualifiers) when ``value`` is a GS1 Digital Link URI;
    (None, None, {}) for any other http(s) URI (a private identifier, CBV 2.0 §8)."""
    host = urlsplit(value).hostname or ""
    if canonical_gs1_path(value) is None and host != "id.gs1.org":
        return None, None, frozenset()
    try:
        link = parse_digital_link(value)
    except InvalidGS1Key as exc:
        return "", f"is not a valid GS1 Digital Link: {exc.message}", frozenset()
    return link.primary_ai, None, frozenset(link.qualifiers)


def instance_identifier_rule(value: str) -> str | None:
    """The rule ``value`` breaks as the identifier of one object (epcList, childEPCs,
    inputEPCList, outputEPCList, parentID), or ``None``."""
    if value.startswith("urn:epc:"):
        scheme = value.split(":")
        if value.startswith(("urn:epc:class:", "urn:epc:idpat:")):
            return "is a class-level identifier: list it in a quantityList (epcClass)"
        if not value.startswith("urn:epc:id:") or len(scheme) < 5:
            return "must be a pure-identity EPC URI (urn:epc:id:...) or a GS1 Digital Link"
        if scheme[3] in _OTHER_EPC_ID_SCHEMES:
            return None
        if scheme[3] not in gs1.EPC_ID_SCHEMES:
            return f"EPC scheme {scheme[3]!r} is not defined by the GS1 Tag Data Standard"
        return _epc_rule(value)
    if value.startswith(("http://", "https://")):
        ai, rule, qualifiers = _digital_link(value)
        if rule is not None:
            return rule
        if ai in ("01", "8006") and not qualifiers & _INSTANCE_QUALIFIERS:
            return (
                "names a class of trade items (GTIN without serial 21):"
                " list it in a quantityList (epcClass)"
            )
    return None


def class_identifier_rule(value: str) -> str | None:
    """The rule ``value`` breaks as an ``epcClass``, or ``None``."""
    if value.startswith("urn:epc:"):
        if value.startswith("urn:epc:id:"):
            return "is an instance-level EPC: list it in epcList, or use urn:epc:class:lgtin:"
        if not value.startswith(("urn:epc:class:", "urn:epc:idpat:")):
            return "must be an EPC class URI (urn:epc:class:lgtin:..., urn:epc:idpat:...)"
        return _epc_rule(value)
    if value.startswith(("http://", "https://")):
        _ai, rule, qualifiers = _digital_link(value)
        if rule is not None:
            return rule
        if qualifiers & _INSTANCE_QUALIFIERS:
            return "names one instance (serial 21): list it in epcList, not as an epcClass"
    return None


def location_identifier_rule(value: str) -> str | None:
    """The rule ``value`` breaks as a readPoint / bizLocation id, or ``None``."""
    if value.startswith("urn:epc:"):
        if not value.startswith("urn:epc:id:sgln:"):
            return "a location must be an SGLN (urn:epc:id:sgln:...), a GLN Digital Link or a URI"
        return _epc_rule(value)
    if value.startswith(("http://", "https://")):
        ai, rule, _qualifiers = _digital_link(value)
        if rule is not None:
            return rule
        if ai is not None and ai != "414":
            return f"a location Digital Link must use a GLN (/414/), not ({ai})"
    return None


def any_identifier_rule(value: str) -> str | None:
    """The rule an EPC URI or Digital Link breaks, whatever it names (sources, ...)."""
    if value.startswith("urn:epc:"):
        return _epc_rule(value)
    if value.startswith(("http://", "https://")):
        return _digital_link(value)[1]
    return None


# ------------------------------------------------------------------- the other rules

_SCHEMA_VERSION: Final = re.compile(r"2\.0(?:\.\d+)?")
_CBV_FIELDS: Final = {
    "bizStep": cbv.VocabularyType.BIZ_STEP,
    "disposition": cbv.VocabularyType.DISPOSITION,
}


class _EventChecker:
    """Step 2 for one event; appends to ``problems``."""

    def __init__(
        self, index: int | None, prefixes: frozenset[str], problems: list[Problem]
    ) -> None:
        self.index = index
        self.prefixes = prefixes
        self.problems = problems

    def add(self, field: str, rule: str) -> None:
        self.problems.append(Problem(self.index, field, rule))

    def check(self, event: Mapping[str, Any]) -> None:
        kind = event.get("type")
        fields = EVENT_FIELDS.get(kind) if isinstance(kind, str) else None
        if fields is not None:
            self.keys(event, "", fields, by_schema=True)
        aggregation = kind == "AggregationEvent" and event.get("action") in ("ADD", "DELETE")
        if aggregation and "parentID" not in event:
            self.add("parentID", "an AggregationEvent with action ADD or DELETE needs it")
        for name in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
            for i, value in _strings(event.get(name)):
                self.identifier(f"{name}[{i}]", value, instance_identifier_rule)
        if isinstance(event.get("parentID"), str):
            self.identifier("parentID", event["parentID"], instance_identifier_rule)
        for name in (
            "quantityList",
            "childQuantityList",
            "inputQuantityList",
            "outputQuantityList",
        ):
            for i, element in _objects(event.get(name)):
                self.quantity(f"{name}[{i}]", element)
        for name in ("readPoint", "bizLocation"):
            location = event.get(name)
            if isinstance(location, Mapping):
                self.keys(location, name, _LOCATION_FIELDS, by_schema=False)
                if isinstance(location.get("id"), str):
                    self.identifier(f"{name}.id", location["id"], location_identifier_rule)
        for name, key in (("sourceList", "source"), ("destinationList", "destination")):
            for i, element in _objects(event.get(name)):
                if isinstance(element.get(key), str):
                    self.identifier(f"{name}[{i}].{key}", element[key], any_identifier_rule)
        ilmd = event.get("ilmd")
        if isinstance(ilmd, Mapping):
            self.keys(ilmd, "ilmd", frozenset(), by_schema=True)
        declaration = event.get("errorDeclaration")
        if isinstance(declaration, Mapping):
            self.keys(declaration, "errorDeclaration", _ERROR_DECLARATION_FIELDS, by_schema=True)
        for name, vocabulary in _CBV_FIELDS.items():
            term = event.get(name)
            if (
                isinstance(term, str)
                and term.startswith(cbv.CBV_BASE)
                and not cbv.is_standard(vocabulary, term)
            ):
                self.add(name, f"names no CBV 2.0 term: {term} is in GS1's namespace")
        for i, element in _objects(event.get("sensorElementList")):
            self.sensor_element(f"sensorElementList[{i}]", element)

    def identifier(self, field: str, value: str, rule_of: Any) -> None:
        rule = rule_of(value)
        if rule is not None:
            self.add(field, rule)

    def quantity(self, field: str, element: Mapping[str, Any]) -> None:
        if isinstance(element.get("epcClass"), str):
            self.identifier(f"{field}.epcClass", element["epcClass"], class_identifier_rule)
        quantity = element.get("quantity")
        if "uom" in element and quantity is None:
            self.add(f"{field}.uom", "is only allowed together with a quantity")
        if (
            isinstance(quantity, int | float)
            and not isinstance(quantity, bool)
            and "uom" not in element
            and quantity != int(quantity)
        ):
            self.add(
                f"{field}.quantity",
                "without uom the quantity is a count and must be a whole number",
            )

    def sensor_element(self, field: str, element: Mapping[str, Any]) -> None:
        self.keys(element, field, _SENSOR_ELEMENT_FIELDS, by_schema=True)
        metadata = element.get("sensorMetadata")
        if isinstance(metadata, Mapping):
            path = f"{field}.sensorMetadata"
            self.keys(metadata, path, _SENSOR_METADATA_FIELDS, by_schema=True)
            self.interval(path, metadata)
        for i, report in _objects(element.get("sensorReport")):
            path = f"{field}.sensorReport[{i}]"
            self.keys(report, path, _SENSOR_REPORT_FIELDS, by_schema=True)
            self.sensor_report(path, report)

    def interval(self, field: str, element: Mapping[str, Any]) -> None:
        start, end = element.get("startTime"), element.get("endTime")
        if isinstance(start, str) and isinstance(end, str):
            begins, ends = parse_timestamp(start), parse_timestamp(end)
            if begins is not None and ends is not None and begins > ends:
                self.add(f"{field}.endTime", "must not be before startTime")

    def sensor_report(self, field: str, report: Mapping[str, Any]) -> None:
        # meanValue is not checked against the range: GS1-conformance samples carry a mean
        # outside [minValue, maxValue] and the standard states no rule for it.
        low, high = _number(report.get("minValue")), _number(report.get("maxValue"))
        if low is not None and high is not None and low > high:
            self.add(f"{field}.minValue", f"must not exceed maxValue ({low:g} > {high:g})")

    def keys(
        self, element: Mapping[str, Any], path: str, standard: frozenset[str], *, by_schema: bool
    ) -> None:
        """Extension keys must be namespaced. Keys without any colon are reported by the
        schema where it has ``propertyNames`` (``by_schema``); here, undeclared prefixes."""
        for key in element:
            if not isinstance(key, str) or key.startswith("@") or key in standard:
                continue
            field = f"{path}.{key}" if path else key
            prefix, colon, _local = key.partition(":")
            if not colon:
                if not by_schema:
                    self.add(field, f"is not an EPCIS field here; {_EXTENSION_RULE}")
            elif prefix not in self.prefixes and prefix not in ("http", "https", "urn"):
                self.add(field, f"prefix {prefix!r} is not declared in @context")


def _strings(value: Any) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                yield i, item


def _objects(value: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, Mapping):
                yield i, item


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _context_terms(context: Any) -> set[str]:
    """Terms an inline ``@context`` object defines: each may serve as a prefix.

    Wider than ``JsonLdContext``'s prefix map on purpose: JSON-LD 1.0 lets any term be a
    prefix (``"example": "http://ns.example.com/epcis"`` with no trailing slash is seen in
    the wild and in GS1-conformance test files).
    """
    items = context if isinstance(context, list) else [context]
    return {
        term
        for item in items
        if isinstance(item, Mapping)
        for term, definition in item.items()
        if not term.startswith("@") and isinstance(definition, str | Mapping)
    }


def _prefixes(context: Any, inherited: frozenset[str] | None) -> frozenset[str]:
    """Prefixes usable under ``context`` (raises ``InvalidInput`` for an unknown remote
    context or a malformed one)."""
    if inherited is None:
        parsed = JsonLdContext.from_jsonld(context)
        return frozenset(parsed.prefixes) | _context_terms(context)
    parsed = JsonLdContext({}).extended(context)
    return inherited | frozenset(parsed.prefixes) | _context_terms(context)


def _document_problems(document: Mapping[str, Any], events: list[Any]) -> list[Problem]:
    problems: list[Problem] = []
    bare = _is_bare_event(document)
    try:
        prefixes = _prefixes(document.get("@context"), None)
    except InvalidInput as exc:
        return [Problem(0 if bare else None, "@context", exc.message)]
    if not bare:
        version = document.get("schemaVersion")
        if isinstance(version, str) and _SCHEMA_VERSION.fullmatch(version) is None:
            problems.append(Problem(None, "schemaVersion", 'must be "2.0" (EPCIS 2.0)'))
        _EventChecker(None, prefixes, problems).keys(document, "", _DOCUMENT_FIELDS, by_schema=True)
    seen: dict[str, int] = {}
    for index, event in enumerate(events):
        if not isinstance(event, Mapping):
            continue
        event_prefixes = prefixes
        if "@context" in event and not bare:
            try:
                event_prefixes = _prefixes(event["@context"], prefixes)
            except InvalidInput as exc:
                problems.append(Problem(index, "@context", exc.message))
                continue
        _EventChecker(index, event_prefixes, problems).check(event)
        event_id = event.get("eventID")
        if isinstance(event_id, str) and "errorDeclaration" not in event:
            if event_id in seen:
                problems.append(
                    Problem(index, "eventID", f"repeats the eventID of event {seen[event_id]}")
                )
            else:
                seen[event_id] = index
    return problems


# ------------------------------------------------------------------------- public API


def validate_document(document: Mapping[str, Any]) -> list[Problem]:
    """Every problem of an EPCISDocument, EPCISQueryDocument or bare event; ``[]`` = valid.

    Problems come in document order (the document's own first, then event by event), each
    rule reported once.
    """
    if not isinstance(document, Mapping):
        return [Problem(None, "document", "must be a JSON object")]
    events = events_of(document)
    found: list[Problem] = []
    for error in schema_validator().iter_errors(document):
        found.extend(_schema_problems(error, document, events))
    found.extend(_document_problems(document, events))
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda p: -1 if p.event_index is None else p.event_index)
    return unique


def validate_event(event: Mapping[str, Any], index: int | None = None) -> list[Problem]:
    """The problems of one event as it would stand in a document's ``eventList``: its own
    ``@context`` is optional (the EPCIS 2.0 context applies). Problems are numbered
    ``index`` (0 when not given)."""
    wrapper = {
        "@context": EPCIS_CONTEXT_URL,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2000-01-01T00:00:00Z",
        "epcisBody": {"eventList": [event]},
    }
    number = 0 if index is None else index
    return [
        Problem(number if p.event_index is not None else None, p.field, p.rule)
        for p in validate_document(wrapper)
    ]
