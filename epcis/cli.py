"""Command-line tools for the GS1 model: ``ocoptrace epcis ...`` and ``ocoptrace gs1 ...``.

``backend/cli.py`` registers ``epcis_app`` and ``gs1_app``. Results go to stdout (one item a
line, or JSON); failures exit 1 with the reason (validation problems on stdout, one a
line, so they can be piped; other errors on stderr).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from biip import ParseError
from biip.gs1_messages import GS1Message

from epcis.errors import InvalidInput
from epcis.event_hash import document_event_hash_ids, document_prehash_strings
from epcis.gs1 import parse_digital_link, validate_ai_value
from epcis.validation import events_of, validate_document

epcis_app = typer.Typer(help="EPCIS 2.0 documents: Event Hash IDs and validation.")
gs1_app = typer.Typer(help="GS1 keys, element strings and Digital Link URIs.")

FileArg = Annotated[Path, typer.Argument(help="EPCIS 2.0 JSON/JSON-LD document or event")]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")


@epcis_app.command("hash")
def hash_command(
    file: FileArg,
    prehash: Annotated[
        bool, typer.Option("--prehash", help="print the canonical pre-hash strings instead")
    ] = False,
) -> None:
    """Print the CBV 2.0 Event Hash ID of every event, one a line, in document order."""
    document = _load(file)
    if not isinstance(document, dict):
        _fail(f"{file}: an EPCIS document or event must be a JSON object")
    try:
        lines = document_prehash_strings(document) if prehash else document_event_hash_ids(document)
    except InvalidInput as exc:
        _fail(f"{file}: {exc}")
    for line in lines:
        typer.echo(line)


@epcis_app.command("validate")
def validate_command(file: FileArg) -> None:
    """Check a document against the EPCIS 2.0 JSON Schema and the standard's other rules."""
    document = _load(file)
    if not isinstance(document, dict):
        _fail(f"{file}: an EPCIS document or event must be a JSON object")
    problems = validate_document(document)
    if problems:
        for problem in problems:
            typer.echo(str(problem))
        raise typer.Exit(1)
    typer.echo(f"valid: {len(events_of(document))} events")


def parse_gs1(text: str) -> dict[str, str]:
    """AI -> value of a Digital Link URI or an element string, with ``type`` and, when
    present, ``gtin``/``lot``/``serial``. Raises ``InvalidInput`` naming the broken rule."""
    text = text.strip()
    out: dict[str, str]
    if text.startswith(("http://", "https://")):
        link = parse_digital_link(text)
        out = {"type": "digital-link", link.primary_ai: link.primary_value, **link.qualifiers}
        out.update({k: v for k, v in link.attributes.items() if k.isdigit()})
    else:
        try:
            # Bracketed: human-readable form; else GS1-128/DataMatrix data, FNC1 as \x1d.
            parse = GS1Message.parse_hri if text.startswith("(") else GS1Message.parse
            message = parse(text)
        except ParseError as exc:
            raise InvalidInput("element_string", str(exc)) from exc
        out = {"type": "element-string"}
        for element in message.element_strings:
            out[element.ai.ai] = validate_ai_value(element.ai.ai, element.value)
    for ai, name in (("01", "gtin"), ("10", "lot"), ("21", "serial")):
        if ai in out:
            out[name] = out[ai]
    return out


@gs1_app.command("parse")
def parse_command(
    value: Annotated[
        str,
        typer.Argument(
            help="a GS1 Digital Link URI, a bracketed element string (01)...(10)...,"
            " or an unbracketed one with \\x1d (FNC1) separators"
        ),
    ],
) -> None:
    """Print the Application Identifiers and values as JSON."""
    try:
        result = parse_gs1(value)
    except InvalidInput as exc:
        _fail(exc.message)
    typer.echo(json.dumps(result, ensure_ascii=False))
