"""A real browser for end-to-end tests: Debian's chromium driven by Playwright (never a
downloaded browser), and axe-core from npm for the accessibility checks."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.services import ROOT, Eingang, copy_sqlite, free_port, wait_for_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOOLS = ROOT / ".tools"
AXE_VERSION = "4.10"
# The README's screenshots are committed under docs/screenshots/ and refreshed on purpose only
# (`make screenshots` sets EINGANG_UPDATE_SCREENSHOTS=1); a normal test run writes its
# screenshots to the untracked build/screenshots/, so the tree stays clean.
COMMITTED_SCREENSHOTS = ROOT / "docs" / "screenshots"
# WCAG 2.1 A and AA rules (axe tags); best practices are not part of the requirement.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_script() -> Path:
    """axe.min.js, installed once with npm into .tools/ (kept out of the repository)."""
    target = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
    if target.exists():
        return target
    if shutil.which("npm") is None:
        raise RuntimeError("npm fehlt: scripts/system-deps.sh test installiert es")
    TOOLS.mkdir(exist_ok=True)
    # Test workers run side by side (make test): one installs, the others wait for it.
    with open(TOOLS / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix",
                            str(TOOLS), f"axe-core@~{AXE_VERSION}"], check=True, timeout=300)
    return target


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
    # restrict (a <script> tag would be refused, as it should be).
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script().read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]]


def screenshot_dir() -> Path:
    if os.environ.get("EINGANG_UPDATE_SCREENSHOTS") == "1":
        return COMMITTED_SCREENSHOTS
    return ROOT / "build" / "screenshots"


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


@contextmanager
def served(tmp: Path, env: dict[str, str] | None = None,
           database: Path | None = None) -> Iterator[tuple[Eingang, str, int]]:
    """``eingang serve`` (web and SMTP on free ports) on a fresh data dir under ``tmp``, as
    production starts it; yields the runner, the web base URL and the SMTP port. ``database``:
    a migrated template to start from (the ``templates`` fixture's) instead of migrating."""
    runner = Eingang({"EINGANG_DATA_DIR": str(tmp / "data"), "EINGANG_SCAN_POLL_SECONDS": "3600",
                      **(env or {})})
    if database is not None:
        copy_sqlite(database, tmp / "data" / "eingang.db")
    runner.run("db", "upgrade")
    web, smtp = free_port(), free_port()
    runner.start("serve", "--port", str(web), "--smtp-port", str(smtp), log=tmp / "serve.log")
    try:
        wait_for_port(web, 60)
        wait_for_port(smtp, 60)
        yield runner, f"http://127.0.0.1:{web}", smtp
    finally:
        runner.stop_all()


@contextmanager
def chromium(lang: bool = True) -> Iterator:  # type: ignore[type-arg]
    """Debian's chromium under Playwright, German unless ``lang`` is False."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=[*CHROMIUM_ARGS, "--lang=de-DE"] if lang else CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, **context):  # type: ignore[no-untyped-def]
    """A page in a fresh German context (Berlin time); ``context`` adds Playwright options."""
    return browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", **context).new_page()


def login(browser, base: str, username: str, password: str, **context):  # type: ignore[no-untyped-def]
    """A page logged in as ``username`` through the login form, on the inbox or where the
    role lands."""
    page = new_page(browser, **context)
    page.goto(f"{base}/inbox")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def wait_for(page, url: str, text: str, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    """Reload ``url`` until ``text`` is on it (the pipeline works in the background)."""
    deadline = time.monotonic() + timeout
    while text not in page.content():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{text!r} not on {url}")
        time.sleep(1)
        page.goto(url)


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    violations = axe_violations(page)
    assert not violations, (page.url, violations)
