"""Small generated German test mails."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid


def citizen_mail(subject: str, body: str, sender: str = "buerger@example.org",
                 to: str = "eingang@eingang.local") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Bürger Test <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(body)
    return msg


WOHNGELD = (
    "Antrag auf Wohngeld",
    "Sehr geehrte Damen und Herren,\nich möchte Wohngeld (Mietzuschuss) beantragen. "
    "Ich wohne in 26123 Oldenburg.\nMit freundlichen Grüßen\nMaria Müller",
)


def wohngeld(kommune) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """WOHNGELD from an address inside ``kommune`` (tests.kommunen)."""
    return WOHNGELD[0], WOHNGELD[1].replace("26123 Oldenburg", kommune.place)
