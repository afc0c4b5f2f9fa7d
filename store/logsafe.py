"""Keep Sozialdaten out of log files: IBANs and email addresses are masked in every record.

Log statements themselves name ids, never message text; this filter is the safety net for
what slips through (an exception message quoting an address, an SMTP error with a recipient).
Installed on the root handlers by the CLI (``install``), so every process of eingang has it.
"""

from __future__ import annotations

import logging
import re

# An IBAN: country code, check digits, 11–30 alphanumerics, printed in groups of four or not.
# Greedy: masking a word too many beats leaving digits of an account in the log.
IBAN = re.compile(r"\b[A-Z]{2}\s?\d{2}(?:\s?[A-Z0-9]{1,4}){3,8}\b")
EMAIL = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


def mask(text: str) -> str:
    text = IBAN.sub(lambda m: f"{m.group(0)[:2]}** **** {m.group(0)[-2:]}", text)
    return EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


class MaskingFilter(logging.Filter):
    """Format the message once, mask it, and keep the masked text (also of tracebacks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class AccessLogFilter(logging.Filter):
    """Uvicorn's access log without query strings: a search term (``?q=Musterfrau``) or a
    booking token must not end up in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def uvicorn_logging() -> dict:
    """Keyword arguments for ``uvicorn.run``: its loggers go through the root handlers (and so
    through the masking filter), its access log without query strings."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogFilter) for f in access.filters):
        access.addFilter(AccessLogFilter())
    return {"log_config": None}


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (root by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
