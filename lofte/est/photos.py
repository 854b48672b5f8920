"""Photos sent with a report: limited in size, decoded, and written anew as JPEG from their pixels alone.

A phone's photo carries EXIF: the camera, the time and often the GPS position of the person who took it. Other
files carry a name or a personnummer where no one looks: a JPEG comment (COM), XMP, IPTC in Photoshop's APP13,
an EXIF thumbnail with GPS of its own, a PNG's tEXt, zTXt, iTXt and eXIf chunks, a GIF's comment extension.
Nothing of the uploaded file is kept but its pixels. The image is decoded (which refuses anything that is not
an image), turned upright by its EXIF orientation, converted to sRGB through its ICC profile when it has one
(a profile that cannot be read is ignored), shrunk to `LOFTE_EST_PHOTO_MAX_SIDE` pixels on its longest side,
copied into a new image made from the pixel bytes alone (no info dictionary travels with it: Pillow writes a
JPEG comment, XMP or a profile it finds there), and saved as a new JPEG under a random name. The stored JPEG
holds JFIF's header, the tables and the image data, nothing else.

Of an animated image (GIF, APNG, WebP) or a file with several pictures (MPO) only the first frame is kept: a
report needs one picture, and refusing a GIF from a messaging app would cost the reporter more than it protects.

Reviewers see a stored photo first as a thumbnail (`thumbnail`), made from the stored JPEG when it is asked
for: one photo per page, and JPEG's draft mode decodes it at a fraction of its size, so no second file needs
to be kept in step with the first. The thumbnail too is written from pixels alone, so a photo stored before
this module kept only pixels shows no comment in its thumbnail. `content_type` names a stored file's format
from its first bytes, so a photo is never served under a type it does not have.
"""

from __future__ import annotations

import io
import secrets
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from lofte.lib.refusals import ActionRefused

THUMBNAIL_SIDE = 480  # pixels: sharp at 240 CSS pixels on a high-density screen

# The formats a stored photo can have, by their first bytes (all photos Löfte stores are JPEG).
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))

# Decompression bombs: refuse images of more than this many pixels before decoding them.
MAX_PIXELS = 60_000_000

SRGB = ImageCms.createProfile("sRGB")


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
                image.seek(0)  # the first frame of an animation (see above)
                image.load()
                upright = _in_srgb(ImageOps.exif_transpose(image))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise PhotoRefused(
            _("Filen %(name)s går inte att läsa som en bild (JPEG, PNG, WebP eller HEIC-export som JPEG).")
            % {"name": filename}
        ) from None
    side = settings.LOFTE_EST_PHOTO_MAX_SIDE
    upright.thumbnail((side, side), Image.Resampling.LANCZOS)
    return ContentFile(_jpeg(upright, quality=82), name=f"{secrets.token_hex(16)}.jpg")


def _in_srgb(image: Image.Image) -> Image.Image:
    """The image in RGB, its colours converted from its ICC profile to sRGB when it has a profile that can be read."""
    profile = image.info.get("icc_profile")
    if profile:
        source = image if image.mode in ("RGB", "CMYK", "L") else image.convert("RGB")
        try:
            converted = ImageCms.profileToProfile(
                source, ImageCms.ImageCmsProfile(io.BytesIO(profile)), SRGB, outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None
        if converted is not None:
            return converted
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    """A JPEG of the RGB image's pixels and nothing else: a new image from the pixel bytes has an empty info
    dictionary, so Pillow finds no comment, XMP, EXIF or ICC profile to write."""
    pixels = Image.frombytes("RGB", image.size, image.tobytes())
    out = io.BytesIO()
    pixels.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


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
    return _jpeg(small, quality=80)
