"""End-to-end tests: the real service in its own process, driven by headless Chromium.

Chromium is Debian's (`/usr/bin/chromium`, or $TVAERS_CHROMIUM), driven by Playwright
with `executable_path` (Playwright's own browser download does not work here). Without
a Chromium these tests are skipped, except under CI=true, where that fails the run.

Fixtures
--------
``server`` (session)
    `tvaers serve --demo` on a free port, on a fresh SQLite file, the demo data loaded:
    its base URL.
``browser`` (module)
    A headless Chromium (closed after each module: see the fixture).
``page``
    A fresh browser context (no cookies) and page, at laptop width.

Helpers: ``log_in(page, server, username)``, ``assert_accessible(page)`` (axe-core:
no serious or critical violation), ``screenshot(page, name)`` (into docs/screenshots/
when $TVAERS_SCREENSHOTS is set).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from services.demo.data import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP: ViewportSize = {"width": 1366, "height": 900}
TABLET: ViewportSize = {"width": 820, "height": 1180}


def chromium_path() -> str | None:
    chosen = os.environ.get("TVAERS_CHROMIUM") or shutil.which("chromium")
    return chosen if chosen and Path(chosen).exists() else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    env = {
        **os.environ,
        "TVAERS_DATABASE_URL": str(folder / "tvaers.sqlite3"),
        "TVAERS_COOKIE_SECURE": "off",
        "TVAERS_SECRET_KEY": "an-end-to-end-test-key-of-more-than-32-characters",
        "TVAERS_HOUSEKEEPING": "off",
        "TVAERS_LOG_FORMAT": "json",
    }
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server stopped: {(folder / 'server.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the server did not become ready within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# Module scope, not session: while Playwright's sync API is open, its event loop is the
# running loop of the main thread, and every later test that calls asyncio.run() fails.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no Chromium: install Debian's chromium package")
        pytest.skip("no Chromium (install Debian's chromium package)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=LAPTOP, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page: Page, server: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{server}/ui/login")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{server}/ui/**")
    assert "/ui/login" not in page.url


def assert_accessible(page: Page) -> None:
    """axe-core over the page as shown: no serious or critical WCAG 2.1 A/AA violation."""
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"],
        },
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page for the user guide (only when asked to)."""
    if os.environ.get("TVAERS_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
