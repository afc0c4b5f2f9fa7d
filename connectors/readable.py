"""Which uploaded files eingang can read, told by their first bytes (the browser's content
type and the file name are the sender's claim). A Word or Excel file would be stored but never
read — the citizen is told at once, in German, instead of finding out weeks later."""

from __future__ import annotations

READABLE = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
OFFICE = {".doc", ".docx", ".odt", ".rtf", ".xls", ".xlsx", ".ods", ".ppt", ".pptx", ".pages"}


def sniff(content: bytes) -> str | None:
    """The media type of a file we can read, or None."""
    for magic, media_type in READABLE:
        if content.startswith(magic):
            return media_type
    head = content[:4096]
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError as exc:  # a multi-byte character cut at 4096 is still text
            if exc.start >= len(head) - 3:
                return "text/plain"
    return None


def unreadable_reason(filename: str, content: bytes) -> str | None:
    """German reason why we cannot read this file, or None if we can."""
    if not content:
        return f"Die Datei „{filename}“ ist leer."
    if sniff(content) is not None:
        return None
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in OFFICE:
        return (f"Die Datei „{filename}“ können wir nicht lesen: bitte speichern Sie sie als PDF "
                "(in Word: Datei → Speichern unter → PDF) und hängen Sie sie noch einmal an.")
    return (f"Die Datei „{filename}“ können wir nicht lesen. Bitte senden Sie PDF-Dateien oder "
            "Fotos (JPG, PNG, TIFF).")
