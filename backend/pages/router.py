from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from backend.deps import RuntimeDep
from backend.pages.i18n import LANGUAGES, pick_language, translator
from epcis.errors import InvalidInput
from qr.codes import unit_uri
from verifier.service import unreadable_code, verify_unit

router = APIRouter(tags=["verify"])
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
LANGUAGE_LABELS = {"vi": "Tiếng Việt", "en": "English", "zh": "中文"}


@router.get("/verify")
def verify(runtime: RuntimeDep, uri: Annotated[str, Query(max_length=2048)]) -> dict[str, Any]:
    """The verdict for a retail unit's GS1 Digital Link URI, checked against the chain."""
    return verify_unit(runtime, uri).to_json()


@router.get("/01/{gtin}/10/{lot}/21/{serial}", response_class=HTMLResponse)
def unit_page(
    gtin: str,
    lot: str,
    serial: str,
    request: Request,
    runtime: RuntimeDep,
    lang: str | None = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    """The page a buyer sees after scanning the QR code (GS1 Digital Link resolver)."""
    language = pick_language(lang, accept_language)
    base = runtime.settings.digital_link_base
    try:
        uri = unit_uri(base, gtin, lot, serial)
        verdict = verify_unit(runtime, uri)
    except InvalidInput as exc:
        # A forged label may carry any digits: answer with a verdict, not an API error.
        verdict = unreadable_code(f"{base}/01/{gtin}/10/{lot}/21/{serial}", str(exc))
    return templates.TemplateResponse(
        request,
        "verify.html",
        {
            "v": verdict,
            "product": verdict.product or None,
            "lang": language,
            "t": translator(language),
            "languages": [(code, LANGUAGE_LABELS[code]) for code in LANGUAGES],
        },
    )
