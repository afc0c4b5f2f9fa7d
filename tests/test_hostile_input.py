"""Hostile input: extraction runs in a limited child process, zips stay unexpanded, logs keep
IBANs and addresses masked."""

from __future__ import annotations

import io
import logging
import zipfile
from email.message import EmailMessage

import pytest

import extraction
from store import logsafe
from tests import sandbox_targets
from worker import sandbox


@pytest.fixture
def tight(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"extract_timeout": 3.0,
                                           "extract_memory_bytes": 1024 * 1024 * 1024,
                                           "worker_threads": 1})
    yield settings
    sandbox.shutdown()


@pytest.mark.parametrize(("target", "reason"), [
    (sandbox_targets.sleep_forever, "länger als 3 Sekunden"),
    (sandbox_targets.eat_memory, "Speicher"),
    (sandbox_targets.crash, "abgebrochen"),
])
def test_misbehaving_parser_costs_only_its_child(tight, target, reason):
    if target is not sandbox_targets.sleep_forever:  # only the sleeper is to hit the timeout
        tight = tight.model_copy(update={"extract_timeout": 60.0})
    result = sandbox.run_isolated(target, (b"",), "message/rfc822", tight)
    assert result.text == "" and len(result.problems) == 1
    assert reason in result.problems[0]
    # The pool is still usable afterwards.
    good = sandbox.extract(b"Subject: Hallo\n\nIch beantrage Wohngeld.\n", "message/rfc822", tight)
    assert "Wohngeld" in good.text


def test_zip_attachments_are_kept_unexpanded():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nullen.bin", b"\0" * (20 * 1024 * 1024))  # 20 MB -> ~20 kB
    mail = EmailMessage()
    mail["From"] = "a@example.org"
    mail["Subject"] = "Unterlagen"
    mail.set_content("Anbei meine Unterlagen.")
    mail.add_attachment(bomb.getvalue(), maintype="application", subtype="zip",
                        filename="../../unterlagen.zip")
    result = extraction.extract(mail.as_bytes(), "message/rfc822")
    assert "Unterlagen" in result.text
    [part] = [a for a in result.attachments if a.media_type == "application/zip"]
    assert part.content == bomb.getvalue()  # kept as received, never expanded
    assert part.filename == "unterlagen.zip"  # a display name, no path


def test_log_records_mask_iban_and_addresses(caplog):
    handler = logging.StreamHandler(io.StringIO())
    logger = logging.getLogger("eingang.test.logsafe")
    logger.addHandler(handler)
    logsafe.install(logger)
    try:
        logger.warning("Zahlung an %s von %s", "DE89 3704 0044 0532 0130 00", "maria.muster@example.org")
        try:
            raise ValueError("recipient maria.muster@example.org rejected, IBAN DE89370400440532013000")
        except ValueError:
            logger.exception("delivery failed")
    finally:
        logger.removeHandler(handler)
    out = handler.stream.getvalue()
    assert "3704" not in out and "0532" not in out and "maria.muster" not in out
    assert "DE** **** 00" in out and "m***@example.org" in out and "delivery failed" in out


def test_access_log_drops_query_strings():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("10.0.0.1:5000", "GET", "/inbox?q=Musterfrau", "1.1", 200), None)
    logsafe.AccessLogFilter().filter(record)
    assert record.getMessage() == '10.0.0.1:5000 - "GET /inbox HTTP/1.1" 200'
