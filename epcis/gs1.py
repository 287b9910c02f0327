"""GS1 keys, EPC URNs and GS1 Digital Link URIs.

``biip`` does what it covers: GTIN/GLN/SSCC parsing and the GS1 Application Identifier table
(formats and value patterns). This module adds what ``biip`` lacks: check-digit rule messages,
EPC URN (TDS 2.x) builders and parsers, a typed Digital Link parser that enforces key
qualifier order and AI character sets, and the DL <-> EPC URN converters.

EPC URNs need the GS1 Company Prefix length to split a key into company prefix and
reference: it is always an explicit ``company_prefix_length`` argument here, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from biip import ParseError
from biip.gln import Gln
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gtin import Gtin
from biip.sscc import Sscc

from epcis.errors import InvalidGS1Key

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

CANONICAL_DL_BASE: Final = "https://id.gs1.org"
#: EPC schemes (TDS 2.x) that carry a GS1 key: instance identifiers ``urn:epc:id:<scheme>``.
#: LGTIN is their class-level companion (``urn:epc:class:lgtin``).
EPC_ID_SCHEMES: Final = frozenset(
    [
        "sgtin",
        "sscc",
        "sgln",
        "grai",
        "giai",
        "gsrn",
        "gsrnp",
        "gdti",
        "cpi",
        "sgcn",
        "ginc",
        "gsin",
        "itip",
        "upui",
        "pgln",
    ]
)

# --------------------------------------------------------------------------- check digits


def check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for ``digits`` (the key without its check digit).

    Weights 3, 1, 3, ... from the rightmost digit, as for every GS1 key with a check digit.
    """
    if not digits.isascii() or not digits.isdigit():
        raise InvalidGS1Key("digits", f"{digits!r}: a check digit needs digits only")
    total = 0
    for i, ch in enumerate(reversed(digits)):
        total += (ord(ch) - 48) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def _check_numeric_key(kind: str, value: str, lengths: tuple[int, ...]) -> None:
    if not value.isascii() or not value.isdigit():
        raise InvalidGS1Key(kind.lower(), f"{kind} {value}: must contain digits only")
    if len(value) not in lengths:
        allowed = " or ".join(str(n) for n in lengths)
        raise InvalidGS1Key(
            kind.lower(), f"{kind} {value}: must be {allowed} digits long, not {len(value)}"
        )
    expected = check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise InvalidGS1Key(kind.lower(), f"{kind} {value}: check digit must be {expected}")


def validate_gtin(value: str) -> str:
    """Validate a GTIN-8/12/13/14 and return it as GTIN-14.

    Raises ``InvalidGS1Key`` naming the broken rule, e.g.
    ``GTIN 8934567890124: check digit must be 3``.
    """
    value = value.strip()
    _check_numeric_key("GTIN", value, (8, 12, 13, 14))
    try:
        gtin = Gtin.parse(value)
    except ParseError as exc:  # pragma: no cover - our own checks above run first
        raise InvalidGS1Key("gtin", f"GTIN {value}: {exc}") from exc
    return gtin.as_gtin_14()


def validate_gln(value: str) -> str:
    """Validate a 13-digit GLN and return it; ``InvalidGS1Key`` names the broken rule."""
    value = value.strip()
    _check_numeric_key("GLN", value, (13,))
    try:
        Gln.parse(value)
    except ParseError as exc:  # pragma: no cover
        raise InvalidGS1Key("gln", f"GLN {value}: {exc}") from exc
    return value


def validate_sscc(value: str) -> str:
    """Validate an 18-digit SSCC and return it; ``InvalidGS1Key`` names the broken rule."""
    value = value.strip()
    _check_numeric_key("SSCC", value, (18,))
    try:
        Sscc.parse(value)
    except ParseError as exc:  # pragma: no cover
        raise InvalidGS1Key("sscc", f"SSCC {value}: {exc}") from exc
    return value


# ------------------------------------------------------------------ AI values and patterns

#: Primary keys a Digital Link path may start with, and their key qualifiers in the
#: order the DL standard requires them (a qualifier may be skipped, never reordered).
DL_PRIMARY_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "01": ("22", "10", "21"),
    "8006": ("22", "10", "21"),
    "00": (),
    "253": (),
    "255": (),
    "401": (),
    "402": (),
    "414": ("254",),
    "417": (),
    "8003": (),
    "8004": (),
    "8010": ("8011",),
    "8013": (),
    "8017": ("8019",),
    "8018": ("8019",),
}
# GTIN + third-party controlled serial (UPUI) is a separate qualifier chain of 01.
_ALT_QUALIFIERS: Final[dict[str, tuple[str, ...]]] = {"01": ("235",)}

#: Digital Link 1.0 convenience alphas still found in the wild (``/gtin/...``). The
#: digital-link.js reference rejects ``/giai/``, so it is not listed.
DL_ALIASES: Final[dict[str, str]] = {
    "gtin": "01",
    "itip": "8006",
    "cpv": "22",
    "lot": "10",
    "ser": "21",
    "sscc": "00",
    "gln": "414",
    "glnx": "254",
    "party": "417",
    "grai": "8003",
    "gsrn": "8018",
    "gsrnp": "8017",
    "gdti": "253",
    "cpid": "8010",
    "cpsn": "8011",
    "gcn": "255",
    "ginc": "401",
    "gsin": "402",
}

# Where the check digit sits in each key with one: (start, end) of the checked digits;
# the check digit is at index ``end``.
_CHECK_DIGIT_SPANS: Final[dict[str, tuple[int, int]]] = {
    "00": (0, 17),
    "01": (0, 13),
    "8006": (0, 13),
    "414": (0, 12),
    "417": (0, 12),
    "8003": (1, 13),
    "253": (0, 12),
    "255": (0, 12),
    "402": (0, 16),
    "8017": (0, 17),
    "8018": (0, 17),
}

_AI_NAMES: Final[dict[str, str]] = {
    "00": "SSCC",
    "01": "GTIN",
    "8006": "ITIP",
    "414": "GLN",
    "417": "party GLN",
    "8003": "GRAI",
    "253": "GDTI",
    "255": "GCN",
    "402": "GSIN",
    "8017": "GSRN-P",
    "8018": "GSRN",
}

_PATTERNS: dict[str, re.Pattern[str]] = {}


def _ai_pattern(ai: str) -> re.Pattern[str] | None:
    pattern = _PATTERNS.get(ai)
    if pattern is None:
        try:
            definition = GS1ApplicationIdentifier.extract(ai)
        except ParseError:
            return None
        if definition.ai != ai:
            return None
        pattern = re.compile(definition.pattern)
        _PATTERNS[ai] = pattern
    return pattern


def validate_ai_value(ai: str, value: str) -> str:
    """Check ``value`` against the GS1 format of AI ``ai`` (length, character set, check
    digit where the key has one) and return it; ``InvalidGS1Key`` names the broken rule."""
    if ai == "01" and len(value) in (8, 12, 13):
        # Digital Link accepts GTIN-8/12/13 unpadded; the canonical form pads to 14.
        validate_gtin(value)
        return value
    pattern = _ai_pattern(ai)
    if pattern is None:
        raise InvalidGS1Key("ai", f"({ai}) is not a GS1 Application Identifier")
    if pattern.fullmatch(ai + value) is None:
        definition = GS1ApplicationIdentifier.extract(ai)
        raise InvalidGS1Key(
            f"ai {ai}",
            f"({ai}) {value}: must match the GS1 format {definition.format}"
            " (length and character set)",
        )
    span = _CHECK_DIGIT_SPANS.get(ai)
    if span is not None:
        start, end = span
        expected = check_digit(value[start:end])
        if int(value[end]) != expected:
            name = _AI_NAMES.get(ai, f"({ai})")
            raise InvalidGS1Key(f"ai {ai}", f"{name} {value}: check digit must be {expected}")
    return value


def is_valid_ai_value(ai: str, value: str) -> bool:
    """``validate_ai_value`` as a predicate."""
    try:
        validate_ai_value(ai, value)
    except InvalidGS1Key:
        return False
    return True


# -------------------------------------------------------------------------- Digital Link


@dataclass(frozen=True)
class DigitalLink:
    """A parsed GS1 Digital Link URI.

    ``primary_ai``/``primary_value`` is the key (``01`` GTIN, ``00`` SSCC, ``414`` GLN, ...);
    ``qualifiers`` its key qualifiers in path order (``10`` lot, ``21`` serial, ``254`` GLN
    extension, ...); ``attributes`` the query string (AIs such as ``17`` expiry, ``7007``
    harvest date, ``422`` origin, plus non-AI parameters such as ``linkType``).
    Values are percent-decoded.
    """

    base: str
    primary_ai: str
    primary_value: str
    qualifiers: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def gtin(self) -> str | None:
        return self.primary_value if self.primary_ai == "01" else None

    @property
    def lot(self) -> str | None:
        return self.qualifiers.get("10")

    @property
    def serial(self) -> str | None:
        return self.qualifiers.get("21")

    @property
    def sscc(self) -> str | None:
        return self.primary_value if self.primary_ai == "00" else None

    @property
    def gln(self) -> str | None:
        return self.primary_value if self.primary_ai == "414" else None

    @property
    def gln_extension(self) -> str | None:
        return self.qualifiers.get("254")

    def path(self) -> str:
        """The GS1 path, ``/01/{gtin}/10/{lot}/21/{serial}``, values percent-encoded."""
        parts = [f"/{self.primary_ai}/{dl_encode(self.primary_value)}"]
        parts.extend(f"/{ai}/{dl_encode(v)}" for ai, v in self.qualifiers.items())
        return "".join(parts)

    def to_uri(self, base: str | None = None, *, with_attributes: bool = True) -> str:
        """The URI on ``base`` (default: the base it was parsed from)."""
        uri = (base if base is not None else self.base).rstrip("/") + self.path()
        if with_attributes and self.attributes:
            uri += "?" + "&".join(
                f"{dl_encode(k)}={dl_encode(v)}" for k, v in self.attributes.items()
            )
        return uri

    def canonical_uri(self) -> str:
        """The canonical DL URI on ``https://id.gs1.org``: GTIN as 14 digits, no query."""
        value = self.primary_value
        if self.primary_ai == "01":
            value = value.zfill(14)
        link = DigitalLink(CANONICAL_DL_BASE, self.primary_ai, value, dict(self.qualifiers))
        return link.to_uri(with_attributes=False)


def dl_encode(value: str) -> str:
    # Percent-encode everything outside the URI unreserved set, as GS1 Digital Link
    # requires for AI values (``/`` in a lot must become ``%2F``).
    return quote(value, safe="")


def _match_gs1_path(
    segments: list[str], *, sort_key_qualifiers: bool
) -> tuple[int, str, str, dict[str, str]] | None:
    """Find the GS1 path at the end of ``segments``: (start, primary ai, value, qualifiers).

    Structure only (no value validation); ``None`` when no primary key starts an even tail.
    """
    for start, raw in enumerate(segments):
        ai = DL_ALIASES.get(raw, raw)
        if ai not in DL_PRIMARY_KEYS or (len(segments) - start) % 2:
            continue
        pairs = [
            (DL_ALIASES.get(segments[i], segments[i]), segments[i + 1])
            for i in range(start + 2, len(segments), 2)
        ]
        qualifiers = dict(pairs)
        if len(qualifiers) != len(pairs):
            return None
        for chain in (DL_PRIMARY_KEYS[ai], _ALT_QUALIFIERS.get(ai, ())):
            if all(q in chain for q in qualifiers):
                order = [chain.index(q) for q in qualifiers]
                if sort_key_qualifiers:
                    qualifiers = dict(sorted(qualifiers.items(), key=lambda kv: chain.index(kv[0])))
                elif order != sorted(order):
                    return None
                return start, ai, segments[start + 1], qualifiers
        return None
    return None


def parse_digital_link(uri: str, *, sort_key_qualifiers: bool = False) -> DigitalLink:
    """Parse and validate a GS1 Digital Link URI (uncompressed form).

    Checks: http(s) scheme and host; a known primary key followed by allowed key qualifiers
    in the standard order (or sorted into it with ``sort_key_qualifiers``); every AI value's
    length, character set and check digit; query AIs known and well formed; other query
    parameters not all-digit (those would be unknown AIs).
    Raises ``InvalidGS1Key`` naming the rule.
    """
    parts = urlsplit(uri.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidGS1Key("digital_link", f"{uri}: must be an http(s) URI with a host")
    segments = [s for s in parts.path.split("/") if s]
    found = _match_gs1_path(segments, sort_key_qualifiers=sort_key_qualifiers)
    if found is None:
        raise InvalidGS1Key(
            "digital_link",
            f"{uri}: path must end with a GS1 primary key and its key qualifiers in order,"
            " e.g. /01/{gtin}/10/{lot}/21/{serial}",
        )
    start, ai, raw_value, raw_qualifiers = found
    primary_value = validate_ai_value(ai, unquote(raw_value))
    qualifiers = {q: validate_ai_value(q, unquote(v)) for q, v in raw_qualifiers.items()}
    attributes: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.isdigit():
            if key in DL_PRIMARY_KEYS:
                raise InvalidGS1Key("digital_link", f"{uri}: primary key ({key}) in query")
            validate_ai_value(key, value)
        attributes[key] = value
    prefix = "/" + "/".join(segments[:start]) if start else ""
    base = f"{parts.scheme}://{parts.netloc}{prefix}"
    return DigitalLink(base, ai, primary_value, qualifiers, attributes)


def is_valid_digital_link(uri: str, *, sort_key_qualifiers: bool = False) -> bool:
    """``parse_digital_link`` as a predicate."""
    try:
        parse_digital_link(uri, sort_key_qualifiers=sort_key_qualifiers)
    except InvalidGS1Key:
        return False
    return True


def is_valid_extension_parameter(text: str) -> bool:
    """A non-AI query parameter ``key=value``: the key must not be all digits."""
    key, sep, _value = text.partition("=")
    return bool(sep) and bool(key) and not key.isdigit()


def _yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


def build_digital_link(
    gtin: str,
    *,
    lot: str | None = None,
    serial: str | None = None,
    base: str = CANONICAL_DL_BASE,
    expiry: dt.date | None = None,
    harvest_date: dt.date | None = None,
    origin_country: str | None = None,
    attributes: Mapping[str, str] | None = None,
) -> str:
    """Build ``{base}/01/{gtin14}[/10/{lot}][/21/{serial}]?17=..&7007=..&422=..``.

    ``origin_country`` is the ISO 3166-1 numeric code (``704`` for Viet Nam). Extra
    ``attributes`` are appended after the named ones. Every value is validated against its
    AI's GS1 format and percent-encoded per the Digital Link standard.
    """
    qualifiers: dict[str, str] = {}
    if lot is not None:
        qualifiers["10"] = validate_ai_value("10", lot)
    if serial is not None:
        qualifiers["21"] = validate_ai_value("21", serial)
    query: dict[str, str] = {}
    if expiry is not None:
        query["17"] = _yymmdd(expiry)
    if harvest_date is not None:
        query["7007"] = _yymmdd(harvest_date)
    if origin_country is not None:
        query["422"] = validate_ai_value("422", origin_country)
    for key, value in (attributes or {}).items():
        if key.isdigit():
            validate_ai_value(key, value)
        query[key] = value
    link = DigitalLink(base.rstrip("/"), "01", validate_gtin(gtin), qualifiers, query)
    return link.to_uri()


def canonical_gs1_path(uri: str) -> str | None:
    """The constrained canonical GS1 path of a DL URI, for the CBV Event Hash ID.

    Lenient on purpose (structure only, no check digits): hashing must not reject an event
    that a partner already captured. Keeps the most fine-grained identification only
    (01+21 over 01+10 over 01; 01+235; 414+254; 8006+21/10; 8010+8011); GTINs padded to 14.
    Returns ``None`` when ``uri`` is not a Digital Link.
    """
    path_start = uri.find("/", uri.find("//") + 2)
    if path_start < 0:
        return None
    path = uri[path_start:]
    for stop in "?#":
        cut = path.find(stop)
        if cut >= 0:
            path = path[:cut]
    segments = [s for s in path.split("/") if s]
    found = _match_gs1_path(segments, sort_key_qualifiers=True)
    if found is None:
        return None
    _start, ai, value, qualifiers = found
    value = unquote(value)
    pattern = _ai_pattern(ai)
    if ai in ("01", "8006"):
        value = value.zfill(14) if len(value) < 14 else value
    if pattern is None or pattern.fullmatch(ai + value) is None:
        return None
    path = f"/{ai}/{dl_encode(value)}"
    for keep in ("21", "235", "10", "254", "8011", "8019"):
        if keep in qualifiers:
            return f"{path}/{keep}/{dl_encode(unquote(qualifiers[keep]))}"
    return path


# ------------------------------------------------------------------------------ EPC URNs

# TDS: characters of a serial that must be %-escaped in an EPC URN (all others of the
# GS1 AI encodable character set 82 are written as is).
_EPC_SAFE: Final = "-_.'()*+,:;=!"


def _epc_escape(value: str) -> str:
    return quote(value, safe=_EPC_SAFE)


def _split_key(kind: str, key: str, company_prefix_length: int, width: int) -> tuple[str, str]:
    if not 6 <= company_prefix_length <= 12:
        raise InvalidGS1Key(
            "company_prefix_length",
            f"{company_prefix_length}: a GS1 Company Prefix is 6 to 12 digits long",
        )
    if company_prefix_length > width:
        raise InvalidGS1Key(
            "company_prefix_length",
            f"{kind} {key}: company prefix length {company_prefix_length} leaves no reference",
        )
    return key[:company_prefix_length], key[company_prefix_length:width]


def sgtin_urn(gtin: str, serial: str, company_prefix_length: int) -> str:
    """``urn:epc:id:sgtin:{company prefix}.{indicator+item ref}.{serial}``."""
    g = validate_gtin(gtin)
    validate_ai_value("21", serial)
    cp, item = _split_key("GTIN", g[1:13], company_prefix_length, 12)
    return f"urn:epc:id:sgtin:{cp}.{g[0]}{item}.{_epc_escape(serial)}"


def lgtin_urn(gtin: str, lot: str, company_prefix_length: int) -> str:
    """``urn:epc:class:lgtin:{company prefix}.{indicator+item ref}.{lot}``."""
    g = validate_gtin(gtin)
    validate_ai_value("10", lot)
    cp, item = _split_key("GTIN", g[1:13], company_prefix_length, 12)
    return f"urn:epc:class:lgtin:{cp}.{g[0]}{item}.{_epc_escape(lot)}"


def sscc_urn(sscc: str, company_prefix_length: int) -> str:
    """``urn:epc:id:sscc:{company prefix}.{extension+serial ref}``."""
    s = validate_sscc(sscc)
    cp, ref = _split_key("SSCC", s[1:17], company_prefix_length, 16)
    return f"urn:epc:id:sscc:{cp}.{s[0]}{ref}"


def sgln_urn(gln: str, company_prefix_length: int, extension: str = "0") -> str:
    """``urn:epc:id:sgln:{company prefix}.{location ref}.{extension}`` (``0``: none)."""
    g = validate_gln(gln)
    if extension != "0":
        validate_ai_value("254", extension)
    cp, ref = _split_key("GLN", g[:12], company_prefix_length, 12)
    return f"urn:epc:id:sgln:{cp}.{ref}.{_epc_escape(extension)}"


def _with_cd(digits: str) -> str:
    return digits + str(check_digit(digits))


def _bad_urn(urn: str, rule: str) -> InvalidGS1Key:
    return InvalidGS1Key("epc_urn", f"{urn}: {rule}")


def _digits(urn: str, *parts: str) -> None:
    for part in parts:
        if not part.isascii() or not part.isdigit():
            raise _bad_urn(urn, f"{part!r} must be digits")


_EPC_FIELD_COUNTS: Final[dict[str, int]] = {
    **dict.fromkeys(["sscc", "giai", "gsrn", "gsrnp", "ginc", "gsin", "pgln"], 2),
    **dict.fromkeys(["sgtin", "sgln", "grai", "gdti", "sgcn", "cpi", "upui", "lgtin"], 3),
    "itip": 5,
}


def epc_urn_to_element_strings(urn: str) -> list[tuple[str, str]]:
    """The GS1 element strings ``[(ai, value), ...]`` an EPC URN stands for.

    Covers the GS1 schemes of TDS 2.x: ``urn:epc:id:`` sgtin, sscc, sgln, grai, giai, gsrn,
    gsrnp, gdti, cpi, sgcn, ginc, gsin, itip, upui, pgln; ``urn:epc:class:lgtin``; and the
    class-level ``urn:epc:idpat:`` patterns (sgtin, grai, gdti, sgcn, cpi, itip with ``*``).
    Raises ``InvalidGS1Key`` for anything else.
    """
    parts = urn.strip().split(":", 4)
    if len(parts) != 5 or parts[:2] != ["urn", "epc"]:
        raise _bad_urn(urn, "must start with urn:epc:id:, urn:epc:class: or urn:epc:idpat:")
    space, kind, body = f"urn:epc:{parts[2]}", parts[3], parts[4]
    pattern = space == "urn:epc:idpat"
    if pattern:
        fields = body.split(".")
        if fields[-1] != "*":
            raise _bad_urn(urn, "only class-level patterns ending in .* are supported")
        fields = fields[:-1]
    elif space in ("urn:epc:id", "urn:epc:class"):
        # The last field (serial, lot) may itself contain dots: split only as far as needed.
        fields = body.split(".", _EPC_FIELD_COUNTS.get(kind, 0) - 1)
    else:
        raise _bad_urn(urn, "must start with urn:epc:id:, urn:epc:class: or urn:epc:idpat:")
    try:
        return _element_strings(urn, space, kind, fields)
    except (IndexError, ValueError) as exc:
        if isinstance(exc, InvalidGS1Key):
            raise
        raise _bad_urn(urn, f"wrong number of fields for scheme {kind!r}") from exc


def _gtin_from(urn: str, cp: str, item: str) -> str:
    _digits(urn, cp, item)
    if len(cp) + len(item) != 13:
        raise _bad_urn(urn, "company prefix and item reference must total 13 digits")
    return _with_cd(item[0] + cp + item[1:])


def _element_strings(urn: str, space: str, kind: str, f: list[str]) -> list[tuple[str, str]]:
    def n(count: int) -> None:
        if len(f) != count:
            raise _bad_urn(urn, f"scheme {kind!r} needs {count} dot-separated fields")

    if space == "urn:epc:class":
        if kind != "lgtin":
            raise _bad_urn(urn, f"unknown EPC class scheme {kind!r}")
        n(3)
        return [("01", _gtin_from(urn, f[0], f[1])), ("10", unquote(f[2]))]
    idpat = space == "urn:epc:idpat"
    if kind == "sgtin":
        n(2 if idpat else 3)
        out = [("01", _gtin_from(urn, f[0], f[1]))]
        return out if idpat else [*out, ("21", unquote(f[2]))]
    if kind == "sscc" and not idpat:
        n(2)
        _digits(urn, f[0], f[1])
        if len(f[0]) + len(f[1]) != 17:
            raise _bad_urn(urn, "company prefix and serial reference must total 17 digits")
        return [("00", _with_cd(f[1][0] + f[0] + f[1][1:]))]
    if kind == "sgln" and not idpat:
        n(3)
        _digits(urn, f[0], f[1])
        out = [("414", _with_cd(f[0] + f[1]))]
        return out if f[2] == "0" else [*out, ("254", unquote(f[2]))]
    if kind == "grai":
        n(2 if idpat else 3)
        _digits(urn, f[0], f[1])
        key = "0" + _with_cd(f[0] + f[1])
        return [("8003", key if idpat else key + unquote(f[2]))]
    if kind == "giai" and not idpat:
        n(2)
        return [("8004", f[0] + unquote(f[1]))]
    if kind in ("gsrn", "gsrnp") and not idpat:
        n(2)
        _digits(urn, f[0], f[1])
        return [("8018" if kind == "gsrn" else "8017", _with_cd(f[0] + f[1]))]
    if kind in ("gdti", "sgcn"):
        n(2 if idpat else 3)
        _digits(urn, f[0], f[1])
        key = _with_cd(f[0] + f[1])
        return [("253" if kind == "gdti" else "255", key if idpat else key + unquote(f[2]))]
    if kind == "cpi":
        n(2 if idpat else 3)
        out = [("8010", f[0] + unquote(f[1]))]
        return out if idpat else [*out, ("8011", f[2])]
    if kind == "ginc" and not idpat:
        n(2)
        return [("401", f[0] + unquote(f[1]))]
    if kind == "gsin" and not idpat:
        n(2)
        _digits(urn, f[0], f[1])
        return [("402", _with_cd(f[0] + f[1]))]
    if kind == "itip":
        n(4 if idpat else 5)
        _digits(urn, f[2], f[3])
        out = [("8006", _gtin_from(urn, f[0], f[1]) + f[2] + f[3])]
        return out if idpat else [*out, ("21", unquote(f[4]))]
    if kind == "upui" and not idpat:
        n(3)
        return [("01", _gtin_from(urn, f[0], f[1])), ("235", unquote(f[2]))]
    if kind == "pgln" and not idpat:
        n(2)
        _digits(urn, f[0], f[1])
        return [("417", _with_cd(f[0] + f[1]))]
    raise _bad_urn(urn, f"EPC scheme {kind!r} has no GS1 Digital Link equivalent here")


def epc_urn_to_digital_link(urn: str, base: str = CANONICAL_DL_BASE) -> str:
    """The GS1 Digital Link URI (canonical on ``https://id.gs1.org`` by default) of an EPC URN."""
    return base.rstrip("/") + "".join(
        f"/{ai}/{dl_encode(v)}" for ai, v in epc_urn_to_element_strings(urn)
    )


def digital_link_to_epc_urn(uri: str, company_prefix_length: int) -> str:
    """The EPC URN of a Digital Link naming an SGTIN, LGTIN, SSCC or SGLN.

    ``/01/{gtin}/21/{serial}`` -> sgtin (a lot in the same URI is dropped: an SGTIN does not
    carry it); ``/01/{gtin}/10/{lot}`` -> lgtin; ``/00/{sscc}`` -> sscc;
    ``/414/{gln}[/254/{ext}]`` -> sgln.
    """
    link = parse_digital_link(uri)
    if link.gtin is not None:
        if link.serial is not None:
            return sgtin_urn(link.gtin, link.serial, company_prefix_length)
        if link.lot is not None:
            return lgtin_urn(link.gtin, link.lot, company_prefix_length)
        raise InvalidGS1Key("digital_link", f"{uri}: a GTIN needs a serial (21) or lot (10)")
    if link.sscc is not None:
        return sscc_urn(link.sscc, company_prefix_length)
    if link.gln is not None:
        return sgln_urn(link.gln, company_prefix_length, link.gln_extension or "0")
    raise InvalidGS1Key(
        "digital_link", f"{uri}: only SGTIN, LGTIN, SSCC and SGLN convert to EPC URNs here"
    )
