"""Plain text originals (phone notes, form text, .txt files)."""

from __future__ import annotations

from extraction.charset import decode_text
from extraction.types import Extraction, Limits


def extract_plain(content: bytes, limits: Limits) -> Extraction:
    text = decode_text(content).strip()
    problems = [] if text else ["Die Nachricht enthält keinen Text."]
    return Extraction(media_type="text/plain", text=text, full_text=text, problems=problems)
