"""Pure extraction: bytes of an original in, text, pages, attachments and problems out.

No database, no broker, no files written. The worker's ``extract`` step calls
:func:`extraction.extract` and stores what comes back.

``extract`` and ``sniff_media_type`` are loaded on first use: a command that only stores
originals (``eingang ingest`` with a broker, the SMTP intake) needs the file-type sniffing,
not the parsers behind ``extract`` (PDF, MIME, HTML, images: 0.4 s of imports; issue 16).
"""

from typing import TYPE_CHECKING, Any

from extraction.types import Attachment, EmailHeaders, Extraction, Limits, PageText

if TYPE_CHECKING:
    from extraction.dispatch import extract
    from extraction.sniff import sniff_media_type

__all__ = [
    "Attachment",
    "EmailHeaders",
    "Extraction",
    "Limits",
    "PageText",
    "extract",
    "sniff_media_type",
]


def __getattr__(name: str) -> Any:
    if name == "extract":
        from extraction.dispatch import extract as found
    elif name == "sniff_media_type":
        from extraction.sniff import sniff_media_type as found
    else:
        raise AttributeError(f"module 'extraction' has no attribute {name!r}")
    globals()[name] = found  # later look-ups are plain attribute reads
    return found
