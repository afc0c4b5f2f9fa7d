"""OCR of one page, run inside an OCR worker process (see :mod:`extraction.ocrpool`).

One tesseract process per page gives text, word confidences (TSV) and the page's searchable PDF
at once, with the first configured language's model, on the page turned upright by a cheap
guess of our own (extraction.imaging.orientation_guess). Only when that first reading is weak do
we spend more processes: tesseract's orientation detection (OSD) and a skew estimate, then a
second reading of the corrected image with all configured languages, keeping the better one.
"""

from __future__ import annotations

import csv
import io
import os
import resource
import tempfile
import time
from dataclasses import dataclass, field

import pytesseract
from PIL import Image

from extraction import imaging, ocrlanguage

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
    cpu_seconds: float = 0.0  # this process and its tesseract runs (for bench/ocr.py)


@dataclass
class _Reading:
    text: str
    confidence: float | None
    words: int
    pdf: bytes | None


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
    try:
        image = _load(job)
        source_bilevel = image.info.get("bilevel", False)
        if imaging.is_blank(image):
            result.blank = True
            return
        with tempfile.TemporaryDirectory(prefix="eingang-ocr-") as work:
            reading = _first_reading(image, job, work, deadline, result, source_bilevel)
            if reading.words <= SEPARATOR_MAX_WORDS:  # a separator sheet carries a code, few words
                result.barcodes = imaging.read_codes(image)
            if not result.barcodes and (reading.confidence is None or reading.confidence < job.retry_below):
                reading = _retry_corrected(image, reading, job, work, deadline, result, source_bilevel)
        result.text, result.confidence, result.words, result.pdf = (
            reading.text, reading.confidence, reading.words, reading.pdf,
        )
    except imaging.PageTooLarge as exc:
        result.problem = (
            f"Seite {job.index + 1} ist zu groß für die Texterkennung ({exc}); "
            "bitte mit normaler Auflösung neu scannen."
        )
    except MemoryError:
        result.problem = f"Seite {job.index + 1} braucht zu viel Speicher für die Texterkennung."
    except Exception as exc:  # a broken page must not lose the others
        if isinstance(exc, RuntimeError) and "timeout" in str(exc).lower():  # pytesseract's timeout
            result.problem = f"Seite {job.index + 1}: Zeitlimit der Texterkennung überschritten."
        else:
            result.problem = (
                f"Seite {job.index + 1} konnte nicht gelesen werden ({type(exc).__name__}: {exc})."
            )


def _limit_memory(memory_bytes: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))  # inherited by tesseract


def _load(job: PageJob) -> Image.Image:
    if job.kind == "pdf":
        return imaging.load_pdf_page(job.path, job.index, job.dpi, job.max_pixels)
    with Image.open(job.path) as probe:
        probe.seek(job.index)
        bilevel = probe.mode == "1"
        dpi = probe.info.get("dpi")
        single_upright = (
            probe.format in ("PNG", "JPEG")
            and getattr(probe, "n_frames", 1) == 1
            and probe.getexif().get(0x0112, 1) == 1  # EXIF orientation: as stored
        )
    image = imaging.load_image_frame(job.path, job.index, job.max_pixels)
    image.info["bilevel"] = bilevel
    image.info["as_is"] = single_upright
    if dpi and dpi[0] and float(dpi[0]) >= 50:
        image.info["dpi"] = (round(float(dpi[0])), round(float(dpi[1] or dpi[0])))
    return image


def _as_is(job: PageJob, image: Image.Image) -> str | None:
    """The original file when tesseract can read it unchanged (one upright PNG/JPEG): no re-encoding."""
    return job.path if image.info.get("as_is") else None


def _first_reading(
    image: Image.Image, job: PageJob, work: str, deadline: float, result: PageResult, bilevel: bool
) -> _Reading:
    """One tesseract run for the usual page: turned upright first when the page clearly lies
    otherwise (imaging.orientation_guess, instead of reading it wrong way round, asking
    tesseract's orientation check and reading it again), with the first language's model only.
    A page that does not read as that language is read again with all configured languages."""
    turn = imaging.orientation_guess(image) or 0
    upright = _turned(image, turn)
    languages = ocrlanguage.first_pass(job.languages)
    path = _as_is(job, image) if turn == 0 else None  # no re-encoding of an upright PNG/JPEG
    reading = _read(upright, job, work, deadline, bilevel, path, languages)
    result.rotation = turn
    if languages != job.languages and not ocrlanguage.reads_as(reading.text, languages):
        other = _read(upright, job, work, deadline, bilevel, path, job.languages)
        if (other.confidence or 0) > (reading.confidence or 0):
            reading = other
    return reading


def _turned(image: Image.Image, clockwise_degrees: int) -> Image.Image:
    turned = imaging.turn(image, clockwise_degrees)
    if turned is not image:
        turned.info = dict(image.info)
    return turned


def _read(
    image: Image.Image, job: PageJob, work: str, deadline: float, bilevel: bool,
    path: str | None = None, languages: str | None = None,
) -> _Reading:
    """One tesseract run: TSV (words with confidences) and, if wanted, the page as PDF."""
    path = path or _write_for_tesseract(image, work, bilevel)
    extensions = ["tsv", "pdf"] if job.want_pdf else ["tsv"]
    outputs = pytesseract.run_and_get_multiple_output(
        path, extensions, lang=languages or job.languages, timeout=_remaining(deadline)
    )
    tsv = outputs[0].decode("utf-8", "replace") if isinstance(outputs[0], bytes) else outputs[0]
    text, confidence, words = parse_tsv(tsv)
    return _Reading(text, confidence, words, outputs[1] if job.want_pdf else None)


def _retry_corrected(
    image: Image.Image,
    first: _Reading,
    job: PageJob,
    work: str,
    deadline: float,
    result: PageResult,
    bilevel: bool,
) -> _Reading:
    """A weak first reading: tesseract's orientation check and our skew estimate on the page as
    scanned, and a second reading with all configured languages when they change anything."""
    rotation = _orientation(image, job, work, deadline, bilevel)
    corrected = imaging.turn(image, rotation)
    skew = imaging.skew_angle(corrected)
    if abs(skew) >= 0.5:
        corrected = imaging.straighten(corrected, skew)
    else:
        skew = 0.0
    if rotation == result.rotation and skew == 0.0:
        return first  # read that way already
    corrected.info = dict(image.info)
    second = _read(corrected, job, work, deadline, bilevel)
    if first.confidence is None or (second.confidence or 0) > first.confidence:
        result.rotation, result.skew = rotation, skew
        return second
    return first


def _orientation(image: Image.Image, job: PageJob, work: str, deadline: float, bilevel: bool) -> int:
    """Degrees clockwise to turn the page upright, 0 when unknown (too little text, low confidence)."""
    path = _write_for_tesseract(image, work, bilevel)
    try:
        osd = pytesseract.image_to_osd(
            path, output_type=pytesseract.Output.DICT, timeout=_remaining(deadline)
        )
    except pytesseract.TesseractError:  # raised on pages with too few characters
        return 0
    if float(osd.get("orientation_conf", 0)) < job.min_osd_confidence:
        return 0
    return int(osd.get("rotate", 0)) % 360


def _write_for_tesseract(image: Image.Image, work: str, bilevel: bool) -> str:
    """A file tesseract reads fast and embeds compactly into its PDF (JPEG, or G4 for bilevel)."""
    dpi = image.info.get("dpi", (300, 300))
    if bilevel:
        path = os.path.join(work, "page.tif")
        image.point(lambda v: 255 if v >= imaging.INK_LEVEL else 0).convert("1").save(
            path, format="TIFF", compression="group4", dpi=dpi
        )
    else:
        path = os.path.join(work, "page.jpg")
        image.save(path, format="JPEG", quality=90, dpi=dpi)
    return path


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise RuntimeError("Tesseract process timeout")
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
