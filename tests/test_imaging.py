"""Loading page images (extraction.imaging): upright per EXIF, greyscale, no needless copies."""

from __future__ import annotations

import io
import struct

from PIL import Image

from extraction import imaging, ocr


def test_an_exif_turned_photo_is_loaded_upright_and_grey(tmp_path):
    photo = Image.new("RGB", (120, 60), (255, 255, 255))
    photo.paste((0, 0, 0), (0, 0, 20, 20))  # a dark corner at the stored image's top-left
    exif = photo.getexif()
    exif[0x0112] = 6  # EXIF: turn 90° clockwise to show
    path = tmp_path / "foto.jpg"
    photo.save(path, exif=exif, quality=95)
    page, stored = imaging.load_image_frame(str(path), 0, 10**7)
    assert (page.mode, page.size) == ("L", (60, 120))
    assert (stored.format, stored.mode, stored.size, stored.exif_orientation) == ("JPEG", "RGB", (120, 60), 6)
    assert page.getpixel((55, 5)) < 60  # the corner is now top-right


def test_a_grey_png_is_loaded_as_it_is(tmp_path):
    path = tmp_path / "scan.png"
    Image.new("L", (40, 30), 200).save(path, dpi=(300, 300))
    page, stored = imaging.load_image_frame(str(path), 0, 10**7)
    assert (page.mode, page.size, page.getpixel((0, 0))) == ("L", (40, 30), 200)
    assert (stored.format, stored.frames, stored.exif_orientation) == ("PNG", 1, 1)
    assert round(page.info["dpi"][0]) == 300


def _line_asymmetry_by_definition(ink):  # type: ignore[no-untyped-def]
    """The measure of imaging._line_asymmetry spelled out strip by strip and run by run (as
    it was written before it went to numpy): the oracle the fast version must equal."""
    import numpy as np

    strip = imaging._STRIP
    difference = total = 0.0
    gaps = spans = lines = 0
    for x in range(0, max(ink.shape[1] - strip // 2, 1), strip):
        rows = ink[:, x:x + strip].sum(axis=1)
        inked = rows >= 2
        where = np.flatnonzero(inked)
        if len(where) < 8:
            continue
        span = int(where[-1] - where[0] + 1)
        spans, gaps = spans + span, gaps + span - len(where)
        edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
        for start, end in zip(edges[::2], edges[1::2], strict=True):
            if end - start < 4:
                continue
            profile = rows[start:end]
            core = np.flatnonzero(profile * 2 >= profile.max())
            if core[-1] - core[0] < 2:
                continue
            above, below = float(profile[:core[0]].sum()), float(profile[core[-1] + 1:].sum())
            difference, total, lines = difference + above - below, total + above + below, lines + 1
    return (difference / total if total else 0.0), (gaps / spans if spans else 0.0), lines


def test_the_line_measure_equals_its_definition_on_any_ink():
    import numpy as np

    rnd = np.random.default_rng(16)
    # Widths below one strip, partial last strips, empty and nearly black pages
    for _ in range(600):
        height, width = int(rnd.integers(1, 260)), int(rnd.integers(1, 420))
        ink = rnd.random((height, width)) < rnd.choice([0.0, 0.01, 0.05, 0.2, 0.6, 1.0])
        for view in (ink, np.rot90(ink, -1)):
            assert imaging._line_asymmetry(view) == _line_asymmetry_by_definition(view)


def test_the_orientation_of_a_letter_is_guessed_in_every_turn():
    import numpy as np

    from tests import letters

    page = letters.render_page(letters.WOHNGELD).convert("L")
    for turn in (0, 90, 180, 270):
        # Given the letter as a scanner may deliver it, turned counter-clockwise by ``turn``
        scanned = imaging.turn(page, (360 - turn) % 360)
        ink = np.asarray(scanned.reduce(2)) < imaging.INK_LEVEL
        # Then the measure is the one of its definition, in both directions
        assert imaging._line_asymmetry(ink) == _line_asymmetry_by_definition(ink)
        rotated = np.rot90(ink, -1)
        assert imaging._line_asymmetry(rotated) == _line_asymmetry_by_definition(rotated)
        # And the guess turns it upright again
        assert imaging.orientation_guess(scanned) == turn


def test_a_png_with_its_orientation_after_the_pixels_is_decoded_once_and_turned(tmp_path, monkeypatch):
    from PIL import ImageFile

    # Given a PNG whose eXIf chunk (turn 180°) comes after the image data, as some phones write it
    scan = Image.new("L", (50, 40), 255)
    scan.paste(0, (0, 0, 10, 10))  # a dark corner at the stored image's top-left
    exif = Image.Exif()
    exif[0x0112] = 3
    written = io.BytesIO()
    scan.save(written, format="PNG", exif=exif)
    path = tmp_path / "foto.png"
    path.write_bytes(_exif_after_pixels(written.getvalue()))
    assert path.read_bytes().index(b"eXIf") > path.read_bytes().index(b"IDAT")
    decodes = []
    real_load = ImageFile.ImageFile.load

    def load(self):  # type: ignore[no-untyped-def]
        decodes.extend([self.tile] if self.tile else [])  # a load with data left to decode
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    # When the OCR worker loads it (extraction.ocr: the page and whether tesseract may read the file)
    page, original = ocr._load(ocr.PageJob(path=str(path), kind="image", index=0))
    # Then it was decoded once, and stands upright; being turned, the file itself is not read
    assert len(decodes) == 1
    assert page.getpixel((45, 35)) < 60 and page.getpixel((5, 5)) > 200
    assert original is None


def _exif_after_pixels(png: bytes) -> bytes:
    """The PNG with its eXIf chunk moved behind the image data (allowed; Pillow writes it before)."""
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        chunks.append(png[pos:pos + 12 + length])
        pos += 12 + length
    exif = [c for c in chunks if c[4:8] == b"eXIf"]
    rest = [c for c in chunks if c[4:8] != b"eXIf"]
    return png[:8] + b"".join(rest[:-1] + exif + rest[-1:])  # IEND stays last
