"""Loading page images (extraction.imaging): upright per EXIF, greyscale, no needless copies."""

from __future__ import annotations

from PIL import Image

from extraction import imaging


def test_an_exif_turned_photo_is_loaded_upright_and_grey(tmp_path):
    photo = Image.new("RGB", (120, 60), (255, 255, 255))
    photo.paste((0, 0, 0), (0, 0, 20, 20))  # a dark corner at the stored image's top-left
    exif = photo.getexif()
    exif[0x0112] = 6  # EXIF: turn 90° clockwise to show
    path = tmp_path / "foto.jpg"
    photo.save(path, exif=exif, quality=95)
    page = imaging.load_image_frame(str(path), 0, 10**7)
    assert (page.mode, page.size) == ("L", (60, 120))
    assert page.getpixel((55, 5)) < 60  # the corner is now top-right


def test_a_grey_png_is_loaded_as_it_is(tmp_path):
    path = tmp_path / "scan.png"
    Image.new("L", (40, 30), 200).save(path, dpi=(300, 300))
    page = imaging.load_image_frame(str(path), 0, 10**7)
    assert (page.mode, page.size, page.getpixel((0, 0))) == ("L", (40, 30), 200)
    assert round(page.info["dpi"][0]) == 300
