"""The EPCIS 2.0 query interface's SimpleEventQuery parameters, translated to SQL.

Values are compared in canonical form: bizStep and disposition as CBV Web URIs, EPCs
and locations as canonical GS1 paths, so ``shipping`` matches
``https://ref.gs1.org/cbv/BizStep-shipping`` and an SGTIN URN matches its Digital Link.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from backend.epcis_api.models import EventEpc
from backend.epcis_api.store import identifier_key
from backend.traceability.models import EpcisEvent
from epcis import cbv, gs1
from epcis.errors import InvalidGS1Key, InvalidInput

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1_000
_PAGING = frozenset({"perPage", "nextPageToken"})
_INSTANCE = {
    "MATCH_epc": ("epc", "child"),
    "MATCH_parentID": ("parent",),
    "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",),
    "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
    "MATCH_epcClass": ("class", "child_class"),
    "MATCH_inputEPCClass": ("input_class",),
    "MATCH_outputEPCClass": ("output_class",),
    "MATCH_anyEPCClass": ("class", "child_class", "input_class", "output_class"),
}


class QueryParameterError(InvalidInput):
    """A query parameter the SimpleEventQuery does not know, or a value it cannot use."""


def _values(name: str, raw: str) -> list[str]:
    values = [value for value in raw.split("|") if value]
    if not values:
        raise QueryParameterError(name, "must have at least one value")
    return values


def _time(name: str, raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryParameterError(name, f"{raw!r} is not an ISO 8601 date-time") from exc
    if moment.tzinfo is None:
        raise QueryParameterError(name, "a date-time needs a time zone (Z or ±hh:mm)")
    return moment.astimezone(UTC)


def _pattern(name: str, value: str) -> tuple[bool, str]:
    """(is a LIKE pattern, value): exact canonical key, or an EPC pattern as SQL LIKE."""
    if not value.startswith("urn:epc:idpat:"):
        return False, identifier_key(value)
    scheme, _, body = value.removeprefix("urn:epc:idpat:").partition(":")
    fields = body.split(".")
    if scheme == "sgtin" and len(fields) == 3:
        company, item, serial = fields
        if item == "*":
            if serial != "*":
                raise QueryParameterError(name, f"{value}: a wildcard item needs a wildcard serial")
            return True, f"/01/_{company}%"
        try:
            gtin_key = identifier_key(
                gs1.epc_urn_to_digital_link(f"urn:epc:idpat:sgtin:{company}.{item}.*")
            )
        except InvalidGS1Key as exc:
            raise QueryParameterError(name, str(exc)) from exc
        return True, gtin_key + ("%" if serial == "*" else f"/21/{serial}")
    if scheme in ("sscc", "sgln", "grai", "giai") and fields and fields[-1] == "*":
        prefix = {"sscc": "/00/_", "sgln": "/414/", "grai": "/8003/0", "giai": "/8004/"}[scheme]
        return True, prefix + fields[0] + "%"
    raise QueryParameterError(name, f"{value}: unsupported EPC pattern")


def _epc_condition(name: str, raw: str) -> ColumnElement[bool]:
    fields = _INSTANCE[name]
    matches: list[ColumnElement[bool]] = []
    for value in _values(name, raw):
        like, key = _pattern(name, value)
        key_match = EventEpc.key.like(key) if like else EventEpc.key == key
        # A product-class pattern also matches the lots (LGTIN) of that product.
        if like and name.endswith("Class"):
            key_match = or_(key_match, EventEpc.key.like(key.rstrip("%") + "/10/%"))
        matches.append(key_match)
    return EpcisEvent.id.in_(
        select(EventEpc.event_pk).where(EventEpc.field.in_(fields), or_(*matches))
    )


def _vocabulary(kind: cbv.VocabularyType) -> Callable[[str, str], list[str]]:
    def expand(name: str, raw: str) -> list[str]:
        return [cbv.expand(kind, value) for value in _values(name, raw)]

    return expand


_EQUALS: dict[str, tuple[Any, Callable[[str, str], list[str]]]] = {
    "eventType": (EpcisEvent.event_type, _values),
    "EQ_action": (EpcisEvent.action, _values),
    "EQ_bizStep": (EpcisEvent.biz_step, _vocabulary(cbv.VocabularyType.BIZ_STEP)),
    "EQ_disposition": (EpcisEvent.disposition, _vocabulary(cbv.VocabularyType.DISPOSITION)),
    "EQ_readPoint": (
        EpcisEvent.read_point,
        lambda n, r: [identifier_key(v) for v in _values(n, r)],
    ),
    "EQ_bizLocation": (
        EpcisEvent.biz_location,
        lambda n, r: [identifier_key(v) for v in _values(n, r)],
    ),
    "EQ_transformationID": (EpcisEvent.transformation_id, _values),
    "EQ_eventID": (EpcisEvent.event_id, _values),
}
_TIMES = {
    "GE_eventTime": (EpcisEvent.event_time, True),
    "LT_eventTime": (EpcisEvent.event_time, False),
    "GE_recordTime": (EpcisEvent.record_time, True),
    "LT_recordTime": (EpcisEvent.record_time, False),
}
_ORDER = {"eventTime": EpcisEvent.event_time, "recordTime": EpcisEvent.record_time}


@dataclass(frozen=True)
class EventQuery:
    statement: Select[EpcisEvent]
    per_page: int
    offset: int
    fingerprint: str
    # eventCountLimit: return at most this many events (the first ones in order).
    count_limit: int | None
    # maxEventCount: refuse the query when more events than this match.
    max_count: int | None


def _fingerprint(params: Mapping[str, str]) -> str:
    shown = sorted((k, v) for k, v in params.items() if k not in _PAGING)
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]


def page_token(fingerprint: str, offset: int) -> str:
    raw = json.dumps({"q": fingerprint, "o": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_token(token: str, fingerprint: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded))
        offset, query = int(decoded["o"]), str(decoded["q"])
    except (ValueError, KeyError, TypeError) as exc:
        raise QueryParameterError("nextPageToken", "is not a token this server issued") from exc
    if query != fingerprint or offset < 0:
        raise QueryParameterError("nextPageToken", "belongs to another query")
    return offset


def _positive(name: str, raw: str, ceiling: int | None = None) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise QueryParameterError(name, "must be a positive integer")
    value = int(raw)
    if ceiling is not None and value > ceiling:
        raise QueryParameterError(name, f"must be at most {ceiling}")
    return value


def build_query(params: Mapping[str, str]) -> EventQuery:
    """SQL for the SimpleEventQuery ``params`` (one value string per name, ``|``-separated)."""
    conditions: list[ColumnElement[bool]] = []
    order_column = EpcisEvent.event_time
    descending = False
    count_limit: int | None = None
    max_count: int | None = None
    for name, raw in params.items():
        if name in _PAGING:
            continue
        if name in _EQUALS:
            column, parse = _EQUALS[name]
            conditions.append(column.in_(parse(name, raw)))
        elif name in _TIMES:
            column, lower = _TIMES[name]
            moment = _time(name, raw)
            conditions.append(column >= moment if lower else column < moment)
        elif name in _INSTANCE:
            conditions.append(_epc_condition(name, raw))
        elif name == "EXISTS_errorDeclaration":
            conditions.append(EpcisEvent.error_declared.is_(True))
        elif name == "orderBy":
            if raw not in _ORDER:
                raise QueryParameterError(name, "must be eventTime or recordTime")
            order_column = _ORDER[raw]
        elif name == "orderDirection":
            if raw not in ("ASC", "DESC"):
                raise QueryParameterError(name, "must be ASC or DESC")
            descending = raw == "DESC"
        elif name == "eventCountLimit":
            count_limit = _positive(name, raw)
        elif name == "maxEventCount":
            max_count = _positive(name, raw)
        else:
            raise QueryParameterError(
                name, "is not a SimpleEventQuery parameter this server supports"
            )
    if "eventType" in params:
        unknown = set(_values("eventType", params["eventType"])) - set(EVENT_TYPES)
        if unknown:
            raise QueryParameterError("eventType", f"unknown event type {sorted(unknown)[0]}")
    per_page = _positive("perPage", params.get("perPage", str(DEFAULT_PER_PAGE)), MAX_PER_PAGE)
    fingerprint = _fingerprint(params)
    offset = _read_token(params["nextPageToken"], fingerprint) if "nextPageToken" in params else 0
    order = order_column.desc() if descending else order_column.asc()
    statement = select(EpcisEvent).where(*conditions).order_by(order, EpcisEvent.id)
    return EventQuery(statement, per_page, offset, fingerprint, count_limit, max_count)
