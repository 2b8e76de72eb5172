from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def photos_dir(settings, tmp_path) -> Path:
    """Each test stores its photos in its own folder (the default filesystem storage)."""
    location = tmp_path / "photos"
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": "/media/photos/"},
        },
    }
    return location


def picture(
    width: int = 3000,
    height: int = 2000,
    fmt: str = "JPEG",
    *,
    orientation: int | None = None,
    colour: tuple[int, int, int] = (180, 40, 40),
    mode: str = "RGB",
) -> bytes:
    """A real picture made by Pillow: a colour field with a lighter band on the left (so
    the orientation can be checked), optionally with an EXIF orientation and a GPS tag."""
    image = Image.new(mode, (width, height), colour if mode == "RGB" else (*colour, 128))
    band = Image.new(mode, (max(1, width // 4), height), (250, 250, 250, 255)[: len(mode)])
    image.paste(band, (0, 0))
    out = io.BytesIO()
    kwargs = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation  # Orientation
        exif[0x010F] = "Camera maker"  # Make
        kwargs["exif"] = exif.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()
