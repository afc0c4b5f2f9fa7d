"""Pure extraction: bytes of an original in, text, pages, attachments and problems out.

No database, no broker, no files written. The worker's ``extract`` step calls
:func:`extraction.extract` and stores what comes back.
"""

from extraction.dispatch import extract, sniff_media_type
from extraction.types import Attachment, EmailHeaders, Extraction, Limits, PageText

__all__ = [
    "Attachment",
    "EmailHeaders",
    "Extraction",
    "Limits",
    "PageText",
    "extract",
    "sniff_media_type",
]
