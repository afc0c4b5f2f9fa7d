"""The page image under the text layer (extraction.pagepdf): the original's data unchanged,
turned by the placement matrix, and rendered as the page it was read as."""

from __future__ import annotations

import io
import struct
import zlib

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter

from extraction import pagepdf


def _marked_page(mode: str = "L") -> Image.Image:
    """A white 200 × 300 page with a black block in its top-left corner."""
    page = Image.new("L", (200, 300), 255)
    ImageDraw.Draw(page).rectangle((0, 0, 59, 59), fill=0)
    return page.convert(mode)


def _text_only_pdf(width: float, height: float) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width, height)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _rendered(pdf: bytes) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[0].render(scale=1).to_pil().convert("L")
    finally:
        document.close()


def _dark_corners(image: Image.Image) -> set[str]:
    width, height = image.size
    probes = {"top-left": (8, 8), "top-right": (width - 9, 8),
              "bottom-left": (8, height - 9), "bottom-right": (width - 9, height - 9)}
    return {name for name, xy in probes.items() if image.getpixel(xy) < 100}


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize("turn,corner", [
    (0, "top-left"), (90, "top-right"), (180, "bottom-right"), (270, "bottom-left"),
])
def test_the_original_png_data_is_drawn_turned_as_the_page_was_read(turn, corner):
    png = _encoded(_marked_page(), "PNG")
    layer = pagepdf.from_png(png)
    assert layer is not None and layer.data in png  # the file's compressed rows, not re-encoded
    width, height = (300, 200) if turn in (90, 270) else (200, 300)  # points: 72 dpi here
    pdf = pagepdf.under_text(_text_only_pdf(width, height), layer, turn)
    assert _dark_corners(_rendered(pdf)) == {corner}


@pytest.mark.parametrize("mode", ["L", "RGB", "P", "1"])
def test_png_kinds_pdf_shows_unchanged(mode):
    layer = pagepdf.from_png(_encoded(_marked_page(mode), "PNG"))
    assert layer is not None
    assert _dark_corners(_rendered(pagepdf.under_text(_text_only_pdf(200, 300), layer))) == {"top-left"}


def _interlaced(png: bytes) -> bytes:
    """The PNG with its header saying Adam7 interlacing (what from_png looks at)."""
    header = bytearray(png[8:33])  # length, "IHDR", 13 bytes, CRC
    header[20] = 1
    header[21:25] = struct.pack(">I", zlib.crc32(bytes(header[4:21])))
    return png[:8] + bytes(header) + png[33:]


@pytest.mark.parametrize("kind,options", [
    ("LA", {}), ("RGBA", {}), ("I;16", {}), ("L", {"transparency": 255}), ("interlaced", {}),
])
def test_pngs_pdf_cannot_show_as_they_are_are_encoded_instead(kind, options):
    page = _marked_page("L")
    if kind == "interlaced":
        png = _interlaced(_encoded(page, "PNG"))
    else:
        png = _encoded(page.convert(kind), "PNG", **options)
    assert pagepdf.from_png(png) is None


def test_a_jpeg_goes_in_as_its_own_bytes():
    jpeg = _encoded(_marked_page("RGB"), "JPEG", quality=90)
    layer = pagepdf.from_jpeg(jpeg, "RGB", (200, 300))
    assert layer is not None and layer.data == jpeg
    assert _dark_corners(_rendered(pagepdf.under_text(_text_only_pdf(200, 300), layer))) == {"top-left"}
    assert pagepdf.from_jpeg(jpeg, "CMYK", (200, 300)) is None  # Adobe CMYK would show inverted


@pytest.mark.parametrize("mode", ["L", "1"])
def test_pages_without_a_usable_original_are_encoded_once(mode):
    layer = pagepdf.encoded(_marked_page(mode))
    assert layer.filter == ("/FlateDecode" if mode == "1" else "/DCTDecode")
    pdf = pagepdf.under_text(_text_only_pdf(200, 300), layer)
    assert _dark_corners(_rendered(pdf)) == {"top-left"}


def test_the_text_layer_stays_over_the_image():
    writer = PdfWriter()
    page = writer.add_blank_page(200, 300)
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    })
    text = DecodedStreamObject()
    text.set_data(b"BT /F1 12 Tf 3 Tr 20 150 Td (Wohngeld) Tj ET")  # invisible, as tesseract's
    page[NameObject("/Contents")] = writer._add_object(text)
    out = io.BytesIO()
    writer.write(out)
    pdf = pagepdf.under_text(out.getvalue(), pagepdf.from_png(_encoded(_marked_page(), "PNG")))
    assert "Wohngeld" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert _dark_corners(_rendered(pdf)) == {"top-left"}
