"""Letters the test suite renders itself: German text drawn with a Debian font (fonts-dejavu-core)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
DPI = 300
A4 = (2480, 3508)  # pixels at 300 dpi

WOHNGELD = [
    "Erika Müßig",
    "Gartenstraße 12",
    "26123 Oldenburg",
    "",
    "An die Stadtverwaltung, Wohngeldstelle",
    "",
    "Betreff: Antrag auf Wohngeld für meine Familie",
    "",
    "Sehr geehrte Damen und Herren,",
    "",
    "hiermit beantrage ich Wohngeld. Meine Miete beträgt monatlich",
    "845 Euro. Die Gehaltsbescheinigungen der letzten drei Monate",
    "füge ich bei. Bitte prüfen Sie meinen Antrag zügig, weil die",
    "Nebenkostenabrechnung größer ausgefallen ist als erwartet.",
    "",
    "Mit freundlichen Grüßen",
    "Erika Müßig",
]

WIDERSPRUCH = [
    "Jürgen Weiß",
    "Hauptstraße 7",
    "26121 Oldenburg",
    "",
    "Betreff: Widerspruch gegen den Bescheid vom 3. März",
    "",
    "Sehr geehrte Damen und Herren,",
    "",
    "gegen Ihren Bescheid über Leistungen zur Grundsicherung lege ich",
    "fristgerecht Widerspruch ein. Die Heizkosten wurden nicht",
    "vollständig berücksichtigt. Eine Begründung reiche ich nach.",
    "",
    "Mit freundlichen Grüßen",
    "Jürgen Weiß",
]

UMZUG = [
    "Familie Özdemir",
    "Lindenallee 3",
    "26135 Oldenburg",
    "",
    "Betreff: Mitteilung über unseren Umzug",
    "",
    "Sehr geehrte Damen und Herren,",
    "",
    "wir teilen Ihnen mit, dass wir zum ersten des Monats in die",
    "Schlossgasse 21 umziehen. Der Mietvertrag liegt bei. Bitte",
    "ändern Sie die Anschrift für die Zahlungen des Bürgergeldes.",
    "",
    "Freundliche Grüße",
    "Ayşe Özdemir",
]


def render_page(lines: list[str], size: tuple[int, int] = A4, font_size: int = 46) -> Image.Image:
    """An upright A4 page at 300 dpi in greyscale, text from the top left like a letter."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), font_size)
    y = 300
    for line in lines:
        draw.text((250, y), line, font=font, fill=0)
        y += int(font_size * 1.6)
    return page


def separator_page(code: str = "TRENNBLATT", text: str = "TRENNBLATT") -> Image.Image:
    """A separator sheet: a large QR code with ``code`` and a printed word."""
    import zxingcpp

    page = Image.new("L", A4, 255)
    qr = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.QRCode)
    symbol = Image.fromarray(qr.to_image(scale=30, add_quiet_zones=True)).convert("L")
    page.paste(symbol, ((A4[0] - symbol.width) // 2, 900))
    if text:
        draw = ImageDraw.Draw(page)
        draw.text((700, 500), text, font=ImageFont.truetype(str(FONT), 110), fill=0)
    return page


def blank_page(noise: bool = True) -> Image.Image:
    """An empty sheet as a scanner delivers it: white with a few specks of dust."""
    page = Image.new("L", A4, 255)
    if noise:
        draw = ImageDraw.Draw(page)
        for x, y in ((400, 700), (1900, 2100), (1200, 3300)):
            draw.ellipse((x, y, x + 4, y + 4), fill=0)
    return page


def rotated(page: Image.Image, degrees: float) -> Image.Image:
    """Turned by ``degrees`` counter-clockwise, corners filled white (a crooked or upside-down scan)."""
    return page.rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)


def image_pdf(pages: list[Image.Image]) -> bytes:
    """An image-only PDF (no text layer) as a scanner without OCR writes it."""
    out = io.BytesIO()
    first, *rest = [p.convert("L") for p in pages]
    first.save(out, format="PDF", resolution=DPI, save_all=True, append_images=rest)
    return out.getvalue()


def tiff(pages: list[Image.Image]) -> bytes:
    """A multi-page TIFF (group 4 fax compression, bilevel) as mailroom scanners write it."""
    out = io.BytesIO()
    first, *rest = [p.convert("1") for p in pages]
    first.save(out, format="TIFF", compression="group4", dpi=(DPI, DPI), save_all=True, append_images=rest)
    return out.getvalue()


def encoded(page: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    page.save(out, format=fmt, dpi=(DPI, DPI))
    return out.getvalue()
