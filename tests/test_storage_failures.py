"""A full or read-only disk, and a cache that cannot be written (issue 18, point 8): a clear 503 page instead of a
traceback, a request and an action that go on without the cache, and an upload that leaves no partial file."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.cache.backends.base import BaseCache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError, transaction
from django.test import override_settings
from django.utils import timezone

from lofte.accounts.models import User
from lofte.audit.log import record
from lofte.audit.models import AuditEvent
from lofte.core.storage import is_storage_failure
from lofte.est.intake import IncidentInput, report_incidents
from lofte.est.models import Incident
from lofte.est.queries import categories_of
from lofte.lib.actors import SystemActor
from lofte.statistics.actions import ImportRefused, do_upload_import
from lofte.statistics.models import ImportJob
from tests.base import BaseTestCase
from tests.cases import TemporaryMedia

YEARLY = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)


class BrokenCache(BaseCache):
    """A cache whose every read and write fails, as a full or read-only var/cache does."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(params)

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, "Read-only file system")

    get = set = add = delete = get_many = set_many = incr = clear = _fail


BROKEN = {"default": {"BACKEND": "tests.test_storage_failures.BrokenCache"}}


class StoragePageTests(BaseTestCase):
    def test_it_knows_a_full_or_read_only_store(self) -> None:
        for message in ("disk I/O error", "database or disk is full", "attempt to write a readonly database"):
            self.assertTrue(is_storage_failure(OperationalError(message)), message)
        self.assertTrue(is_storage_failure(OSError(errno.ENOSPC, "No space left on device")))
        self.assertFalse(is_storage_failure(OperationalError("no such table: x")))
        self.assertFalse(is_storage_failure(ValueError("database or disk is full")))

    def test_it_answers_a_503_page_when_a_write_fails_for_a_full_disk(self) -> None:
        client = self.client_for(self.samordnare)
        with mock.patch(
            "lofte.partnerships.views.partnerships_for", side_effect=OperationalError("database or disk is full")
        ) as render:
            response = client.get("/samverkan/")
        self.assertTrue(render.called)
        self.assertEqual(response.status_code, 503)
        self.assertContains(response, "serverns lagring är full eller skrivskyddad", status_code=503)
        self.assertContains(response, "Förvaltaren av Löfte behöver frigöra utrymme", status_code=503)
        self.assertTemplateUsed(response, "base.html")


@override_settings(CACHES=BROKEN)
class BrokenCacheTests(BaseTestCase):
    def test_it_serves_the_public_page_without_a_cache(self) -> None:
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)

    def test_it_serves_a_kommuns_public_page_without_a_cache(self) -> None:
        response = self.client.get("/kommun/0586/")
        self.assertEqual(response.status_code, 200)

    def test_it_keeps_an_est_report_when_the_cache_cannot_be_written(self) -> None:
        """A report makes the kommun's public pages stale (a cache write): a failing cache must not lose it."""
        category = next(c for c in categories_of(self.partnership_a) if c.code == "skadegorelse.klotter")
        item = IncidentInput(
            category=category,
            occurred_at=timezone.now() - timedelta(hours=2),
            latitude=58.3255,
            longitude=15.1273,
            description="Klotter på gaveln.",
        )
        membership = self.reporter.memberships.filter(organisation__partnerships=self.partnership_a).first()
        assert membership is not None
        with self.captureOnCommitCallbacks(execute=True):
            (incident,) = report_incidents(
                self.partnership_a,
                [item],
                reporter=self.reporter,
                organisation=membership.organisation,
                actor=self.reporter,
                source="web",
            )
        self.assertTrue(Incident.objects.filter(pk=incident.pk, description="Klotter på gaveln.").exists())

    def test_it_commits_an_action_whose_cache_bump_fails(self) -> None:
        with transaction.atomic():
            record("est.report", actor=SystemActor("test"), obj=self.partnership_a, partnership=self.partnership_a)
        self.assertTrue(AuditEvent.objects.filter(action="est.report").exists())


class UploadTests(BaseTestCase):
    def test_it_leaves_no_partial_file_when_the_disk_fills_up(self) -> None:
        real_fdopen = os.fdopen

        def half_then_full(fd: int, mode: str) -> Any:
            handle = real_fdopen(fd, mode)
            real_write = handle.write

            def write(data: bytes) -> int:
                real_write(data[: len(data) // 2])
                raise OSError(errno.ENOSPC, "No space left on device")

            handle.write = write
            return handle

        operator = User.objects.get(is_superuser=True)
        with (
            mock.patch("lofte.lib.files.os.fdopen", side_effect=half_then_full),
            self.assertRaises(ImportRefused) as refused,
        ):
            do_upload_import(YEARLY.read_bytes(), YEARLY.name, actor=operator)
        self.assertIn("lagringen är full", refused.exception.message)
        self.assertFalse(ImportJob.objects.exists())
        uploads = Path(settings.VAR_DIR) / "uploads"
        self.assertEqual(list(uploads.iterdir()) if uploads.exists() else [], [])


class PhotoStorageTests(TemporaryMedia, BaseTestCase):
    """Photos and documents go through Django's default storage, which writes each file whole or not at all."""

    def test_a_photo_cut_short_by_a_full_disk_leaves_no_file(self) -> None:
        class FillsUp(ContentFile):
            def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
                yield b"\xff\xd8" + b"x" * 4096  # half a photo is written, then the disk is full
                raise OSError(errno.ENOSPC, "No space left on device")

        with self.assertRaises(OSError):
            default_storage.save("est/2026/foto.jpg", FillsUp(b""))
        self.assertEqual([path for path in self.media.rglob("*") if path.is_file()], [])

    def test_a_whole_photo_is_stored_private_and_never_replaces_another(self) -> None:
        first = default_storage.save("est/foto.jpg", ContentFile(b"first"))
        second = default_storage.save("est/foto.jpg", ContentFile(b"second"))
        self.assertNotEqual(first, second)
        self.assertEqual((self.media / first).read_bytes(), b"first")
        self.assertEqual((self.media / second).read_bytes(), b"second")
        self.assertEqual(stat.S_IMODE((self.media / second).stat().st_mode), settings.FILE_UPLOAD_PERMISSIONS)
        self.assertEqual([path.name for path in (self.media / "est").iterdir() if path.name.startswith(".")], [])
