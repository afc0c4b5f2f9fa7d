"""Tesseract kept loaded in the OCR process: one engine per set of language models.

The tesseract program loads its language models, reads its input and sets up its output for
every page it is started on; an OCR process that reads page after page keeps the engine
(libtesseract through tesserocr) and pays that once. Measured on ten of the scans of
``bench/ocr.py`` (issue 16), CPU a page with the outputs the pipeline needs (TSV and the
text-only PDF): the program 0.99 s, the library with a new engine per page 0.79 s, with the
engine kept 0.75 s.

An engine belongs to the process that made it: the OCR processes fork from a server that
imports this module but never reads a page, so no engine is ever shared across a fork.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import tesserocr

# Where distributions put the language models (Debian's tesseract-ocr-<lang> packages: the
# first); TESSDATA_PREFIX, tesseract's own variable, comes before them.
TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
# The header line the tesseract program writes before the rows of its TSV output.
TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"

_engines: dict[str, tesserocr.PyTessBaseAPI] = {}


OUT_OF_TIME = "Zeitlimit der Texterkennung überschritten"  # German, for staff


class TesseractFailed(RuntimeError):
    """No reading of the page: out of time (``timed_out``), an unreadable image, no model."""

    def __init__(self, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.timed_out = timed_out

    @classmethod
    def out_of_time(cls) -> TesseractFailed:
        return cls(OUT_OF_TIME, timed_out=True)


def tessdata_dir(languages: str) -> str:
    """The directory holding the models of ``languages`` (``deu+eng``)."""
    first = languages.split("+")[0]
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_CANDIDATES]
    for candidate in candidates:
        if candidate and (Path(candidate) / f"{first}.traineddata").is_file():
            return candidate
    raise TesseractFailed(f"kein Sprachmodell „{first}“ für die Texterkennung installiert")


def _engine(languages: str) -> tesserocr.PyTessBaseAPI:
    """The engine for ``languages`` (``osd``: the orientation check), made on first use."""
    engine = _engines.get(languages)
    if engine is None:
        models = tessdata_dir(languages)
        osd = languages == "osd"
        try:
            engine = tesserocr.PyTessBaseAPI(path=models + "/", lang=languages,
                                             **({"psm": tesserocr.PSM.OSD_ONLY} if osd else {}))
        except RuntimeError as exc:  # a model missing or broken: said in German for staff
            raise TesseractFailed(f"die Sprachmodelle „{languages}“ der Texterkennung sind nicht ladbar") from exc
        if not osd:
            engine.SetVariable("textonly_pdf", "1")
        _engines[languages] = engine
    return engine


def _forget(languages: str) -> None:
    engine = _engines.pop(languages, None)
    if engine is not None:
        engine.End()


def read(path: str, languages: str, pdf_base: str | None, seconds: float) -> tuple[str, bytes | None]:
    """The page image file at ``path`` read: tesseract's TSV (with its header line) and, with
    ``pdf_base``, its text-only PDF (written to ``pdf_base``.pdf, returned). Raises
    ``TesseractFailed`` when it gives no reading within ``seconds``."""
    engine = _engine(languages)
    started = time.monotonic()
    milliseconds = max(int(seconds * 1000), 1)
    engine.SetVariable("tessedit_create_pdf", "1" if pdf_base else "0")
    if pdf_base:
        # One recognition serves both: the PDF renderer's, whose result the TSV reads again.
        done = engine.ProcessPages(pdf_base, path, timeout=milliseconds)
    else:
        engine.SetImageFile(path)
        done = engine.Recognize(timeout=milliseconds)
    if not done:
        _forget(languages)  # a cancelled engine starts afresh with the next page
        if time.monotonic() - started >= seconds:
            raise TesseractFailed.out_of_time()
        raise TesseractFailed("die Texterkennung hat kein Ergebnis geliefert")
    tsv = TSV_HEADER + (engine.GetTSVText(0) or "")
    pdf = None
    if pdf_base:
        with open(f"{pdf_base}.pdf", "rb") as handle:
            pdf = handle.read()
    engine.Clear()  # the page's image and results, not the models
    return tsv, pdf


def orientation(path: str) -> tuple[int, float] | None:
    """Tesseract's orientation check (OSD) of the page image at ``path``: degrees to turn it
    clockwise to stand upright, and the confidence; None when the page has too little text."""
    engine = _engine("osd")
    engine.SetImageFile(path)
    found = engine.DetectOrientationScript()
    engine.Clear()
    if not found:
        return None
    # The engine names the page's orientation counter-clockwise; the program's "Rotate" (and
    # ours) is the turn that sets it upright.
    return (360 - int(found["orient_deg"])) % 360, float(found["orient_conf"])
