"""What the extraction loads before it is asked to read something (issue 16): a scan needs
neither the mail parsers (MIME, HTML with bs4 and nh3, S/MIME) nor pypdf's reader, and the
pipeline's extract step neither the classifier nor the routing."""

from __future__ import annotations

import subprocess
import sys

MAIL_AND_PDF = ("extraction.mime", "extraction.pdf", "extraction.html", "bs4", "nh3")
LOADED = "import sys; print(sorted(m for m in {names!r} if m in sys.modules))"


def _loaded_after(code: str, names: tuple[str, ...] = MAIL_AND_PDF) -> str:
    script = f"{code}\n{LOADED.format(names=names)}"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def test_the_dispatcher_loads_the_mail_and_pdf_parsers_with_the_first_mail_only():
    # Given a fresh process that has the dispatcher (the worker's extract step)
    assert _loaded_after("from extraction import dispatch") == "[]"
    # When it reads a mail, the mail parsers come with it
    mail = "From: a@example.org\r\nSubject: Wohngeld\r\n\r\nIch beantrage Wohngeld.\r\n"
    loaded = _loaded_after(f"from extraction import dispatch\n"
                           f"r = dispatch.extract({mail!r}.encode(), 'message/rfc822')\n"
                           f"assert 'Wohngeld' in r.text, r")
    assert "extraction.mime" in loaded and "bs4" in loaded


def test_the_extract_step_loads_without_the_classifier_and_the_routing():
    later_steps = ("classifier", "routing", "worker.steps", "worker.batches", "worker.actions")
    assert _loaded_after("import worker.extract_step", later_steps) == "[]"
    # And the actors declare the steps without loading any of them
    assert _loaded_after("import worker.actors", (*later_steps, "worker.extract_step")) == "[]"
