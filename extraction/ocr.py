"""OCR of one page, run inside an OCR worker process (see :mod:`extraction.ocrpool`).

One tesseract reading per page, by the engine this process keeps loaded (extraction.tesseract),
gives text, word confidences (TSV) and the text layer of the page's searchable PDF at once (the
page image goes under it from the original's own data, extraction.pagepdf), with the first
configured language's model, on the page turned upright by a cheap guess of our own
(extraction.imaging.orientation_guess). Only when that first reading is weak do we spend more
readings: tesseract's orientation detection (OSD) and a skew estimate, then a second reading of
the corrected image with all configured languages, keeping the better one.
"""

from __future__ import annotations

import csv
import io
import os
import resource
import tempfile
import time
from dataclasses import dataclass, field

# Imported, the TIFF plugin is registered for saving: Pillow's first save in a format not yet
# registered imports every one of its ~50 format plugins (40 ms of each OCR process's first page).
from PIL import Image, TiffImagePlugin  # noqa: F401

from extraction import imaging, ocrlanguage, pagepdf, tesseract

# Barcodes are only looked for on pages with at most this many words (separator sheets):
# reading codes on every full page would cost several per cent of the OCR time.
SEPARATOR_MAX_WORDS = 60


@dataclass(frozen=True)
class PageJob:
    path: str  # a file holding the whole original (written by the caller, read here)
    kind: str  # "pdf" | "image"
    index: int  # 0-based page (PDF) or frame (TIFF)
    languages: str = "deu+eng"
    dpi: int = 300
    max_pixels: int = 60_000_000
    retry_below: float = 75.0
    min_osd_confidence: float = 12.0
    seconds: float = 120.0
    # The document's deadline on time.monotonic(), one clock for every process of the machine: a
    # page that starts late (queued behind others) gets only what is left, and a page that starts
    # after it ends at once, so the caller never has to kill a process for the document's limit.
    ends_at: float | None = None
    memory_bytes: int = 2 * 1024 * 1024 * 1024
    want_pdf: bool = True


@dataclass
class PageResult:
    index: int
    text: str = ""
    confidence: float | None = None
    words: int = 0
    rotation: int = 0
    skew: float = 0.0
    blank: bool = False
    barcodes: list[str] = field(default_factory=list)
    pdf: bytes | None = None
    problem: str | None = None  # German, for staff
    cpu_seconds: float = 0.0  # this process with its tesseract engine (for bench/ocr.py)


@dataclass
class _Reading:
    text: str
    confidence: float | None
    words: int
    text_pdf: bytes | None  # tesseract's text layer alone
    page: _Input

    def searchable_page(self) -> bytes | None:
        """The page's searchable PDF: its image with this reading's text over it."""
        if self.text_pdf is None:
            return None
        layer, turn = self.page.layer()
        return pagepdf.under_text(self.text_pdf, layer, turn)


def run_page(job: PageJob) -> PageResult:
    """Everything about one page; a bad page becomes a problem in the result, never an exception."""
    os.environ["OMP_THREAD_LIMIT"] = "1"  # tesseract's own threads cost far more than they give
    _limit_memory(job.memory_bytes)
    cpu_start = _cpu_seconds()
    result = PageResult(index=job.index)
    try:
        _run_page(job, result)
    finally:
        result.cpu_seconds = _cpu_seconds() - cpu_start
    return result


def read_text_layer(path: str, max_pages: int, memory_bytes: int) -> list[str]:
    """The text layer of each page with pypdf (in a worker process: hostile content streams
    can make text extraction slow or hungry; here the time and memory limits hold)."""
    from pypdf import PdfReader

    _limit_memory(memory_bytes)
    reader = PdfReader(path)
    if reader.is_encrypted:
        reader.decrypt("")
    texts = []
    for page in reader.pages[:max_pages]:
        try:
            texts.append(page.extract_text() or "")
        except Exception:  # a broken content stream: the rendered page may still be readable
            texts.append("")
    return texts


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _run_page(job: PageJob, result: PageResult) -> None:
    deadline = time.monotonic() + job.seconds
    if job.ends_at is not None:
        deadline = min(deadline, job.ends_at)
    try:
        _remaining(deadline)
        image, original = _load(job)
        if imaging.is_blank(image):
            result.blank = True
            return
        with tempfile.TemporaryDirectory(prefix="eingang-ocr-") as work:
            reading = _first_reading(image, original, job, work, deadline, result)
            if reading.words <= SEPARATOR_MAX_WORDS:  # a separator sheet carries a code, few words
                result.barcodes = imaging.read_codes(image)
            if not result.barcodes and (reading.confidence is None or reading.confidence < job.retry_below):
                reading = _retry_corrected(image, original, reading, job, work, deadline, result)
            result.text, result.confidence, result.words = reading.text, reading.confidence, reading.words
            result.pdf = reading.searchable_page()
    except imaging.PageTooLarge as exc:
        result.problem = (
            f"Seite {job.index + 1} ist zu groß für die Texterkennung ({exc}); "
            "bitte mit normaler Auflösung neu scannen."
        )
    except MemoryError:
        result.problem = f"Seite {job.index + 1} braucht zu viel Speicher für die Texterkennung."
    except tesseract.TesseractFailed as exc:
        result.problem = (time_limit_problem(job.index) if exc.timed_out
                          else f"Seite {job.index + 1} konnte nicht gelesen werden ({exc}).")
    except Exception as exc:  # a broken page must not lose the others
        result.problem = f"Seite {job.index + 1} konnte nicht gelesen werden ({type(exc).__name__}: {exc})."


def time_limit_problem(index: int) -> str:
    """The problem staff read for page ``index`` (0-based) when its reading ran out of time."""
    return f"Seite {index + 1}: {tesseract.OUT_OF_TIME}."


def _limit_memory(memory_bytes: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))  # inherited by tesseract


def _load(job: PageJob) -> tuple[Image.Image, _Original | None]:
    """The page in greyscale (bilevel and dpi noted in its info), and the original file when it
    is one upright PNG or JPEG image."""
    if job.kind == "pdf":
        return imaging.load_pdf_page(job.path, job.index, job.dpi, job.max_pixels), None
    image, stored = imaging.load_image_frame(job.path, job.index, job.max_pixels)
    image.info["bilevel"] = stored.mode == "1"
    dpi = stored.dpi
    if dpi and dpi[0] and float(dpi[0]) >= 50:
        image.info["dpi"] = (round(float(dpi[0])), round(float(dpi[1] or dpi[0])))
    if stored.format not in ("PNG", "JPEG") or stored.frames != 1 or stored.exif_orientation != 1:
        return image, None
    layer = None
    if job.want_pdf:
        with open(job.path, "rb") as handle:
            data = handle.read()
        layer = (pagepdf.from_png(data) if stored.format == "PNG"
                 else pagepdf.from_jpeg(data, stored.mode, stored.size))
    return image, _Original(job.path, colour=stored.mode not in ("L", "1"), layer=layer)


@dataclass(frozen=True)
class _Original:
    """A single upright PNG or JPEG original: tesseract can read the file, and its searchable
    PDF can show the file's own image data (``layer``, None when PDF cannot take it as is)."""

    path: str
    colour: bool
    layer: pagepdf.Layer | None


class _Input:
    """A page as tesseract reads it, and the image its searchable PDF shows.

    Tesseract reads an uncompressed TIFF of the pixels decoded here anyway (no second PNG or
    JPEG decode, no lossy copy); only a colour original is handed over as it is, so that
    tesseract's thresholding sees its colours. The PDF shows the original's image data turned
    by ``turn`` when there is one, else the page encoded once (pagepdf.encoded).
    """

    def __init__(self, image: Image.Image, turn: int, original: _Original | None, work: str,
                 name: str) -> None:
        self.image = _bilevel(image) if image.info.get("bilevel") else image
        self.dpi = image.info.get("dpi")  # none known: tesseract estimates it, as from the file
        self.turn, self.original, self.work, self.name = turn, original, work, name
        self._path: str | None = None
        self._layer: pagepdf.Layer | None = None

    def path(self) -> str:
        if self._path is None:
            if self.original is not None and self.turn == 0 and self.original.colour:
                self._path = self.original.path
            else:
                self._path = os.path.join(self.work, f"{self.name}.tif")
                extra = {"dpi": self.dpi} if self.dpi else {}
                self.image.save(self._path, format="TIFF", **extra)
        return self._path

    def layer(self) -> tuple[pagepdf.Layer, int]:
        """The image for the PDF and how far to turn it clockwise."""
        if self.original is not None and self.original.layer is not None:
            return self.original.layer, self.turn
        if self._layer is None:
            self._layer = pagepdf.encoded(self.image)
        return self._layer, 0


def _bilevel(image: Image.Image) -> Image.Image:
    """Black and white at the ink level (a bilevel original straightened has grey edges)."""
    black_white = image.point(lambda v: 255 if v >= imaging.INK_LEVEL else 0)
    return black_white.convert("1", dither=Image.Dither.NONE)


def _first_reading(
    image: Image.Image, original: _Original | None, job: PageJob, work: str, deadline: float,
    result: PageResult,
) -> _Reading:
    """One tesseract reading for the usual page: turned upright first when the page clearly lies
    otherwise (imaging.orientation_guess, instead of reading it wrong way round, asking
    tesseract's orientation check and reading it again), with the first language's model only.
    A page that does not read as that language is read again (the same file) with all
    configured languages."""
    turn = imaging.orientation_guess(image) or 0
    page = _Input(_turned(image, turn), turn, original, work, "first")
    languages = ocrlanguage.first_pass(job.languages)
    reading = _read(page, job, deadline, languages)
    result.rotation = turn
    if languages != job.languages and not ocrlanguage.reads_as(reading.text, languages):
        other = _read(page, job, deadline, job.languages)
        if (other.confidence or 0) > (reading.confidence or 0):
            reading = other
    return reading


def _turned(image: Image.Image, clockwise_degrees: int) -> Image.Image:
    turned = imaging.turn(image, clockwise_degrees)
    if turned is not image:
        turned.info = dict(image.info)
    return turned


def _read(page: _Input, job: PageJob, deadline: float, languages: str | None = None) -> _Reading:
    """One reading by the process's tesseract engine: TSV (words with confidences) and, if
    wanted, the text-only PDF (the page image is put under it by _Reading.searchable_page, for
    the reading kept only)."""
    languages = languages or job.languages
    base = os.path.join(page.work, f"{page.name}-{languages}")
    tsv, text_pdf = tesseract.read(page.path(), languages, base if job.want_pdf else None,
                                   _remaining(deadline))
    text, confidence, words = parse_tsv(tsv)
    return _Reading(text, confidence, words, text_pdf, page)


def _retry_corrected(
    image: Image.Image,
    original: _Original | None,
    first: _Reading,
    job: PageJob,
    work: str,
    deadline: float,
    result: PageResult,
) -> _Reading:
    """A weak first reading: tesseract's orientation check and our skew estimate on the page as
    scanned, and a second reading with all configured languages when they change anything."""
    rotation = _orientation(image, work, job, deadline)
    corrected = imaging.turn(image, rotation)
    skew = imaging.skew_angle(corrected)
    if abs(skew) >= 0.5:
        corrected = imaging.straighten(corrected, skew)
    else:
        skew = 0.0
    if rotation == result.rotation and skew == 0.0:
        return first  # read that way already
    corrected.info = dict(image.info)
    # A straightened page has new pixels: the original's data no longer fits its PDF.
    second = _read(_Input(corrected, rotation, original if skew == 0.0 else None, work, "second"), job, deadline)
    if first.confidence is None or (second.confidence or 0) > first.confidence:
        result.rotation, result.skew = rotation, skew
        return second
    return first


def _orientation(image: Image.Image, work: str, job: PageJob, deadline: float) -> int:
    """Degrees clockwise to turn the page upright, 0 when unknown (too little text, low confidence)."""
    _remaining(deadline)
    found = tesseract.orientation(_Input(image, 0, None, work, "osd").path())
    if found is None or found[1] < job.min_osd_confidence:
        return 0
    return found[0]


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise tesseract.TesseractFailed.out_of_time()
    return left


def parse_tsv(tsv: str) -> tuple[str, float | None, int]:
    """Text with tesseract's line and paragraph breaks, mean word confidence, word count."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    paragraphs: list[tuple[int, int]] = []
    confidences: list[float] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        if row.get("level") != "5" or not word:
            continue
        block, par, line = int(row["block_num"]), int(row["par_num"]), int(row["line_num"])
        if (block, par) not in paragraphs:
            paragraphs.append((block, par))
        lines.setdefault((block, par, line), []).append(word)
        conf = float(row.get("conf") or -1)
        if conf >= 0:
            confidences.append(conf)
    text = "\n\n".join(
        "\n".join(" ".join(words) for key, words in lines.items() if key[:2] == paragraph)
        for paragraph in paragraphs
    )
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    return text, confidence, len(confidences)
