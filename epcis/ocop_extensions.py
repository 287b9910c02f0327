"""ocoptrace's EPCIS user extensions for the Lào Cai – Hekou border trade, defined once.

EPCIS 2.0 lets a repository add fields under its own namespace. Ours carry what China
import and Vietnam's traceability rules ask for and the standard has no field for.
Each term is written on the wire as ``ocop:<term>`` with the ``ocop`` prefix bound in
the event's ``@context``.

``TERMS`` below is the single definition: ``OCOP_TERMS`` (term -> meaning), the JSON-LD
context (``jsonld_context()``, committed as ``epcis/contexts/ocoptrace-context.jsonld``
and served at ``OCOP_CONTEXT_URL``) and ``docs/epcis-extensions.md`` all follow it.

Planting-area (PUC) and packing-house (PHC) codes are opaque identifiers: China Customs
does not publish their letter-by-letter format where we could read it, so they are only
checked against a configurable pattern and no meaning is ever read into their letters.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar, cast, get_args

from epcis.errors import InvalidInput
from epcis.event_hash import EPCIS_CONTEXT_URL

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from epcis.model import Event

OCOP_NAMESPACE: Final = "https://ns.ocoptrace.org/epcis/"
OCOP_PREFIX: Final = "ocop"
OCOP_CONTEXT_URL: Final = "https://ns.ocoptrace.org/epcis/context.jsonld"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
#: The committed copy of our context, resolvable offline through ``contexts/index.json``.
CONTEXT_FILE: Final = Path(__file__).with_name("contexts") / "ocoptrace-context.jsonld"

T = TypeVar("T")


class Placement(StrEnum):
    """Where in an event a term is written."""

    EVENT = "event"  # a top-level field of the event
    ILMD = "ilmd"  # instance/lot master data of an ADD ObjectEvent or a TransformationEvent
    TEST_RESULT = "testResults"  # a key inside each element of ocop:testResults


@dataclass(frozen=True, slots=True)
class OcopTerm:
    """One extension term: its wire name, meaning, value type and why it exists."""

    name: str  # local name; on the wire ``ocop:<name>``
    meaning: str
    json_type: str  # the JSON value a producer writes
    xsd_type: str | None  # JSON-LD ``@type`` coercion (``xsd:date``...), None for plain text
    example: Any
    required_by: str  # the rule or regulation that asks for the value
    placement: tuple[Placement, ...]


TERMS: Final[tuple[OcopTerm, ...]] = (
    OcopTerm(
        "harvestDate",
        "Date the raw material was harvested (ISO 8601 date).",
        "string YYYY-MM-DD",
        "xsd:date",
        "2026-10-05",
        "Circular 02/2024/TT-BKHCN (time of each traceability event); GS1 AI 7007",
        (Placement.ILMD,),
    ),
    OcopTerm(
        "plantingAreaCode",
        "Registered planting-area code (PUC) listed by China Customs.",
        "string (opaque identifier)",
        None,
        "LC-PUC-SAMPLE-0001",
        "China Customs: registered planting area (PUC) for plant and herb exports",
        (Placement.ILMD,),
    ),
    OcopTerm(
        "packingHouseCode",
        "Registered packing-house code (PHC) listed by China Customs.",
        "string (opaque identifier)",
        None,
        "LC-PHC-SAMPLE-0001",
        "China Customs: registered packing house (PHC) for plant and herb exports",
        (Placement.EVENT, Placement.ILMD),
    ),
    OcopTerm(
        "practice",
        "Cultivation practice declared: GACP, VietGAP, organic or conventional.",
        "string: GACP | VietGAP | organic | conventional",
        None,
        "GACP",
        "GACP-WHO self-declaration (Circular 19/2019/TT-BYT); VietGAP; organic",
        (Placement.ILMD,),
    ),
    OcopTerm(
        "commune",
        "Commune-level unit of the production place.",
        "string",
        None,
        "Y Tý",
        "Circular 02/2024/TT-BKHCN (producer address, location of each stage)",
        (Placement.ILMD,),
    ),
    OcopTerm(
        "latitude",
        "WGS 84 latitude of the production place (decimal degrees).",
        "number",
        "xsd:decimal",
        22.6284,
        "GACP-WHO declaration (location of the growing area); buyer page origin map",
        (Placement.ILMD,),
    ),
    OcopTerm(
        "longitude",
        "WGS 84 longitude of the production place (decimal degrees).",
        "number",
        "xsd:decimal",
        103.6312,
        "GACP-WHO declaration (location of the growing area); buyer page origin map",
        (Placement.ILMD,),
    ),
    OcopTerm(
        "ocopStars",
        "OCOP star rating (3, 4 or 5).",
        "integer 3 | 4 | 5",
        "xsd:integer",
        4,
        "OCOP programme: 3★/4★ by the province, 5★ by the central council",
        (Placement.ILMD, Placement.EVENT),
    ),
    OcopTerm(
        "gaccRegistrationNumber",
        "Overseas food manufacturer's registration number (Decree 280).",
        "string (opaque identifier)",
        None,
        "CVNM0000000000",
        "China Customs Decree 280 (replaced Decree 248 on 1 June 2026): on packaging and "
        "the declaration",
        (Placement.ILMD, Placement.EVENT),
    ),
    OcopTerm(
        "phytosanitaryCertificateNumber",
        "Phytosanitary certificate number.",
        "string (opaque identifier)",
        None,
        "VN-PC-2026-000123",
        "Phytosanitary certificate required by China import inspection",
        (Placement.EVENT,),
    ),
    OcopTerm(
        "processStep",
        "Processing step performed (drying, slicing, extraction, packing).",
        "string",
        None,
        "drying",
        "TCVN 12850:2019 / Circular 02/2024 (each production stage)",
        (Placement.EVENT,),
    ),
    OcopTerm(
        "documentSha256",
        "SHA-256 of the certificate or declaration document (hex).",
        "string, 64 hex digits",
        "xsd:hexBinary",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "ocoptrace: binds a document to the batch on chain",
        (Placement.EVENT,),
    ),
    OcopTerm(
        "validUntil",
        "Last day a certificate is valid (ISO 8601 date).",
        "string YYYY-MM-DD",
        "xsd:date",
        "2027-10-05",
        "OCOP certificates (36 months); lab and phytosanitary certificate validity",
        (Placement.EVENT,),
    ),
    OcopTerm(
        "certificateType",
        "Kind of certificate: lab-test, gacp-receipt, ocop, phytosanitary, organic.",
        "string",
        None,
        "lab-test",
        "ocoptrace: tells the verifier which rule a certificate satisfies",
        (Placement.EVENT,),
    ),
    OcopTerm(
        "testResults",
        "Lab results: a list of {analyte, result} elements.",
        "array of objects",
        None,
        [{"ocop:analyte": "Pb", "ocop:result": "0.12 mg/kg"}],
        "Circular 02/2024 (standards applied); pharmacopoeia tests for herbs",
        (Placement.EVENT,),
    ),
    OcopTerm(
        "analyte",
        "What a lab measured (moisture, Pb, notoginsenoside R1 + ginsenosides...).",
        "string",
        None,
        "moisture",
        "Pharmacopoeia tests for herbs (moisture, ash, heavy metals, markers)",
        (Placement.TEST_RESULT,),
    ),
    OcopTerm(
        "result",
        "The measured value with its unit, as the report states it.",
        "string",
        None,
        "11.2 %",
        "Pharmacopoeia tests for herbs",
        (Placement.TEST_RESULT,),
    ),
    OcopTerm(
        "declarationNumber",
        "Export customs declaration number.",
        "string (opaque identifier)",
        None,
        "305000000000",
        "Vietnam export customs declaration",
        (Placement.EVENT,),
    ),
    OcopTerm(
        "borderGate",
        "GLN of the border gate where the consignment crosses.",
        "string, 13-digit GLN",
        None,
        "8938501009005",
        "China import: border gate of entry (Lào Cai – Hekou)",
        (Placement.EVENT,),
    ),
)

#: term -> what it holds. Values are opaque strings unless said otherwise.
OCOP_TERMS: Final[dict[str, str]] = {t.name: t.meaning for t in TERMS}
TERMS_BY_NAME: Final[dict[str, OcopTerm]] = {t.name: t for t in TERMS}


def event_context() -> list[Any]:
    """The ``@context`` our events carry: the EPCIS 2.0 context plus the ``ocop`` prefix."""
    return [EPCIS_CONTEXT_URL, {OCOP_PREFIX: OCOP_NAMESPACE}]


def term(name: str) -> str:
    """``ocop:<name>`` for a defined term; refuses names we never defined."""
    if name not in OCOP_TERMS:
        raise KeyError(f"{name} is not an ocoptrace EPCIS extension term")
    return f"{OCOP_PREFIX}:{name}"


def iri(name: str) -> str:
    """The full IRI of a defined term: ``https://ns.ocoptrace.org/epcis/<name>``."""
    term(name)
    return OCOP_NAMESPACE + name


def jsonld_context() -> dict[str, Any]:
    """Our JSON-LD 1.1 context, generated from ``TERMS`` (committed as a file, see module doc).

    Terms are keyed by their compact IRI (``ocop:harvestDate``) because that is the key the
    wire carries: a bare ``harvestDate`` term would not coerce ``ocop:harvestDate`` values.
    ``xsd`` is defined exactly as the (protected) EPCIS context defines it, so the two
    contexts can be used together.
    """
    context: dict[str, Any] = {
        "@version": 1.1,
        "xsd": XSD,
        OCOP_PREFIX: OCOP_NAMESPACE,
    }
    for t in TERMS:
        definition: dict[str, str] = {"@id": f"{OCOP_PREFIX}:{t.name}"}
        if t.xsd_type is not None:
            definition["@type"] = t.xsd_type
        context[f"{OCOP_PREFIX}:{t.name}"] = definition
    return {"@context": context}


def jsonld_context_text() -> str:
    """``jsonld_context()`` as the exact text of the committed context file."""
    return json.dumps(jsonld_context(), indent=2, ensure_ascii=False) + "\n"


def write_jsonld_context(path: Path = CONTEXT_FILE) -> None:
    """Regenerate the committed context file after changing ``TERMS``."""
    path.write_text(jsonld_context_text(), encoding="utf-8")


# ---------------------------------------------------------------------------- validation

OCOP_STAR_RATINGS: Final = frozenset({3, 4, 5})
Practice = Literal["GACP", "VietGAP", "organic", "conventional"]
PRACTICES: Final[frozenset[str]] = frozenset(get_args(Practice))
#: Default pattern of an opaque registration code (PUC, PHC): 1–64 of ``A-Za-z0-9-/._``.
DEFAULT_CODE_PATTERN: Final = re.compile(r"[A-Za-z0-9\-/._]{1,64}")


def validate_ocop_stars(value: object) -> int:
    """An OCOP star rating: 3 or 4 (province) or 5 (central). ``"4"`` is read as 4."""
    stars: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        stars = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        stars = int(value.strip())
    if stars is None or stars not in OCOP_STAR_RATINGS:
        raise InvalidInput(
            term("ocopStars"), f"{value!r} is not an OCOP star rating: use 3, 4 or 5"
        )
    return stars


def validate_practice(value: object) -> Practice:
    """A declared cultivation practice: GACP, VietGAP, organic or conventional."""
    if not isinstance(value, str) or value not in PRACTICES:
        raise InvalidInput(
            term("practice"),
            f"{value!r} is not a practice: use one of {', '.join(sorted(PRACTICES))}",
        )
    return cast("Practice", value)


def validate_registration_code(
    value: object,
    name: str = "plantingAreaCode",
    pattern: re.Pattern[str] | str = DEFAULT_CODE_PATTERN,
) -> str:
    """An opaque registration code (PUC, PHC...) matching ``pattern`` as a whole.

    Only the shape is checked; whether China Customs lists the code is for a registry
    lookup to say, and no meaning is read into its letters.
    """
    compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
    if not isinstance(value, str) or not compiled.fullmatch(value):
        raise InvalidInput(
            term(name),
            f"{value!r} does not match the registration code pattern {compiled.pattern!r}",
        )
    return value


def _identifier_text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(term(name), f"{value!r} must be a non-empty string")
    return value


def _iso_date(value: object, name: str = "harvestDate") -> date:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    raise InvalidInput(term(name), f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)")


# ----------------------------------------------------------------- reading parsed events


@dataclass(frozen=True, slots=True)
class BorderTradeFields:
    """What a border check needs from one event, typed; ``None`` where the event is silent."""

    planting_area_code: str | None = None
    packing_house_code: str | None = None
    ocop_stars: int | None = None
    gacc_registration_number: str | None = None
    phytosanitary_certificate_number: str | None = None
    practice: Practice | None = None
    harvest_date: date | None = None
    border_gate: str | None = None
    declaration_number: str | None = None


def _prefixes_bound_to_us(contexts: Iterable[Any]) -> set[str]:
    """Prefixes the given ``@context`` values bind to our namespace (``ocop`` by default,
    unless a context binds ``ocop`` to something else)."""
    ours: set[str] = set()
    others: set[str] = set()
    for context in contexts:
        items = context if isinstance(context, list) else [context]
        for item in items:
            if item == OCOP_CONTEXT_URL:
                ours.add(OCOP_PREFIX)
            elif isinstance(item, dict):
                for key, value in item.items():
                    target = value.get("@id") if isinstance(value, dict) else value
                    (ours if target == OCOP_NAMESPACE else others).add(key)
    if OCOP_PREFIX not in others:
        ours.add(OCOP_PREFIX)
    return ours


def _lookup(name: str, prefixes: set[str], places: list[tuple[str, dict[str, Any]]]) -> Any | None:
    keys = [f"{prefix}:{name}" for prefix in sorted(prefixes)] + [OCOP_NAMESPACE + name]
    found: dict[str, Any] = {}
    for where, element in places:
        for key in keys:
            if key in element:
                found[f"{where}.{key}"] = element[key]
    values = list(found.values())
    if any(v != values[0] for v in values[1:]):
        raise InvalidInput(term(name), f"conflicting values in one event: {found}")
    return values[0] if values else None


def border_trade_fields(
    event: Event,
    document_context: Any = None,
    code_pattern: re.Pattern[str] | str = DEFAULT_CODE_PATTERN,
) -> BorderTradeFields:
    """Read and validate our border-trade terms from a parsed event (event level and ilmd).

    ``document_context`` is the enclosing document's ``@context`` when the event came from
    one (the ``ocop`` prefix may be bound there). A value present at both levels must agree.
    Raises ``InvalidInput`` naming the term when a value breaks its rule.
    """
    prefixes = _prefixes_bound_to_us([document_context, event.context])
    places = [("event", event.extensions)]
    ilmd = getattr(event, "ilmd", None)
    if ilmd is not None:
        places.append(("ilmd", ilmd.extensions))

    def read(name: str, check: Callable[[object], T]) -> T | None:
        value = _lookup(name, prefixes, places)
        return None if value is None else check(value)

    def code(name: str) -> Callable[[object], str]:
        return lambda value: validate_registration_code(value, name, code_pattern)

    def text(name: str) -> Callable[[object], str]:
        return lambda value: _identifier_text(value, name)

    return BorderTradeFields(
        planting_area_code=read("plantingAreaCode", code("plantingAreaCode")),
        packing_house_code=read("packingHouseCode", code("packingHouseCode")),
        ocop_stars=read("ocopStars", validate_ocop_stars),
        gacc_registration_number=read("gaccRegistrationNumber", text("gaccRegistrationNumber")),
        phytosanitary_certificate_number=read(
            "phytosanitaryCertificateNumber", text("phytosanitaryCertificateNumber")
        ),
        practice=read("practice", validate_practice),
        harvest_date=read("harvestDate", _iso_date),
        border_gate=read("borderGate", text("borderGate")),
        declaration_number=read("declarationNumber", text("declarationNumber")),
    )
