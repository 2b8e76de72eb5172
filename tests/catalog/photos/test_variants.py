from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from midas.catalog.photos.variants import make_variants, widths_for
from midas.errors import AppError, ErrorCode
from tests.catalog.photos.conftest import picture


def test_widths_never_upscale(settings):
    settings.PHOTO_WIDTHS = [480, 800, 1200, 1600, 2000]
    assert widths_for(4000) == [2000, 1600, 1200, 800, 480]
    assert widths_for(1000) == [1000, 800, 480]
    assert widths_for(800) == [800, 480]
    assert widths_for(300) == [300]


def test_avif_and_jpeg_at_each_width_with_exact_sizes():
    made = make_variants(picture(2400, 1600))
    assert (made.width, made.height) == (2000, 1333)
    formats = {}
    for variant in made.variants:
        with Image.open(io.BytesIO(variant.data)) as image:
            assert image.format == {"avif": "AVIF", "jpg": "JPEG"}[variant.format]
            assert image.size == (variant.width, variant.height)
        assert variant.name == f"v/{made.digest}-{variant.width}.{variant.format}"
        formats.setdefault(variant.format, []).append(variant.width)
    assert formats == {"avif": [2000, 1600, 1200, 800, 480], "jpg": [2000, 1600, 1200, 800, 480]}
    tiny = base64.b64decode(made.placeholder.split(",")[1])
    with Image.open(io.BytesIO(tiny)) as placeholder:
        assert placeholder.width == 24


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "AVIF"])
def test_other_accepted_formats(fmt):
    made = make_variants(picture(600, 400, fmt))
    assert {v.format for v in made.variants} == {"avif", "jpg"}
    assert made.source_format in {"PNG", "WebP", "AVIF"}


def test_transparency_is_flattened_on_white():
    made = make_variants(picture(600, 400, "PNG", mode="RGBA"))
    jpeg = next(v for v in made.variants if v.format == "jpg")
    with Image.open(io.BytesIO(jpeg.data)) as image:
        assert image.mode == "RGB"


def test_the_same_photo_gives_the_same_names():
    data = picture(900, 600)
    assert [v.name for v in make_variants(data).variants] == [
        v.name for v in make_variants(data).variants
    ]


def refused(data: bytes) -> AppError:
    with pytest.raises(AppError) as caught:
        make_variants(data)
    return caught.value


def test_not_an_image_is_refused_clearly():
    error = refused(b"%PDF-1.7 this is a contract, not a photo")
    assert error.code == ErrorCode.PHOTO_NOT_AN_IMAGE and error.status == 422
    assert "not a picture" in error.message


def test_a_truncated_photo_is_refused_clearly():
    error = refused(picture(800, 600)[:2000])
    assert error.code == ErrorCode.PHOTO_NOT_AN_IMAGE
    assert "damaged" in error.message


def test_an_unsupported_format_is_refused_clearly():
    error = refused(picture(200, 100, "GIF"))
    assert error.code == ErrorCode.PHOTO_UNSUPPORTED_FORMAT and error.status == 415
    assert "GIF" in error.message


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.PHOTO_MAX_BYTES = 1000
    error = refused(picture(800, 600))
    assert error.code == ErrorCode.PHOTO_TOO_LARGE and error.status == 413
    assert "MB" in error.message


def test_a_decompression_bomb_is_refused_from_its_header(settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    error = refused(picture(1200, 1000, "PNG"))
    assert error.code == ErrorCode.PHOTO_TOO_LARGE and "megapixels" in error.message


def test_past_pillows_own_bomb_limit_is_refused(monkeypatch):
    # a 20,000 x 20,000 PNG of one colour is a few hundred kB: Pillow's guard trips first
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    error = refused(picture(1500, 1500, "PNG"))
    assert error.code == ErrorCode.PHOTO_TOO_LARGE


def test_a_colour_profile_is_applied_then_dropped():
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(out, "JPEG", icc_profile=profile)
    made = make_variants(out.getvalue())
    for variant in made.variants:
        with Image.open(io.BytesIO(variant.data)) as image:
            assert "icc_profile" not in image.info and not image.getexif()
            assert image.convert("RGB").getpixel((10, 10))[0] > 150  # still red
