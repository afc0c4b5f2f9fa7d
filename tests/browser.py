"""A real browser for end-to-end tests: Debian's chromium driven by Playwright (never a
downloaded browser), and axe-core from npm for the accessibility checks."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from tests.services import ROOT

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
