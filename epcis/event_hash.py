"""The CBV 2.0 EPCIS Event Hash ID: ``ni:///sha-256;<hex>?ver=CBV2.0``.

Our own implementation of the algorithm of CBV 2.0 (section "EPCIS Event Hash ID"),
checked against the published test cases of the reference implementation.
The pre-hash string concatenates, in the canonical property order, ``key=value`` pairs
with standard vocabulary expanded to Web URIs, EPC URNs and Digital Links reduced to the
constrained canonical Digital Link on ``https://id.gs1.org``, timestamps in UTC with
milliseconds, numbers without trailing zeros, and every list sorted.

Deliberate choices, each following the reference hashes rather than prose that disagrees:

* ``certificationInfo`` comes right after ``eventTimeZoneOffset``;
* ``destinationList`` comes before ``sourceList``;
* inside a business transaction / source / destination the ``type=`` pair comes first;
* ``eventID``, ``recordTime`` and ``errorDeclaration`` are not hashed: EPCIS 2.0 requires an
  error declaration to carry the same event ID as the event it corrects.

No JSON-LD processor runs: the only context knowledge the hash needs is the prefix map of
the document's ``@context`` (for extension names) and the CBV short-name tables, which are
precompiled. Remote contexts are resolved from a local cache directory, never fetched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from epcis import cbv, gs1
from epcis.errors import InvalidGS1Key, InvalidInput, UnknownJsonLdContext
from epcis.gs1 import (
    CANONICAL_DL_BASE,
    canonical_gs1_path,
    dl_encode,
    epc_urn_to_element_strings,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

HASH_VERSION: Final = "CBV2.0"
DEFAULT_CONTEXT_DIR: Final = Path(__file__).with_name("contexts")
EPCIS_CONTEXT_URL: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EVENT_TYPES: Final = frozenset(
    [
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    ]
)

# ----------------------------------------------------------------------- JSON-LD context


class ContextCache:
    """Cached JSON-LD contexts in a directory: ``index.json`` maps URL -> file name.

    Only each context's prefix definitions (``"gs1": "https://gs1.org/voc/"``) are kept:
    they are all the event hash needs. Parsed contexts are memoised per URL.
    """

    def __init__(self, directory: Path | str = DEFAULT_CONTEXT_DIR) -> None:
        self.directory = Path(directory)
        index_file = self.directory / "index.json"
        self._index: dict[str, str] = (
            json.loads(index_file.read_text(encoding="utf-8")) if index_file.exists() else {}
        )
        self._loaded: dict[str, dict[str, str]] = {}

    def prefixes(self, url: str) -> dict[str, str]:
        """The prefix map of the context at ``url``; ``UnknownJsonLdContext`` if not cached."""
        found = self._loaded.get(url)
        if found is not None:
            return found
        name = self._index.get(url)
        if name is None:
            raise UnknownJsonLdContext(
                "@context",
                f"remote context {url} is not in the local cache {self.directory}: "
                "save the file there and map its URL in index.json (no network fetch)",
            )
        document = json.loads((self.directory / name).read_text(encoding="utf-8"))
        found = _prefix_definitions(document.get("@context", {}), self)
        self._loaded[url] = found
        return found


def _prefix_definitions(context: Any, cache: ContextCache) -> dict[str, str]:
    """Collect ``term -> IRI`` prefix definitions of a (possibly array) context."""
    out: dict[str, str] = {}
    items = context if isinstance(context, list) else [context]
    for item in items:
        if isinstance(item, str):
            out.update(cache.prefixes(item))
        elif isinstance(item, dict):
            for term, definition in item.items():
                if term.startswith("@"):
                    continue
                # Inline, any absolute IRI defines a prefix (JSON-LD 1.0), even one without
                # a trailing '/' or '#', as partners' documents do declare them.
                if isinstance(definition, str) and ":" in definition:
                    out[term] = definition
                elif (
                    isinstance(definition, dict)
                    and isinstance(definition.get("@id"), str)
                    and definition.get("@prefix") is True
                ):
                    out[term] = definition["@id"]
        elif item is not None:
            raise InvalidInput("@context", "must be a URL, an object or an array of them")
    return out


_DEFAULT_CACHE: ContextCache | None = None


def default_cache() -> ContextCache:
    """The cache shipped in ``epcis/contexts`` (the EPCIS 2.0 context)."""
    global _DEFAULT_CACHE
    if _DEFAULT_CACHE is None:
        _DEFAULT_CACHE = ContextCache()
    return _DEFAULT_CACHE


class JsonLdContext:
    """The prefix map of an EPCIS document's ``@context``, plus memoised key expansion."""

    __slots__ = ("_keys", "prefixes")

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes: dict[str, str] = dict(prefixes)
        self._keys: dict[str, str] = {}

    @classmethod
    def from_jsonld(cls, context: Any, cache: ContextCache | None = None) -> JsonLdContext:
        """Build from a document's ``@context`` value; ``None`` means the EPCIS context."""
        cache = cache or default_cache()
        if context is None:
            context = EPCIS_CONTEXT_URL
        return cls(_prefix_definitions(context, cache))

    def extended(self, context: Any, cache: ContextCache | None = None) -> JsonLdContext:
        """A new context with ``context`` (e.g. an event's own ``@context``) layered on top."""
        merged = dict(self.prefixes)
        merged.update(_prefix_definitions(context, cache or default_cache()))
        return JsonLdContext(merged)

    def expand_key(self, key: str, default_namespace: str | None = None) -> str:
        """``example:myField`` -> ``{https://ns.example.com/epcis/}myField``.

        A full IRI key is split after its last ``/``, ``#`` or ``:``. A bare key takes
        ``default_namespace`` when given (the enclosing element's namespace, as a child
        element inherits it in the XML binding); otherwise it, or a key whose prefix the
        context does not declare, is refused: JSON-LD would silently drop it and the hash
        would no longer change with the event.
        """
        found = self._keys.get(key)
        if found is not None:
            return found
        if default_namespace is not None and ":" not in key:
            return f"{{{default_namespace}}}{key}"
        prefix, sep, local = key.partition(":")
        namespace = self.prefixes.get(prefix) if sep else None
        if namespace is not None and not local.startswith("//"):
            found = f"{{{namespace}}}{local}"
        elif sep and prefix in ("http", "https", "urn"):
            cut = max(key.rfind("/"), key.rfind("#"), key.rfind(":")) + 1
            found = f"{{{key[:cut]}}}{key[cut:]}"
        else:
            raise InvalidInput(
                key,
                "is neither an EPCIS field nor a namespaced extension: write it as prefix:name"
                " with the prefix declared in @context, or as a full IRI",
            )
        self._keys[key] = found
        return found

    def expand_curie(self, value: str) -> str:
        """``gs1:Temperature`` -> ``https://gs1.org/voc/Temperature``; others unchanged."""
        prefix, sep, rest = value.partition(":")
        if sep and not rest.startswith("//"):
            namespace = self.prefixes.get(prefix)
            if namespace is not None:
                return namespace + rest
        return value


# -------------------------------------------------------------------------- normalisers


def _identifier(value: str, ctx: JsonLdContext) -> str:
    """An identifier (``@id`` typed value): EPC URN / DL -> canonical DL, CURIEs expanded."""
    value = value.strip()
    if value.startswith("urn:epc:"):
        try:
            elements = epc_urn_to_element_strings(value)
        except InvalidGS1Key:
            scheme = value.split(":", 4)[3] if value.count(":") >= 4 else ""
            if scheme in gs1.EPC_ID_SCHEMES or scheme == "lgtin":
                raise
            return value  # a non-GS1 EPC scheme (gid, usdod, adi, bic, ...): no DL form
        return CANONICAL_DL_BASE + "".join(f"/{ai}/{dl_encode(v)}" for ai, v in elements)
    if value.startswith(("https://", "http://")):
        path = canonical_gs1_path(value)
        return value if path is None else CANONICAL_DL_BASE + path
    if value.startswith("urn:epcglobal:cbv:"):
        return cbv.urn_to_web_uri(value)
    return ctx.expand_curie(value)


def _vocabulary(table: Mapping[str, str]) -> Callable[[Any, JsonLdContext], str]:
    def normalise(value: Any, ctx: JsonLdContext) -> str:
        text = str(value).strip()
        full = table.get(text)
        if full is not None:
            return full
        if text.startswith("urn:epcglobal:cbv:"):
            return cbv.urn_to_web_uri(text)
        return ctx.expand_curie(text)

    return normalise


def _gs1_voc(value: Any, ctx: JsonLdContext) -> str:
    """Sensor measurement types and exceptions: bare names are terms of the GS1 Web Vocab."""
    text = str(value).strip()
    if ":" not in text:
        return cbv.GS1_VOC_BASE + text
    return ctx.expand_curie(text)


_TIMESTAMP: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})"
)


def normalise_timestamp(value: str) -> str:
    """UTC with millisecond precision: ``2023-02-02T12:04:03.1415+01:00`` ->
    ``2023-02-02T11:04:03.142Z`` (a 4th decimal of 5-9 rounds the 3rd up)."""
    text = value.strip()
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise InvalidInput("eventTime", f"{value!r} must be an xsd:dateTimeStamp with offset")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if offset == "Z" and fraction is not None and len(fraction) == 3:
        return text
    millis = 0
    if fraction:
        millis = int(fraction[:3].ljust(3, "0"))
        if len(fraction) > 3 and fraction[3] >= "5":
            millis += 1
    moment = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    if offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        moment -= sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    moment += dt.timedelta(milliseconds=millis)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _timestamp(value: Any, _ctx: JsonLdContext) -> str:
    return normalise_timestamp(str(value))


def normalise_number(value: Any) -> str:
    """A quantitative value without trailing zeros: ``1.0`` -> ``1``, ``0.3430`` -> ``0.343``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    out = format(number, "f")
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return "0" if out == "-0" else out


def _number(value: Any, _ctx: JsonLdContext) -> str:
    return normalise_number(value)


def _text(value: Any, _ctx: JsonLdContext) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return normalise_number(value)
    return str(value).strip()


def _id(value: Any, ctx: JsonLdContext) -> str:
    return _identifier(str(value), ctx)


# ------------------------------------------------------------------------- extensions

EPCIS_VOCABULARY: Final = "https://ref.gs1.org/epcis/"


def _extension(name: str, value: Any, ctx: JsonLdContext, out: list[str]) -> None:
    """Append the pre-hash substrings of one extension element (lists give one per item)."""
    if isinstance(value, list):
        for item in value:
            _extension(name, item, ctx, out)
    elif isinstance(value, dict):
        if "@value" in value:
            out.append(f"{name}={_text(value['@value'], ctx)}")
        elif "@id" in value and len(value) == 1:
            out.append(f"{name}={_identifier(str(value['@id']), ctx)}")
        else:
            children: list[str] = []
            namespace = name[1 : name.index("}")] if name.startswith("{") else None
            for key, child in value.items():
                if not key.startswith("@"):
                    _extension(ctx.expand_key(key, namespace), child, ctx, children)
            children.sort()
            out.append(name + "".join(children))
    elif value is None:
        out.append(name)
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith(("urn:epc:", "http://", "https://", "urn:epcglobal:cbv:")):
            # Free text that merely looks like a URN stays as written.
            with contextlib.suppress(InvalidGS1Key):
                text = _identifier(text, ctx)
        out.append(f"{name}={text}")
    else:
        out.append(f"{name}={_text(value, ctx)}")


def _extensions(
    element: Mapping[str, Any],
    known: frozenset[str],
    ctx: JsonLdContext,
    default_namespace: str | None = None,
) -> str:
    out: list[str] = []
    for key, value in element.items():
        if key not in known and not key.startswith("@"):
            _extension(ctx.expand_key(key, default_namespace), value, ctx, out)
    out.sort()
    return "".join(out)


# ---------------------------------------------------------------------- field builders


def _fields(
    order: Iterable[tuple[str, Callable[[Any, JsonLdContext], str]]],
    extensible: bool,
) -> Callable[[Mapping[str, Any], JsonLdContext], str]:
    """A serialiser of an object's fields in ``order``, then its sorted extensions."""
    pairs = tuple(order)
    known = frozenset(key for key, _ in pairs)

    def serialise(element: Mapping[str, Any], ctx: JsonLdContext) -> str:
        parts = []
        for key, normalise in pairs:
            value = element.get(key)
            if value is None:
                continue
            if isinstance(value, list):
                parts.extend(sorted(f"{key}={normalise(v, ctx)}" for v in value))
            else:
                parts.append(f"{key}={normalise(value, ctx)}")
        if extensible:
            # A bare key inside a standard element is a field of the EPCIS vocabulary
            # this algorithm version does not list (e.g. bizRules in a sensorReport).
            parts.append(_extensions(element, known, ctx, EPCIS_VOCABULARY))
        return "".join(parts)

    return serialise


def _epc_list(name: str) -> Callable[[Any, JsonLdContext], str]:
    def build(value: Any, ctx: JsonLdContext) -> str:
        items = sorted("epc=" + _identifier(str(v), ctx) for v in value)
        return name + "".join(items) if items else ""

    return build


_quantity_element = _fields(
    (("epcClass", _id), ("quantity", _number), ("uom", _text)), extensible=False
)


def _quantity_list(name: str) -> Callable[[Any, JsonLdContext], str]:
    def build(value: Any, ctx: JsonLdContext) -> str:
        items = sorted("quantityElement" + _quantity_element(q, ctx) for q in value)
        return name + "".join(items) if items else ""

    return build


def _typed_list(
    name: str, member: str, types: Mapping[str, str]
) -> Callable[[Any, JsonLdContext], str]:
    """bizTransactionList / sourceList / destinationList: ``type=`` first, then the value."""
    vocabulary = _vocabulary(types)

    def build(value: Any, ctx: JsonLdContext) -> str:
        items = []
        for element in value:
            text = f"{member}={_identifier(str(element.get(member, '')), ctx)}"
            kind = element.get("type")
            items.append(text if kind is None else f"type={vocabulary(kind, ctx)}{text}")
        items.sort()
        return name + "".join(items) if items else ""

    return build


def _location(name: str) -> Callable[[Any, JsonLdContext], str]:
    serialise = _fields((("id", _id),), extensible=True)

    def build(value: Any, ctx: JsonLdContext) -> str:
        if isinstance(value, str):
            value = {"id": value}
        return name + serialise(value, ctx)

    return build


_biz_step = _vocabulary(cbv.EXPANSIONS[cbv.VocabularyType.BIZ_STEP])
_disposition = _vocabulary(cbv.EXPANSIONS[cbv.VocabularyType.DISPOSITION])


def _persistent_disposition(value: Any, ctx: JsonLdContext) -> str:
    parts = ["persistentDisposition"]
    for key in ("set", "unset"):
        items = value.get(key) or []
        if isinstance(items, str):
            items = [items]
        parts.extend(sorted(f"{key}={_disposition(v, ctx)}" for v in items))
    return "".join(parts)


def _single_or_list(
    name: str, normalise: Callable[[Any, JsonLdContext], str]
) -> Callable[[Any, JsonLdContext], str]:
    def build(value: Any, ctx: JsonLdContext) -> str:
        values = value if isinstance(value, list) else [value]
        return "".join(sorted(f"{name}={normalise(v, ctx)}" for v in values))

    return build


_sensor_metadata = _fields(
    (
        ("time", _timestamp),
        ("startTime", _timestamp),
        ("endTime", _timestamp),
        ("deviceID", _id),
        ("deviceMetadata", _id),
        ("rawData", _id),
        ("dataProcessingMethod", _id),
        ("bizRules", _id),
    ),
    extensible=True,
)
_sensor_report = _fields(
    (
        ("type", _gs1_voc),
        ("exception", _gs1_voc),
        ("deviceID", _id),
        ("deviceMetadata", _id),
        ("rawData", _id),
        ("dataProcessingMethod", _id),
        ("time", _timestamp),
        ("microorganism", _id),
        ("chemicalSubstance", _id),
        ("value", _number),
        ("component", _vocabulary(cbv.EXPANSIONS[cbv.VocabularyType.COMPONENT])),
        ("stringValue", _text),
        ("booleanValue", _text),
        ("hexBinaryValue", _text),
        ("uriValue", _id),
        ("minValue", _number),
        ("maxValue", _number),
        ("meanValue", _number),
        ("sDev", _number),
        ("percRank", _number),
        ("percValue", _number),
        ("uom", _text),
        ("coordinateReferenceSystem", _id),
    ),
    extensible=True,
)
_SENSOR_ELEMENT_FIELDS: Final = frozenset(["sensorMetadata", "sensorReport"])


def _sensor_element(element: Mapping[str, Any], ctx: JsonLdContext) -> str:
    parts = ["sensorElement"]
    metadata = element.get("sensorMetadata")
    if metadata is not None:
        parts.append("sensorMetadata" + _sensor_metadata(metadata, ctx))
    reports = element.get("sensorReport") or []
    if isinstance(reports, dict):
        reports = [reports]
    parts.extend(sorted("sensorReport" + _sensor_report(r, ctx) for r in reports))
    parts.append(_extensions(element, _SENSOR_ELEMENT_FIELDS, ctx, EPCIS_VOCABULARY))
    return "".join(parts)


def _sensor_element_list(value: Any, ctx: JsonLdContext) -> str:
    items = sorted(_sensor_element(e, ctx) for e in value)
    return "sensorElementList" + "".join(items) if items else ""


def _ilmd(value: Any, ctx: JsonLdContext) -> str:
    return "ilmd" + _extensions(value, frozenset(), ctx)


# The canonical property order. Each builder returns its complete substring, key included.
_CANONICAL_ORDER: Final[tuple[tuple[str, Callable[[Any, JsonLdContext], str]], ...]] = (
    ("type", lambda v, _c: f"eventType={str(v).strip()}"),
    ("eventTime", lambda v, _c: f"eventTime={normalise_timestamp(str(v))}"),
    ("eventTimeZoneOffset", lambda v, _c: f"eventTimeZoneOffset={str(v).strip()}"),
    ("certificationInfo", _single_or_list("certificationInfo", _id)),
    ("epcList", _epc_list("epcList")),
    ("parentID", lambda v, c: f"parentID={_identifier(str(v), c)}"),
    ("inputEPCList", _epc_list("inputEPCList")),
    ("childEPCs", _epc_list("childEPCs")),
    ("quantityList", _quantity_list("quantityList")),
    ("childQuantityList", _quantity_list("childQuantityList")),
    ("inputQuantityList", _quantity_list("inputQuantityList")),
    ("outputEPCList", _epc_list("outputEPCList")),
    ("outputQuantityList", _quantity_list("outputQuantityList")),
    ("action", lambda v, _c: f"action={str(v).strip()}"),
    ("transformationID", lambda v, c: f"transformationID={_identifier(str(v), c)}"),
    ("bizStep", lambda v, c: f"bizStep={_biz_step(v, c)}"),
    ("disposition", lambda v, c: f"disposition={_disposition(v, c)}"),
    ("persistentDisposition", _persistent_disposition),
    ("readPoint", _location("readPoint")),
    ("bizLocation", _location("bizLocation")),
    (
        "bizTransactionList",
        _typed_list(
            "bizTransactionList",
            "bizTransaction",
            cbv.EXPANSIONS[cbv.VocabularyType.BIZ_TRANSACTION_TYPE],
        ),
    ),
    (
        "destinationList",
        _typed_list(
            "destinationList",
            "destination",
            cbv.EXPANSIONS[cbv.VocabularyType.SOURCE_DESTINATION_TYPE],
        ),
    ),
    (
        "sourceList",
        _typed_list(
            "sourceList", "source", cbv.EXPANSIONS[cbv.VocabularyType.SOURCE_DESTINATION_TYPE]
        ),
    ),
    ("sensorElementList", _sensor_element_list),
    ("ilmd", _ilmd),
)

#: Event fields that are not hashed (see the module docstring for why).
NOT_HASHED: Final = frozenset(["eventID", "id", "recordTime", "errorDeclaration"])
_KNOWN_EVENT_FIELDS: Final = frozenset(k for k, _ in _CANONICAL_ORDER) | NOT_HASHED


# ------------------------------------------------------------------------------ public API


def prehash_string(event: Mapping[str, Any], context: JsonLdContext | None = None) -> str:
    """The canonical pre-hash string of one EPCIS 2.0 JSON(-LD) event.

    ``context`` is the enclosing document's context (``JsonLdContext.from_jsonld``); when
    ``None`` the event's own ``@context`` is used, else the EPCIS 2.0 context alone.
    """
    if context is None:
        context = JsonLdContext.from_jsonld(event.get("@context"))
    elif "@context" in event:
        context = context.extended(event["@context"])
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise InvalidInput("type", f"{kind!r} is not an EPCIS 2.0 event type")
    parts = []
    for key, build in _CANONICAL_ORDER:
        value = event.get(key)
        if value is not None:
            parts.append(build(value, context))
    parts.append(_extensions(event, _KNOWN_EVENT_FIELDS, context))
    return "".join(parts)


def event_digest(event: Mapping[str, Any], context: JsonLdContext | None = None) -> bytes:
    """The 32-byte SHA-256 digest of the pre-hash string (what goes on chain)."""
    return hashlib.sha256(prehash_string(event, context).encode("utf-8")).digest()


def hash_id_from_digest(digest: bytes) -> str:
    """``ni:///sha-256;<hex>?ver=CBV2.0`` (RFC 6920) for a SHA-256 digest."""
    if len(digest) != 32:
        raise InvalidInput("digest", f"must be 32 bytes of SHA-256, not {len(digest)}")
    return f"ni:///sha-256;{digest.hex()}?ver={HASH_VERSION}"


def event_hash_id(event: Mapping[str, Any], context: JsonLdContext | None = None) -> str:
    """The EPCIS Event Hash ID of one event: ``ni:///sha-256;<64 hex>?ver=CBV2.0``."""
    return hash_id_from_digest(event_digest(event, context))


def document_events(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The events of an EPCISDocument, an EPCISQueryDocument or a bare event, in order."""
    if document.get("type") in EVENT_TYPES:
        return [document]
    body = document.get("epcisBody")
    if not isinstance(body, dict):
        raise InvalidInput("epcisBody", "an EPCIS document needs an epcisBody object")
    if "eventList" in body:
        events = body["eventList"]
    else:
        try:
            events = body["queryResults"]["resultsBody"]["eventList"]
        except (KeyError, TypeError) as exc:
            raise InvalidInput(
                "epcisBody",
                "needs eventList (EPCISDocument) or queryResults.resultsBody.eventList",
            ) from exc
    if not isinstance(events, list):
        raise InvalidInput("eventList", "must be an array of events")
    return events


def document_prehash_strings(
    document: Mapping[str, Any], cache: ContextCache | None = None
) -> list[str]:
    """The pre-hash string of every event of ``document``, in document order."""
    context = JsonLdContext.from_jsonld(document.get("@context"), cache)
    return [prehash_string(event, context) for event in document_events(document)]


def document_event_hash_ids(
    document: Mapping[str, Any], cache: ContextCache | None = None
) -> list[str]:
    """The Event Hash ID of every event of ``document``, in document order."""
    return [
        hash_id_from_digest(hashlib.sha256(text.encode("utf-8")).digest())
        for text in document_prehash_strings(document, cache)
    ]
