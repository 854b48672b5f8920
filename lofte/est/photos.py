"""Photos sent with a report: limited in size, decoded, and written anew as JPEG without metadata.

A phone's photo carries EXIF: the camera, the time and often the GPS position of the person who took it.
Nothing of the uploaded file is kept. The image is decoded (which refuses anything that is not an image),
turned upright by its EXIF orientation, shrunk to `LOFTE_EST_PHOTO_MAX_SIDE` pixels on its longest side
and saved as a new JPEG with no EXIF, ICC profile or comment, under a random name.
"""

from __future__ import annotations

import io
import secrets
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Decompression bombs: refuse images of more than this many pixels before decoding them.
MAX_PIXELS = 60_000_000


class PhotoRefused(Exception):
    pass


def clean_photo(data: bytes, filename: str = "") -> ContentFile[bytes]:
    limit = settings.LOFTE_EST_PHOTO_MAX_BYTES
    if len(data) > limit:
        raise PhotoRefused(
            _("Fotot %(name)s är för stort (%(size)s MB); högst %(limit)s MB.")
            % {"name": filename, "size": _megabytes(len(data)), "limit": _megabytes(limit)}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise PhotoRefused(_("Fotot %(name)s har för många bildpunkter.") % {"name": filename})
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise PhotoRefused(
            _("Filen %(name)s går inte att läsa som en bild (JPEG, PNG, WebP eller HEIC-export som JPEG).")
            % {"name": filename}
        ) from None
    side = settings.LOFTE_EST_PHOTO_MAX_SIDE
    upright = upright.convert("RGB")
    upright.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=82, optimize=True, exif=b"")
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(16)}.jpg")


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")
