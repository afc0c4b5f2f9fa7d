"""The separator sheet the mailroom prints and puts before every letter: a large QR code the
scan reads exactly (preferred over the printed word, which OCR may misread), the word itself,
and a line for the people at the scanner. One A4 page as PDF."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

A4_300_DPI = (2480, 3508)
FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
         Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)  # Pillow's own font where DejaVu is not installed


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int) -> None:
    font = _font(size)
    width = draw.textlength(text, font=font)
    draw.text(((A4_300_DPI[0] - width) / 2, y), text, font=font, fill=0)


def separator_pdf(code: str = "TRENNBLATT", kommune: str = "") -> bytes:
    import img2pdf
    import zxingcpp

    page = Image.new("L", A4_300_DPI, 255)
    symbol = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.QRCode)
    qr = Image.fromarray(symbol.to_image(scale=40, add_quiet_zones=True)).convert("L")
    page.paste(qr, ((A4_300_DPI[0] - qr.width) // 2, 1000))
    draw = ImageDraw.Draw(page)
    _centred(draw, 450, code, 200)
    _centred(draw, 1000 + qr.height + 150, "Vor jeden Brief legen. Nicht knicken, nicht beschriften.", 60)
    if kommune:
        _centred(draw, 3200, f"Poststelle – {kommune}", 50)
    png = io.BytesIO()
    page.save(png, format="PNG", dpi=(300, 300))
    return img2pdf.convert(png.getvalue())
