"""A report's photo keeps nothing but its pixels (issue 15, point 8).

Each file is built here with Pillow, carrying a name and a personnummer (and GPS) in one of the places an image
file can hide text: a JPEG comment, XMP, IPTC in Photoshop's APP13, an EXIF thumbnail with its own GPS, a PNG's
tEXt, iTXt and eXIf chunks, a GIF's comment extension, an ICC profile. It is sent through the reporting form, and
the stored file, the photo as served and its thumbnail are searched byte for byte and read back with Pillow.
"""

from __future__ import annotations

import importlib
import io
import struct
from datetime import timedelta
from typing import Any

import time_machine
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from lofte.audit.models import AuditEvent
from lofte.est.models import Incident
from lofte.est.queries import categories_of
from tests.base import BaseTestCase
from tests.cases import EST, TemporaryMedia, route

NOW = "2026-05-20 12:00 +02:00"
MJOLBY = (58.3255, 15.1273)
SECRET = "Anna Svensson 850709-9805"
# What must not be found in any byte of what is stored or served.
NEEDLES = (b"Anna", b"Svensson", b"850709", b"9805", b"Exif", b"ns.adobe.com", b"Photoshop", b"8BIM", b"ICC_PROFILE")
# A JPEG written anew holds these segments and no other (no APPn but JFIF's APP0, no COM).
PIXEL_SEGMENTS = {0xD8, 0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD, 0xDA}


def picture(size: tuple[int, int] = (64, 48), colour: str = "red") -> Image.Image:
    return Image.new("RGB", size, colour)


def encoded(image: Image.Image, fmt: str, **params: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Kamera AB"
    exif[0x010E] = SECRET  # ImageDescription
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (58.0, 19.0, 32.0), 3: "E", 4: (15.0, 7.0, 38.0)}
    return exif


def jpeg_with_comment() -> bytes:
    return encoded(picture(), "JPEG", comment=SECRET.encode())


def jpeg_with_xmp() -> bytes:
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="' + SECRET + '"/>'
        "</rdf:RDF></x:xmpmeta>"
    )
    return encoded(picture(), "JPEG", xmp=xmp.encode())


def jpeg_with_iptc() -> bytes:
    """IPTC's caption (2:120) in Photoshop's image resource 0x0404, in an APP13 segment."""
    caption = SECRET.encode()
    iptc = b"\x1c\x02\x78" + struct.pack(">H", len(caption)) + caption
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    payload = b"Photoshop 3.0\x00" + resource + b"\x00" * (len(iptc) % 2)
    return encoded(picture(), "JPEG", extra=b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload)


def jpeg_with_gps_thumbnail() -> bytes:
    """EXIF with GPS in the main image and, in IFD1, a thumbnail that is a JPEG with its own GPS and comment.

    Pillow writes no IFD1, so the TIFF structure is put together here (big-endian): IFD0 points to the GPS IFD and
    on to IFD1, which gives the thumbnail's offset and length."""
    thumb = encoded(picture((16, 12), "blue"), "JPEG", exif=gps_exif(), comment=SECRET.encode())
    gps_at, rational_at, ifd1_at, thumb_at = 26, 56, 80, 110
    entry = struct.Struct(">HHI4s")
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += struct.pack(">H", 1) + entry.pack(0x8825, 4, 1, struct.pack(">I", gps_at)) + struct.pack(">I", ifd1_at)
    tiff += struct.pack(">H", 2) + entry.pack(1, 2, 2, b"N\x00\x00\x00")
    tiff += entry.pack(2, 5, 3, struct.pack(">I", rational_at)) + struct.pack(">I", 0)
    tiff += struct.pack(">6I", 58, 1, 19, 1, 32, 1)
    tiff += struct.pack(">H", 2) + entry.pack(0x0201, 4, 1, struct.pack(">I", thumb_at))
    tiff += entry.pack(0x0202, 4, 1, struct.pack(">I", len(thumb))) + struct.pack(">I", 0)
    assert len(tiff) == thumb_at
    return encoded(picture(), "JPEG", exif=b"Exif\x00\x00" + tiff + thumb)


def jpeg_with_icc_profile() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encoded(picture(), "JPEG", icc_profile=profile, comment=SECRET.encode())


def png_with_text_chunks() -> bytes:
    chunks = PngImagePlugin.PngInfo()
    chunks.add_text("Author", SECRET)
    chunks.add_itxt("Description", SECRET, lang="sv", tkey="Beskrivning")
    chunks.add_text("Comment", SECRET, zip=True)
    return encoded(picture(), "PNG", pnginfo=chunks, exif=gps_exif())


def gif_with_comment() -> bytes:
    return encoded(picture().convert("P"), "GIF", comment=SECRET.encode())


def animated_gif_with_comments() -> bytes:
    frames = [picture(colour="red").convert("P"), picture(colour="blue").convert("P")]
    return encoded(
        frames[0], "GIF", save_all=True, append_images=frames[1:], comment=SECRET.encode(), duration=100, loop=0
    )


CARRIERS = {
    "jpeg-comment": ("foto.jpg", "image/jpeg", jpeg_with_comment),
    "jpeg-xmp": ("foto.jpg", "image/jpeg", jpeg_with_xmp),
    "jpeg-iptc": ("foto.jpg", "image/jpeg", jpeg_with_iptc),
    "jpeg-exif-thumbnail-gps": ("foto.jpg", "image/jpeg", jpeg_with_gps_thumbnail),
    "jpeg-icc": ("foto.jpg", "image/jpeg", jpeg_with_icc_profile),
    "png-text-itxt-exif": ("foto.png", "image/png", png_with_text_chunks),
    "gif-comment": ("foto.gif", "image/gif", gif_with_comment),
    "gif-animated": ("foto.gif", "image/gif", animated_gif_with_comments),
}


def jpeg_segments(data: bytes) -> list[int]:
    """The markers of a JPEG's segments up to the image data (SOS)."""
    markers, at = [], 2
    assert data[:2] == b"\xff\xd8"
    while at < len(data):
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        at += 2 + struct.unpack(">H", data[at + 2 : at + 4])[0]
    return markers


@time_machine.travel(NOW, tick=False)
class PhotoMetadataTest(TemporaryMedia, BaseTestCase):
    def url(self, name: str, *args: Any) -> str:
        return reverse(route(name, EST), args=["mjolby", *args])

    def upload(self, name: str, content_type: str, content: bytes) -> Incident:
        category = next(c for c in categories_of(self.partnership_a) if c.code == "skadegorelse.klotter")
        moment = timezone.localtime(timezone.now() - timedelta(hours=1))
        fields = {
            "category": category.pk,
            "occurred_at": moment.strftime("%Y-%m-%dT%H:%M"),
            "occurred_fold": str(moment.fold),
            "latitude": MJOLBY[0],
            "longitude": MJOLBY[1],
            "photo": SimpleUploadedFile(name, content, content_type=content_type),
        }
        data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "1"}
        data.update({f"form-0-{key}": value for key, value in fields.items()})
        response = self.client_for(self.reporter).post(self.url("report"), data)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None) and response.context)
        return Incident.objects.latest("pk")

    def served(self, incident: Incident) -> dict[str, bytes]:
        with incident.photo.open("rb") as handle:
            stored = handle.read()
        client = self.client_for(self.samordnare)
        photo = client.get(self.url("photo", incident.pk))
        small = client.get(self.url("photo_thumbnail", incident.pk))
        self.assertEqual((photo.status_code, small.status_code), (200, 200))
        return {"stored": stored, "served": b"".join(photo.streaming_content), "thumbnail": small.content}

    def assert_only_pixels(self, data: bytes) -> None:
        for needle in NEEDLES:
            self.assertNotIn(needle, data)
            self.assertNotIn(needle.decode().encode("utf-16-be"), data)  # as XMP or iTXt could also spell it
        self.assertLessEqual(set(jpeg_segments(data)), PIXEL_SEGMENTS)
        with Image.open(io.BytesIO(data)) as image:
            self.assertEqual(image.format, "JPEG")
            self.assertEqual(getattr(image, "n_frames", 1), 1)
            self.assertEqual(dict(image.getexif()), {})
            self.assertEqual(image.getexif().get_ifd(ExifTags.IFD.GPSInfo), {})
            self.assertEqual(image.getexif().get_ifd(ExifTags.IFD.IFD1), {})
            kept = set(image.info) - {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive"}
            self.assertEqual(kept, set(), image.info)
            self.assertEqual(image.getxmp(), {})
            self.assertIsNone(image.app.get("COM"))

    def test_the_test_files_carry_what_they_claim(self) -> None:
        for carrier, (_name, _type, build) in CARRIERS.items():
            with self.subTest(carrier):
                self.assertIn(b"850709", build())
        with Image.open(io.BytesIO(jpeg_with_gps_thumbnail())) as image:
            exif = image.getexif()
            self.assertEqual(exif.get_ifd(ExifTags.IFD.GPSInfo)[1], "N")
            thumbnail_length = exif.get_ifd(ExifTags.IFD.IFD1)[0x0202]
            self.assertGreater(thumbnail_length, 100)
        with Image.open(io.BytesIO(jpeg_with_iptc())) as image:
            self.assertIn(b"850709", image.applist[-1][1] if image.applist[-1][0] == "APP13" else b"")
        with Image.open(io.BytesIO(png_with_text_chunks())) as image:
            self.assertEqual(image.info["Author"], SECRET)
            self.assertEqual(image.getexif().get_ifd(ExifTags.IFD.GPSInfo)[1], "N")
        with Image.open(io.BytesIO(animated_gif_with_comments())) as image:
            self.assertEqual(image.n_frames, 2)
            self.assertEqual(image.info["comment"], SECRET.encode())

    def test_it_keeps_nothing_but_the_pixels(self) -> None:
        for carrier, (name, content_type, build) in CARRIERS.items():
            with self.subTest(carrier):
                incident = self.upload(name, content_type, build())
                for where, data in self.served(incident).items():
                    with self.subTest(carrier=carrier, where=where):
                        self.assert_only_pixels(data)

    def test_it_keeps_the_first_frame_of_an_animated_gif(self) -> None:
        incident = self.upload("foto.gif", "image/gif", animated_gif_with_comments())
        with Image.open(io.BytesIO(self.served(incident)["stored"])) as image:
            red, _green, blue = image.convert("RGB").getpixel((32, 24))  # type: ignore[misc]
        self.assertGreater(red, 200)
        self.assertLess(blue, 60)

    def test_it_keeps_a_photo_whose_colour_profile_cannot_be_read_without_the_profile(self) -> None:
        broken = encoded(picture(), "JPEG", icc_profile=b"inte en profil " + SECRET.encode())
        incident = self.upload("foto.jpg", "image/jpeg", broken)
        for data in self.served(incident).values():
            self.assert_only_pixels(data)

    def test_the_migration_writes_photos_stored_before_anew_under_their_names(self) -> None:
        rewrite = importlib.import_module("lofte.est.migrations.0006_write_stored_photos_from_pixels").rewrite
        incident = self.upload("foto.jpg", "image/jpeg", jpeg_with_comment())
        name = incident.photo.name
        with incident.photo.open("wb") as handle:  # as a photo stored before this fix: its comment kept
            handle.write(jpeg_with_comment())
        missing = self.upload("foto.jpg", "image/jpeg", jpeg_with_comment())
        missing.photo.delete(save=False)
        Incident.objects.filter(pk=missing.pk).update(photo="est/2026/05/borta.jpg")

        rewrite(django_apps, None)

        incident.refresh_from_db()
        self.assertEqual(incident.photo.name, name)
        for data in self.served(incident).values():
            self.assert_only_pixels(data)
        event = AuditEvent.objects.get(action="est.photos_rewritten")
        self.assertEqual(event.changes, {"rewritten": 1, "unreadable": 1})
