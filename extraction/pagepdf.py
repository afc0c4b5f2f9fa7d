"""A page's searchable PDF: the page image with tesseract's invisible text over it.

Tesseract writes the text layer only (``textonly_pdf``); the image is put under it here. When
tesseract embedded the image itself it deflated the whole page again (leptonica transcodes even
a plain PNG): about 6 % of a reading's CPU. Here an upright or turned PNG or JPEG original goes
in as the file holds it (PNG image data with its row predictors, JPEG bytes), turned by the
placement matrix; other pages (TIFF frames, rendered PDF pages, straightened pages) are encoded
once: JPEG for grey as before, Flate for bilevel (tesseract wrote G4 there; on a speckled page
Flate came out 12 % smaller and as fast).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

JPEG_QUALITY = 90
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Layer:
    """Image data as a PDF image XObject takes it, and the pixel size it has in the file."""

    width: int
    height: int
    data: bytes
    filter: str  # "/FlateDecode" | "/DCTDecode"
    colour_space: str | list  # "/DeviceGray", "/DeviceRGB" or an /Indexed array (as PDF names)
    bits: int = 8
    png_colours: int = 0  # > 0: Flate data with PNG row predictors, this many samples per pixel


def from_png(data: bytes) -> Layer | None:
    """The PNG's own compressed rows when PDF can show them unchanged (no interlacing, no
    transparency, no 16-bit samples); None otherwise."""
    if not data.startswith(_PNG_SIGNATURE):
        return None
    chunks, palette, header, pos = [], b"", None, len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) < length:
            return None  # truncated
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body[:13])
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"tRNS":
            return None
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None or not chunks:
        return None
    width, height, bits, colour_type, _compression, _filter, interlace = header
    if interlace or bits not in (1, 2, 4, 8):
        return None
    if colour_type == 0:
        space, colours = "/DeviceGray", 1
    elif colour_type == 2 and bits == 8:
        space, colours = "/DeviceRGB", 3
    elif colour_type == 3 and palette and len(palette) % 3 == 0:
        space, colours = ["/Indexed", "/DeviceRGB", len(palette) // 3 - 1, palette], 1
    else:
        return None
    return Layer(width, height, b"".join(chunks), "/FlateDecode", space, bits, png_colours=colours)


def from_jpeg(data: bytes, mode: str, size: tuple[int, int]) -> Layer | None:
    """The JPEG file itself (PDF decodes baseline and progressive JPEG); None for CMYK and
    other modes PDF would show inverted or not at all."""
    spaces = {"L": "/DeviceGray", "RGB": "/DeviceRGB"}
    if mode not in spaces or not data.startswith(b"\xff\xd8"):
        return None
    return Layer(size[0], size[1], data, "/DCTDecode", spaces[mode])


def encoded(image: Image.Image) -> Layer:
    """A page without a usable original: JPEG (grey) or Flate (bilevel)."""
    if image.mode == "1":
        return Layer(image.width, image.height, zlib.compress(image.tobytes(), 6),
                     "/FlateDecode", "/DeviceGray", bits=1)
    grey = image if image.mode == "L" else image.convert("L")
    out = io.BytesIO()
    grey.save(out, format="JPEG", quality=JPEG_QUALITY)
    return Layer(grey.width, grey.height, out.getvalue(), "/DCTDecode", "/DeviceGray")


def under_text(text_pdf: bytes, layer: Layer, clockwise_degrees: int = 0) -> bytes:
    """Tesseract's one-page text-only PDF with ``layer`` filling the page beneath the text,
    turned ``clockwise_degrees`` (0, 90, 180, 270) as the page was turned before reading."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        StreamObject,
    )

    writer = PdfWriter()
    page = writer.add_page(PdfReader(io.BytesIO(text_pdf)).pages[0])
    box = page.mediabox
    width, height = float(box.width), float(box.height)

    image = StreamObject()
    image.set_data(layer.data)  # already compressed: written as it is, the filter says how
    image.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(layer.width),
        NameObject("/Height"): NumberObject(layer.height),
        NameObject("/BitsPerComponent"): NumberObject(layer.bits),
        NameObject("/ColorSpace"): _pdf_value(layer.colour_space),
        NameObject("/Filter"): NameObject(layer.filter),
    })
    if layer.png_colours:
        image[NameObject("/DecodeParms")] = DictionaryObject({
            NameObject("/Predictor"): NumberObject(15),
            NameObject("/Colors"): NumberObject(layer.png_colours),
            NameObject("/BitsPerComponent"): NumberObject(layer.bits),
            NameObject("/Columns"): NumberObject(layer.width),
        })
    matrix = placement(width, height, clockwise_degrees)
    draw = DecodedStreamObject()
    draw.set_data(f"q {' '.join(_number(v) for v in matrix)} cm /Im1 Do Q\n".encode("ascii"))

    if "/Resources" not in page:
        page[NameObject("/Resources")] = DictionaryObject()
    resources = page["/Resources"].get_object()
    resources[NameObject("/XObject")] = DictionaryObject(
        {NameObject("/Im1"): writer._add_object(image)}
    )
    # Kept as references: a content stream must stay an indirect object.
    contents = page.raw_get("/Contents") if "/Contents" in page else ArrayObject()
    if not isinstance(contents.get_object(), ArrayObject):
        contents = ArrayObject([contents])
    page[NameObject("/Contents")] = ArrayObject([writer._add_object(draw), *contents.get_object()])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def placement(width: float, height: float, clockwise_degrees: int) -> tuple[float, ...]:
    """The matrix (a b c d e f) that maps the image's unit square onto the ``width`` × ``height``
    page, turned clockwise by ``clockwise_degrees`` (the image's top-left corner is (0, 1))."""
    return {
        0: (width, 0, 0, height, 0, 0),
        90: (0, -height, width, 0, 0, height),
        180: (-width, 0, 0, -height, width, height),
        270: (0, height, -width, 0, width, 0),
    }[clockwise_degrees % 360]


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def _pdf_value(value: str | list):  # type: ignore[no-untyped-def]
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject, NumberObject

    if isinstance(value, str):
        return NameObject(value)
    return ArrayObject(
        NameObject(v) if isinstance(v, str) else NumberObject(v) if isinstance(v, int)
        else ByteStringObject(v)
        for v in value
    )
