"""The batch page in a real browser (Debian's chromium via Playwright) against `eingang serve`
(issue #14): thumbnails, a cut by a click between two pages, a merge and a turned page, at the
office screen (1366×768) and on a phone (390×844), axe-core WCAG 2.1 AA clean after each step,
no sideways scrolling; the README's batch screenshots."""

from __future__ import annotations

import pytest

from tests import letters
from tests.browser import CHROMIUM, CHROMIUM_ARGS, screenshot
from tests.services import Eingang, copy_sqlite, free_port, wait_for_port
from tests.test_mailroom_pages import SECOND_PAGE
from tests.test_web_screens import assert_accessible, assert_fits

pytestmark = pytest.mark.slow
PASSWORD = "Poststelle-Browser-1"
SCREENS = {"1366": (1366, 768), "phone": (390, 844)}


@pytest.fixture(scope="module")
def server(tmp_path_factory, templates):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("mailroom-browser")
    runner = Eingang({"EINGANG_DATA_DIR": str(tmp / "data"), "EINGANG_ADMIN_PASSWORD": "Admin-Browser-Post-1",
                      "EINGANG_SCAN_POLL_SECONDS": "3600"})
    copy_sqlite(templates.sqlite("oldenburg"), tmp / "data" / "eingang.db")
    runner.run("db", "upgrade")
    runner.run("users", "add", "paula", "--role", "poststelle", "--name", "Paula Post", "--password", PASSWORD)
    # One batch per screen, the same scan: two letters (the first two pages long) with a
    # separator sheet between them; both files in one ingest, each file its own batch
    scan = letters.image_pdf([
        letters.render_page(letters.WOHNGELD), letters.render_page(SECOND_PAGE),
        letters.separator_page(), letters.render_page(letters.WIDERSPRUCH)])
    paths = [tmp / f"stapel-{screen}.pdf" for screen in SCREENS]
    for path in paths:
        path.write_bytes(scan)
    runner.run("ingest", "--batch", "--received", "2026-11-18", *map(str, paths), timeout=400)
    web = free_port()
    runner.start("serve", "--port", str(web), "--smtp-port", str(free_port()), log=tmp / "serve.log")
    wait_for_port(web, 60)
    yield f"http://127.0.0.1:{web}"
    runner.stop_all()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--lang=de-DE"])
        yield b
        b.close()


def _wait_for_images(page) -> None:  # type: ignore[no-untyped-def]
    """Every thumbnail loaded, none broken (polled: wait_for_function would need eval, which the CSP forbids)."""
    for _ in range(100):
        if page.evaluate("() => [...document.querySelectorAll('.thumbs img')]"
                         ".every(i => i.complete && i.naturalWidth > 0)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("thumbnails not loaded")


def _letters(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(".letter-pages h3").all_inner_texts()


@pytest.mark.parametrize(("screen", "batch"), [("1366", 1), ("phone", 2)])
def test_batch_page_thumbnails_click_split_merge_and_turn(server, browser, screen, batch):
    width, height = SCREENS[screen]
    phone = width < 600
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin",
                                  viewport={"width": width, "height": height}, is_mobile=phone,
                                  has_touch=phone, device_scale_factor=2 if phone else 1)
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("#username", "paula")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{server}/post/stapel/{batch}")
    page.wait_for_selector("#h-grid")
    # The thumbnails are there and loaded (not broken images)
    _wait_for_images(page)
    assert page.locator(".thumbs img").count() == 4
    assert [t.split(" ·")[0] for t in _letters(page)] == ["Brief 1", "Brief 2"]
    assert_fits(page)
    assert_accessible(page)
    screenshot(page, f"mailroom-batch-{screen}")
    # A click on the cut marker between pages 1 and 2: three letters
    page.get_by_role("button", name="Brief 1 vor Seite 2 trennen").click()
    page.wait_for_selector("text=Brief vor Seite 2 getrennt; 2 Briefe neu angelegt.")
    assert len(_letters(page)) == 3
    # the page was updated in place (htmx) and the focus moved to the message
    page.wait_for_selector(".flash.ok:focus")
    assert_fits(page)
    assert_accessible(page)
    # A merge of the first two letters: two again, the first two pages long
    page.get_by_role("button", name="Briefe 1 und 2 zusammenführen").click()
    page.wait_for_selector("text=Briefe 1 und 2 zusammengeführt; 1 Brief neu angelegt.")
    assert len(_letters(page)) == 2 and "Seiten 1–2" in _letters(page)[0]
    # A page turned upside down: the thumbnail changes, the caption says so
    before = page.locator(".thumbs img").nth(1).get_attribute("src")
    page.get_by_role("button", name="Seite 2 auf den Kopf drehen (180°)").click()
    page.wait_for_selector("text=Seite 2 um 180° gedreht und neu gelesen.")
    assert page.locator(".thumbs img").nth(1).get_attribute("src") != before
    assert "gedreht 180°" in page.locator(".thumbs figcaption").nth(1).inner_text()
    assert_fits(page)
    assert_accessible(page)
    # Without JavaScript the same forms work as plain form posts
    context.close()
    plain = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": height})
    page = plain.new_page()
    page.goto(f"{server}/login")
    page.fill("#username", "paula")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server}/post/stapel/{batch}")
    page.get_by_role("button", name="Seite 2 auf den Kopf drehen (180°)").click()
    page.wait_for_selector("text=Seite 2 um 180° gedreht und neu gelesen.")
    assert "gedreht" not in page.locator(".thumbs figcaption").nth(1).inner_text()
    plain.close()
