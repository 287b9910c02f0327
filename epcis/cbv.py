"""CBV 2.0 vocabulary: business steps, dispositions, transaction types, source/destination types.

JSON/JSON-LD EPCIS documents carry standard vocabulary as bare words (``shipping``); the
Web URI form (``https://ref.gs1.org/cbv/BizStep-shipping``) is the canonical one and the
form the Event Hash ID hashes. EPCIS 1.x URNs (``urn:epcglobal:cbv:bizstep:shipping``) are
also accepted. Any other absolute URI is a user-defined (custom) value and kept as is.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

CBV_BASE: Final = "https://ref.gs1.org/cbv/"
GS1_VOC_BASE: Final = "https://gs1.org/voc/"


class VocabularyType(StrEnum):
    """A CBV vocabulary, its Web URI term prefix as the value."""

    BIZ_STEP = "BizStep-"
    DISPOSITION = "Disp-"
    BIZ_TRANSACTION_TYPE = "BTT-"
    SOURCE_DESTINATION_TYPE = "SDT-"
    ERROR_REASON = "ER-"
    COMPONENT = "Comp-"


BIZ_STEPS: Final[frozenset[str]] = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    ]
)

DISPOSITIONS: Final[frozenset[str]] = frozenset(
    [
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_class",
        "mismatch_instance",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    ]
)

BIZ_TRANSACTION_TYPES: Final[frozenset[str]] = frozenset(
    [
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    ]
)

SOURCE_DESTINATION_TYPES: Final[frozenset[str]] = frozenset(
    ["owning_party", "possessing_party", "location"]
)

ERROR_REASONS: Final[frozenset[str]] = frozenset(["did_not_occur", "incorrect_data"])

COMPONENTS: Final[frozenset[str]] = frozenset(
    [
        "x",
        "y",
        "z",
        "axial_distance",
        "azimuth",
        "height",
        "spherical_radius",
        "polar_angle",
        "elevation_angle",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "altitude",
    ]
)

#: The short names of each vocabulary.
VOCABULARIES: Final[dict[VocabularyType, frozenset[str]]] = {
    VocabularyType.BIZ_STEP: BIZ_STEPS,
    VocabularyType.DISPOSITION: DISPOSITIONS,
    VocabularyType.BIZ_TRANSACTION_TYPE: BIZ_TRANSACTION_TYPES,
    VocabularyType.SOURCE_DESTINATION_TYPE: SOURCE_DESTINATION_TYPES,
    VocabularyType.ERROR_REASON: ERROR_REASONS,
    VocabularyType.COMPONENT: COMPONENTS,
}

# EPCIS 1.x URN vocabulary segment -> CBV 2.0 Web URI term prefix.
_URN_PREFIX: Final = "urn:epcglobal:cbv:"
_URN_SEGMENTS: Final[dict[str, str]] = {
    "bizstep": "BizStep-",
    "disp": "Disp-",
    "btt": "BTT-",
    "sdt": "SDT-",
    "er": "ER-",
}

#: Short name -> full Web URI, one table per vocabulary (precompiled for the hash hot path).
EXPANSIONS: Final[dict[VocabularyType, dict[str, str]]] = {
    vocabulary: {name: f"{CBV_BASE}{vocabulary.value}{name}" for name in names}
    for vocabulary, names in VOCABULARIES.items()
}


def expand(vocabulary: VocabularyType, value: str) -> str:
    """Return the Web URI of a CBV value given as a short name, URN or URI.

    A standard short name (``shipping``) becomes ``https://ref.gs1.org/cbv/BizStep-shipping``;
    an EPCIS 1.x URN (``urn:epcglobal:cbv:bizstep:shipping``) becomes the same Web URI; any
    other value (a custom URI such as ``https://example.org/bizstep/drying``) is returned
    unchanged, stripped of surrounding whitespace.
    """
    value = value.strip()
    full = EXPANSIONS[vocabulary].get(value)
    if full is not None:
        return full
    return urn_to_web_uri(value)


def urn_to_web_uri(value: str) -> str:
    """Map an EPCIS 1.x ``urn:epcglobal:cbv:<kind>:<name>`` to its CBV 2.0 Web URI.

    Values that are not such a vocabulary URN (``urn:epcglobal:cbv:bt:...`` business
    transaction ids, ``urn:epcglobal:cbv:mda:`` attribute names, custom URIs) are returned
    unchanged.
    """
    if not value.startswith(_URN_PREFIX):
        return value
    kind, sep, name = value[len(_URN_PREFIX) :].partition(":")
    prefix = _URN_SEGMENTS.get(kind)
    if prefix is None or not sep or not name:
        return value
    return f"{CBV_BASE}{prefix}{name}"


def shorten(vocabulary: VocabularyType, value: str) -> str:
    """Return the bare JSON short name of a standard CBV Web URI or URN, else the value.

    ``https://ref.gs1.org/cbv/BizStep-shipping`` -> ``shipping``; a custom URI stays as is.
    """
    full = urn_to_web_uri(value.strip())
    prefix = f"{CBV_BASE}{vocabulary.value}"
    if full.startswith(prefix):
        name = full[len(prefix) :]
        if name in VOCABULARIES[vocabulary]:
            return name
    return full


def is_standard(vocabulary: VocabularyType, value: str) -> bool:
    """True when ``value`` (short name, URN or Web URI) names a standard CBV term."""
    return shorten(vocabulary, value) in VOCABULARIES[vocabulary]


def expand_biz_step(value: str) -> str:
    """``expand(VocabularyType.BIZ_STEP, value)``."""
    return expand(VocabularyType.BIZ_STEP, value)


def expand_disposition(value: str) -> str:
    """``expand(VocabularyType.DISPOSITION, value)``."""
    return expand(VocabularyType.DISPOSITION, value)
