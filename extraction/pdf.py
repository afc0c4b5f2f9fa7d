"""PDF originals: the text layer through pypdf (OCR of image-only pages comes with the scan work)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from extraction.types import Extraction, Limits, PageText


def extract_pdf(content: bytes, limits: Limits) -> Extraction:
    result = Extraction(media_type="application/pdf")
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and reader.decrypt("") == 0:
            raise FileNotDecryptedError("password required")
        pages = reader.pages
        count = len(pages)
    except FileNotDecryptedError:
        result.problems.append("Das PDF ist verschlüsselt und kann ohne Passwort nicht gelesen werden.")
        return result
    except (PdfReadError, ValueError, OSError) as exc:
        result.problems.append(f"Das PDF ist beschädigt und konnte nicht gelesen werden ({exc}).")
        return result
    if count == 0:
        result.problems.append("Das PDF enthält keine Seiten.")
        return result
    if count > limits.max_pdf_pages:
        result.problems.append(
            f"Das PDF hat {count} Seiten; gelesen werden höchstens {limits.max_pdf_pages}."
        )
    for number, page in enumerate(pages[: limits.max_pdf_pages], start=1):
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # one broken page must not lose the others
            text = ""
            result.problems.append(f"Seite {number} konnte nicht gelesen werden ({exc}).")
        result.pages.append(PageText(number=number, text=text, method="text_layer" if text.strip() else "none"))
    result.text = "\n\n".join(p.text for p in result.pages if p.text.strip()).strip()
    result.full_text = result.text
    if not result.text:
        result.problems.append("Das PDF enthält keinen Text (Scan ohne Texterkennung).")
    return result
