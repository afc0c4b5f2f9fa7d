"""Every real-world and malformed mail of the shared corpus is read without an exception."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from extraction import Extraction, Limits
from extraction.dispatch import extract_email
from tests.corpora import corpora_dir, mime_corpus

CORPUS = mime_corpus()
# One worker for the module: the German samples' test reads mails the per-mail test has read
# already (their images OCR'd: a minute of CPU), and takes them from extracted()'s cache.
pytestmark = [pytest.mark.skipif(not CORPUS, reason="../shared/corpora/mime is missing"),
              pytest.mark.xdist_group("mail_corpus")]


@cache
def extracted(path: Path) -> Extraction:
    # extract_email directly: the dispatcher would turn an exception into a problem
    return extract_email(path.read_bytes(), Limits())


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: "/".join(p.parts[-2:]))
def test_corpus_mail_is_read_without_exception(path):
    result = extracted(path)
    assert isinstance(result, Extraction)
    # Whatever the mail, staff get something: text, an attachment, or a German reason.
    assert result.text or result.attachments or result.problems
    assert "\r" not in result.text


def test_german_samples_are_readable():
    """The legacy samples carry "Die Hasen und die Frösche" in Latin-1, Windows-1252, UTF-8,
    quoted-printable, base64, encoded-word subjects and raw 8-bit headers."""
    seen = 0
    for path in CORPUS:
        if "stalwart" not in path.parts or path.name == "034.eml":  # 034 is mangled UTF-7
            continue
        result = extracted(path)
        everything = result.headers.subject + "\n" + result.full_text
        if "Hasen und die" not in everything:
            continue
        seen += 1
        assert "Frösche" in everything, path
        if "Hasen" in result.headers.subject:
            assert "Frösche" in result.headers.subject, path
        for broken in ("\ufffd", "Ã¶", "Ã¼", "FrÃ", "Fr?sche"):
            assert broken not in everything, (path, broken)
    assert seen >= 25


def test_corpus_dir_is_found():
    assert corpora_dir() is not None
