"""Fixtures for the buyer-page tests: the real app served over HTTP on a free localhost
port, and a headless Debian Chromium driven by Playwright, phone-sized, offline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn

from backend.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route

    from backend.runtime import Runtime
    from seeds.story import StoryResult

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
SERVER_START_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    runtime: Runtime
    story: StoryResult


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live_server(runtime: Runtime, story: StoryResult) -> Iterator[LiveServer]:
    """The app over the sample story (loaded and anchored), served by uvicorn in a thread."""
    port = _free_port()
    app = create_app(runtime=runtime, run_worker=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=5)
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", runtime, story)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium is missing: run `make browser` (Debian chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield chromium
    finally:
        chromium.close()


@dataclass
class Phone:
    """Opens phone-sized pages on the live server, as a buyer's phone would, offline.

    Every request that leaves the live server (CDN, web font, map tile...) is aborted and
    recorded in ``external_requests``: the buyer page must render without the internet.
    """

    browser: Browser
    server: LiveServer
    external_requests: list[str] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def open(self, path: str = "", *, accept_language: str = "") -> Page:
        # Chromium sends "en-US,en;q=0.9" unless told otherwise and a route cannot drop
        # the header, so "no preference" is an empty Accept-Language header.
        context = self.browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            extra_http_headers={"Accept-Language": accept_language},
        )
        self.contexts.append(context)
        context.route("**/*", self._only_the_server)
        page = context.new_page()
        if path:
            page.goto(self.server.base_url + path)
        return page

    def _only_the_server(self, route: Route) -> None:
        url = route.request.url
        if url == self.server.base_url or url.startswith(self.server.base_url + "/"):
            route.continue_()
        else:
            self.external_requests.append(url)
            route.abort()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Phone]:
    device = Phone(browser, live_server)
    try:
        yield device
    finally:
        device.close()
