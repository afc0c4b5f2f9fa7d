"""PDF originals: the text layer through pypdf where it is good, OCR of the rendered page elsewhere."""

from __future__ import annotations

import io
import time
import unicodedata

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from extraction import ocrpool
from extraction.types import Extraction, Limits, PageText

# A text layer shorter than this (non-space characters) is not trusted to be the whole page.
MIN_TEXT_LAYER_CHARS = 20


def extract_pdf(content: bytes, limits: Limits) -> Extraction:
    result = Extraction(media_type="application/pdf")
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and reader.decrypt("") == 0:
            raise FileNotDecryptedError("password required")
        count = len(reader.pages)
    except FileNotDecryptedError:
        result.problems.append("Das PDF ist verschlüsselt und kann ohne Passwort nicht gelesen werden.")
        return result
    except NotImplementedError as exc:  # an encryption algorithm pypdf does not support
        result.problems.append(f"Das PDF ist verschlüsselt und kann nicht gelesen werden ({exc}).")
        return result
    except (PdfReadError, ValueError, OSError, KeyError, TypeError) as exc:
        result.problems.append(f"Das PDF ist beschädigt und konnte nicht gelesen werden ({exc}).")
        return result
    if count == 0:
        result.problems.append("Das PDF enthält keine Seiten.")
        return result
    if count > limits.max_pdf_pages:
        result.problems.append(
            f"Das PDF hat {count} Seiten; gelesen werden höchstens {limits.max_pdf_pages}."
        )
    pages_read = min(count, limits.max_pdf_pages)
    deadline = time.monotonic() + limits.seconds_per_document
    with ocrpool.original_file(content) as path:
        # at most half the time for the text layer, so that OCR can still read a page whose
        # text layer hangs pypdf
        half = time.monotonic() + limits.seconds_per_document / 2
        texts, problem = ocrpool.read_text_layer(path, limits, half)
        if problem:
            result.problems.append(problem)
        texts += [""] * (pages_read - len(texts))
        to_ocr = [i for i, text in enumerate(texts) if not is_good_text_layer(text)]
        result.pages = [
            PageText(number=i + 1, text=text, method="text_layer")
            for i, text in enumerate(texts)
            if i not in to_ocr
        ]
        # pdfium opens PDFs with an empty user password itself, like pypdf did above.
        ocr = ocrpool.read_pages_at(path, "pdf", to_ocr, limits, deadline,
                                    done_before=pages_read - len(to_ocr), total=pages_read)
    ocrpool.record(result, ocr, limits)
    for page in result.pages:  # OCR found nothing, but there was a (weak) text layer: keep it
        weak = texts[page.number - 1]
        if page.method == "none" and weak.strip():
            page.text, page.method = weak, "text_layer"
    return ocrpool.finish(result)


def is_good_text_layer(text: str) -> bool:
    """Enough characters, and mostly letters, digits and punctuation (not glyph-id garbage)."""
    visible = [c for c in text if not c.isspace()]
    if len(visible) < MIN_TEXT_LAYER_CHARS:
        return False
    readable = sum(1 for c in visible if unicodedata.category(c)[0] in "LNPS" and c != "\ufffd")
    return readable / len(visible) >= 0.9

