"""Photos sent with a report: limited in size, decoded, and written anew as JPEG without metadata.

A phone's photo carries EXIF: the camera, the time and often the GPS position of the person who took it.
Nothing of the uploaded file is kept. The image is decoded (which refuses anything that is not an image),
turned upright by its EXIF orientation, shrunk to `LOFTE_EST_PHOTO_MAX_SIDE` pixels on its longest side
and saved as a new JPEG with no EXIF, ICC profile or comment, under a random name.

Reviewers see a stored photo first as a thumbnail (`thumbnail`), made from the stored JPEG when it is asked
for: one photo per page, and JPEG's draft mode decodes it at a fraction of its size, so no second file needs
to be kept in step with the first. `content_type` names a stored file's format from its first bytes, so a
photo is never served under a type it does not have.
"""

from __future__ import annotations

import io
import secrets
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from lofte.lib.refusals import ActionRefused

THUMBNAIL_SIDE = 480  # pixels: sharp at 240 CSS pixels on a high-density screen

# The formats a stored photo can have, by their first bytes (all photos Löfte stores are JPEG).
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))

# Decompression bombs: refuse images of more than this many pixels before decoding them.
MAX_PIXELS = 60_000_000


class PhotoRefused(ActionRefused):
    """The file is too large, too many pixels, or not an image that can be read; the message names the file."""


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


def content_type(head: bytes) -> str | None:
    """The image type of a stored file from its first bytes, or None when it is not one Löfte writes."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for signature, kind in SIGNATURES if head.startswith(signature)), None)


def thumbnail(data: bytes, side: int = THUMBNAIL_SIDE) -> bytes:
    """A small JPEG of a stored photo, at most `side` pixels on its longest side."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (side, side))
        small = image.convert("RGB")
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()
