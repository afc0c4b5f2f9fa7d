"""XSS: a mail whose subject, sender, body (text and HTML) and attachment name carry script
payloads is shown inert in a real browser (Debian chromium via Playwright): no dialog, no
script error or effect, the payloads visible as text. CSP is bypassed on purpose here so that
escaping and sanitising alone are tested (the CSP header is checked in test_web_security)."""

from __future__ import annotations

import base64
import smtplib
import time
from email.message import EmailMessage

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, served

pytestmark = pytest.mark.slow
PASSWORD = "Mitarbeiterin-xss-1"
MARK = "XSSPROBE"
PAYLOAD = "<script>window.__xss='{n}'</script><img src=x onerror=\"window.__xss='{n}';alert('{n}')\">"


def hostile_mail() -> bytes:
    msg = EmailMessage()
    msg["To"] = "post@eingang.local"
    msg["Subject"] = f"{MARK} Antrag {PAYLOAD.format(n='subject')}"
    msg.set_content(f"Ich beantrage Wohngeld. {PAYLOAD.format(n='text')} 26123 Oldenburg")
    msg.add_alternative(
        f"<html><body><p>Ich beantrage Wohngeld.</p>{PAYLOAD.format(n='html')}"
        "<a href=\"javascript:window.__xss='href'\" id=jslink>klick</a>"
        "<svg onload=\"window.__xss='svg'\"></svg><iframe src=\"javascript:alert('iframe')\"></iframe>"
        "<form action=\"https://evil.example/\"><input name=p></form>"
        "<style>body{background:url(https://evil.example/x)}</style></body></html>",
        subtype="html",
    )
    msg.add_attachment(b"%PDF-1.4\n%%EOF\n", maintype="application", subtype="pdf",
                       filename=f"\"><img src=x onerror=\"window.__xss='name'\">{MARK}.pdf")
    # The sender's name as a mailer writes it (RFC 2047): Python's folding would unquote it.
    name = base64.b64encode(PAYLOAD.format(n="from").encode()).decode()
    return f"From: =?utf-8?b?{name}?= <boese@example.org>\r\n".encode() + msg.as_bytes()


@pytest.fixture(scope="module")
def server(tmp_path_factory, templates):  # type: ignore[no-untyped-def]
    with served(tmp_path_factory.mktemp("xss"), database=templates.sqlite("oldenburg")) as (runner, base, smtp):
        runner.run("users", "add", "mara", "--role", "eingangsservice", "--queue", "*",
                   "--name", "Mara Eingang", "--password", PASSWORD)
        yield base, smtp


def test_script_payloads_in_a_mail_stay_inert(server):
    from playwright.sync_api import sync_playwright

    base, smtp = server
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
        client.sendmail("boese@example.org", ["post@eingang.local"], hostile_mail())

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE", bypass_csp=True)
        page = context.new_page()
        ran: list[str] = []
        page.on("dialog", lambda d: (ran.append(f"dialog {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: ran.append(f"error {e}"))
        page.on("console", lambda m: ran.append(f"console {m.text}") if m.type == "error"
                and "Failed to load resource" not in m.text else None)
        page.goto(f"{base}/inbox")
        page.fill("#username", "mara")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

        deadline = time.monotonic() + 120
        while MARK not in page.content():
            assert time.monotonic() < deadline, "the mail did not reach the inbox"
            time.sleep(1)
            page.goto(f"{base}/inbox")
        assert page.evaluate("window.__xss") is None
        # The subject is shown as text, tags and all.
        assert page.get_by_text("<script>window.__xss='subject'</script>", exact=False).count() >= 1

        page.click(f"text={MARK}")
        page.wait_for_load_state()
        assert "/items/" in page.url
        html = page.content()
        assert page.evaluate("window.__xss") is None
        assert page.locator("script:not([src])").count() == 0  # no inline script got in
        assert page.locator("[onerror], [onload], iframe, svg, form[action^='https://evil']").count() == 0
        assert page.locator("a[href^='javascript:']").count() == 0
        assert "window.__xss='from'" in page.inner_text("body")  # the sender's name, as text
        assert MARK + ".pdf" in page.inner_text("body")  # the attachment name, as text
        assert "<img src=x" not in html.replace("&lt;img", "")
        page.wait_for_timeout(500)  # give any injected handler the chance to run
        assert page.evaluate("window.__xss") is None
        browser.close()
    assert not ran, ran


def test_pages_work_under_the_strict_csp(server):
    """Without bypassing the CSP: the staff pages and the public form load their scripts and
    styles and trigger no CSP violation (no inline script or style is needed)."""
    from playwright.sync_api import sync_playwright

    base, _smtp = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(locale="de-DE").new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.goto(f"{base}/anliegen")
        page.wait_for_load_state("networkidle")
        page.goto(f"{base}/inbox")
        page.fill("#username", "mara")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof htmx") == "object"  # the script loaded under the CSP
        assert page.evaluate("document.styleSheets.length") >= 1  # the stylesheet applies
        page.wait_for_timeout(1500)  # a live refresh of the rows (htmx) happens under the CSP too
        browser.close()
    assert not violations, violations
