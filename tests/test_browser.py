"""A real headless Chromium (Debian's `chromium`, driven by Playwright) shows
the Arabic pages right-to-left and the English ones left-to-right, with the
self-hosted fonts, and no request leaves localhost."""

import functools
import http.server
import os
import shutil
import threading
from urllib.parse import urlparse

import pytest

from conftest import missing_tool

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("MIRSAD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def server(sample):
    handler = functools.partial(_QuietHandler, directory=str(sample.output))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if not executable:
        missing_tool("no chromium found (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def visit(browser, url: str):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url, wait_until="networkidle")
    page.evaluate("document.fonts.ready")
    return page, requests


@pytest.mark.browser
@pytest.mark.parametrize("path, direction, lang, font", [
    ("ar/briefings/isis-sirte.html", "rtl", "ar", "Noto Naskh Arabic"),
    ("en/briefings/isis-sirte.html", "ltr", "en", "Noto Serif"),
    ("fr/index.html", "ltr", "fr", "Noto Serif"),
])
def test_page_direction_fonts_and_no_outside_request(browser, server, path, direction, lang, font, tmp_path):
    page, requests = visit(browser, f"{server}/{path}")
    assert page.evaluate("getComputedStyle(document.body).direction") == direction
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.evaluate(f"document.fonts.check('16px \"{font}\"', 'a ب')")
    loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert any(font in family for family in loaded)
    # The header's start edge follows the direction: the site name sits on
    # the right in Arabic, on the left in English and French.
    box = page.locator(".site-name").bounding_box()
    width = page.viewport_size["width"]
    assert (box["x"] > width / 2) == (direction == "rtl")
    page.screenshot(path=str(tmp_path / "page.png"))
    assert requests and all(urlparse(url).hostname == "127.0.0.1" for url in requests), requests
    page.close()


@pytest.mark.browser
def test_language_switcher_round_trip(browser, server):
    page, requests = visit(browser, f"{server}/ar/briefings/un-action-plan.html")
    page.click("nav.language-switcher a[lang=en]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/en/briefings/un-action-plan.html")
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    page.click("nav.language-switcher a[lang=ar]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/ar/briefings/un-action-plan.html")
    assert all(urlparse(url).hostname == "127.0.0.1" for url in requests)
    page.close()
