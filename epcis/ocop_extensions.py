"""ocoptrace's EPCIS user extensions for the Lào Cai – Hekou border trade, defined once.

EPCIS 2.0 lets a repository add fields under its own namespace. Ours carry what China
import and Vietnam's traceability rules ask for and the standard has no field for.
Each term is written on the wire as ``ocop:<term>`` with the ``ocop`` prefix bound in
the event's ``@context``.
"""

from __future__ import annotations

from typing import Any, Final

OCOP_NAMESPACE: Final = "https://ns.ocoptrace.org/epcis/"
OCOP_PREFIX: Final = "ocop"
EPCIS_CONTEXT_URL: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

#: term -> what it holds. Values are opaque strings unless said otherwise.
OCOP_TERMS: Final[dict[str, str]] = {
    "harvestDate": "Date the raw material was harvested (ISO 8601 date).",
    "plantingAreaCode": "Registered planting-area code (PUC) listed by China Customs.",
    "packingHouseCode": "Registered packing-house code (PHC) listed by China Customs.",
    "practice": "Cultivation practice declared: GACP, VietGAP or organic.",
    "commune": "Commune-level unit of the production place.",
    "latitude": "WGS 84 latitude of the production place (decimal degrees).",
    "longitude": "WGS 84 longitude of the production place (decimal degrees).",
    "ocopStars": "OCOP star rating (3, 4 or 5).",
    "gaccRegistrationNumber": "Overseas food manufacturer's registration number (Decree 280).",
    "phytosanitaryCertificateNumber": "Phytosanitary certificate number.",
    "processStep": "Processing step performed (drying, slicing, extraction, packing).",
    "documentSha256": "SHA-256 of the certificate or declaration document (hex).",
    "validUntil": "Last day a certificate is valid (ISO 8601 date).",
    "certificateType": "Kind of certificate: lab-test, gacp-receipt, ocop, phytosanitary.",
    "testResults": "Lab results: a list of {analyte, result} elements.",
    "analyte": "What a lab measured (moisture, Pb, notoginsenoside R1 + ginsenosides...).",
    "result": "The measured value with its unit, as the report states it.",
    "declarationNumber": "Export customs declaration number.",
    "borderGate": "GLN of the border gate where the consignment crosses.",
}


def event_context() -> list[Any]:
    """The ``@context`` our events carry: the EPCIS 2.0 context plus the ``ocop`` prefix."""
    return [EPCIS_CONTEXT_URL, {OCOP_PREFIX: OCOP_NAMESPACE}]


def term(name: str) -> str:
    """``ocop:<name>`` for a defined term; refuses names we never defined."""
    if name not in OCOP_TERMS:
        raise KeyError(f"{name} is not an ocoptrace EPCIS extension term")
    return f"{OCOP_PREFIX}:{name}"
