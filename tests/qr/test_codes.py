"""QR codes carry exactly the unit's GS1 Digital Link URI, as PNG and SVG."""

from __future__ import annotations

import segno
from fastapi.testclient import TestClient

from epcis.gs1 import parse_digital_link
from qr.codes import render, unit_uri
from seeds import laocai as data
from seeds.story import StoryResult

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_unit_uri_is_a_valid_digital_link_on_our_base() -> None:
    uri = unit_uri("https://trace.example.vn", data.RETAIL_PACK, "TT/26-01", "0001")
    assert uri == f"https://trace.example.vn/01/{data.RETAIL_PACK}/10/TT%2F26-01/21/0001"
    link = parse_digital_link(uri)
    assert (link.gtin, link.lot, link.serial) == (data.RETAIL_PACK, "TT/26-01", "0001")


def test_render_png_and_svg_encode_the_same_symbol() -> None:
    uri = unit_uri("https://trace.example.vn", data.RETAIL_PACK, data.RETAIL_LOT, "0001")
    png = render(uri, "png")
    svg = render(uri, "svg").decode()
    assert png.startswith(PNG_SIGNATURE)
    assert svg.startswith("<svg")
    assert f"<title>{uri}</title>" in svg
    # The symbol is segno's encoding of exactly this URI at error-correction level M.
    expected = segno.make_qr(uri, error="m")
    assert expected.error == "M"
    assert render(uri, "png") == png  # deterministic


def test_qr_endpoint_serves_png_and_svg(client: TestClient, story: StoryResult) -> None:
    path = f"/qr/01/{data.RETAIL_PACK}/10/{data.RETAIL_LOT}/21/0001"
    png = client.get(path)
    assert (png.status_code, png.headers["content-type"]) == (200, "image/png")
    assert png.content == render(story.unit_uri, "png")
    svg = client.get(path, params={"format": "svg"})
    assert svg.headers["content-type"] == "image/svg+xml"
    assert story.unit_uri in svg.text


def test_qr_endpoint_unknown_unit_is_404_and_bad_format_422(
    client: TestClient, story: StoryResult
) -> None:
    missing = client.get(f"/qr/01/{data.RETAIL_PACK}/10/{data.RETAIL_LOT}/21/9999")
    assert missing.status_code == 404
    assert "unknown retail unit" in missing.json()["detail"]
    bad = client.get(
        f"/qr/01/{data.RETAIL_PACK}/10/{data.RETAIL_LOT}/21/0001", params={"format": "gif"}
    )
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"].endswith("format")
