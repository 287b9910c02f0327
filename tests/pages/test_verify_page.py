"""The buyer's page, in a real headless Chromium on a phone-sized screen.

The app is served over HTTP (uvicorn on a free localhost port) on the sample story,
loaded and anchored on the in-process chain. Each test reads the page as a buyer would:
the verdict, the product, the origin, the journey and the on-chain proof, in Vietnamese,
English or Chinese, and what happens to the verdict when the SQL mirror is tampered with.
The page may not fetch anything but itself: a request elsewhere fails the test.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, update

from backend.actors.service import operator
from backend.pages.i18n import TEXT
from backend.traceability.models import EpcisEvent, Product
from backend.traceability.service import batch_id_hex
from contracts.types import BatchId
from seeds import laocai as data
from tests.pages.conftest import PHONE

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

    from tests.pages.conftest import LiveServer, Phone

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Harvest, handover, receiving, drying, lab certificate, packing, handover to the
# exporter, departure to the border gate, export clearance.
JOURNEY_STEPS = 10
PRODUCT = next(p for p in data.PRODUCTS if p["gtin"] == data.RETAIL_PACK)
NAMES = {"vi": PRODUCT["nameVi"], "en": PRODUCT["nameEn"], "zh": PRODUCT["nameZh"]}
COUNTERFEIT_WORDS = {"vi": "có thể là hàng giả", "en": "possible counterfeit", "zh": "可能是假冒"}
LABELS = {"vi": "Tiếng Việt", "en": "English", "zh": "中文"}


def unit_path(serial: str = data.SERIALS[0], query: str = "") -> str:
    return f"/01/{data.RETAIL_PACK}/10/{data.RETAIL_LOT}/21/{serial}{query}"


def verdict_text(page: Page) -> str:
    return page.get_by_test_id("verdict").inner_text().strip()


def assert_verified_in(page: Page, lang: str) -> None:
    assert page.locator("html").get_attribute("lang") == lang
    assert verdict_text(page) == TEXT["VERIFIED"][lang]
    assert page.get_by_role("heading", level=1).inner_text().strip() == NAMES[lang]
    assert TEXT["origin"][lang] in page.get_by_test_id("origin").inner_text()
    steps = page.get_by_test_id("journey").locator("li")
    assert steps.count() == JOURNEY_STEPS
    assert TEXT["kind.harvest"][lang] in steps.first.inner_text()
    assert TEXT["kind.export"][lang] in steps.last.inner_text()
    assert page.get_by_test_id("reasons").count() == 0
    current = page.get_by_role("navigation").locator("[aria-current=page]")
    assert current.inner_text().strip() == LABELS[lang]


def assert_fits_the_phone(page: Page) -> None:
    """Nothing overflows sideways: a buyer never has to scroll horizontally."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide on a {widths[1]}px screen"


def test_vietnamese_by_default_verified_with_origin_journey_and_proof(
    phone: Phone, live_server: LiveServer, tmp_path: Path
) -> None:
    page = phone.open(unit_path())

    assert_verified_in(page, "vi")
    assert page.title().endswith(NAMES["vi"])

    origin = page.get_by_test_id("origin").inner_text()
    assert TEXT["plantingAreaCode"]["vi"] in origin
    assert data.HARVEST["plantingAreaCode"] in origin
    assert TEXT["harvestDate"]["vi"] in origin
    assert data.HARVEST["harvestDate"].isoformat() in origin

    steps = page.get_by_test_id("journey").locator("li")
    stamps = steps.locator(".step-head time").evaluate_all("els => els.map(e => e.dateTime)")
    times = [datetime.fromisoformat(stamp) for stamp in stamps]
    assert len(times) == JOURNEY_STEPS
    assert times == sorted(times)
    assert times[0].date() == data.HARVEST["harvestDate"]
    assert steps.locator(".unanchored").count() == 0

    proof = page.get_by_test_id("proof").inner_text()
    assert live_server.runtime.deployment.address in proof
    assert str(live_server.runtime.deployment.chain_id) in proof

    assert_fits_the_phone(page)
    shot = tmp_path / "verify-vi.png"
    page.screenshot(path=str(shot), full_page=True)
    picture = shot.read_bytes()
    assert picture.startswith(PNG_SIGNATURE)
    assert len(picture) > 10_000
    assert phone.external_requests == []


def test_lang_query_picks_the_language(phone: Phone) -> None:
    page = phone.open()
    for lang in ("zh", "en"):
        page.goto(phone.server.base_url + unit_path(query=f"?lang={lang}"))

        assert_verified_in(page, lang)
        origin = page.get_by_test_id("origin").inner_text()
        assert TEXT["plantingAreaCode"][lang] in origin
        assert TEXT["harvestDate"][lang] in origin
        assert TEXT["proof"][lang] in page.get_by_test_id("proof").inner_text()
        assert_fits_the_phone(page)
    assert phone.external_requests == []


def test_accept_language_picks_the_language(phone: Phone) -> None:
    for accept_language, lang in [
        ("zh-CN", "zh"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9", "en"),  # what Chromium sends when nobody sets a locale
        ("fr-FR,fr;q=0.9", "vi"),  # none of ours: Vietnamese
        ("en;q=0.3,zh-TW;q=0.8", "zh"),  # by q-value, not by position
    ]:
        page = phone.open(unit_path(), accept_language=accept_language)
        assert_verified_in(page, lang)

    # An explicit choice (a language link, a ?lang= on the label) wins over the phone's.
    page = phone.open(unit_path(query="?lang=en"), accept_language="zh-CN")
    assert_verified_in(page, "en")


def test_language_links_switch_language(phone: Phone) -> None:
    page = phone.open(unit_path())
    assert_verified_in(page, "vi")

    for lang in ("zh", "en", "vi"):
        page.get_by_role("link", name=LABELS[lang], exact=True).click()
        page.wait_for_url(f"**{unit_path(query=f'?lang={lang}')}")
        assert_verified_in(page, lang)
    assert phone.external_requests == []


def test_unknown_serial_fails_as_possible_counterfeit(phone: Phone) -> None:
    serial = "9999"
    assert serial not in data.SERIALS
    page = phone.open()
    for lang in ("vi", "en", "zh"):
        page.goto(phone.server.base_url + unit_path(serial, f"?lang={lang}"))

        verdict = verdict_text(page)
        assert verdict == TEXT["FAILED"][lang]
        assert COUNTERFEIT_WORDS[lang] in verdict
        reasons = page.get_by_test_id("reasons")
        assert TEXT["reasons"][lang] in reasons.inner_text()
        assert TEXT["check.unit"][lang] in reasons.inner_text()
        assert f"serial {serial}" in reasons.inner_text()
        # Nothing to show of an origin or a journey that never happened.
        assert page.get_by_test_id("origin").count() == 0
        assert page.get_by_test_id("journey").count() == 0
        assert_fits_the_phone(page)
    assert phone.external_requests == []


def test_tampered_certificate_row_fails_and_names_the_event(
    phone: Phone, live_server: LiveServer
) -> None:
    page = phone.open(unit_path(query="?lang=en"))
    assert_verified_in(page, "en")

    # Someone with database access "improves" the lab's lead result in the SQL mirror.
    with live_server.runtime.sessions() as session, session.begin():
        event = session.scalars(select(EpcisEvent).where(EpcisEvent.kind == "certificate")).one()
        document = json.loads(event.document)
        lead = next(r for r in document["ocop:testResults"] if r["ocop:analyte"] == "Pb")
        assert lead["ocop:result"] == data.LAB_RESULTS["Pb"]
        lead["ocop:result"] = "0.02 mg/kg"
        session.execute(
            update(EpcisEvent)
            .where(EpcisEvent.id == event.id)
            .values(document=json.dumps(document))
        )
        event_id = event.event_id

    page.reload()

    verdict = verdict_text(page)
    assert verdict == TEXT["headline.tampered"]["en"]
    reasons = page.get_by_test_id("reasons").inner_text()
    assert event_id in reasons
    assert TEXT["check.event-hash"]["en"] in reasons
    # The altered step is marked, and the forged value is not shown to the buyer.
    unanchored = page.get_by_test_id("journey").locator("li.unanchored")
    assert unanchored.count() == 1
    assert unanchored.get_attribute("data-event-id") == event_id
    assert TEXT["hiddenUnverified"]["en"] in unanchored.inner_text()
    assert "0.02 mg/kg" not in page.content()
    assert_fits_the_phone(page)
    assert phone.external_requests == []


def test_recalled_batch_says_recalled_not_counterfeit(
    phone: Phone, live_server: LiveServer
) -> None:
    runtime = live_server.runtime
    with runtime.sessions() as session:
        admin = operator(session)
    assert admin is not None
    dried = batch_id_hex(data.DRIED_ROOTS, data.DRIED_LOT)
    with runtime.chain.lock:
        runtime.ledger.recall(
            runtime.vault.open(admin.sealed_key), BatchId(bytes.fromhex(dried[2:])), b"\x07" * 32
        )
    page = phone.open(unit_path(query="?lang=vi"))
    assert verdict_text(page) == TEXT["headline.recalled"]["vi"]
    assert TEXT["check.batch-recall"]["vi"] in page.get_by_test_id("reasons").inner_text()


def test_malformed_code_shows_a_failed_page_not_an_error(phone: Phone) -> None:
    wrong_check_digit = data.RETAIL_PACK[:-1] + str((int(data.RETAIL_PACK[-1]) + 1) % 10)
    page = phone.open(f"/01/{wrong_check_digit}/10/{data.RETAIL_LOT}/21/0001?lang=en")
    assert verdict_text(page) == TEXT["headline.counterfeit"]["en"]
    assert TEXT["check.code"]["en"] in page.get_by_test_id("reasons").inner_text()


def test_long_chinese_product_name_stays_readable(
    phone: Phone, live_server: LiveServer, tmp_path: Path
) -> None:
    long_name = "老街省Y Tý乡高山生态种植基地精选特级三七干根（田七）礼盒装" * 3 + "，1 公斤装"
    with live_server.runtime.sessions() as session, session.begin():
        session.execute(
            update(Product).where(Product.gtin == data.RETAIL_PACK).values(name_zh=long_name)
        )

    page = phone.open(unit_path(query="?lang=zh"))

    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text().strip() == long_name
    box = heading.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] > 3 * 20  # wrapped over several lines, not cut off
    assert verdict_text(page) == TEXT["VERIFIED"]["zh"]
    assert page.get_by_test_id("verdict").is_visible()
    assert_fits_the_phone(page)
    page.screenshot(path=str(tmp_path / "verify-zh-long.png"), full_page=True)
    assert phone.external_requests == []


def test_page_loads_nothing_from_elsewhere(phone: Phone) -> None:
    """Offline buyers: no CDN, no web font, no map tile, no script from another host."""
    page = phone.open(unit_path())
    page.wait_for_load_state("networkidle")

    outside = page.evaluate(
        """() => [...document.querySelectorAll('[src], link[href], [style]')]
                 .map(e => e.getAttribute('src') || e.getAttribute('href') || '')
                 .filter(u => /^(https?:)?\\/\\//.test(u))"""
    )
    assert outside == []
    assert "@import" not in page.content()
    assert "url(" not in page.content()
    assert phone.external_requests == []
