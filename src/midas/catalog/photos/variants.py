"""Pillow's work: read an upload safely, then cut it into responsive variants.

``make_variants(data)`` checks the bytes are a picture of an accepted format and a sane
number of pixels (before decoding them: a decompression bomb is refused from its header),
applies the EXIF orientation, converts to sRGB and drops every other piece of metadata
(location, camera, thumbnails), then encodes AVIF and a JPEG fallback at each of
``settings.PHOTO_WIDTHS`` narrower than the photo, plus the photo's own width when it is
narrower than the widest (never upscaled), and a tiny blurred placeholder.

Names are ``v/<hash>-<width>.<format>``, the hash of the original's bytes and of
``RECIPE``: the same photo always gives the same names, and a new recipe new ones, so a
name can be cached forever. Measured cost: docs/how-to/photos.md.
"""

from __future__ import annotations

import base64
import hashlib
import io
import warnings
from dataclasses import dataclass, field

from django.conf import settings
from PIL import Image, ImageCms, ImageFilter, ImageOps, UnidentifiedImageError

from midas.errors import AppError, ErrorCode

# What staff may upload: what cameras, phones and editors write. MPO is a camera JPEG.
ACCEPTED = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP", "AVIF": "AVIF"}
RECIPE = "avif55s8+jpg82/lanczos/v1"  # change it whenever the output below changes
ENCODERS: dict[str, dict] = {
    "avif": {"format": "AVIF", "quality": 55, "speed": 8},
    "jpg": {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True},
}
PLACEHOLDER_WIDTH = 24


@dataclass(frozen=True)
class Variant:
    name: str
    format: str
    width: int
    height: int
    data: bytes = field(repr=False)

    def as_dict(self) -> dict[str, str | int]:
        return {
            "name": self.name,
            "format": self.format,
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class Processed:
    digest: str
    source_format: str  # JPEG, PNG, ...
    width: int  # the widest variant's
    height: int
    variants: list[Variant]
    placeholder: str  # data: URI


def widths_for(photo_width: int) -> list[int]:
    """The variant widths for a photo ``photo_width`` wide, widest first: never upscaled."""
    wanted = sorted(set(settings.PHOTO_WIDTHS), reverse=True)
    widths = [w for w in wanted if w < photo_width]
    if photo_width < wanted[0]:
        widths.insert(0, photo_width)
    else:
        widths.insert(0, wanted[0])
    return sorted(set(widths), reverse=True)


def open_checked(data: bytes) -> Image.Image:
    """The decoded picture in ``data``, or an ``AppError`` saying why not."""
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise too_large_bytes(len(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise AppError(
            ErrorCode.PHOTO_NOT_AN_IMAGE,
            "This file is not a picture. Upload a JPEG, PNG, WebP or AVIF photo.",
            field="file",
        ) from exc
    if image.format not in ACCEPTED:
        raise AppError(
            ErrorCode.PHOTO_UNSUPPORTED_FORMAT,
            f"{image.format or 'This'} pictures are not accepted: upload a JPEG, PNG, WebP or "
            "AVIF photo.",
            field="file",
        )
    if image.width * image.height > settings.PHOTO_MAX_PIXELS:
        raise too_many_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_many_pixels() from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise AppError(
            ErrorCode.PHOTO_NOT_AN_IMAGE,
            "This picture is damaged or cut short and cannot be read. Export it again.",
            field="file",
        ) from exc
    return image


def too_large_bytes(size: int) -> AppError:
    limit = settings.PHOTO_MAX_BYTES / 1024 / 1024
    return AppError(
        ErrorCode.PHOTO_TOO_LARGE,
        f"This file is {size / 1024 / 1024:.1f} MB; the limit is {limit:g} MB.",
        field="file",
    )


def too_many_pixels() -> AppError:
    return AppError(
        ErrorCode.PHOTO_TOO_LARGE,
        f"This picture has too many pixels (the limit is "
        f"{settings.PHOTO_MAX_PIXELS / 1_000_000:g} megapixels). Resize it first.",
        field="file",
    )


def normalised(image: Image.Image) -> Image.Image:
    """Upright (EXIF orientation applied), sRGB, 8-bit RGB, with no metadata at all."""
    image = ImageOps.exif_transpose(image)
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"))
            image = converted or image
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable profile: keep the pixels as they are
    clean = Image.new("RGB", image.size)  # no info, no EXIF, no ICC carried over
    clean.paste(image)
    return clean


def encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, **ENCODERS[fmt])
    return out.getvalue()


def placeholder_of(image: Image.Image) -> str:
    height = max(1, round(image.height * PLACEHOLDER_WIDTH / image.width))
    tiny = image.resize((PLACEHOLDER_WIDTH, height), Image.Resampling.BILINEAR)
    tiny = tiny.filter(ImageFilter.GaussianBlur(1))
    out = io.BytesIO()
    tiny.save(out, format="WEBP", quality=40)
    return "data:image/webp;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def make_variants(data: bytes) -> Processed:
    """Every variant of the photo in ``data`` (nothing is stored here)."""
    image = open_checked(data)
    source_format = ACCEPTED[image.format or ""]
    upright = normalised(image)
    digest = hashlib.sha256(data + RECIPE.encode()).hexdigest()[:20]
    variants: list[Variant] = []
    current = upright
    for width in widths_for(upright.width):
        height = max(1, round(upright.height * width / upright.width))
        if current.width != width:
            # each narrower variant from the previous one: much faster, same result
            current = current.resize((width, height), Image.Resampling.LANCZOS)
        for fmt in ENCODERS:
            name = f"v/{digest}-{width}.{fmt}"
            variants.append(Variant(name, fmt, width, height, encode(current, fmt)))
    widest = variants[0]
    return Processed(
        digest=digest,
        source_format=source_format,
        width=widest.width,
        height=widest.height,
        variants=variants,
        placeholder=placeholder_of(current),
    )
