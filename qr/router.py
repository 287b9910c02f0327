from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from backend.deps import SessionDep
from backend.traceability.models import RetailUnit
from epcis.errors import NotFound
from qr.codes import MEDIA_TYPES, ImageFormat, render, unit_uri

router = APIRouter(tags=["qr"])


@router.get(
    "/qr/01/{gtin}/10/{lot}/21/{serial}",
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
    response_class=Response,
)
def unit_qr(
    gtin: str,
    lot: str,
    serial: str,
    request: Request,
    session: SessionDep,
    image_format: Annotated[ImageFormat, Query(alias="format")] = "png",
) -> Response:
    """The QR code of a retail unit's GS1 Digital Link URI, as PNG or SVG."""
    unit = session.scalar(
        select(RetailUnit).where(
            RetailUnit.gtin == gtin, RetailUnit.lot == lot, RetailUnit.serial == serial
        )
    )
    if unit is None:
        raise NotFound("retail unit", f"/01/{gtin}/10/{lot}/21/{serial}")
    base = request.app.state.runtime.settings.digital_link_base
    body = render(unit_uri(base, gtin, lot, serial), image_format)
    return Response(
        body,
        media_type=MEDIA_TYPES[image_format],
        headers={"Cache-Control": "public, max-age=86400"},
    )
